using System;

namespace Backprop;

/// <summary>
/// Marks a method for compile-time reverse-mode differentiation. The Backprop.Gen generator emits a sibling
/// <c>&lt;Method&gt;Backward</c> method into the same (partial) type that returns the method's value and adds
/// <c>seed · ∂result/∂p</c> to one adjoint parameter per differentiable parameter <c>p</c>.
/// </summary>
/// <remarks>
/// A parameter is differentiable when its type is <see cref="double"/> or <see cref="float"/>, a one- or
/// two-dimensional array of those, or a <see cref="Span{T}"/>/<see cref="ReadOnlySpan{T}"/> of those, unless it is
/// marked <see cref="NoDerivativeAttribute"/> or left out of an explicit list given to this attribute.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class DifferentiableAttribute : Attribute
{
    /// <summary>Differentiates with respect to every differentiable parameter, or only the ones named.</summary>
    /// <param name="wrt">The parameters to differentiate with respect to (use <c>nameof</c>); empty means all.</param>
    public DifferentiableAttribute(params string[] wrt) => Wrt = wrt ?? Array.Empty<string>();

    /// <summary>The parameters to differentiate with respect to; empty means every differentiable parameter.</summary>
    public string[] Wrt { get; }

    /// <summary>
    /// Which derivatives to generate: <see cref="DifferentiationModes.Reverse"/> (the default) emits
    /// <c>&lt;Method&gt;Backward</c>, <see cref="DifferentiationModes.Forward"/> emits <c>&lt;Method&gt;Tangent</c>, and
    /// <see cref="DifferentiationModes.SecondOrder"/> (which implies both) adds <c>&lt;Method&gt;HessianVector</c>.
    /// </summary>
    public DifferentiationModes Modes { get; set; } = DifferentiationModes.Reverse;

    /// <summary>
    /// Whether callers recompute this method's forward pass in their reverse sweep (a checkpoint) instead of keeping
    /// what its reverse sweep reads. By default a generated caller runs a <c>[Differentiable]</c> callee once: its
    /// forward pass records the values its reverse sweep needs (a tape of pooled buffers), and the reverse sweep reads
    /// them. A checkpoint keeps nothing and runs the callee's forward pass again instead, trading time for memory, as
    /// <c>torch.utils.checkpoint</c> and JAX's <c>remat</c> do: use it on the big steps of a long chain whose saved
    /// values would not fit in memory.
    /// </summary>
    public bool Checkpoint { get; set; }
}

/// <summary>The derivatives a <see cref="DifferentiableAttribute"/> method gets.</summary>
[Flags]
public enum DifferentiationModes
{
    /// <summary>Reverse mode: <c>&lt;Method&gt;Backward</c>, the value and the gradient.</summary>
    Reverse = 1,

    /// <summary>Forward mode: <c>&lt;Method&gt;Tangent</c>, the value and a directional derivative.</summary>
    Forward = 2,

    /// <summary>Second order: <c>&lt;Method&gt;HessianVector</c> (and <c>&lt;Method&gt;Hessian</c> for scalars); implies both others.</summary>
    SecondOrder = 4,
}

/// <summary>
/// Excludes a parameter of a <see cref="DifferentiableAttribute"/> method from differentiation: it is treated as a
/// constant and gets no adjoint parameter in the generated Backward. On a field or property of a model class, it
/// excludes that member from the model's gradients.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class NoDerivativeAttribute : Attribute
{
}

/// <summary>
/// Declares a hand-written derivative for a method that cannot be annotated, such as one from another library.
/// The marked method must have the Backward contract signature of the target: the target's parameters, then one
/// adjoint per floating-point parameter, then <c>seed</c>. Every call to the target inside a
/// <see cref="DifferentiableAttribute"/> method then goes through the marked method.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class DerivativeOfAttribute : Attribute
{
    /// <summary>Registers the marked method as the derivative of <paramref name="type"/>.<paramref name="methodName"/>.</summary>
    /// <param name="type">The type that declares the target method.</param>
    /// <param name="methodName">The target method's name (use <c>nameof</c>).</param>
    public DerivativeOfAttribute(Type type, string methodName)
    {
        Type = type;
        MethodName = methodName;
    }

    /// <summary>The type that declares the target method.</summary>
    public Type Type { get; }

    /// <summary>The target method's name.</summary>
    public string MethodName { get; }
}

/// <summary>
/// Marks the adjoint parameter of an <em>output</em> (an array the primal writes) in a Backward method: it carries the
/// incoming gradient of that output, is read, and is left unchanged. Generated Backward methods carry it so that callers
/// in other assemblies know which arrays a call writes; put it on the output adjoints of a hand-written derivative whose
/// primal has no source the generator can see.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class OutputAdjointAttribute : Attribute
{
}
