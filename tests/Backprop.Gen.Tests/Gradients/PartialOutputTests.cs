using System;
using System.Linq;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// Layers that store only some elements of an output (under a condition, at an offset, or over a shorter range):
/// the elements they leave keep the caller's values, so the gradient of those values must flow on past the call.
/// A generated caller gets it from the layer's Pullback, which hands back in the output's adjoint the gradient of
/// the contents before the call. And a Backward must leave its outputs holding the forward's final values, even
/// where the reverse sweep of an earlier layer call recomputes them.
/// </summary>
public class PartialOutputTests
{
    private const string Source = """
        using System;
        using Backprop;

        namespace Partial;

        public static partial class L
        {
            [Differentiable]
            public static void Squash(double[] x, double[] y)
            {
                for (int i = 0; i < y.Length; i++) y[i] = Math.Tanh(x[i]);
            }

            // Stores y[i] only where x[i] > 0: the other elements keep what the caller had there.
            [Differentiable]
            public static void PositivePart(double[] x, double[] y)
            {
                for (int i = 0; i < y.Length; i++)
                {
                    if (x[i] > 0) y[i] = x[i] * x[i];
                }
            }

            // Stores x into y from an offset: two calls build a concatenation.
            [Differentiable]
            public static void Embed(double[] x, double[] y, int offset)
            {
                for (int i = 0; i < x.Length; i++) y[offset + i] = Math.Sin(x[i]);
            }

            // Stores the first k elements only.
            [Differentiable]
            public static void Head(double[] x, double[] y, int k)
            {
                for (int i = 0; i < k; i++) y[i] = x[i] * 3 + x[i] * x[i];
            }

            // Stores twice and reads back, so its reverse works on a copy, and stores only some elements.
            [Differentiable]
            public static void Sparse(double[] x, double[] y)
            {
                for (int i = 0; i < y.Length; i += 2) y[i] = x[i] * x[i];
                for (int i = 0; i < y.Length; i += 2) y[i] = y[i] * x[i] + 1;
            }

            // Hands its output to a partial layer: itself partial.
            [Differentiable]
            public static void Wraps(double[] x, double[] y) => PositivePart(x, y);

            [Differentiable]
            public static double Masked(double[] x)
            {
                double[] h = new double[x.Length];
                Squash(x, h);
                PositivePart(x, h);
                double s = 0;
                for (int i = 0; i < h.Length; i++) s += h[i] * h[i];
                return s;
            }

            [Differentiable]
            public static double Concatenated(double[] a, double[] b)
            {
                double[] y = new double[a.Length + b.Length];
                Embed(a, y, 0);
                Embed(b, y, a.Length);
                double s = 0;
                for (int i = 0; i < y.Length; i++) s += y[i] * (i + 1);
                return s;
            }

            [Differentiable]
            public static double Headed(double[] x)
            {
                double[] y = new double[x.Length];
                Squash(x, y);
                Head(x, y, 2);
                Sparse(x, y);
                Wraps(x, y);
                double s = 0;
                for (int i = 0; i < y.Length; i++) s += Math.Cos(y[i]) * x[i];
                return s;
            }

            // A buffer reused in a loop by a full and then a partial layer.
            [Differentiable]
            public static double Repeated(double[] x)
            {
                double[] h = new double[x.Length];
                double s = 0;
                for (int t = 0; t < 3; t++)
                {
                    Squash(x, h);
                    PositivePart(x, h);
                    for (int i = 0; i < h.Length; i++) s += h[i] * (t + 1);
                }

                return s;
            }

            // Returns a value and writes an output, only where x[i] > 0: its Pullback takes the seed and returns nothing.
            [Differentiable]
            public static double Scored(double[] x, double[] y)
            {
                double s = 0;
                for (int i = 0; i < y.Length; i++)
                {
                    if (x[i] > 0) y[i] = Math.Exp(x[i]);
                    s += x[i] * x[i];
                }

                return s;
            }

            [Differentiable]
            public static double ScoredTwice(double[] x)
            {
                double[] h = new double[x.Length];
                Squash(x, h);
                double s = Scored(x, h);
                double[] g = new double[x.Length];
                Squash(h, g);
                for (int t = 0; t < 2; t++) s += Scored(h, g) * 0.5;
                for (int i = 0; i < g.Length; i++) s += g[i] * g[i];
                for (int i = 0; i < h.Length; i++) s += h[i] * (i + 1);
                return s;
            }

            // A layer with a hand-written derivative, which leaves its output adjoint: wrapped, the wrapper must consume it.
            public static void Twice(double[] x, double[] y)
            {
                for (int i = 0; i < y.Length; i++) y[i] = 2 * x[i];
            }

            public static void TwiceBackward(double[] x, double[] y, double[]? dX, [OutputAdjoint] double[]? dY)
            {
                Twice(x, y);
                if (dX is null || dY is null) return;
                for (int i = 0; i < y.Length; i++) dX[i] += 2 * dY[i];
            }

            [Differentiable]
            public static void WrapsTwice(double[] x, double[] y) => Twice(x, y);

            [Differentiable]
            public static void WrapsPool(double[] x, double[] y) => Backprop.Nn.Layers.MaxPool2d(x, y, 1, 4, 4, 2, 2);

            [Differentiable]
            public static double OverHandWritten(double[] x, double[] w)
            {
                double[] y = new double[x.Length];
                Squash(w, y);
                WrapsTwice(x, y);
                double[] p = new double[4];
                Squash(w, p);
                WrapsPool(x, p);
                double s = 0;
                for (int i = 0; i < y.Length; i++) s += y[i] * y[i];
                for (int i = 0; i < p.Length; i++) s += p[i] * p[i] * (i + 1);
                return s;
            }

            // One call, to a layer of layers whose own Pullback recomputes an earlier callee's values into y.
            [Differentiable]
            public static void WrapsBoth(double[] x, double[] y) { Both(x, y); }

            // Second order: the Backward and the Pullback consume as any; only the HessianVector takes calls to overwrite.
            [Differentiable(Modes = DifferentiationModes.Reverse | DifferentiationModes.SecondOrder)]
            public static void Embed2(double[] x, double[] y, int offset)
            {
                for (int i = 0; i < x.Length; i++) y[offset + i] = Math.Sin(x[i]);
            }

            [Differentiable(Modes = DifferentiationModes.Reverse | DifferentiationModes.SecondOrder)]
            public static double Concatenated2(double[] a, double[] b)
            {
                double[] y = new double[a.Length + b.Length];
                Embed2(a, y, 0);
                Embed2(b, y, a.Length);
                double s = 0;
                for (int i = 0; i < y.Length; i++) s += y[i] * y[i] * (i + 1);
                return s;
            }

            [Differentiable]
            public static double OverSecondOrder(double[] a, double[] b)
            {
                double[] y = new double[a.Length + b.Length];
                Embed2(a, y, 0);
                Embed2(b, y, a.Length);
                double s = 0;
                for (int i = 0; i < y.Length; i++) s += Math.Cos(y[i]) * (i + 1);
                return s;
            }

            // A layer of layers: the last call only sometimes runs, so the outputs end with either layer's values.
            [Differentiable]
            public static void Either(double[] x, double[] y, bool second)
            {
                Squash(x, y);
                if (second) Embed(x, y, 0);
            }

            [Differentiable]
            public static void Both(double[] x, double[] y)
            {
                Squash(x, y);
                PositivePart(x, y);
            }

            [Differentiable]
            public static double Outer(double[] x, bool second)
            {
                double[] y = new double[x.Length];
                Either(x, y, second);
                Both(x, y);
                double s = 0;
                for (int i = 0; i < y.Length; i++) s += y[i] * y[i] * (i + 2);
                return s;
            }
        }
        """;

