using System;
using System.Numerics;

namespace Backprop.Nn;

/// <summary>
/// Scalar activation functions, each <see cref="DifferentiableAttribute">[Differentiable]</see> and generic over the
/// floating type (<c>double</c>, <c>float</c>, any <see cref="IFloatingPointIeee754{TSelf}"/>): call them from your own
/// [Differentiable] code and the generator chains through their generated <c>…Backward</c>, <c>…Tangent</c> and
/// <c>…HessianVector</c> methods.
/// </summary>
public static partial class Activations
{
    /// <summary>The logistic sigmoid <c>1 / (1 + e^−x)</c>, computed without overflow for large |x|.</summary>
    /// <typeparam name="T">The floating type.</typeparam>
    /// <param name="x">The input.</param>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static T Sigmoid<T>(T x) where T : IFloatingPointIeee754<T>
    {
        if (x >= T.Zero) return T.One / (T.One + T.Exp(-x));
        T e = T.Exp(x);
        return e / (T.One + e);
    }

    /// <summary>The hyperbolic tangent.</summary>
    /// <typeparam name="T">The floating type.</typeparam>
    /// <param name="x">The input.</param>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static T Tanh<T>(T x) where T : IFloatingPointIeee754<T> => T.Tanh(x);

    /// <summary>The rectifier <c>max(x, 0)</c>; its derivative at 0 is taken as 0.</summary>
    /// <typeparam name="T">The floating type.</typeparam>
    /// <param name="x">The input.</param>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static T Relu<T>(T x) where T : IFloatingPointIeee754<T> => x > T.Zero ? x : T.Zero;

    /// <summary>The leaky rectifier: <c>x</c> where <c>x &gt; 0</c>, else <c>slope · x</c>.</summary>
    /// <typeparam name="T">The floating type.</typeparam>
    /// <param name="x">The input.</param>
    /// <param name="slope">The slope for negative inputs, a constant (no derivative is taken with respect to it).</param>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static T LeakyRelu<T>(T x, [NoDerivative] T slope) where T : IFloatingPointIeee754<T> => x > T.Zero ? x : slope * x;

    /// <summary>The leaky rectifier with slope 0.01 for negative inputs.</summary>
    /// <typeparam name="T">The floating type.</typeparam>
    /// <param name="x">The input.</param>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static T LeakyRelu<T>(T x) where T : IFloatingPointIeee754<T> => x > T.Zero ? x : T.CreateChecked(0.01) * x;

    /// <summary>
    /// The softplus <c>ln(1 + e^x)</c>, a smooth rectifier, computed as <c>max(x, 0) + ln(1 + e^−|x|)</c> (with the series of
    /// ln(1 + u) for tiny u) so that it neither overflows nor loses precision for large |x|. Its derivative is the sigmoid.
    /// </summary>
    /// <typeparam name="T">The floating type.</typeparam>
    /// <param name="x">The input.</param>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static T Softplus<T>(T x) where T : IFloatingPointIeee754<T>
    {
        T u = T.Exp(-T.Abs(x));
        // ln(1 + u) by its series where 1 + u would round away u's digits.
        T log1p = u < SeriesBelow<T>() ? u * (T.One - u * (T.CreateChecked(0.5) - u * (T.One / T.CreateChecked(3) - T.CreateChecked(0.25) * u))) : T.Log(T.One + u);
        return x > T.Zero ? x + log1p : log1p;
    }

    /// <summary>
    /// Where <see cref="Softplus{T}(T)"/> switches to the series: 1e-4 for <c>double</c>, 1e-2 for the coarser
    /// <c>float</c> (and other types of at most its precision).
    /// </summary>
    private static T SeriesBelow<T>() where T : IFloatingPointIeee754<T> =>
        T.CreateChecked(T.BitIncrement(T.One) - T.One < T.CreateChecked(1e-9) ? 1e-4 : 1e-2);
}
