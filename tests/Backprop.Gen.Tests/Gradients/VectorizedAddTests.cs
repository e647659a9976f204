using System;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// Reverse loops that add a multiple of one array to another over a whole row call <c>Kernels.AddScaled</c>
/// (vectorized, the same results bit for bit); everything else stays a loop. Either way the gradients are exact.
/// </summary>
public class VectorizedAddTests
{
    private const string Source = """
        using System;
        using Backprop;

        namespace Rows;

        public static partial class L
        {
            [Differentiable]
            public static double Dot(double[] a, double[] b)
            {
                double s = 0;
                for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
                return s;
            }

            // A row at an offset, counted from 1 up to and including n.
            [Differentiable]
            public static float Rows(float[] w, float[] x, int n)
            {
                float t = 0;
                for (int j = 0; j < 3; j++)
                {
                    float s = 0;
                    for (int i = 1; i <= n; i++) s += w[j * (n + 1) + i] * x[i];
                    t += MathF.Tanh(s);
                }

                return t;
            }

            // A local array read by a vectorized row: still rented from the pool, not allocated per call.
            [Differentiable]
            public static double Hidden(double[] w, double[] x)
            {
                double[] h = new double[4];
                for (int j = 0; j < 4; j++)
                {
                    double s = 0;
                    for (int i = 0; i < x.Length; i++) s += w[j * x.Length + i] * x[i];
                    h[j] = Math.Tanh(s);
                }

                double t = 0;
                for (int k = 0; k < h.Length; k++) t += h[k] * w[k];
                return t;
            }

            // Offsets that could throw (an array element, a division): the loop never evaluates them for an empty row,
            // so they stay loops.
            [Differentiable]
            public static double ElementOffset(double[] w, double[] x, int[] off, int n)
            {
                double s = 1;
                for (int i = 0; i < n; i++) s += w[off[0] + i] * x[i];
                return s * s;
            }

            [Differentiable]
            public static double DividedOffset(double[] w, double[] x, int m, int q, int n)
            {
                double t = 0;
                for (int j = 0; j < 2; j++)
                {
                    double s = 1;
                    for (int i = 0; i < n; i++) s += w[j * (m / q) + i] * x[i];
                    t += s * s;
                }

                return t;
            }

            // Rows counted by named constants, as a hand-written MLP has them: still rows.
            public const int In = 12, Out = 3;

            [Differentiable]
            public static double Named(double[] w, double[] x)
            {
                double t = 0;
                for (int j = 0; j < Out; j++)
                {
                    double s = 0;
                    for (int i = 0; i < In; i++) s += w[j * In + i] * x[i];
                    t += Math.Tanh(s);
                }

                return t;
            }

            // A factor that changes with the counter, and a window of a few taps: loops.
            [Differentiable]
            public static double Weighted(double[] a, double[] b)
            {
                double s = 0;
                for (int i = 0; i < a.Length; i++) s += a[i] * b[i] * i;
                return s;
            }

            [Differentiable]
            public static double Taps(double[] k, double[] x, int channels)
            {
                double s = 0;
                for (int c = 0; c + k.Length / channels <= x.Length; c++)
                {
                    double v = 0;
                    for (int u = 0; u < k.Length / channels; u++) v += k[u] * x[c + u];
                    s += v * v;
                }

                return s;
            }
        }
        """;

    private static readonly Lazy<GeneratorRun> Generated = new(() => TestCompiler.Generate(Source));
    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.Load(Generated.Value));

    [Theory]
    [InlineData("Dot", 2)]
    [InlineData("Rows", 2)]
    [InlineData("Hidden", 4)]
    [InlineData("Named", 2)]
    [InlineData("Weighted", 0)]
    [InlineData("ElementOffset", 0)]
    [InlineData("DividedOffset", 0)]
    [InlineData("Taps", 0)]
    public void Whole_rows_of_scaled_adds_become_one_call(string method, int calls)
    {
        Assert.Empty(Generated.Value.GeneratorDiagnostics);
        string generated = GeneratedMethods.Method(Generated.Value.Source(".L." + method + ".Backward.g.cs"), method + "Backward");
        Assert.Equal(calls, System.Text.RegularExpressions.Regex.Matches(generated, "Kernels.AddScaled").Count);
        if (method == "Dot")
        {
            Assert.Contains("global::Backprop.CompilerServices.Kernels.AddScaled(dA, 0, _d_s, b, 0, a.Length);", generated);
        }

        if (method == "Hidden")
        {
            Assert.Contains("global::Backprop.CompilerServices.Kernels.AddScaled(dW, 0, _d_t, h, 0, h.Length);", generated);
            Assert.Contains("h = global::Backprop.CompilerServices.Buffers.RentZeroed<double>(4);", generated);
        }

        if (method == "Named")
        {
            Assert.Contains("global::Backprop.CompilerServices.Kernels.AddScaled(dW, j * In, _d_s, x, 0, In);", generated);
        }

        if (method == "Rows")
        {
            Assert.Contains("global::Backprop.CompilerServices.Kernels.AddScaled(dW, j * (n + 1) + 1, _d_s, x, 1, n);", generated);
        }
    }

    [Fact]
    public void Each_matches_finite_differences()
    {
        Check(Compiled.Value, "Rows.L", "Dot", r => new object?[] { RandomArray(r, 37), RandomArray(r, 37) });
        Check(Compiled.Value, "Rows.L", "Hidden", r => new object?[] { RandomArray(r, 4 * 9), RandomArray(r, 9) });
        Check(Compiled.Value, "Rows.L", "Weighted", r => new object?[] { RandomArray(r, 19), RandomArray(r, 19) });
        Check(Compiled.Value, "Rows.L", "Named", r => new object?[] { RandomArray(r, 36), RandomArray(r, 12) });
        Check(Compiled.Value, "Rows.L", "Taps", r => new object?[] { RandomArray(r, 6), RandomArray(r, 12), 2 });
    }

    [Fact]
    public void An_empty_row_evaluates_nothing_the_loop_would_not()
    {
        MethodInfo element = Invoke.Method(Compiled.Value, "Rows.L", "ElementOffsetBackward", 7);
        Assert.Equal(1.0, Invoke.Call(element, new object?[] { new double[4], new double[0], new int[0], 0, new double[4], new double[0], 1.0 }));
        MethodInfo divided = Invoke.Method(Compiled.Value, "Rows.L", "DividedOffsetBackward", 8);
        Assert.Equal(2.0, Invoke.Call(divided, new object?[] { new double[4], new double[0], 4, 0, 0, new double[4], new double[0], 1.0 }));
        Check(Compiled.Value, "Rows.L", "ElementOffset", r => new object?[] { RandomArray(r, 12), RandomArray(r, 9), new[] { 2 }, 9 });
    }

    [Fact]
    public void A_float_row_at_an_offset_matches_finite_differences()
    {
        // float: a looser tolerance, as everywhere for single precision.
        var random = new Random(2);
        float[] Floats(int n) { var v = new float[n]; for (int i = 0; i < n; i++) v[i] = (float)(random.NextDouble() - 0.5); return v; }
        Check(Compiled.Value, "Rows.L", "Rows", r => new object?[] { Floats(3 * 18), Floats(18), 17 }, tolerance: 2e-2);
    }
}
