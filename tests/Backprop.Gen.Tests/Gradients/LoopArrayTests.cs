using System;
using System.Linq;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// Arrays allocated anew in each iteration and kept for the reverse sweep (pooled in the Backward and the tapes):
/// the determinant by minors, recursive (taped) and checkpointed, against finite differences, called repeatedly so that
/// pooled arrays are reused.
/// </summary>
public class LoopArrayTests
{
    internal const string Source = """
        using Backprop;

        namespace Samples
        {
            public static partial class Minors
            {
                [Differentiable]
                public static double Det(double[] a, int n)
                {
                    if (n == 1) return a[0];
                    int m = n - 1;
                    double sum = 0, sign = 1;
                    for (int column = 0; column < n; column++)
                    {
                        double[] minor = new double[m * m];
                        for (int r = 1; r < n; r++)
                        {
                            for (int c = 0, k = 0; c < n; c++)
                            {
                                if (c == column) continue;
                                minor[(r - 1) * m + k] = a[r * n + c];
                                k++;
                            }
                        }

                        sum += sign * a[column] * Det(minor, m);
                        sign = -sign;
                    }

                    return sum;
                }

                [Differentiable(Checkpoint = true)]
                public static double Checkpointed(double[] a, int n)
                {
                    if (n == 1) return a[0];
                    int m = n - 1;
                    double sum = 0;
                    for (int column = 0; column < n; column++)
                    {
                        double[] minor = new double[m * m];
                        for (int r = 0; r < m; r++)
                            for (int c = 0; c < m; c++)
                                minor[r * m + c] = a[(r + 1) * n + (c < column ? c : c + 1)];
                        sum += (column % 2 == 0 ? 1.0 : -1.0) * a[column] * Checkpointed(minor, m);
                    }

                    return sum;
                }

                // A layer whose output is only stored into with plain arithmetic: its reverse never reads the output,
                // so a caller reusing the output array keeps nothing of it. With tanh, the reverse may read it back.
                [Differentiable]
                public static void Linear(double[] x, double[] y, double[] slope)
                {
                    slope[0] = x[0];
                    for (int i = 1; i < x.Length; i++) slope[i] = x[i] * y[i - 1];
                }

                [Differentiable]
                public static void Squashed(double[] x, double[] y, double[] slope)
                {
                    for (int i = 0; i < x.Length; i++) slope[i] = System.Math.Tanh(x[i] * y[i]);
                }

                [Differentiable]
                public static double Euler(double[] x, int steps)
                {
                    double[] state = new double[x.Length], k = new double[x.Length], q = new double[x.Length];
                    for (int step = 0; step < steps; step++)
                    {
                        Linear(x, state, k);
                        Squashed(x, state, q);
                        for (int i = 0; i < x.Length; i++) state[i] += 0.1 * k[i] + 0.05 * q[i];
                    }

                    double sum = 0;
                    for (int i = 0; i < x.Length; i++) sum += state[i] * state[i];
                    return sum;
                }

                // A scratch array filled whole for each point, then accumulated into (a triangular matrix times a
                // vector): only the fill saves what it overwrites.
                [Differentiable]
                public static double Quadratic(double[] diagonal, double[] lower, double[] points, int d)
                {
                    double[] product = new double[d];
                    double total = 0;
                    for (int i = 0; i < points.Length / d; i++)
                    {
                        for (int j = 0; j < d; j++) product[j] = diagonal[j] * points[i * d + j];
                        for (int s = 0; s < d; s++)
                        {
                            int column = s * (d - 1) - s * (s - 1) / 2 - s - 1;
                            for (int r = s + 1; r < d; r++) product[r] += lower[column + r] * points[i * d + s];
                        }

                        for (int j = 0; j < d; j++) total += product[j] * product[j];
                    }

                    return total;
                }
            }
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    [Theory]
    [InlineData("Det")]
    [InlineData("Checkpointed")]
    public void Determinant_by_minors(string method)
    {
        foreach (int n in new[] { 2, 4, 5, 4 })
        {
            Check(Compiled.Value, "Samples.Minors", method, r => new object?[] { RandomArray(r, n * n), n }, points: 3, seed: n);
        }

        // The gradient is the cofactor matrix: Σⱼ a₀ⱼ·C₀ⱼ is the determinant.
        Type minors = Compiled.Value.GetType("Samples.Minors", throwOnError: true)!;
        var a = new double[] { 2, 1, 0, 1, 3, 1, 0, 1, 4 };
        var g = new double[9];
        MethodInfo backward = minors.GetMethods().Single(m => m.Name == method + "Backward" && m.GetParameters().Length == 4);
        double det = (double)backward.Invoke(null, new object?[] { a, 3, g, 1.0 })!;
        Assert.Equal(18.0, det, 12);
        Assert.Equal(det, a[0] * g[0] + a[1] * g[1] + a[2] * g[2], 12);
    }

    [Fact]
    public void A_scratch_array_filled_whole_then_accumulated_into_saves_only_the_fill()
    {
        Check(Compiled.Value, "Samples.Minors", "Quadratic", r => new object?[] { RandomArray(r, 4), RandomArray(r, 6), RandomArray(r, 12), 4 }, points: 5);
        string backward = GeneratedMethods.Method(TestCompiler.Generate(Source).Source(".Quadratic.Backward.g.cs"), "QuadraticBackward");
        // The row the fill overwrites is saved once, in one copy before it; nothing per accumulation.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(backward, @"_saved_product_rows\.PushRange\("));
        Assert.Matches(@"_saved_product_rows\.PushRange\(product, 0, d\);\s*for \(int j = 0; j < d; j\+\+\)\s*\{\s*product\[j\] = diagonal\[j\]", backward);
        Assert.DoesNotContain("_saved_product.Push(", backward);
    }

    [Fact]
    public void An_output_the_callee_only_stores_plain_arithmetic_into_is_not_kept_for_its_reverse()
    {
        Check(Compiled.Value, "Samples.Minors", "Euler", r => new object?[] { RandomArray(r, 5, 0.5), 4 }, points: 5);
        string backward = GeneratedMethods.Method(TestCompiler.Generate(Source).Source(".Euler.Backward.g.cs"), "EulerBackward");
        Assert.DoesNotContain("RentCopy(k,", backward);   // Linear's reverse reads x and y, never k
        Assert.Contains("RentCopy(q,", backward);         // Squashed's reverse may read tanh's result back from q
    }
}
