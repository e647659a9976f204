using System;
using System.Linq;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// Nested differentiation: a [Differentiable] method that calls another method's generated Backward or Tangent is
/// differentiated in reverse and in forward mode (the four combinations rr, rf, fr, ff), against finite differences
/// of the method itself, which runs the inner derivative.
/// </summary>
public class NestedTests
{
    private const string Source = """
        using System;
        using Backprop;

        namespace Samples
        {
            public static partial class Field
            {
                [Differentiable(Modes = DifferentiationModes.SecondOrder)]
                public static double Potential(double x, double y, double w) =>
                    1.0 / Math.Sqrt((3 - x) * (3 - x) + y * y + 0.5) + Math.Sin(w * x) * y + w * w * Math.Exp(0.3 * y);
            }

            public static partial class Nested
            {
                private const DifferentiationModes Both = DifferentiationModes.Reverse | DifferentiationModes.Forward;

                // Inner reverse: a simulation stepping along minus the gradient, the value used too, in a loop.
                [Differentiable(Modes = Both)]
                public static double Fall(double w, double y0)
                {
                    double x = 0, y = y0, vx = 0.5, vy = 0, energy = 0;
                    for (int step = 0; step < 6; step++)
                    {
                        double ax = 0, ay = 0, aw = 0;
                        double here = Field.PotentialBackward(x, y, w, ref ax, ref ay, ref aw);
                        energy += here;
                        vx -= 0.1 * ax;
                        vy -= 0.1 * ay;
                        x += 0.1 * vx;
                        y += 0.1 * vy + 0.01 * aw;
                    }

                    return x * x + y + 0.1 * energy;
                }

                // Inner forward: directional derivatives along directions that carry derivatives themselves, one into
                // an existing local, one declared by the call; the value used.
                [Differentiable(Modes = Both)]
                public static double Slope(double w, double u)
                {
                    double along = 0;
                    double value = Field.PotentialTangent(u, w, 0.5, u * w, 1, w, out along);
                    Field.PotentialTangent(w, u, w, 0, 1, 0, out double across);
                    return value * along + across * across;
                }

                // The Backward's seed carries a derivative, and the adjoints start from non-zero values.
                [Differentiable(Modes = Both)]
                public static double Seeded(double a, double b)
                {
                    double g0 = a, g1 = 0, g2 = b;
                    Field.PotentialBackward(a, b, a * b, ref g0, ref g1, ref g2, b * b + 1);
                    return g0 * g1 + g2;
                }
            }
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    [Fact]
    public void Inner_reverse_outer_reverse_and_forward() => Both("Fall", r => new object?[] { 0.3 + 0.2 * RandomScalar(r), 1 + 0.3 * RandomScalar(r) });

    [Fact]
    public void Inner_forward_outer_reverse_and_forward() => Both("Slope", r => new object?[] { RandomScalar(r), RandomScalar(r) });

    [Fact]
    public void A_seed_and_adjoints_that_carry_derivatives() => Both("Seeded", r => new object?[] { RandomScalar(r), RandomScalar(r) });

    private static void Both(string method, Func<Random, object?[]> point)
    {
        Check(Compiled.Value, "Samples.Nested", method, point, points: 5, tolerance: 1e-5);
        ForwardHarness.Check(Compiled.Value, "Samples.Nested", method, point);
    }

    [Fact]
    public void The_outer_reverse_equals_the_outer_forward_bit_for_bit_in_value()
    {
        Type nested = Compiled.Value.GetType("Samples.Nested", throwOnError: true)!;
        object?[] args = { 0.25, 1.1 };
        double primal = (double)nested.GetMethod("Fall")!.Invoke(null, args)!;
        MethodInfo backward = nested.GetMethods().Single(m => m.Name == "FallBackward" && m.GetParameters().Length == 2 && m.ReturnType == typeof(double) == false);
        object tuple = backward.Invoke(null, args)!;
        Assert.Equal(primal, (double)tuple.GetType().GetField("Item1")!.GetValue(tuple)!);
    }

    [Fact]
    public void The_generated_caller_goes_through_the_hidden_layer_and_the_hessian_vector_product()
    {
        GeneratorRun run = TestCompiler.Generate(Source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationProblems);
        string fall = GeneratedMethods.Method(run.Source(".Fall.Backward.g.cs"), "FallBackward");
        // Forward: the layer's primal; reverse: its Pullback, one HessianVector per call, nothing else run again.
        Assert.Contains("global::Samples.Field.PotentialNestedGradient(x, y, w, 1.0, ", fall);
        Assert.Contains("global::Samples.Field.PotentialNestedGradientPullback(", fall);
        string potential = run.Source(".Potential.Backward.g.cs");
        string pullback = GeneratedMethods.Method(potential, "PotentialNestedGradientPullback");
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(pullback, "PotentialHessianVector\\("));
        Snapshot.Verify("Nested.Fall", fall);
    }
}
