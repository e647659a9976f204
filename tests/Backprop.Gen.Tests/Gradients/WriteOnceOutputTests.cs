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

            // A boundary and the interior, by two statements that never meet: each element once.
            [Differentiable]
            public static void Boundary(double[] x, double[] y)
            {
                y[0] = x[0];
                for (int i = 1; i < y.Length; i++) y[i] = x[i] * x[i - 1];
            }

            // The same, but the "boundary" is an element the loop stores again.
            [Differentiable]
            public static void BoundaryOverlap(double[] x, double[] y)
            {
                y[1] = x[0] * x[1];
                for (int i = 1; i < y.Length; i++) y[i] = x[i] * x[i - 1];
                y[0] = 2 * x[3];
            }

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

            // Stores in loops that are not plain counted ones: the copy path (these crashed the analysis once).
            [Differentiable]
            public static void While(double[] x, double[] y)
            {
                int i = 0;
                while (i < x.Length) { y[i] = x[i] * x[i]; i++; }
            }

            [Differentiable]
            public static void DoWhile(double[] x, double[] y)
            {
                int i = 0;
                do { y[i] = Math.Sin(x[i]); i++; } while (i < x.Length);
            }

            [Differentiable]
            public static void Break(double[] x, double[] y)
            {
                for (int i = 0; i < x.Length; i++) { y[i] = x[i] * x[i]; if (x[i] > 0.5) break; }
            }

            [Differentiable]
            public static void Stride2(double[] x, double[] y)
            {
                for (int i = 0; i < x.Length; i += 2) y[i] = x[i] * x[i];
            }

            [Differentiable]
            public static void SetOffset(double[] x, double[] o, int i) { o[0] = 0.0 * x[0] - i; }

            [Differentiable]
            public static void SetWidth(double[] x, double[] o, int i) { o[0] = 0.0 * x[0] + 3 - i; }

            // The offset comes from an array a layer call rewrites in every iteration: y[i + o[0]] is y[0] each time.
            [Differentiable]
            public static void OffsetFromLayer(double[] x, double[] y)
            {
                double[] o = new double[1];
                for (int i = 0; i < x.Length; i++)
                {
                    SetOffset(x, o, i);
                    y[i + (int)o[0]] = x[i] * x[i] * (i + 1);
                }
            }

            // The inner bound and multiplier come from such an array too (3, 2, 1): rows overlap.
            [Differentiable]
            public static void WidthFromLayer(double[] x, double[] y)
            {
                double[] o = new double[1];
                for (int i = 0; i < 3; i++)
                {
                    SetWidth(x, o, i);
                    for (int j = 0; j < (int)o[0]; j++) y[i * (int)o[0] + j] = x[i] * x[3 + j] + x[i] * (j + 1);
                }
            }

            // A loop bound read from an array element the loop itself overwrites: the reverse must not test a stale copy.
            [Differentiable]
            public static double StartFromArray(double[] x)
            {
                int[] start = new int[1];
                start[0] = 1;
                double s = 0;
                for (int i = start[0]; i < x.Length; i++) { s += x[i] * x[i - 1]; start[0] = i; }
                return s;
            }

            [Differentiable]
            public static double StartFromDoubles(double[] x)
            {
                double[] a = new double[1];
                a[0] = 1.0;
                double s = 0;
                for (int i = (int)a[0]; i < x.Length; i++) { s += Math.Sin(x[i]) * x[i - 1]; a[0] = i; }
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
                double[] e = new double[6];
                Boundary(x, e);
                double[] f = new double[6];
                BoundaryOverlap(x, f);
                for (int i = 0; i < 6; i++) s += Math.Sin(e[i]) * f[i];
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
    [InlineData("Boundary", true)]
    [InlineData("BoundaryOverlap", false)]
    [InlineData("Overwrite", false)]
    [InlineData("Repeated", false)]
    [InlineData("Windows", false)]
    [InlineData("PastTheRow", false)]
    [InlineData("ReadsBack", false)]
    [InlineData("While", false)]
    [InlineData("DoWhile", false)]
    [InlineData("Break", false)]
    [InlineData("Stride2", false)]
    [InlineData("OffsetFromLayer", false)]
    [InlineData("WidthFromLayer", false)]
    public void The_incoming_gradient_is_read_in_place_only_where_each_element_is_stored_once(string layer, bool inPlace)
    {
        Assert.Empty(Generated.Value.GeneratorDiagnostics);
        string file = Generated.Value.Source(".L." + layer + ".Backward.g.cs");
        string backward = GeneratedMethods.Method(file, layer + "Backward"), pullback = GeneratedMethods.Method(file, layer + "Pullback");
        Assert.Equal(!inPlace, pullback.Contains("Buffers.RentCopy(dY"));
        Assert.Equal(!inPlace || layer == "PassesOn", backward.Contains("Buffers.RentCopy(dY"));
        if (!inPlace) return;
        Assert.DoesNotContain("_saved_y", file);
        if (layer == "PassesOn")
        {
            // The Pullback hands the caller's gradient on, to be consumed; the Backward, which must leave it, a copy.
            Assert.Contains("GridReplay(x, y, rows, cols, ref _tapes_Grid, dX, dY);", pullback);
            Assert.Contains("GridReplay(x, y, rows, cols, ref _tapes_Grid, dX, _d_y);", backward);
            return;
        }

        // The Backward reads the incoming gradient in place and leaves it; the Pullback consumes it in place.
        Assert.DoesNotMatch(@"_d_y\[[^\]]*\] = 0", backward);
        Assert.DoesNotContain("Buffers.Return(_d_y)", file);
        Assert.Contains("ReadOnlySpan<double> _d_y = global::Backprop.CompilerServices.Buffers.ReadOnly(dY, y.Length);", backward);
        Assert.Contains("Span<double> _d_y = global::Backprop.CompilerServices.Buffers.Consume(dY, y.Length);", pullback);
        Assert.Matches(@"_d_y\[[^\]]*\] = 0", pullback);
    }

    [Fact]
    public void A_loss_over_every_kind_of_output_matches_finite_differences() =>
        Check(Compiled.Value, "Once.L", "Loss", r => new object?[] { RandomArray(r, 6), RandomArray(r, 6) });

    [Theory]
    [InlineData("Grid", 6, 6)]
    [InlineData("PassesOn", 6, 6)]
    [InlineData("Squash", 6, 6)]
    [InlineData("Boundary", 6, 6)]
    [InlineData("BoundaryOverlap", 6, 6)]
    [InlineData("Overwrite", 6, 6)]
    [InlineData("Repeated", 6, 6)]
    [InlineData("Windows", 6, 4)]
    [InlineData("PastTheRow", 6, 7)]
    [InlineData("While", 6, 6)]
    [InlineData("DoWhile", 6, 6)]
    [InlineData("Break", 6, 6)]
    [InlineData("Stride2", 6, 6)]
    [InlineData("OffsetFromLayer", 6, 6)]
    [InlineData("WidthFromLayer", 6, 4)]
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

    [Fact]
    public void A_loop_bound_read_from_an_array_the_loop_overwrites_matches_finite_differences()
    {
        Check(Compiled.Value, "Once.L", "StartFromArray", r => new object?[] { RandomArray(r, 6) });
        Check(Compiled.Value, "Once.L", "StartFromDoubles", r => new object?[] { RandomArray(r, 6) });
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
