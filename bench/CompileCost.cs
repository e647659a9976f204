using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Backprop.Bench;

/// <summary>
/// The generator's own cost: a synthetic project of 1,000 [Differentiable] methods (straight-line, branches, loops
/// over arrays), generated once cold and once warm; then one method edited, and the incremental pipeline's run
/// reasons counted, to confirm only that method is differentiated again.
/// </summary>
public static class CompileCost
{
    public sealed record Result(int Methods, double ColdMs, double WarmMsPerMethod, double EditMs, int Regenerated, int Cached,
        int LongStatements, double LongMethodMs);

    public static Result Measure(int methods = 1000)
    {
        var generatorType = LoadGenerator();
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        SyntaxTree[] trees = Enumerable.Range(0, methods / 10).Select(f => CSharpSyntaxTree.ParseText(Source(f, 10, 0), parse, $"File{f}.cs")).ToArray();
        var references = Basic.Reference.Assemblies.Net80.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(DifferentiableAttribute).Assembly.Location));
        var compilation = CSharpCompilation.Create("Synthetic", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        GeneratorDriver Driver() => NewDriver(generatorType, parse, trackSteps: true);

        var clock = Stopwatch.StartNew();
        GeneratorDriver cold = Driver().RunGenerators(compilation);
        double coldMs = clock.Elapsed.TotalMilliseconds;
        CheckOutput(cold, methods);

        // Warm: the same work again in a new driver, with the generator's code already jitted.
        double warmMs = double.MaxValue;
        for (int run = 0; run < 3; run++)
        {
            clock.Restart();
            Driver().RunGenerators(compilation);
            warmMs = Math.Min(warmMs, clock.Elapsed.TotalMilliseconds);
        }

        // Edit one method (a constant in file 0) and run the cached driver again.
        SyntaxTree edited = CSharpSyntaxTree.ParseText(Source(0, 10, 1), parse, "File0.cs");
        Compilation next = compilation.ReplaceSyntaxTree(trees[0], edited);
        clock.Restart();
        GeneratorDriver after = cold.RunGenerators(next);
        double editMs = clock.Elapsed.TotalMilliseconds;
        var steps = after.GetRunResult().Results[0].TrackedSteps["Differentiate"];
        var reasons = steps.SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        int regenerated = reasons.Count(r => r is IncrementalStepRunReason.Modified or IncrementalStepRunReason.New);
        int cached = reasons.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        (int statements, double longMs) = MeasureLongMethod(generatorType, parse, references);
        return new Result(methods, coldMs, warmMs / methods, editMs, regenerated, cached, statements, longMs);
    }

    /// <summary>One long method (a recurrence of 1,500 statements), warm: the analyses must not grow with its square.</summary>
    private static (int Statements, double Ms) MeasureLongMethod(Type generatorType, CSharpParseOptions parse, IEnumerable<MetadataReference> references)
    {
        const int statements = 1500;
        var text = new StringBuilder("using System;\nusing Backprop;\n\npublic static partial class Long\n{\n    [Differentiable]\n    public static double F(double x, double y)\n    {\n        double s = x;\n");
        for (int i = 0; i < statements; i++) text.Append($"        s = s * 0.999 + Math.Tanh(s * y + {i % 3}.0 * x);\n");
        text.Append("        return s;\n    }\n}\n");
        var compilation = CSharpCompilation.Create("Long", new[] { CSharpSyntaxTree.ParseText(text.ToString(), parse) }, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        GeneratorDriver Driver() => NewDriver(generatorType, parse, trackSteps: false);
        CheckOutput(Driver().RunGenerators(compilation), 1);
        double best = double.MaxValue;
        for (int run = 0; run < 2; run++)
        {
            var clock = Stopwatch.StartNew();
            Driver().RunGenerators(compilation);
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }

        return (statements, best);
    }

    /// <summary>A fresh driver for a new generator instance; <paramref name="trackSteps"/> records step run reasons (for the incremental check).</summary>
    private static GeneratorDriver NewDriver(Type generatorType, CSharpParseOptions parse, bool trackSteps) => CSharpGeneratorDriver.Create(
        new[] { ((IIncrementalGenerator)Activator.CreateInstance(generatorType)!).AsSourceGenerator() },
        parseOptions: parse, driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    private static void CheckOutput(GeneratorDriver driver, int methods)
    {
        GeneratorDriverRunResult result = driver.GetRunResult();
        if (result.Diagnostics.Length > 0) throw new InvalidOperationException("the synthetic project has diagnostics: " + result.Diagnostics[0]);
        if (result.GeneratedTrees.Length != methods) throw new InvalidOperationException($"expected {methods} generated files, got {result.GeneratedTrees.Length}");
    }

    private static Type LoadGenerator()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "generator", "Backprop.Gen.dll");
        Assembly assembly = Assembly.LoadFrom(path);
        return assembly.GetTypes().Single(t => typeof(IIncrementalGenerator).IsAssignableFrom(t) && !t.IsAbstract);
    }

    /// <summary>A file of <paramref name="count"/> methods of three shapes; <paramref name="variant"/> changes one constant in the first.</summary>
    private static string Source(int file, int count, int variant)
    {
        var text = new StringBuilder($"using System;\nusing Backprop;\n\npublic static partial class Synthetic{file}\n{{\n");
        for (int m = 0; m < count; m++)
        {
            double constant = 0.5 + (m == 0 ? variant : 0);
            text.AppendLine((m % 3) switch
            {
                0 => $$"""
                        [Differentiable]
                        public static double M{{m}}(double x, double y)
                        {
                            double z = x * y + {{constant}};
                            double s = Math.Sin(z) * Math.Exp(-x * x);
                            return z > 0 ? s * z : Math.Tanh(s + y);
                        }
                    """,
                1 => $$"""
                        [Differentiable]
                        public static double M{{m}}(double[] w, double b, [NoDerivative] double[] x)
                        {
                            double s = b * {{constant}};
                            for (int i = 0; i < w.Length; i++) s += w[i] * x[i];
                            return 1 / (1 + Math.Exp(-s));
                        }
                    """,
                _ => $$"""
                        [Differentiable]
                        public static double M{{m}}(double w, double u, [NoDerivative] double[] x)
                        {
                            double h = {{constant}};
                            for (int t = 0; t < x.Length; t++)
                            {
                                h = Math.Tanh(w * h + u * x[t]);
                                if (h > 0.9) break;
                            }
                            return h * h;
                        }
                    """,
            });
        }

        return text.Append("}\n").ToString();
    }
}
