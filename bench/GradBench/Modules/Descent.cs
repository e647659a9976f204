using System;

namespace Backprop.GradBench;

/// <summary>
/// GradBench's gradient-descent solver (cpp/gradbench/gd.hpp), shared by particle and saddle: a step eta that halves
/// after a step that does not improve and doubles after ten that do; it stops where the gradient or the step is below
/// 1e-5. It is part of the benchmark, so it is ported as it is, not improved.
/// </summary>
internal static class Descent
{
    /// <summary>A function of a vector and its gradient (written into the second argument).</summary>
    public delegate void Gradient(double[] x, double[] gradient);

    public static double[] ArgMin(Func<double[], double> objective, Gradient gradient, double[] start)
    {
        int n = start.Length;
        double[] x = (double[])start.Clone(), g = new double[n], next = new double[n];
        double fx = objective(x);
        gradient(x, g);
        int i = 0;
        double eta = 1e-5;
        while (true)
        {
            if (Magnitude(g) <= 1e-5) return x;
            if (i == 10)
            {
                eta *= 2;
                i = 0;
                continue;
            }

            double step = 0;
            for (int j = 0; j < n; j++)
            {
                next[j] = x[j] - eta * g[j];
                step += (x[j] - next[j]) * (x[j] - next[j]);
            }

            if (Math.Sqrt(step) <= 1e-5) return x;
            double fNext = objective(next);
            if (fNext < fx)
            {
                Array.Copy(next, x, n);
                fx = fNext;
                gradient(x, g);
                i++;
            }
            else
            {
                eta /= 2;
                i = 0;
            }
        }
    }

    /// <summary>The argmax: the argmin of the negated function.</summary>
    public static double[] ArgMax(Func<double[], double> objective, Gradient gradient, double[] start) =>
        ArgMin(x => -objective(x), (x, g) =>
        {
            gradient(x, g);
            for (int j = 0; j < g.Length; j++) g[j] = -g[j];
        }, start);

    private static double Magnitude(double[] v)
    {
        double sum = 0;
        foreach (double value in v) sum += value * value;
        return Math.Sqrt(sum);
    }
}
