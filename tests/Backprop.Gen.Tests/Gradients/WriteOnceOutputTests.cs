using System;
using System.Linq;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// Layers whose reverse reads the incoming gradient of an output in place (no pooled copy, no zeroing after each
/// read): only those that never read the output and store each element at most once. The others keep the copy, and
/// every one of them must still give exact gradients.
/// </summary>
public class WriteOnceOutputTests
{
    private const string Source = """
        using System;
        using Backprop;

        namespace Once;

        public static partial class L
        {
            // Each element once: the index is r·cols + c with c counting from 0 below cols.
            [Differentiable]
            public static void Grid(double[] x, double[] y, int rows, int cols)
            {
                for (int r = 0; r < rows; r++)
                {
                    for (int c = 0; c < cols; c++) y[r * cols + c] = Math.Sin(x[r * cols + c]) * x[(r * cols + c + 1) % x.Length];
                }
            }

            // The reverse reuses the stored result (tanh' = 1 - y²): read from the output, with nothing saved.
            [Differentiable]
            public static void Squash(double[] x, double[] y)
            {
                for (int i = 0; i < y.Length; i++) y[i] = Math.Tanh(x[i]);
            }

            [Differentiable]
            public static void GridSpan(ReadOnlySpan<double> x, Span<double> y, int rows, int cols)
            {
                for (int r = 0; r < rows; r++)
                {
                    for (int c = 0; c < cols; c++) y[r * cols + c] = x[r * cols + c] * x[r * cols + c];
                }
            }

            // Hands its output on to one layer: the callee reads the caller's incoming gradient itself.
            [Differentiable]
            public static void Wrapper(double[] x, Span<double> y, int rows, int cols) => GridSpan(x, y, rows, cols);

            [Differentiable]
            public static void PassesOn(double[] x, double[] y, int rows, int cols) => Grid(x, y, rows, cols);

            // Stored by two statements: the first value is overwritten, so its adjoint must start again from zero.
            [Differentiable]
            public static void Overwrite(double[] x, double[] y)
            {
                for (int i = 0; i < y.Length; i++) y[i] = x[i] * x[i];
                for (int i = 0; i < y.Length; i++) y[i] = Math.Exp(x[i]) * 0.5;
            }

            // One statement, but every pass of the outer loop stores the same elements again: only the last counts.
            [Differentiable]
            public static void Repeated(double[] x, double[] y)
            {
                for (int k = 1; k <= 3; k++)
                {
                    for (int i = 0; i < y.Length; i++) y[i] = x[i] * x[i] * k;
                }
            }

            // Overlapping windows: y[r + c] is stored by several (r, c).
            [Differentiable]
            public static void Windows(double[] x, double[] y, int rows, int cols)
            {
                for (int r = 0; r < rows; r++)
                {
                    for (int c = 0; c < cols; c++) y[r + c] = x[r] * Math.Cos(x[c]);
                }
            }

            // One element past each row: y[r·cols + c] with c up to cols stores the next row's first element too.
            [Differentiable]
            public static void PastTheRow(double[] x, double[] y, int rows, int cols)
            {
                for (int r = 0; r < rows; r++)
                {
                    for (int c = 0; c <= cols; c++) y[r * cols + c] = x[r] * x[c] + c;
                }
            }

            // Reads its own output after storing it: the reads add to the output's adjoint.
            [Differentiable]
            public static double ReadsBack(double[] x, double[] y)
            {
                for (int i = 0; i < y.Length; i++) y[i] = x[i] * x[i];
                double s = 0;
                for (int i = 0; i < y.Length; i++) s += Math.Sin(y[i]);
                return s;
            }

            [Differentiable]
            public static double Loss(double[] x, [NoDerivative] double[] target)
            {
                double[] g = new double[6];
                Grid(x, g, 2, 3);
                double[] w = new double[6];
                Wrapper(x, w, 3, 2);
                double[] o = new double[6];
                Overwrite(x, o);
                double[] p = new double[6];
                Repeated(x, p);
                double[] v = new double[4];
                Windows(x, v, 2, 3);
                double[] n = new double[7];
                PastTheRow(x, n, 2, 3);
                double[] b = new double[6];
                double s = ReadsBack(x, b);
                double[] t = new double[6];
                Squash(x, t);
                for (int i = 0; i < 6; i++) s += t[i] * g[i];
                for (int i = 0; i < 6; i++) s += (g[i] - target[i]) * (g[i] - target[i]) + w[i] * o[i] + p[i] * g[i] + b[i] * b[i];
                for (int i = 0; i < 4; i++) s += v[i] * v[i];
                for (int i = 0; i < 7; i++) s += Math.Tanh(n[i]);
                return s;
            }
        }
        """;

