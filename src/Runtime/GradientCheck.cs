using System;
using System.Globalization;

namespace Backprop;

/// <summary>
/// Checks a gradient against central finite differences. The derivative along each coordinate is estimated with a
/// Richardson-extrapolated central difference, <c>(8(f(x+h/2) − f(x−h/2)) − (f(x+h) − f(x−h))) / 6h</c>, whose error
/// is of order h⁴, with the step chosen per coordinate as <c>h = ε^(1/5)·max(1, |xᵢ|)</c>.
/// </summary>
public static class GradientCheck
{
    /// <summary>The default floor of the denominator of the relative error, so that tiny gradients compare absolutely.</summary>
    public const double DefaultFloor = 1e-6;

    /// <summary>Estimates the gradient of <paramref name="f"/> at <paramref name="x"/> by central finite differences.</summary>
    /// <param name="f">The function; it must not keep or modify the array it is given.</param>
    /// <param name="x">The point. It is left unchanged.</param>
    public static double[] NumericGradient(Func<double[], double> f, double[] x) => NumericGradient(f, x, DefaultRelativeStep);

    /// <summary>
    /// Estimates the gradient with a chosen step <c>h = relativeStep·max(1, |xᵢ|)</c>. A small step (1e-6, say)
    /// suits piecewise functions such as ReLU networks and max-pooling, where the default step is wide enough to cross
    /// a kink; a smooth function is estimated best with the default.
    /// </summary>
    /// <param name="f">The function; it must not keep or modify the array it is given.</param>
    /// <param name="x">The point. It is left unchanged.</param>
    /// <param name="relativeStep">The step relative to <c>max(1, |xᵢ|)</c>; positive.</param>
    public static double[] NumericGradient(Func<double[], double> f, double[] x, double relativeStep)
    {
        if (f is null) throw new ArgumentNullException(nameof(f));
        if (x is null) throw new ArgumentNullException(nameof(x));
        if (!(relativeStep > 0) || double.IsInfinity(relativeStep))
        {
            throw new ArgumentOutOfRangeException(nameof(relativeStep), relativeStep, "The step must be positive and finite.");
        }

        double[] point = (double[])x.Clone();
        double[] gradient = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            gradient[i] = Derivative(f, point, i, relativeStep);
        }

