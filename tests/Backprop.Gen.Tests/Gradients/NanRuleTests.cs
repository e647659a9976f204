using System;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// One rule for infinities and NaN: every chain-rule term is the product it is, in IEEE arithmetic, so 0 · ∞ and 0 · NaN
/// give NaN wherever they occur: a top-level loop, a nested one, a vectorized row, a gate's rule. Before, a nested loop
/// skipped a zero multiple and dropped such a term.
/// </summary>
public class NanRuleTests
{
    private const string Source = """
        using System;
        using Backprop;

        namespace Nan;

        public static partial class N
        {
            // Two rows of w times x; only the second row's sum reaches the result, so row 0's gradient is 0 · x.
            [Differentiable]
            public static double Rows(double[] w, double[] x)
            {
                double total = 0;
                for (int j = 0; j < 2; j++)
                {
                    double s = 0;
                    for (int i = 0; i < x.Length; i++) s += w[j * x.Length + i] * x[i];
                    total += j * s;
                }

                return total;
            }

            // The same product at the top level.
            [Differentiable]
            public static double Top(double w, double x, double gate) => gate * (w * x);

            // A closed gate in front of an infinite derivative (sqrt' at 0).
            [Differentiable]
            public static double Gate(double x) => Math.Sqrt(Math.Max(x, 0.0));

            // A window of taps (a loop the generator leaves scalar) whose adjoint is zero at every other position: the
            // loop is skipped there only where the values it multiplies are finite.
            [Differentiable]
            public static double Window(double[] k, double[] x)
            {
                double total = 0;
                for (int c = 0; c + 3 <= x.Length; c++)
                {
                    double v = 0;
                    for (int u = 0; u < 3; u++) v += k[u] * x[c + u];
                    total += c % 2 == 0 ? v : 0;
                }

                return total;
            }

            // A strided loop the generator leaves scalar: the term is still computed.
            [Differentiable]
            public static double Strided(double[] w, double[] x)
            {
                double total = 0;
                for (int j = 0; j < 2; j++)
                {
                    double s = 0;
                    for (int i = 0; i < x.Length; i += 2) s += w[j * x.Length + i] * x[i];
                    total += j * s;
                }

                return total;
            }
        }
        """;

    private static readonly Lazy<GeneratorRun> Generated = new(() => TestCompiler.Generate(Source));
    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.Load(Generated.Value));

    private static double[] RowsGradient(string method, double[] x)
    {
        var w = new double[2 * x.Length];
        for (int k = 0; k < w.Length; k++) w[k] = 0.5 + k;
        var dW = new double[w.Length];
        Invoke.Call(Invoke.Method(Compiled.Value, "Nan.N", method + "Backward", 5), new object?[] { w, x, dW, null, 1.0 });
        return dW;
    }

    [Theory]
    [InlineData("Rows")]
    [InlineData("Strided")]
    public void A_zero_multiple_of_an_infinity_in_a_nested_loop_is_NaN(string method)
    {
        // 16 elements: the row is long enough for the vectorized kernel (Rows) and for several vectors.
        var x = new double[16];
        for (int i = 0; i < x.Length; i++) x[i] = i + 1;
        x[4] = double.PositiveInfinity;
        double[] dW = RowsGradient(method, x);
        Assert.True(double.IsNaN(dW[4]), $"row 0 at the infinity: {dW[4]}");
        Assert.Equal(0.0, dW[2]);
        Assert.Equal(double.PositiveInfinity, dW[16 + 4]);
    }

    [Fact]
    public void A_zero_multiple_of_a_NaN_row_is_NaN_and_of_a_finite_row_zero()
    {
        var x = new double[16];
        for (int i = 0; i < x.Length; i++) x[i] = i - 3;
        double[] finite = RowsGradient("Rows", x);
        for (int i = 0; i < 16; i++) Assert.Equal(0.0, finite[i]);
        x[15] = double.NaN;
        Assert.True(double.IsNaN(RowsGradient("Rows", x)[15]));
    }

    [Fact]
    public void A_zero_multiple_at_the_top_level_is_NaN_as_well()
    {
        object?[] arguments = { 2.0, double.PositiveInfinity, 0.0, 0.0, 0.0, 0.0, 1.0 };
        Invoke.Call(Invoke.Method(Compiled.Value, "Nan.N", "TopBackward", 7), arguments);
        Assert.True(double.IsNaN((double)arguments[3]!), $"dW = {arguments[3]}");
    }

    [Fact]
    public void A_closed_gate_in_front_of_an_infinite_derivative_gives_NaN()
    {
        object?[] arguments = { -1.0, 0.0, 1.0 };
        Invoke.Call(Invoke.Method(Compiled.Value, "Nan.N", "GateBackward", 3), arguments);
        Assert.True(double.IsNaN((double)arguments[1]!), $"dX = {arguments[1]}");
    }

    [Fact]
    public void A_window_skipped_for_a_zero_adjoint_still_gives_NaN_for_an_infinite_input()
    {
        MethodInfo backward = Invoke.Method(Compiled.Value, "Nan.N", "WindowBackward", 5);
        double[] k = { 0.5, -1, 2 }, x = { 1, double.PositiveInfinity, 3, 4, 5, 6 };
        double[] dK = new double[3], dX = new double[6];
        Invoke.Call(backward, new object?[] { k, x, dK, dX, 1.0 });
        Assert.True(double.IsNaN(dK[0]), $"dK = [{string.Join(", ", dK)}]"); // 1 · x[0] + 0 · x[1] (c = 1) + …: NaN
        Assert.Contains("_finite_", Generated.Value.Source(".N.Window.Backward.g.cs"));

        // Finite values: skipping adds nothing the loop would have, and the gradient is exact.
        GradientHarness.Check(Compiled.Value, "Nan.N", "Window", r => new object?[] { GradientHarness.RandomArray(r, 3), GradientHarness.RandomArray(r, 8) });
    }
}
