using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Backprop.Gen.Tests.Fuzzing;

/// <summary>
/// Property-based fuzzing: random differentiable programs, compiled with the generator, each gradient compared with
/// central finite differences at random points. The seed is fixed so CI is deterministic; set BACKPROP_FUZZ_COUNT
/// (and BACKPROP_FUZZ_SEED) to run more. A failing program is shrunk and printed.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    private const int Batch = 100;

    private static int Count => int.TryParse(Environment.GetEnvironmentVariable("BACKPROP_FUZZ_COUNT"), out int n) ? n : 1000;

    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("BACKPROP_FUZZ_SEED"), out int s) ? s : 20261124;

    [Fact]
    public void Random_programs_match_finite_differences()
    {
        var generator = new ProgramGenerator(Seed);
        int checkedPoints = 0, kinks = 0, generic = 0;
        for (int start = 0; start < Count; start += Batch)
        {
            var programs = Enumerable.Range(0, Math.Min(Batch, Count - start)).Select(_ => generator.Next()).ToList();
            generic += programs.Count(p => p.Emit("P").Contains("GP<T>"));
            Assembly assembly = Compile(programs, out string? problem);
            if (problem is not null)
            {
                int culprit = programs.FindIndex(p => CompileOne(p) is not null);
                if (culprit < 0) Report(programs[0], problem, start, programs[0]);
                FProgram smallest = Shrink(programs[culprit], candidate => CompileOne(candidate) is not null);
                Report(smallest, CompileOne(smallest)!, start + culprit, programs[culprit]);
            }

            for (int k = 0; k < programs.Count; k++)
            {
                var random = new Random(Seed + start + k);
                for (int point = 0; point < 2; point++)
                {
                    object?[] arguments = RandomArguments(random);
                    Outcome outcome = EvaluateSafely(assembly, "P" + k, arguments);
                    if (outcome == Outcome.Kink) kinks++;
                    else checkedPoints++;
                    if (outcome is Outcome.Mismatch or Outcome.ValueDiffers or Outcome.TangentDiffers or Outcome.HessianDiffers or Outcome.Throws)
                    {
                        object?[] at = arguments;
                        FProgram smallest = Shrink(programs[k], candidate => EvaluationFails(candidate, at));
                        Report(smallest, Describe(CompileOne(smallest) is null ? EvaluateSafely(Compile(new List<FProgram> { smallest }, out _), "P0", arguments) : outcome, arguments), start + k,
                            programs[k], Describe(outcome, arguments));
                    }
                }
            }
        }

        output.WriteLine($"{Count} programs ({generic} with a generic method), {checkedPoints} points checked, {kinks} points skipped at kinks");
        Assert.True(kinks <= checkedPoints / 10, $"too many points at kinks: {kinks} of {checkedPoints + kinks}");
    }

    private enum Outcome
    {
        Match,
        Kink,
        Mismatch,
        ValueDiffers,
        TangentDiffers,
        HessianDiffers,
        Throws,
    }

    /// <summary>A generated derivative that throws where the primal does not is a failure like any other.</summary>
    private static Outcome EvaluateSafely(Assembly assembly, string name, object?[] arguments)
    {
        try
        {
            return Evaluate(assembly, name, arguments);
        }
        catch (Exception exception) when (exception is not Xunit.Sdk.XunitException)
        {
            return Outcome.Throws;
        }
    }

    private static object?[] RandomArguments(Random random) => new object?[]
    {
        random.NextDouble() * 2 - 1, random.NextDouble() * 2 - 1, random.NextDouble() * 2 - 1,
        Enumerable.Range(0, FProgram.ArrayLength).Select(_ => random.NextDouble() * 2 - 1).ToArray(),
        3,
    };

    /// <summary>Compares the generated gradient with finite differences at one point.</summary>
    private static Outcome Evaluate(Assembly assembly, string name, object?[] arguments)
    {
        MethodInfo primal = Invoke.Method(assembly, "Fuzz", name, 5);
        MethodInfo backward = Invoke.Method(assembly, "Fuzz", name + "Backward", 10);
        double[] x = Flatten(arguments);
        double F(double[] point) => (double)Invoke.Call(primal, Unflatten(point))!;

        // A checked conversion of a huge value throws in the primal: no gradient to compare there. The Backward must
        // throw exactly where the primal does.
        bool primalThrows = Throws(() => F(x));
        object?[] backwardArguments = Unflatten(x).Concat(new object?[] { 0.0, 0.0, 0.0, new double[FProgram.ArrayLength], 1.0 }).ToArray();
        double value = 0;
        bool backwardThrows = Throws(() => value = (double)Invoke.Call(backward, backwardArguments)!);
        if (primalThrows || backwardThrows) return primalThrows == backwardThrows ? Outcome.Kink : Outcome.ValueDiffers;
        if (!value.Equals(F(x))) return Outcome.ValueDiffers;
        double[] analytic = new[] { (double)backwardArguments[5]!, (double)backwardArguments[6]!, (double)backwardArguments[7]! }
            .Concat((double[])backwardArguments[8]!).ToArray();
        double[] numeric = Backprop.GradientCheck.NumericGradient(F, x);
        if (Backprop.GradientCheck.Compare(analytic, numeric, floor: 1e-5).Passed(1e-6)) return TangentAgrees(assembly, name, x, value, analytic);

        // A primitive at a singular point (Atan2(0, 0), Sqrt at 0) makes the chain rule give NaN or ∞, as IEEE
        // arithmetic (and PyTorch and JAX) do, even where the whole function is smooth: that is a kink too.
        if (analytic.Any(g => !double.IsFinite(g))) return Outcome.Kink;

        // Near a kink or a jump (a branch, Abs, Max) finite differences are meaningless: there, estimates with
        // different steps disagree. A mismatch counts only where all of them agree with each other and not with us.
        for (int i = 0; i < x.Length; i++)
        {
            double[] estimates = { numeric[i], Central(F, x, i, 1e-3), Central(F, x, i, 1e-5), Central(F, x, i, 1e-7) };
            if (estimates.Any(e => !double.IsFinite(e))) return Outcome.Kink;
            if (estimates.Any(e => Backprop.GradientCheck.RelativeError(e, estimates[0], 1e-4) > 1e-3)) return Outcome.Kink;
        }

        return Outcome.Mismatch;
    }

    private static bool Throws(Action action)
    {
        try
        {
            action();
            return false;
        }
        catch (OverflowException)
        {
            return true;
        }
    }

    /// <summary>Forward mode along a direction u must give ⟨u, gradient⟩ (the dot-product identity).</summary>
    private static Outcome TangentAgrees(Assembly assembly, string name, double[] x, double value, double[] analytic)
    {
        double[] u = x.Select((_, i) => Math.Sin(12.9898 * (i + 1) + x[0] * 78.233)).ToArray();
        MethodInfo tangentMethod = Invoke.Method(assembly, "Fuzz", name + "Tangent", 10);
        object?[] tangentArguments = Unflatten(x).Concat(new object?[] { u[0], u[1], u[2], u.Skip(3).ToArray(), null }).ToArray();
        if (!((double)Invoke.Call(tangentMethod, tangentArguments)!).Equals(value)) return Outcome.ValueDiffers;
        double tangent = (double)tangentArguments[^1]!;
        double expected = u.Zip(analytic, (ui, gi) => ui * gi).Sum();
        if (Backprop.GradientCheck.RelativeError(tangent, expected, 1e-6) >= 1e-8) return Outcome.TangentDiffers;
        return HessianAgrees(assembly, name, x, u, analytic);
    }

    /// <summary>
    /// The HessianVector's gradient must equal the Backward's, its H·u the central difference of the gradient along u,
    /// and ⟨w, H·u⟩ must equal ⟨u, H·w⟩. Where the gradient itself has a kink, differences mean nothing: skipped.
    /// </summary>
    private static Outcome HessianAgrees(Assembly assembly, string name, double[] x, double[] u, double[] gradient)
    {
        MethodInfo backward = Invoke.Method(assembly, "Fuzz", name + "Backward", 10);
        MethodInfo hvp = Invoke.Method(assembly, "Fuzz", name + "HessianVector", 19);
        double[] Gradient(double[] point)
        {
            object?[] call = Unflatten(point).Concat(new object?[] { 0.0, 0.0, 0.0, new double[FProgram.ArrayLength], 1.0 }).ToArray();
            Invoke.Call(backward, call);
            return new[] { (double)call[5]!, (double)call[6]!, (double)call[7]! }.Concat((double[])call[8]!).ToArray();
        }

        (double[] G, double[] Hv) HessianVector(double[] v)
        {
            object?[] call = Unflatten(x).Concat(new object?[] { v[0], v[1], v[2], v.Skip(3).ToArray(), 0.0, 0.0, 0.0, new double[FProgram.ArrayLength],
                0.0, 0.0, 0.0, new double[FProgram.ArrayLength], 1.0, 0.0 }).ToArray();
            Invoke.Call(hvp, call);
            double[] g = new[] { (double)call[9]!, (double)call[10]!, (double)call[11]! }.Concat((double[])call[12]!).ToArray();
            double[] h = new[] { (double)call[13]!, (double)call[14]!, (double)call[15]! }.Concat((double[])call[16]!).ToArray();
            return (g, h);
        }

        (double[] g, double[] hu) = HessianVector(u);
        if (!Backprop.GradientCheck.Compare(g, gradient, 1e-9).Passed(1e-12)) return Outcome.HessianDiffers;
        if (hu.Any(v => !double.IsFinite(v))) return Outcome.Kink;
        double[] numeric = new double[x.Length];
        double[] rough = new double[x.Length];
        for (int k = 0; k < x.Length; k++)
        {
            int component = k;
            double Along(double[] t) => Gradient(x.Zip(u, (xi, ui) => xi + t[0] * ui).ToArray())[component];
            numeric[k] = Backprop.GradientCheck.NumericGradient(Along, new[] { 0.0 })[0];
            rough[k] = (Along(new[] { 1e-6 }) - Along(new[] { -1e-6 })) / 2e-6;
        }

        // Where the gradient curves sharply (a square root near zero), the default step's estimate is off by more than
        // the tolerance and the fine one is right: agreeing with either estimate is agreeing.
        if (!Backprop.GradientCheck.Compare(hu, numeric, 1e-4).Passed(1e-5) && !Backprop.GradientCheck.Compare(hu, rough, 1e-4).Passed(1e-5))
        {
            // A kink of the gradient (a branch, Abs, Max) between the difference steps: the estimates disagree.
            return Backprop.GradientCheck.Compare(numeric, rough, 1e-3).Passed(1e-3) ? Outcome.HessianDiffers : Outcome.Kink;
        }

        double[] w = u.Select((ui, i) => Math.Cos(3.1 * i + ui)).ToArray();
        (_, double[] hw) = HessianVector(w);
        double left = w.Zip(hu, (a, b) => a * b).Sum(), right = u.Zip(hw, (a, b) => a * b).Sum();
        // The floor matches the difference check above: near a cancellation (a constant Atan2(c·t, t)) both sides are
        // rounding noise of about 1e-12.
        return Backprop.GradientCheck.RelativeError(left, right, 1e-4) < 1e-7 ? Outcome.Match : Outcome.HessianDiffers;
    }

    private static double Central(Func<double[], double> f, double[] x, int i, double h)
    {
        double[] p = (double[])x.Clone(), m = (double[])x.Clone();
        p[i] += h;
        m[i] -= h;
        return (f(p) - f(m)) / (2 * h);
    }

    private static double[] Flatten(object?[] arguments) =>
        new[] { (double)arguments[0]!, (double)arguments[1]!, (double)arguments[2]! }.Concat((double[])arguments[3]!).ToArray();

    private static object?[] Unflatten(double[] x) => new object?[] { x[0], x[1], x[2], x.Skip(3).ToArray(), 3 };

    private static string Source(IReadOnlyList<FProgram> programs)
    {
        var text = new StringBuilder("using System;\nusing System.Numerics;\nusing Backprop;\n\npublic static partial class Fuzz\n{\n").AppendLine(FProgram.Helpers);
        for (int i = 0; i < programs.Count; i++) text.AppendLine(programs[i].Emit("P" + i));
        return text.Append("}\n").ToString();
    }

    private static Assembly Compile(IReadOnlyList<FProgram> programs, out string? problem)
    {
        GeneratorRun run = TestCompiler.Generate(Source(programs));
        var issues = run.GeneratorDiagnostics.Concat(run.CompilationProblems).ToList();
        problem = issues.Count == 0 ? null : string.Join("\n", issues.Take(5));
        return problem is null ? TestCompiler.Load(run) : typeof(FuzzTests).Assembly;
    }

    /// <summary>
    /// Null when the program compiles cleanly with the generator, else what went wrong, with the generated lines the
    /// errors point at.
    /// </summary>
    private static string? CompileOne(FProgram program)
    {
        GeneratorRun run = TestCompiler.Generate(Source(new List<FProgram> { program }));
        var issues = run.GeneratorDiagnostics.Concat(run.CompilationProblems).Take(5).ToList();
        if (issues.Count == 0) return null;
        var text = new StringBuilder();
        foreach (Microsoft.CodeAnalysis.Diagnostic issue in issues)
        {
            text.AppendLine(issue.ToString());
            if (issue.Location.SourceTree is { } tree && tree.FilePath.EndsWith(".g.cs", StringComparison.Ordinal))
            {
                text.AppendLine("    > " + tree.GetText().Lines[issue.Location.GetLineSpan().StartLinePosition.Line].ToString().Trim());
            }
        }

        return text.ToString();
    }

    private static bool EvaluationFails(FProgram candidate, object?[] arguments)
    {
        Assembly assembly = Compile(new List<FProgram> { candidate }, out string? problem);
        if (problem is not null) return false;
        return EvaluateSafely(assembly, "P0", arguments) is Outcome.Mismatch or Outcome.ValueDiffers or Outcome.TangentDiffers or Outcome.HessianDiffers
            or Outcome.Throws;
    }

    /// <summary>Greedily replaces the program by smaller ones that still fail, within a budget.</summary>
    private static FProgram Shrink(FProgram program, Func<FProgram, bool> fails)
    {
        bool Fails(FProgram candidate) => fails(candidate);

        int budget = 150;
        bool progress = true;
        while (progress && budget > 0)
        {
            progress = false;
            foreach (FProgram candidate in program.Shrinks())
            {
                if (--budget < 0) break;
                if (!Fails(candidate)) continue;
                program = candidate;
                progress = true;
                break;
            }
        }

        return program;
    }

    private static string Describe(Outcome outcome, object?[] arguments) =>
        $"{outcome} at x = ({string.Join(", ", Flatten(arguments).Select(v => v.ToString("R", CultureInfo.InvariantCulture)))})";

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Report(FProgram program, string problem, int index, FProgram original, string? originalProblem = null)
    {
        string text = $"Fuzz program #{index} (seed {Seed}) fails: {problem}\n{program.Emit("P0")}"
            + $"\nbefore shrinking{(originalProblem is null ? "" : " (" + originalProblem + ")")}:\n{original.Emit("P0")}";
        output.WriteLine(text);
        Assert.Fail(text);
    }
}
