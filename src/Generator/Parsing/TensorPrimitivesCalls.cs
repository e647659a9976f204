using System.Collections.Immutable;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Microsoft.CodeAnalysis;

namespace Backprop.Gen.Parsing;

/// <summary>
/// Calls to <c>System.Numerics.Tensors.TensorPrimitives</c> span operations (<c>Dot</c>, <c>Sum</c>, <c>Exp</c>,
/// <c>SoftMax</c>…) in a [Differentiable] method. The call stays in the forward pass as the user wrote it, SIMD and
/// all; its derivatives are the runtime's rules in <c>Backprop.CompilerServices.TensorPrimitivesDerivatives</c>
/// (<c>DotPullback&lt;double&gt;</c>, <c>ExpTangent&lt;float&gt;</c>…), which have the contract's signatures with the
/// operation's parameter names. An operation without a rule stays an opaque call (BPG0201 when a derivative flows).
/// </summary>
internal static class TensorPrimitivesCalls
{
    /// <summary>The runtime type holding the rules.</summary>
    public const string RulesType = "Backprop.CompilerServices.TensorPrimitivesDerivatives";

    /// <summary>Whether <paramref name="method"/> is declared by <c>System.Numerics.Tensors.TensorPrimitives</c>.</summary>
    public static bool IsTensorPrimitives(IMethodSymbol method) =>
        method.ContainingType is { Name: "TensorPrimitives", ContainingNamespace: { Name: "Tensors" } tensors } && Contract.InSystemNumerics(tensors);

    /// <summary>
    /// The derivatives of a <c>TensorPrimitives</c> call over <c>float</c> or <c>double</c> spans, or null when the
    /// operation has no rule (or the element type is another).
    /// </summary>
    public static Callee? Resolve(IMethodSymbol target, Compilation compilation)
    {
        if (!IsTensorPrimitives(target) || ElementType(target) is not { } element) return null;
        if (compilation.GetTypeByMetadataName(RulesType) is not { } rules) return null;

        IMethodSymbol? backward = Find(rules, target.Name + Contract.BackwardSuffix, target, element);
        if (backward is null) return null;

        ImmutableArray<bool> mask = Contract.DifferentiableMask(target);
        var names = target.Parameters.Select(p => p.Name).ToList();
        var parameters = target.Parameters.Select((p, i) =>
        {
            string adjoint = Contract.AdjointName(names, i);
            bool output = backward.Parameters.Any(q => q.Name == adjoint && Contract.HasAttribute(q, Contract.OutputAdjointAttribute));
            return new CalleeParameter(p.Name, Contract.TypeOf(p.Type), mask[i], output);
        }).ToEquatableArray();

        Modes modes = Modes.Reverse;
        if (Find(rules, target.Name + "Tangent", target, element, tangent: true) is not null) modes |= Modes.Forward;
        bool hasPullback = Find(rules, target.Name + "Pullback", target, element, pullback: true) is not null;
        string typeArguments = "<" + element.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + ">";
        string stem = "global::" + RulesType + "." + target.Name;
        return new Callee("TensorPrimitives." + target.Name, stem + Contract.BackwardSuffix, parameters, Modes: modes, HasPullback: hasPullback,
            TypeArguments: typeArguments, Stem: stem, Origin: CalleeOrigin.TensorPrimitives);
    }

    /// <summary>
    /// The one element type of the operation's spans, <c>float</c>, <c>double</c> or a generic-math <c>T</c>: the generic methods' type argument, or
    /// the element of the <c>float</c> overloads' spans.
    /// </summary>
    private static ITypeSymbol? ElementType(IMethodSymbol target)
    {
        ITypeSymbol? element = target.IsGenericMethod && target.TypeArguments.Length == 1
            ? target.TypeArguments[0]
            : target.Parameters.Select(p => p.Type).OfType<INamedTypeSymbol>()
                .FirstOrDefault(t => t.IsGenericType && t.OriginalDefinition.MetadataName is "Span`1" or "ReadOnlySpan`1")?.TypeArguments[0];
        // A generic-math caller's T is one too: the runtime's rules are generic over IFloatingPointIeee754<T>.
        return element?.SpecialType is SpecialType.System_Double or SpecialType.System_Single
            || element is ITypeParameterSymbol parameter && Contract.IsFloatingTypeParameter(parameter) ? element : null;
    }

    /// <summary>
    /// The rule named <paramref name="name"/> for <paramref name="target"/>'s overload: its first parameters are the
    /// operation's. A Backward must have the contract's signature; a Pullback or Tangent is matched by its primal part.
    /// </summary>
    private static IMethodSymbol? Find(INamedTypeSymbol rules, string name, IMethodSymbol target, ITypeSymbol element, bool tangent = false,
        bool pullback = false)
    {
        foreach (IMethodSymbol candidate in rules.GetMembers(name).OfType<IMethodSymbol>())
        {
            if (candidate.TypeParameters.Length != 1) continue;
            IMethodSymbol constructed = candidate.Construct(element);
            bool primalMatches = constructed.Parameters.Length > target.Parameters.Length
                && target.Parameters.Select((p, i) => SymbolEqualityComparer.Default.Equals(p.Type, constructed.Parameters[i].Type)).All(same => same);
            if (primalMatches && (tangent || pullback || Contract.CheckSignature(target, constructed) is null)) return constructed;
        }

        return null;
    }
}