        return gradient;
    }

    /// <summary>The default relative step, <c>ε^(1/5)</c> ≈ 7.4e-4, best for smooth functions with the h⁴ formula.</summary>
    public static double DefaultRelativeStep => StepFactor;

    /// <summary>
    /// Compares an analytic gradient with <see cref="NumericGradient(Func{double[], double}, double[])"/> and returns the worst relative error,
    /// <c>|a − n| / max(|a|, |n|, floor)</c>, and where it occurred.
    /// </summary>
    /// <param name="f">The function.</param>
    /// <param name="gradient">The analytic gradient at a point, for example from a generated Backward.</param>
    /// <param name="x">The point. It is left unchanged.</param>
    /// <param name="floor">The smallest denominator of the relative error.</param>
    public static GradientCheckResult Check(Func<double[], double> f, Func<double[], double[]> gradient, double[] x, double floor = DefaultFloor)
    {
        if (gradient is null) throw new ArgumentNullException(nameof(gradient));
        double[] analytic = gradient((double[])x.Clone());
        if (analytic.Length != x.Length)
        {
            throw new ArgumentException($"The gradient has {analytic.Length} entries but the point has {x.Length}.", nameof(gradient));
        }

        return Compare(analytic, NumericGradient(f, x), floor);
    }

    /// <summary>
    /// Compares an accumulating gradient (one that adds into a buffer, as generated Backward methods do) with
    /// <see cref="NumericGradient(Func{double[], double}, double[])"/>. The buffer starts at zero.
    /// </summary>
    /// <param name="f">The function.</param>
    /// <param name="accumulateGradient">Adds the gradient at its first argument into its second.</param>
    /// <param name="x">The point. It is left unchanged.</param>
    /// <param name="floor">The smallest denominator of the relative error.</param>
    public static GradientCheckResult Check(Func<double[], double> f, Action<double[], double[]> accumulateGradient, double[] x, double floor = DefaultFloor)
    {
        if (accumulateGradient is null) throw new ArgumentNullException(nameof(accumulateGradient));
        return Check(f, point =>
        {
            double[] buffer = new double[point.Length];
            accumulateGradient(point, buffer);
            return buffer;
        }, x, floor);
    }

    /// <summary>Compares two gradients entry by entry and returns the worst relative error.</summary>
    public static GradientCheckResult Compare(double[] analytic, double[] numeric, double floor = DefaultFloor)
    {
        if (analytic is null) throw new ArgumentNullException(nameof(analytic));
        if (numeric is null) throw new ArgumentNullException(nameof(numeric));
        if (analytic.Length != numeric.Length)
        {
            throw new ArgumentException($"The gradients have {analytic.Length} and {numeric.Length} entries.", nameof(numeric));
        }

        int worst = -1;
        double worstError = 0;
        for (int i = 0; i < analytic.Length; i++)
        {
            double error = RelativeError(analytic[i], numeric[i], floor);
            if (worst < 0 || error > worstError || double.IsNaN(error))
            {
                worst = i;
                worstError = error;
                if (double.IsNaN(error)) break;
            }
        }

        return worst < 0
            ? new GradientCheckResult(0, -1, 0, 0)
            : new GradientCheckResult(worstError, worst, analytic[worst], numeric[worst]);
    }

    /// <summary>The relative error <c>|a − b| / max(|a|, |b|, floor)</c>; NaN if either is NaN, 0 if both are the same infinity.</summary>
    public static double RelativeError(double a, double b, double floor = DefaultFloor)
    {
        if (a.Equals(b)) return 0;
        return Math.Abs(a - b) / Math.Max(floor, Math.Max(Math.Abs(a), Math.Abs(b)));
    }

    private static double Derivative(Func<double[], double> f, double[] point, int i, double relativeStep)
    {
        double xi = point[i];
        double h = relativeStep * Math.Max(1.0, Math.Abs(xi));
        double half = h / 2;
        double far = Evaluate(f, point, i, xi + h) - Evaluate(f, point, i, xi - h);
        double near = Evaluate(f, point, i, xi + half) - Evaluate(f, point, i, xi - half);
        point[i] = xi;
        return (8 * near - far) / (6 * h);
    }

    private static double Evaluate(Func<double[], double> f, double[] point, int i, double value)
    {
        point[i] = value;
        return f(point);
    }

    // ε^(1/5) balances the h⁴ truncation error of the extrapolated difference against the ε/h rounding error.
    private static readonly double StepFactor = Math.Pow(2.220446049250313e-16, 0.2);
}

/// <summary>The outcome of a <see cref="GradientCheck"/>: the worst relative error and where it occurred.</summary>
/// <param name="MaxRelativeError">The worst relative error over all coordinates.</param>
/// <param name="Index">The coordinate of the worst error, or -1 for an empty gradient.</param>
/// <param name="Analytic">The analytic derivative at that coordinate.</param>
/// <param name="Numeric">The finite-difference derivative at that coordinate.</param>
public readonly record struct GradientCheckResult(double MaxRelativeError, int Index, double Analytic, double Numeric)
{
    /// <summary>True when the worst relative error is at most <paramref name="tolerance"/> (and not NaN).</summary>
    public bool Passed(double tolerance = 1e-6) => MaxRelativeError <= tolerance;

    /// <inheritdoc />
    public override string ToString() => Index < 0
        ? "empty gradient"
        : string.Format(CultureInfo.InvariantCulture,
            "max relative error {0:E2} at [{1}]: analytic {2:R}, numeric {3:R}", MaxRelativeError, Index, Analytic, Numeric);
}
