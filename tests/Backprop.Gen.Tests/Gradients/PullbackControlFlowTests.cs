using System;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// A layer's Pullback keeps only the part of the forward sweep its reverse sweep reads. Whatever decides the control flow
/// (a while condition, a branch, a trip count, an index) must stay, with everything it reads, transitively: a bubble pass
/// whose while condition reads the array its swaps change lost the swaps and ran the wrong number of trips.
/// </summary>
public class PullbackControlFlowTests
{
    private const string Source = """
        using System;
        using Backprop;

        namespace Flow;

        public static partial class L
        {
            // One bubble pass from the end: the trip count depends on the values the swaps move.
            [Differentiable]
            public static void BubbleOne(double[] src, double[] dst)
            {
                for (int k = 0; k < src.Length; k++) dst[k] = src[k];
                int j = dst.Length - 1;
                while (j > 0 && dst[j - 1] < dst[j]) { double t = dst[j]; dst[j] = dst[j - 1]; dst[j - 1] = t; j--; }
            }

            [Differentiable]
            public static double UseBubble(double[] x)
            {
                var y = new double[x.Length];
                BubbleOne(x, y);
                return y[0] + 2 * y[1] + 3 * y[2];
            }

            // A branch decided by an element an earlier statement of the loop rewrote.
            [Differentiable]
            public static void ClampRun(double[] src, double[] dst)
            {
                for (int k = 0; k < src.Length; k++) dst[k] = src[k] * 2;
                for (int k = 1; k < dst.Length; k++)
                {
                    dst[k] = dst[k] + dst[k - 1] * 0.5;
                    if (dst[k] > 1) dst[k] = 1 + Math.Tanh(dst[k] - 1);
                }
            }

            [Differentiable]
            public static double UseClampRun(double[] x)
            {
                var y = new double[x.Length];
                ClampRun(x, y);
                double s = 0;
                for (int i = 0; i < y.Length; i++) s += y[i] * (i + 1);
                return s;
            }

            // An index read from an array the loop changes (a cursor that walks by the data).
            [Differentiable]
            public static void Walk(double[] src, double[] dst)
            {
                for (int k = 0; k < src.Length; k++) dst[k] = src[k];
                int at = 0;
                int steps = 0;
                while (steps < dst.Length)
                {
                    dst[at] = dst[at] * 0.5 + 0.25;
                    at = dst[at] > 0.4 ? (at + 1) % dst.Length : (at + 2) % dst.Length;
                    steps++;
                }
            }

            [Differentiable]
            public static double UseWalk(double[] x)
            {
                var y = new double[x.Length];
                Walk(x, y);
                return y[0] * y[1] + y[2] * y[3];
            }
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    [Fact]
    public void A_bubble_pass_through_its_Pullback_gives_the_exact_gradient()
    {
        object?[] arguments = { new double[] { 3, 1, 2, 5 }, new double[4], 1.0 };
        Invoke.Call(Invoke.Method(Compiled.Value, "Flow.L", "UseBubbleBackward", 3), arguments);
        Assert.Equal(new double[] { 2, 3, 0, 1 }, (double[])arguments[1]!);
    }

    [Theory]
    [InlineData("UseBubble")]
    [InlineData("UseClampRun")]
    [InlineData("UseWalk")]
    public void Callers_of_layers_with_data_dependent_control_flow_match_finite_differences(string method) =>
        Check(Compiled.Value, "Flow.L", method, random => new object?[] { RandomArray(random, 4, 2) }, points: 20);
}
