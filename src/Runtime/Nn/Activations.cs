using System;

namespace Backprop.Nn;

/// <summary>
/// Scalar activation functions, each <see cref="DifferentiableAttribute">[Differentiable]</see>: call them from your
/// own [Differentiable] code and the generator chains through their generated <c>…Backward</c>, <c>…Tangent</c> and
/// <c>…HessianVector</c> methods. Every function has a <see cref="double"/> and a <see cref="float"/> overload.
/// </summary>
public static partial class Activations
{
    /// <summary>The logistic sigmoid <c>1 / (1 + e^−x)</c>, computed without overflow for large |x|.</summary>
    /// <param name="x">The input.</param>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static double Sigmoid(double x)
    {
        if (x >= 0) return 1 / (1 + Math.Exp(-x));
        double e = Math.Exp(x);
        return e / (1 + e);
    }

    /// <inheritdoc cref="Sigmoid(double)"/>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static float Sigmoid(float x)
    {
        if (x >= 0) return 1 / (1 + MathF.Exp(-x));
        float e = MathF.Exp(x);
        return e / (1 + e);
    }

    /// <summary>The hyperbolic tangent.</summary>
    /// <param name="x">The input.</param>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static double Tanh(double x) => Math.Tanh(x);

    /// <inheritdoc cref="Tanh(double)"/>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static float Tanh(float x) => MathF.Tanh(x);

    /// <summary>The rectifier <c>max(x, 0)</c>; its derivative at 0 is taken as 0.</summary>
    /// <param name="x">The input.</param>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static double Relu(double x) => x > 0 ? x : 0;

    /// <inheritdoc cref="Relu(double)"/>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static float Relu(float x) => x > 0 ? x : 0;

    /// <summary>The leaky rectifier: <c>x</c> where <c>x &gt; 0</c>, else <c>slope · x</c>.</summary>
    /// <param name="x">The input.</param>
    /// <param name="slope">The slope for negative inputs, a constant (no derivative is taken with respect to it).</param>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static double LeakyRelu(double x, [NoDerivative] double slope = 0.01) => x > 0 ? x : slope * x;

    /// <inheritdoc cref="LeakyRelu(double, double)"/>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static float LeakyRelu(float x, [NoDerivative] float slope = 0.01f) => x > 0 ? x : slope * x;

    /// <summary>
    /// The softplus <c>ln(1 + e^x)</c>, a smooth rectifier, computed as <c>max(x, 0) + ln(1 + e^−|x|)</c> (with the series of
    /// ln(1 + u) for tiny u) so that it neither overflows nor loses precision for large |x|. Its derivative is the sigmoid.
    /// </summary>
    /// <param name="x">The input.</param>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static double Softplus(double x)
    {
        double u = Math.Exp(-Math.Abs(x));
        // ln(1 + u) by its series where 1 + u would round away u's digits.
        double log1p = u < 1e-4 ? u * (1 - u * (0.5 - u * (1.0 / 3 - 0.25 * u))) : Math.Log(1 + u);
        return x > 0 ? x + log1p : log1p;
    }

    /// <inheritdoc cref="Softplus(double)"/>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static float Softplus(float x)
    {
        float u = MathF.Exp(-MathF.Abs(x));
        float log1p = u < 1e-2f ? u * (1 - u * (0.5f - u * (1f / 3 - 0.25f * u))) : MathF.Log(1 + u);
        return x > 0 ? x + log1p : log1p;
    }
}
