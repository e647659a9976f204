using System;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// Loops whose reverse runs first to last, computing an inactive recurrence (<c>power *= t</c>) again instead of saving
/// it at every iteration: the gradients against finite differences in every placement (in a loop or not, the recurrence
/// first or last, its entry value read again after the loop, two recurrences, through a caller's tape), and loops that
/// must keep the plain reverse (an adjoint carried from one iteration to the next).
/// </summary>
public class ForwardReplayTests
{
    private const string Source = """
        using System;
        using Backprop;

        namespace Samples
        {
            public static partial class Replay
            {
                // llsq: the recurrence last, inside a loop (its entry value saved once per outer iteration).
                [Differentiable]
                public static double Fit(double[] x, int n)
                {
                    double sum = 0;
                    for (int i = 0; i < n; i++)
                    {
                        double t = -1 + 2.0 * i / (n - 1);
                        double fit = 0, power = 1;
                        for (int j = 0; j < x.Length; j++)
                        {
                            fit += x[j] * power;
                            power *= t;
                        }

                        double residual = Math.Sign(t) - fit;
                        sum += residual * residual;
                    }

                    return 0.5 * sum;
                }

                // The recurrence first, in a loop at the top level (its entry value in a local).
                [Differentiable]
                public static double Prefix(double[] x, int k)
                {
                    double t = 0.5 + 0.125 * k;
                    double power = 1, s = 0;
                    for (int j = 0; j < x.Length; j++)
                    {
                        power *= t;
                        s += x[j] * power;
                    }

                    return s * s;
                }

                // Two recurrences, one of them read before the loop and after it (its entry value restored after).
                [Differentiable]
                public static double Restored(double[] x, double[] y, int k)
                {
                    double total = 0;
                    for (int r = 0; r < 3; r++)
                    {
                        double t = 0.25 * (k + r);
                        double power = 1 + t * t, sign = 1;
                        double z = x[0] * power;
                        for (int j = 0; j < x.Length; j++)
                        {
                            z += x[j] * y[j] * power * sign;
                            power *= t;
                            sign = -sign;
                        }

                        total += z * power + Math.Sin(z);
                    }

                    return total;
                }

                // A caller: the loop's reverse runs forwards in the callee's Replay too.
                [Differentiable]
                public static double Caller(double[] x) => 2 * Fit(x, 5) + Fit(x, 4) * Prefix(x, 1);

                // A recurrence that calls something with effects: computing it again would give other values.
                public static int Calls;

                public static double Noise(int j)
                {
                    Calls++;
                    return 0.5 + 0.125 * ((Calls * 7 + j) % 5);
                }

                [Differentiable]
                public static double Noisy(double[] x)
                {
                    double s = 0;
                    for (int j = 0; j < x.Length; j++)
                    {
                        double m = Noise(j);
                        s += x[j] * x[j] * m;
                    }

                    return s;
                }

                // An adjoint carried from one iteration to the next: the plain reverse, saving power at every step.
                [Differentiable]
                public static double Carried(double[] x, int k)
                {
                    double t = 0.5 + 0.25 * k;
                    double fit = 0, power = 1;
                    for (int j = 0; j < x.Length; j++)
                    {
                        fit = fit * 0.5 + x[j] * power;
                        power *= t;
                    }

                    return fit * fit;
                }
            }
        }
        """;

    private static readonly Lazy<(GeneratorRun Run, Assembly Assembly)> Compiled = new(() =>
    {
        GeneratorRun run = TestCompiler.Generate(Source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationProblems);
        return (run, TestCompiler.Load(run));
    });

    [Theory]
    [InlineData("Fit")]
    [InlineData("Prefix")]
    [InlineData("Restored")]
    [InlineData("Caller")]
    [InlineData("Carried")]
    public void Gradients_match_finite_differences(string method)
    {
        GradientHarness.Check(Compiled.Value.Assembly, "Samples.Replay", method, random => method switch
        {
            "Fit" => new object?[] { GradientHarness.RandomArray(random, 1 + random.Next(6)), 2 + random.Next(7) },
            "Restored" => new object?[] { GradientHarness.RandomArray(random, 1 + random.Next(5)), GradientHarness.RandomArray(random, 5), random.Next(4) },
            "Caller" => new object?[] { GradientHarness.RandomArray(random, 1 + random.Next(5)) },
            _ => new object?[] { GradientHarness.RandomArray(random, random.Next(7)), random.Next(4) },
        });
    }

    [Fact]
    public void Only_loops_with_independent_reverse_iterations_run_forwards()
    {
        string file = Compiled.Value.Run.Source("Samples.Replay.Fit.Backward.g.cs");
        Assert.Contains("run first to last, computing power again", GeneratedMethods.Method(file, "FitBackward"));
        Assert.Contains("run first to last, computing power again", GeneratedMethods.Method(file, "FitReplay"));
        Assert.Contains("computing power, sign again", Compiled.Value.Run.Source("Samples.Replay.Restored.Backward.g.cs"));
        string carried = GeneratedMethods.Method(Compiled.Value.Run.Source("Samples.Replay.Carried.Backward.g.cs"), "CarriedBackward");
        Assert.DoesNotContain("run first to last", carried);
        Assert.Contains("power = _saved_power", carried);
    }

    [Fact]
    public void A_recurrence_with_effects_is_saved_not_computed_again()
    {
        // Found by review: rng.NextDouble() in the recurrence ran again in the reverse sweep, with other numbers.
        string noisy = GeneratedMethods.Method(Compiled.Value.Run.Source("Samples.Replay.Noisy.Backward.g.cs"), "NoisyBackward");
        Assert.DoesNotContain("run first to last", noisy);
        Type replay = Compiled.Value.Assembly.GetType("Samples.Replay", throwOnError: true)!;
        FieldInfo calls = replay.GetField("Calls")!;
        double[] x = { 0.3, -1.2, 0.7, 2.0, -0.4, 1.1 };
        calls.SetValue(null, 0);
        var m = new double[x.Length];
        MethodInfo noise = replay.GetMethod("Noise")!;
        for (int j = 0; j < x.Length; j++) m[j] = (double)noise.Invoke(null, new object[] { j })!;
        calls.SetValue(null, 0);
        var dX = new double[x.Length];
        Invoke.Call(Invoke.Method(Compiled.Value.Assembly, "Samples.Replay", "NoisyBackward", 3), new object?[] { x, dX, 1.0 });
        for (int j = 0; j < x.Length; j++) Assert.Equal(2 * x[j] * m[j], dX[j], 12);
        Assert.Equal(x.Length, (int)calls.GetValue(null)!);
    }

    [Fact]
    public void The_reverse_loop_recomputes_the_recurrence_after_each_iterations_reverse() =>
        Snapshot.Verify("ForwardReplay", GeneratedMethods.Method(Compiled.Value.Run.Source("Samples.Replay.Fit.Backward.g.cs"), "FitBackward"));
}
