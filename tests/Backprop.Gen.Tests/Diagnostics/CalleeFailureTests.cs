using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Backprop.Gen.Tests.Diagnostics;

/// <summary>
/// A method that cannot be differentiated takes its callers with it (BPG0213 at their calls), so that no generated file
/// names a <c>…Backward</c>, <c>…Pullback</c>, tape or hidden layer that was never generated: the build shows the
/// callee's error and one error per caller, and no compiler error in generated code.
/// </summary>
public class CalleeFailureTests
{
    private const string Prelude = "using System;\nusing Backprop;\n";

    [Fact]
    public void Callers_of_a_failed_method_are_not_generated_and_say_why_at_the_call()
    {
        string source = Prelude + """
            public static partial class Net
            {
                // BPG0101: goto. Every kind of call to it below would name a derivative it does not have.
                [Differentiable(Modes = DifferentiationModes.SecondOrder)]
                public static double Broken(double x) { double s = x; goto done; done: return s * s; }

                [Differentiable(Checkpoint = true)]
                public static void BrokenLayer(double[] x, double[] y) { for (int i = 0; i < x.Length; i++) { if (x[i] > 9) goto skip; y[i] = x[i] * x[i]; skip:; } }

                [Differentiable] public static double Direct(double x) { double s = 0; for (int i = 0; i < 2; i++) s += Math.Sin(Broken(x)) * x; return s; }
                [Differentiable] public static double Transitive(double x) => Direct(x) + 1;
                [Differentiable] public static double Layered(double[] x) { var y = new double[x.Length]; BrokenLayer(x, y); return y[0]; }
                [Differentiable]
                public static double Nested(double x)
                {
                    double dx = 0;
                    double v = BrokenBackward(x, ref dx);
                    return v * dx;
                }

                // An inactive call needs no derivative: this one is generated.
                [Differentiable] public static double Constant(double x) => x * Broken(2.0);
                [Differentiable] public static double Unrelated(double x) => Math.Exp(x);
            }
            """;
        GeneratorRun run = TestCompiler.Generate(source);

        var blocked = run.GeneratorDiagnostics.Where(d => d.Id == "BPG0213").OrderBy(d => d.Location.SourceSpan.Start).ToList();
        Assert.Equal(new[] { Span(source, "Broken(x)"), Span(source, "Direct(x)"), Span(source, "BrokenLayer(x, y)"), Span(source, "BrokenBackward(x, ref dx)") },
            blocked.Select(d => d.Location.SourceSpan));
        Assert.All(blocked, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
        string[] messages = blocked.Select(d => d.GetMessage()).ToArray();
        Assert.Contains("'Direct' is not generated because its derivative goes through 'Net.Broken'", messages[0]);
        Assert.Contains("'Transitive' is not generated because its derivative goes through 'Net.Direct'", messages[1]);
        Assert.Contains("'Layered' is not generated because its derivative goes through 'Net.BrokenLayer'", messages[2]);
        Assert.Contains("'Nested'", messages[3]);
        Assert.Equal(2, run.GeneratorDiagnostics.Count(d => d.Id == "BPG0101"));

        foreach (string method in new[] { "Direct", "Transitive", "Layered", "Nested", "Broken", "BrokenLayer" })
        {
            Assert.DoesNotContain(run.Sources.Keys, k => k.EndsWith($"Net.{method}.Backward.g.cs"));
        }

        Assert.Contains(run.Sources.Keys, k => k.EndsWith("Net.Constant.Backward.g.cs"));
        Assert.Contains(run.Sources.Keys, k => k.EndsWith("Net.Unrelated.Backward.g.cs"));
        // Nothing generated fails to compile; the user's own call to BrokenBackward names a method that is not there.
        Assert.DoesNotContain(run.CompilationProblems, d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs") == true);
        Assert.Equal(Span(source, "BrokenBackward"), Assert.Single(run.CompilationProblems, d => d.Id.StartsWith("CS")).Location.SourceSpan);
    }

    [Fact]
    public void A_method_that_fails_after_parsing_blocks_its_callers_too()
    {
        // F's forward mode needs G's, which G lacks (BPG0210, found after F parsed): H, which calls F, is not generated.
        string source = Prelude + """
            public static partial class Net
            {
                [Differentiable] public static double G(double x) => x * x;
                [Differentiable(Modes = DifferentiationModes.Reverse | DifferentiationModes.Forward)]
                public static double F(double x) { double s = x; for (int i = 0; i < 2; i++) s += G(s); return s; }
                [Differentiable] public static double H(double x) => Math.Cos(F(x));
            }
            """;
        GeneratorRun run = TestCompiler.Generate(source);
        Assert.Equal(new[] { "BPG0210", "BPG0213" }, run.GeneratorDiagnostics.Select(d => d.Id).OrderBy(id => id));
        Assert.Equal(Span(source, "F(x))"[..4]), run.GeneratorDiagnostics.Single(d => d.Id == "BPG0213").Location.SourceSpan);
        Assert.Contains(run.Sources.Keys, k => k.EndsWith("Net.G.Backward.g.cs"));
        Assert.DoesNotContain(run.CompilationProblems, d => !d.Id.StartsWith("BPG"));
    }

    [Fact]
    public void Fixing_the_callee_brings_its_callers_back()
    {
        string broken = Prelude + "public static partial class Net { [Differentiable] public static double A(double x) { goto e; e: return x * x; } [Differentiable] public static double B(double x) => A(x) * 3; }";
        string fixedSource = broken.Replace("goto e; e: ", "");
        GeneratorRun before = TestCompiler.Generate(broken);
        Assert.Contains(before.GeneratorDiagnostics, d => d.Id == "BPG0213");
        GeneratorRun after = TestCompiler.Generate(fixedSource);
        Assert.Empty(after.GeneratorDiagnostics);
        Assert.Empty(after.CompilationProblems);
        Assert.Contains(after.Sources.Keys, k => k.EndsWith("Net.B.Backward.g.cs"));
    }

    private static TextSpan Span(string source, string text)
    {
        int start = source.IndexOf(text, System.StringComparison.Ordinal);
        Assert.True(start >= 0 && source.IndexOf(text, start + 1, System.StringComparison.Ordinal) < 0, $"'{text}' must occur once");
        return new TextSpan(start, text.Length);
    }
}
