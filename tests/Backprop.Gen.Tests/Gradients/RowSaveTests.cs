using System;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// A counted loop that overwrites one element per iteration, at its counter, saves the row's old contents in one copy
/// before it and restores them in one copy after its reverse, where nothing in the loop can tell: the reverse reads the
/// array only after the store, at the counter. Otherwise each element is pushed and popped. Gradients are exact either way.
/// </summary>
public class RowSaveTests
{
    private const string Source = """
        using System;
        using Backprop;

        namespace Rows;

        public static partial class S
        {
            // Runge–Kutta's shape: a probe row refilled at every stage, a state row updated in place.
            [Differentiable]
            public static double Stages(double[] x, int steps)
            {
                int n = x.Length;
                double[] state = new double[n];
                double[] probe = new double[n];
                for (int i = 0; i < n; i++) state[i] = x[i];
                for (int s = 0; s < steps; s++)
                {
                    for (int i = 0; i < n; i++) probe[i] = Math.Sin(state[i]) * 0.5;
                    for (int i = 0; i < n; i++) state[i] += probe[i] * x[i];
                    for (int i = 0; i < n; i++) probe[i] = state[i] * state[i];
                }

                double t = 0;
                for (int i = 0; i < n; i++) t += probe[i] * x[i];
                return t;
            }

            // gmm's shape: the reverse reads centred[j] after its store, at the counter.
            [Differentiable]
            public static double Centred(double[] x, double[] mu, int k)
            {
                double[] centred = new double[x.Length];
                double[] product = new double[x.Length];
                double total = 0;
                for (int c = 0; c < k; c++)
                {
                    for (int j = 0; j < x.Length; j++)
                    {
                        centred[j] = x[j] - mu[c * x.Length + j];
                        product[j] = Math.Exp(mu[j]) * centred[j] * centred[j];
                    }

                    for (int j = 0; j < x.Length; j++) total += Math.Sin(product[j]);
                }

                return total;
            }

            // Second order: the sweep it transforms keeps element saves, which its tangents mirror (a row copy would not).
            [Differentiable(Modes = DifferentiationModes.SecondOrder)]
            public static double Refilled(double[] x, int steps)
            {
                int n = x.Length;
                double[] a = new double[n];
                double s = 0;
                for (int k = 0; k < steps; k++)
                {
                    for (int i = 0; i < n; i++) s += a[i] * a[i] * x[i];
                    for (int i = 0; i < n; i++) a[i] = Math.Sin(x[i] * (k + 1));
                }

                return s;
            }

            // det's minor copy: a for with two variables and a continue is still counted by its first one.
            [Differentiable]
            public static double Minor(double[] a, int ell, int column)
            {
                int m = ell - 1;
                double[] minor = new double[m * m];
                for (int r = 1; r < ell; r++)
                {
                    for (int c = 0, k = 0; c < ell; c++)
                    {
                        if (c == column) continue;
                        minor[(r - 1) * m + k] = a[r * ell + c] * a[c];
                        k++;
                    }
                }

                double s = 0;
                for (int i = 0; i < minor.Length; i++) s += minor[i] * minor[i] * (i + 1);
                return s;
            }

            // The reverse reads an earlier element before the store: element by element.
            [Differentiable]
            public static double Shifted(double[] x, int k)
            {
                double[] a = new double[x.Length];
                double total = 0;
                for (int r = 0; r < k; r++)
                {
                    for (int j = 1; j < x.Length; j++)
                    {
                        total += a[j - 1] * a[j - 1] * x[j];
                        a[j] = Math.Cos(x[j] * (r + 1));
                    }
                }

                return total;
            }
        }
        """;

    private static readonly CompiledSource Compiled = new(Source);

    private static string Backward(string method) => Compiled.Backward("S", method);

    [Fact]
    public void Rows_nothing_reads_back_early_are_saved_whole()
    {
        string stages = Backward("Stages");
        // (The first fill's old values are never read again: nothing of it is saved.)
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(stages, @"_saved_probe_rows\.PushRange\(probe, 0, n\);"));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(stages, @"_saved_probe_rows\.PopRange\(probe, 0, n\);"));
        Assert.Contains("_saved_state_rows.PushRange(state, 0, n);", stages);
        Assert.DoesNotContain("_saved_probe.Push(", stages);

        string centred = Backward("Centred");
        Assert.Contains("_saved_centred_rows.PushRange(centred, 0, x.Length);", centred);
        Assert.Contains("_saved_product_rows.PushRange(product, 0, x.Length);", centred);

        string shifted = Backward("Shifted");
        Assert.DoesNotContain("_rows", shifted);
        Assert.Contains("_saved_a.Push(", shifted);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(9)]
    public void Gradients_match_finite_differences(int n)
    {
        Check(Compiled.Assembly, "Rows.S", "Stages", r => new object?[] { RandomArray(r, n), 3 });
        Check(Compiled.Assembly, "Rows.S", "Centred", r => new object?[] { RandomArray(r, n), RandomArray(r, 3 * n), 3 });
        Check(Compiled.Assembly, "Rows.S", "Shifted", r => new object?[] { RandomArray(r, n), 3 });
        Check(Compiled.Assembly, "Rows.S", "Refilled", r => new object?[] { RandomArray(r, n), 3 });
        Check(Compiled.Assembly, "Rows.S", "Minor", r => new object?[] { RandomArray(r, 16), 4, n % 4 });
    }

    [Fact]
    public void A_for_with_two_variables_is_counted_by_the_first()
    {
        string minor = Backward("Minor");
        Assert.Contains("for (int c = 0; c < ell; c++)", minor);
        Assert.DoesNotContain("_trips", minor);
        Assert.DoesNotContain("_saved_c", minor);
    }

    [Fact]
    public void The_hessian_vector_product_of_a_refilled_row_matches_finite_differences()
    {
        // Found by review: the sweep second order transforms had row copies, and the tangents of the row were not restored.
        Assert.Contains("_saved_a_rows.PushRange", Backward("Refilled"));
        HessianHarness.Check(Compiled.Assembly, "Rows.S", "Refilled", r => new object?[] { RandomArray(r, 5), 3 });
    }
}
