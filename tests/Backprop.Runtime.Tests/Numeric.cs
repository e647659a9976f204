using System;
using System.Linq;
using Xunit;

namespace Backprop.Runtime.Tests;

/// <summary>Finite-difference helpers shared by the toolkit's gradient tests.</summary>
internal static class Numeric
{
    /// <summary>Asserts that an accumulated gradient matches <see cref="GradientCheck"/>'s finite differences.</summary>
    public static void AssertGradient(Func<double[], double> f, Action<double[], double[]> accumulate, double[] x, double tolerance = 1e-6)
    {
        GradientCheckResult result = GradientCheck.Check(f, accumulate, x);
        Assert.True(result.Passed(tolerance), $"at x = ({string.Join(", ", x.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}): {result}");
    }

    /// <summary>A central difference of a scalar function.</summary>
    public static double Derivative(Func<double, double> f, double x, double h = 1e-5) => (f(x + h) - f(x - h)) / (2 * h);

    /// <summary>Random values in (−scale, scale).</summary>
    public static double[] RandomVector(Random random, int length, double scale = 1) =>
        Enumerable.Range(0, length).Select(_ => (random.NextDouble() * 2 - 1) * scale).ToArray();
}
