using System;
using System.Linq;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// Layers whose output is an array of structs (<c>void Step(V2[] p, double dt, V2[] next)</c>): the Backward takes the
/// output's incoming gradient as the same structs (<c>V2[] dNext</c>), leaves it as it found it, and writes the primal
/// output as the method does; elements and fields the method does not write keep their values.
/// </summary>
public class StructOutputArrayTests
{
    private const string Source = """
        using System;
        using System.Linq;
        using Backprop;

        namespace Samples
        {
            public record struct V2(double X, double Y);

            public struct P2 { public double X, Y; }

            public static partial class Layers
            {
                // A step of a rotation-like map, written whole, then one element again through 'with'.
                [Differentiable(Modes = DifferentiationModes.Reverse | DifferentiationModes.Forward)]
                public static void Step(V2[] p, double dt, V2[] next)
                {
                    for (int i = 0; i < p.Length; i++) next[i] = new V2(p[i].X + dt * p[i].Y * p[i].Y, p[i].Y - dt * p[i].X);
                    next[0] = next[0] with { Y = next[0].Y * 2 };
                }

                // Writes only some fields of some elements: the rest keep the caller's values.
                [Differentiable(Modes = DifferentiationModes.Reverse | DifferentiationModes.Forward)]
                public static void Partial(P2[] p, double k, P2[] next)
                {
                    for (int i = 1; i < p.Length; i++) next[i].X = p[i].X * k * p[i - 1].Y;
                }

                // Flat views: three points (X, Y each) then dt; the loss weighs the outputs with fixed weights.
                private static readonly double[] Weights = { 1, 2, -1, 0.5, 0.25, 3 };

                private static V2[] Points(double[] x) => Enumerable.Range(0, 3).Select(i => new V2(x[2 * i], x[2 * i + 1])).ToArray();

                private static V2[] Seed() => Enumerable.Range(0, 3).Select(i => new V2(Weights[2 * i], Weights[2 * i + 1])).ToArray();

                public static double StepLoss(double[] x)
                {
                    var next = new V2[3];
                    Step(Points(x), x[6], next);
                    return next.Select((v, i) => v.X * Weights[2 * i] + v.Y * Weights[2 * i + 1]).Sum();
                }

                public static double[] StepGradient(double[] x, out bool outputRight, out bool seedLeft)
                {
                    var next = new V2[3];
                    var dP = new V2[3];
                    double dDt = 0;
                    V2[] seed = Seed();
                    StepBackward(Points(x), x[6], next, dP, ref dDt, seed);
                    var expected = new V2[3];
                    Step(Points(x), x[6], expected);
                    outputRight = next.SequenceEqual(expected);
                    seedLeft = seed.SequenceEqual(Seed());
                    return dP.SelectMany(v => new[] { v.X, v.Y }).Append(dDt).ToArray();
                }

                public static double StepDirectional(double[] x, double[] t)
                {
                    var next = new V2[3];
                    var tNext = new V2[3];
                    StepTangent(Points(x), x[6], next, Points(t), t[6], tNext);
                    return tNext.Select((v, i) => v.X * Weights[2 * i] + v.Y * Weights[2 * i + 1]).Sum();
                }

                public static bool PullbackConsumes(double[] x)
                {
                    var next = new V2[3];
                    var dP = new V2[3];
                    double dDt = 0;
                    V2[] seed = Seed();
                    Step(Points(x), x[6], next);
                    StepPullback(Points(x), x[6], next, dP, ref dDt, seed);
                    return seed.All(v => v == default);
                }

                public static double[] PartialRun(out double[] gradient)
                {
                    var p = new[] { new P2 { X = 1, Y = 2 }, new P2 { X = 3, Y = 4 } };
                    var next = new[] { new P2 { X = 7, Y = 8 }, new P2 { X = 9, Y = 10 } };
                    var dP = new P2[2];
                    double dK = 0;
                    PartialBackward(p, 0.5, next, dP, ref dK, new[] { new P2 { X = 1, Y = 1 }, new P2 { X = 1, Y = 1 } });
                    gradient = new[] { dP[0].X, dP[0].Y, dP[1].X, dP[1].Y, dK };
                    return new[] { next[0].X, next[0].Y, next[1].X, next[1].Y };
                }
            }
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    private static MethodInfo Method(string name) => Compiled.Value.GetType("Samples.Layers", throwOnError: true)!.GetMethod(name)!;

    [Fact]
    public void An_output_array_of_structs_in_reverse_and_forward_mode()
    {
        var random = new Random(12);
        for (int point = 0; point < 5; point++)
        {
            double[] x = Enumerable.Range(0, 7).Select(_ => GradientHarness.RandomScalar(random)).ToArray();
            double[] numeric = Backprop.GradientCheck.NumericGradient(v => (double)Method("StepLoss").Invoke(null, new object[] { v })!, x);
            object?[] arguments = { x, null, null };
            double[] analytic = (double[])Method("StepGradient").Invoke(null, arguments)!;
            Assert.True(Backprop.GradientCheck.Compare(analytic, numeric).Passed(1e-6), $"gradient at point {point}");
            Assert.True((bool)arguments[1]!, "the Backward writes the output as the method does");
            Assert.True((bool)arguments[2]!, "the Backward leaves the incoming gradient as it found it");

            double[] t = Enumerable.Range(0, 7).Select(_ => GradientHarness.RandomScalar(random)).ToArray();
            double expected = analytic.Zip(t, (a, b) => a * b).Sum();
            double tangent = (double)Method("StepDirectional").Invoke(null, new object[] { x, t })!;
            Assert.True(Math.Abs(tangent - expected) < 1e-9 * (1 + Math.Abs(expected)), $"tangent at point {point}");
            Assert.True((bool)Method("PullbackConsumes").Invoke(null, new object[] { x })!, "the Pullback consumes the output's adjoint");
        }
    }

    [Fact]
    public void Elements_and_fields_not_written_keep_their_values()
    {
        object?[] arguments = { null };
        double[] next = (double[])Method("PartialRun").Invoke(null, arguments)!;
        Assert.Equal(new[] { 7.0, 8.0, 3.0, 10.0 }, next);
        Assert.Equal(new[] { 0.0, 1.5, 1.0, 0.0, 6.0 }, (double[])arguments[0]!);
    }

    [Fact]
    public void The_output_s_fields_are_copied_back_by_name() =>
        Snapshot.Verify("StructOutputArray", GeneratedMethods.Method(TestCompiler.Generate(Source).Source("Layers.Step.Backward.g.cs"), "StepBackward"));

    [Theory]
    [InlineData("BPG0105", "[Differentiable] public static void F(V2[] p, V2[] q) { q[1].X = [|q[0]|].X * p[0].Y; q[0] = p[1]; }")]
    [InlineData("BPG0102", "[Differentiable(Modes = DifferentiationModes.SecondOrder)] public static void F(V2[] p, V2[] q) { [|q[0]|] = new V2(p[0].Y, p[0].X * p[0].X); }")]
    public void Unsupported_outputs_of_structs_are_errors_at_their_span(string id, string method)
    {
        MarkedSource.AssertSingleAt(id, "using System; using Backprop; public record struct V2(double X, double Y); public static partial class Net { " + method + " }");
    }
}
