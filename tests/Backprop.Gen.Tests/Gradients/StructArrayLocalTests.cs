using System;
using System.Linq;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// Local arrays of structs (<c>var path = new V2[n]</c>): one local array per field, so that a trajectory kept in an array
/// of structs differentiates in every mode like arrays of doubles; using the array whole is an error at the use.
/// </summary>
public class StructArrayLocalTests
{
    private const string Source = """
        using System;
        using System.Linq;
        using Backprop;

        namespace Samples
        {
            public record struct V2(double X, double Y)
            {
                public static V2 operator +(V2 a, V2 b) => new(a.X + b.X, a.Y + b.Y);
                public static V2 operator *(double k, V2 a) => new(k * a.X, k * a.Y);
            }

            public struct Body { public V2 Pos; public double Mass; }

            public static partial class Flights
            {
                private const DifferentiationModes All = DifferentiationModes.Reverse | DifferentiationModes.Forward | DifferentiationModes.SecondOrder;

                // A trajectory: created with a length and with an initializer, elements written whole, through
                // operators and field by field, read in a foreach, its Length a loop bound.
                [Differentiable(Modes = All)]
                public static double Flight(V2 p0, V2 v0, double drag, int steps)
                {
                    var path = new V2[steps + 1];
                    var vel = new V2[] { v0, default };
                    path[0] = p0;
                    for (int t = 1; t < path.Length; t++)
                    {
                        vel[1] = new V2(vel[0].X * (1 - drag), vel[0].Y * (1 - drag) - 0.1);
                        path[t] = path[t - 1] + 0.1 * vel[1];
                        vel[0] = vel[1];
                    }

                    double s = 0;
                    foreach (V2 q in path) s += q.X * q.Y;
                    path[steps].X *= 2;
                    return s + path[steps].X;
                }

                // A struct of structs in a local array, filled from an input array of them.
                [Differentiable(Modes = All)]
                public static double Heaviest(Body[] bodies, double k)
                {
                    Body[] moved = new Body[bodies.Length];
                    for (int i = 0; i < bodies.Length; i++)
                    {
                        moved[i] = bodies[i];
                        moved[i].Pos.X += k * bodies[i].Mass;
                        moved[i].Mass = Math.Exp(moved[i].Pos.Y * k);
                    }

                    double e = 0;
                    for (int i = 0; i < moved.Length; i++) e += moved[i].Mass * moved[i].Pos.X;
                    return e;
                }

                // Flat views for the test: three bodies (X, Y, Mass each), then k.
                private static Body[] Bodies(double[] x) => Enumerable.Range(0, 3).Select(i => new Body { Pos = new V2(x[3 * i], x[3 * i + 1]), Mass = x[3 * i + 2] }).ToArray();

                public static double HeaviestValue(double[] x) => Heaviest(Bodies(x), x[9]);

                public static double[] HeaviestGradient(double[] x)
                {
                    var dBodies = new Body[3];
                    double dK = 0;
                    HeaviestBackward(Bodies(x), x[9], dBodies, ref dK);
                    return dBodies.SelectMany(b => new[] { b.Pos.X, b.Pos.Y, b.Mass }).Append(dK).ToArray();
                }
            }
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    private static object V2(Random r) => Activator.CreateInstance(Compiled.Value.GetType("Samples.V2", throwOnError: true)!,
        GradientHarness.RandomScalar(r), GradientHarness.RandomScalar(r))!;

    [Fact]
    public void A_trajectory_in_a_local_array_of_structs_in_every_mode() =>
        StructHarness.Check(Compiled.Value, "Samples.Flights", "Flight", r => new object?[] { V2(r), V2(r), 0.05 + 0.05 * r.NextDouble(), 6 });

    [Fact]
    public void A_local_array_of_nested_structs()
    {
        Type flights = Compiled.Value.GetType("Samples.Flights", throwOnError: true)!;
        var random = new Random(5);
        for (int point = 0; point < 4; point++)
        {
            double[] x = Enumerable.Range(0, 10).Select(i => i % 3 == 2 ? 1 + random.NextDouble() : GradientHarness.RandomScalar(random)).ToArray();
            double[] numeric = Backprop.GradientCheck.NumericGradient(v => (double)flights.GetMethod("HeaviestValue")!.Invoke(null, new object[] { v })!, x);
            double[] analytic = (double[])flights.GetMethod("HeaviestGradient")!.Invoke(null, new object[] { x })!;
            Assert.True(Backprop.GradientCheck.Compare(analytic, numeric).Passed(1e-6), $"gradient at point {point}");
        }
    }

    [Fact]
    public void The_fields_live_in_arrays_named_after_the_local() =>
        Snapshot.Verify("StructArrayLocal", GeneratedMethods.Method(TestCompiler.Generate(Source).Source("Flights.Flight.Backward.g.cs"), "FlightBackward"));

    [Theory]
    [InlineData("BPG0102", "static double Use(V2[] a) => a[0].X; [Differentiable] public static double F(double x) { var p = new V2[2]; p[0].X = x; return Use([|p|]); }")]
    [InlineData("BPG0102", "[Differentiable] public static double F(V2[] q, double x) { V2[] p = [|q|]; return p[0].X * x; }")]
    [InlineData("BPG0106", "[Differentiable] public static double F(double x) { var p = new V2[2]; p[0].X = x; [|p = new V2[3]|]; return p[0].X; }")]
    public void Using_the_array_whole_is_an_error_at_the_use(string id, string method)
    {
        GeneratorRun run = MarkedSource.AssertSingleAt(id, "using System; using Backprop; public record struct V2(double X, double Y); public static partial class Net { " + method + " }");
        Assert.DoesNotContain(run.CompilationProblems, d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs") == true);
    }
}