    private static readonly Lazy<GeneratorRun> Generated = new(() => TestCompiler.Generate(Source));
    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.Load(Generated.Value));

    [Theory]
    [InlineData("Grid", true)]
    [InlineData("PassesOn", true)]
    [InlineData("Squash", true)]
    [InlineData("Overwrite", false)]
    [InlineData("Repeated", false)]
    [InlineData("Windows", false)]
    [InlineData("PastTheRow", false)]
    [InlineData("ReadsBack", false)]
    public void The_incoming_gradient_is_read_in_place_only_where_each_element_is_stored_once(string layer, bool inPlace)
    {
        string generated = Generated.Value.Source(".L." + layer + ".Backward.g.cs");
        Assert.Equal(!inPlace, generated.Contains("AdjointPool.RentCopy(dY"));
        if (!inPlace) return;
        Assert.DoesNotMatch(@"_d_y\[[^\]]*\] = 0", generated);
        Assert.DoesNotContain("AdjointPool.Return(_d_y)", generated);
        Assert.DoesNotContain("_saved_y", generated);
        Assert.Contains(layer != "PassesOn" ? "ReadOnlySpan<double> _d_y = global::Backprop.AdjointPool.ReadOnly(dY, y.Length);" : "GridPullback(x, y, rows, cols, dX, dY);", generated);
    }

    [Fact]
    public void A_loss_over_every_kind_of_output_matches_finite_differences() =>
        Check(Compiled.Value, "Once.L", "Loss", r => new object?[] { RandomArray(r, 6), RandomArray(r, 6) });

    [Theory]
    [InlineData("Grid", 6, 6)]
    [InlineData("PassesOn", 6, 6)]
    [InlineData("Squash", 6, 6)]
    [InlineData("Overwrite", 6, 6)]
    [InlineData("Repeated", 6, 6)]
    [InlineData("Windows", 6, 4)]
    [InlineData("PastTheRow", 6, 7)]
    public void Each_layer_is_the_transpose_of_its_jacobian_and_leaves_the_incoming_gradient(string layer, int inputs, int outputs)
    {
        var random = new Random(11);
        bool shaped = layer is "Grid" or "PassesOn" or "Windows" or "PastTheRow";
        object?[] Shape(object?[] head) => shaped ? head.Concat(new object?[] { 2, 3 }).ToArray() : head;
        MethodInfo primal = Invoke.Method(Compiled.Value, "Once.L", layer, shaped ? 4 : 2);
        MethodInfo backward = Invoke.Method(Compiled.Value, "Once.L", layer + "Backward", shaped ? 6 : 4);
        double[] Run(double[] x)
        {
            double[] y = new double[outputs];
            Invoke.Call(primal, Shape(new object?[] { (double[])x.Clone(), y }));
            return y;
        }

        double[] x = RandomArray(random, inputs), u = RandomArray(random, inputs), v = RandomArray(random, outputs);
        const double h = 1e-5;
        double[] plus = Run(x.Zip(u, (a, b) => a + h * b).ToArray()), minus = Run(x.Zip(u, (a, b) => a - h * b).ToArray());
        double left = plus.Zip(minus, (p, m) => (p - m) / (2 * h)).Zip(v, (a, b) => a * b).Sum();

        double[] dX = new double[inputs], output = new double[outputs], incoming = (double[])v.Clone();
        Invoke.Call(backward, shaped ? new object?[] { x, output, 2, 3, dX, incoming } : new object?[] { x, output, dX, incoming });
        double right = u.Zip(dX, (a, b) => a * b).Sum();

        Assert.True(GradientCheck.RelativeError(left, right) < 1e-7, $"{layer}: <J·u, v> = {left} but <u, Jᵀ·v> = {right}");
        Assert.Equal(v, incoming);
        Assert.Equal(Run(x), output);
    }

    [Theory]
    [InlineData("GridBackward")]
    [InlineData("GridPullback")]
    [InlineData("PassesOnPullback")]
    public void No_incoming_gradient_reads_as_zeros(string method)
    {
        MethodInfo backward = Invoke.Method(Compiled.Value, "Once.L", method, 6);
        double[] dX = new double[6];
        Invoke.Call(backward, new object?[] { RandomArray(new Random(3), 6), new double[6], 2, 3, dX, null });
        Assert.All(dX, g => Assert.Equal(0, g));

        // A longer layer afterwards, also without an incoming gradient: the shared zeros grow to fit.
        double[] dLong = new double[40];
        Invoke.Call(backward, new object?[] { RandomArray(new Random(4), 40), new double[40], 5, 8, dLong, null });
        Assert.All(dLong, g => Assert.Equal(0, g));
    }
}