    private static readonly Lazy<GeneratorRun> Generated = new(() => TestCompiler.Generate(Source));
    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.Load(Generated.Value));

    // Inputs away from 0 (PositivePart's branch) so that central differences do not step across it.
    private static double[] AwayFromZero(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (random.NextDouble() * 0.8 + 0.2) * (random.Next(2) == 0 ? -1 : 1)).ToArray();

    [Fact]
    public void A_conditional_store_passes_on_the_gradient_of_what_it_leaves()
    {
        Assert.Empty(Generated.Value.GeneratorDiagnostics);
        Check(Compiled.Value, "Partial.L", "Masked", r => new object?[] { AwayFromZero(r, 7) });
    }

    [Fact]
    public void Two_stores_at_offsets_build_a_concatenation_with_both_gradients() =>
        Check(Compiled.Value, "Partial.L", "Concatenated", r => new object?[] { RandomArray(r, 3), RandomArray(r, 4) });

    [Fact]
    public void Shorter_stores_copy_path_layers_and_wrappers_pass_on_what_they_leave() =>
        Check(Compiled.Value, "Partial.L", "Headed", r => new object?[] { AwayFromZero(r, 6) });

    [Fact]
    public void A_reused_buffer_in_a_loop_keeps_the_gradient_of_what_a_partial_layer_leaves() =>
        Check(Compiled.Value, "Partial.L", "Repeated", r => new object?[] { AwayFromZero(r, 5) });

    [Fact]
    public void A_layer_that_returns_a_value_is_replayed_from_its_tape_and_passes_on_what_it_leaves()
    {
        Check(Compiled.Value, "Partial.L", "ScoredTwice", r => new object?[] { AwayFromZero(r, 6) });
        string caller = GeneratedMethods.Method(Generated.Value.Source(".L.ScoredTwice.Backward.g.cs"), "ScoredTwiceBackward");
        Assert.Contains("ScoredReplay(", caller);
        Assert.DoesNotContain("ScoredBackward(", caller);
        Assert.Contains("public static void ScoredPullback(double[] x, double[] y, double[]? dX, [global::Backprop.OutputAdjoint] double[]? dY, double seed = 1.0)",
            Generated.Value.Source(".L.Scored.Backward.g.cs"));
    }

    [Fact]
    public void A_wrapper_of_a_hand_written_derivative_consumes_what_that_derivative_leaves() =>
        Check(Compiled.Value, "Partial.L", "OverHandWritten", r => new object?[] { RandomArray(r, 16), RandomArray(r, 16) });

    [Fact]
    public void Second_order_methods_consume_in_their_backward_and_pullback()
    {
        Check(Compiled.Value, "Partial.L", "Concatenated2", r => new object?[] { RandomArray(r, 3), RandomArray(r, 2) });
        Check(Compiled.Value, "Partial.L", "OverSecondOrder", r => new object?[] { RandomArray(r, 3), RandomArray(r, 2) });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Layers_of_layers_match_finite_differences(bool second) =>
        Check(Compiled.Value, "Partial.L", "Outer", r => new object?[] { AwayFromZero(r, 5), second });

    [Theory]
    [InlineData("PositivePart", new[] { 0.5, -0.5, 0.25, -1.0 }, new[] { 0.0, 2.0, 0.0, 4.0 })]
    [InlineData("Sparse", new[] { 0.5, -0.5, 0.25, -1.0 }, new[] { 0.0, 2.0, 0.0, 4.0 })]
    public void The_pullback_hands_back_the_gradient_of_the_elements_it_left(string layer, double[] x, double[] expected)
    {
        // dY = (1, 2, 3, 4): the layer stored y[0] and y[2], so those are consumed and the rest flows on.
        MethodInfo primal = Invoke.Method(Compiled.Value, "Partial.L", layer, 2);
        MethodInfo pullback = Invoke.Method(Compiled.Value, "Partial.L", layer + "Pullback", 4);
        MethodInfo backward = Invoke.Method(Compiled.Value, "Partial.L", layer + "Backward", 4);
        double[] y = new double[4];
        Invoke.Call(primal, new object?[] { x, y });
        double[] dY = { 1, 2, 3, 4 }, dX = new double[4];
        Invoke.Call(pullback, new object?[] { x, y, dX, dY });
        Assert.Equal(expected, dY);

        // The Backward reads the incoming gradient and leaves it, and gives the same gradient.
        double[] dYBackward = { 1, 2, 3, 4 }, dXBackward = new double[4];
        Invoke.Call(backward, new object?[] { x, new double[4], dXBackward, dYBackward });
        Assert.Equal(new double[] { 1, 2, 3, 4 }, dYBackward);
        Assert.Equal(dX, dXBackward);
    }

    [Theory]
    [InlineData("Either", true)]
    [InlineData("Either", false)]
    [InlineData("Both", false)]
    [InlineData("WrapsBoth", false)]
    public void A_backward_leaves_its_outputs_holding_the_forward_values(string layer, bool second)
    {
        double[] x = AwayFromZero(new Random(5), 5);
        bool takesFlag = layer == "Either";
        MethodInfo primal = Invoke.Method(Compiled.Value, "Partial.L", layer, takesFlag ? 3 : 2);
        MethodInfo backward = Invoke.Method(Compiled.Value, "Partial.L", layer + "Backward", takesFlag ? 5 : 4);
        double[] expected = new double[5], actual = new double[5];
        Invoke.Call(primal, takesFlag ? new object?[] { x, expected, second } : new object?[] { x, expected });
        double[] dY = { 1, 1, 1, 1, 1 };
        Invoke.Call(backward, takesFlag ? new object?[] { x, actual, second, new double[5], dY } : new object?[] { x, actual, new double[5], dY });
        Assert.Equal(expected, actual);
    }
}
