using Backprop;

namespace NumericalGradient;

/// <summary>The bowl <c>f(x0, x1) = x0² + x1²</c>, whose minimum is at the origin.</summary>
public static partial class Bowl
{
    /// <summary>The bowl's height at (x0, x1).</summary>
    [Differentiable]
    public static double F(double x0, double x1) => x0 * x0 + x1 * x1;

    /// <summary>The same bowl over a point given as an array, for <c>GradientCheck</c>.</summary>
    [Differentiable]
    public static double At(double[] x) => x[0] * x[0] + x[1] * x[1];
}
