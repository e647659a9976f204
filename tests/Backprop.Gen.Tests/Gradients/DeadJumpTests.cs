using System;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// A loop whose break is dead code (after a return the compiler sees as always taken): its break flag, hoisted, was
/// also declared where the loop starts, and the Backward did not compile (found by the fuzzer at program 1710 of 3000).
/// </summary>
public class DeadJumpTests
{
    private const string Source = """
        using System;
        using Backprop;

        namespace Samples
        {
            public static partial class Dead
            {
                [Differentiable(Modes = DifferentiationModes.SecondOrder)]
                public static double P(double x0, double x1, double[] a)
                {
                    double Cap(double u) => u * x1 + 0.25;
                    int i = 0;
                    while (i < a.Length)
                    {
                        if (1.22 > -1.94) return x1 * x1;
                        if (Cap(-0.27) > a[(i + 1) % a.Length] * 1.25) break;
                        i++;
                    }

                    return x0 * x1;
                }
            }
        }
        """;

    [Fact]
    public void A_dead_break_leaves_one_declaration_of_its_flag()
    {
        GeneratorRun run = TestCompiler.Generate(Source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationProblems);
        Assembly assembly = TestCompiler.Load(run);
        GradientHarness.CheckAt(assembly, "Samples.Dead", "P", new object?[] { 0.3, -0.7, new[] { 1.0, 2.0 } }, new Random(1));
        GradientHarness.CheckAt(assembly, "Samples.Dead", "P", new object?[] { 0.3, -0.7, Array.Empty<double>() }, new Random(1));
    }
}
