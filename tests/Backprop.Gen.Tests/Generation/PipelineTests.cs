using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Backprop.Gen.Differentiation;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Backprop.Gen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Backprop.Gen.Tests.Generation;

/// <summary>Incremental caching, the symbol-free model, determinism and crash safety of the pipeline.</summary>
public class PipelineTests
{
    private const string Methods = """
        using System;
        using Backprop;

        namespace App;

        public static partial class Net
        {
            [Differentiable]
            public static double First(double x, double y) => Math.Exp(x) * y;

            [Differentiable]
            public static double Second(double[] w, double b)
            {
                double s = b;
                for (int i = 0; i < w.Length; i++) s += w[i] * w[i];
                return Math.Tanh(s);
            }
        }
        """;

    private const string Derivatives = """
        using Backprop;

        namespace App;

        public static class Lib { public static double Soft(double x) => System.Math.Log(1 + System.Math.Exp(x)); }

        public static class LibDerivatives
        {
            [DerivativeOf(typeof(Lib), nameof(Lib.Soft))]
            public static double SoftBackward(double x, ref double dX, double seed = 1) { dX += seed / (1 + System.Math.Exp(-x)); return Lib.Soft(x); }
        }
        """;

    private static readonly string[] TrackedSteps = { TrackingNames.Parse, TrackingNames.CustomDerivatives, TrackingNames.Registry, TrackingNames.Differentiate,
        TrackingNames.CallGraph, TrackingNames.Gate };

    [Fact]
    public void An_unrelated_edit_leaves_every_step_cached()
    {
        CSharpCompilation compilation = TestCompiler.Compilation(new[] { Methods, Derivatives });
        GeneratorDriver driver = TestCompiler.Driver().RunGenerators(compilation);
        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        Assert.Equal(2, first.GeneratedSources.Length);

        CSharpCompilation edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace App; public class Unrelated { public int X; }", TestCompiler.ParseOptions));
        driver = driver.RunGenerators(edited);
        GeneratorRunResult second = driver.GetRunResult().Results.Single();

        foreach (string step in TrackedSteps)
        {
            var reasons = second.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
            Assert.NotEmpty(reasons);
            Assert.All(reasons, reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"step {step} re-ran: {reason}"));
        }

        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
    }

    [Fact]
    public void Editing_one_method_regenerates_that_method_only()
    {
        SyntaxTree original = CSharpSyntaxTree.ParseText(Methods, TestCompiler.ParseOptions, path: "Net.cs");
        CSharpCompilation compilation = TestCompiler.Compilation(Array.Empty<string>()).AddSyntaxTrees(original);
        GeneratorDriver driver = TestCompiler.Driver().RunGenerators(compilation);

        SyntaxTree changed = CSharpSyntaxTree.ParseText(Methods.Replace("Math.Exp(x) * y", "Math.Exp(x) * y * y"), TestCompiler.ParseOptions, path: "Net.cs");
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(original, changed));
        GeneratorRunResult result = driver.GetRunResult().Results.Single();

        var outputs = result.TrackedSteps[TrackingNames.Differentiate].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(2, outputs.Count);
        var regenerated = outputs.Where(o => o.Reason == IncrementalStepRunReason.Modified).Select(o => ((GeneratedSource)o.Value).HintName).ToList();
        Assert.Equal(new[] { "App.Net.First.Backward.g.cs" }, regenerated);
        Assert.Contains(outputs, o => o.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached
            && ((GeneratedSource)o.Value).HintName == "App.Net.Second.Backward.g.cs");
        // The call graph is the same, so the gate passes the untouched method's file on from its cache.
        var gated = result.TrackedSteps[TrackingNames.Gate].SelectMany(s => s.Outputs).ToList();
        Assert.Contains(gated, o => o.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached
            && ((GeneratedSource)o.Value).HintName == "App.Net.Second.Backward.g.cs");
    }

    [Fact]
    public void The_pipeline_model_holds_no_symbols_syntax_or_compilations()
    {
        CSharpCompilation compilation = TestCompiler.Compilation(new[] { Methods, Derivatives });
        GeneratorDriver driver = TestCompiler.Driver().RunGenerators(compilation);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        int visited = 0;
        foreach (string step in TrackedSteps)
        {
            foreach (var output in result.TrackedSteps[step].SelectMany(s => s.Outputs))
            {
                visited += Walk(output.Value, new HashSet<object>(ReferenceEqualityComparer.Instance), step);
            }
        }

        Assert.True(visited > 100, $"the walk saw only {visited} objects");
    }

    private static int Walk(object? value, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return 1;
        Assert.False(value is ISymbol or SyntaxNode or SyntaxTree or Compilation or SemanticModel or Location or Delegate,
            $"{path} holds a {value.GetType().Name}");
        if (!value.GetType().IsValueType && !seen.Add(value)) return 0;

        int count = 1;
        if (value is IEnumerable items)
        {
            foreach (object? item in items) count += Walk(item, seen, path + "[]");
            return count;
        }

        foreach (PropertyInfo property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.Name == "EqualityContract") continue;
            count += Walk(property.GetValue(value), seen, path + "." + property.Name);
        }

        return count;
    }

    [Fact]
    public void Output_is_deterministic()
    {
        IReadOnlyDictionary<string, string> Run() => TestCompiler.Generate(Methods, Derivatives, ConstructsForDeterminism).Sources;
        var first = Run();
        var second = Run();
        Assert.Equal(first.Keys.OrderBy(k => k), second.Keys.OrderBy(k => k));
        foreach (var (hint, text) in first) Assert.Equal(text, second[hint]);
    }

    private const string ConstructsForDeterminism = """
        using System;
        using Backprop;

        namespace App;

        public static partial class More
        {
            [Differentiable]
            public static double Mixed(double[] a, double x)
            {
                double s = x;
                for (int i = 0; i < a.Length; i++)
                {
                    if (a[i] > s) s = Math.Sin(s * a[i]); else s = s + App.Lib.Soft(a[i]);
                    if (s > 10) break;
                }

                return s;
            }
        }
        """;

    [Fact]
    public void An_internal_failure_becomes_BPG9999_for_that_method_alone()
    {
        // A model no parser produces: a break outside any loop makes the normalizer fail.
        var model = new MethodModel(
            new HierarchyInfo("App", Ir.Array(new TypeDeclarationInfo("class", "Net", ""))),
            "Broken", "App.Net.Broken.Backward.g.cs", "public static", IrType.Double,
            Ir.Array(new ParameterModel("x", IrType.Double, "double x", true, "dX", "ref double")),
            "seed", "Broken(double)",
            new Block(Ir.Array<IrStmt>(new Break("break;"), new Return("return x;", new VarRef(IrType.Double, "x")))),
            EquatableArray<string>.Empty, EquatableArray<string>.Empty, true,
            new LocationInfo("Net.cs", 10, 6, 1, 2, 1, 8));

        GeneratedSource source = Differentiator.Run(new Result<MethodModel>(model, EquatableArray<DiagnosticInfo>.Empty),
            EquatableArray<Parsing.CustomDerivative>.Empty, default);

        Assert.Null(source.Text);
        DiagnosticInfo diagnostic = Assert.Single(source.Diagnostics);
        Assert.Equal("BPG9999", diagnostic.Id);
        Assert.Equal("Broken", diagnostic.Arguments[0]);
        Assert.Contains("InvalidOperationException", diagnostic.Arguments[1]);
        Assert.Equal(10, diagnostic.Location!.Start);
    }
}
