using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Backprop.Gen.CodeFixes;
using Backprop.Gen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Backprop.Gen.Tests.Diagnostics;

/// <summary>The IDE code fixes: each one applied to the generator's real diagnostic, and the diagnostic gone afterwards.</summary>
public class CodeFixTests
{
    [Fact]
    public async Task Make_the_containing_type_partial()
    {
        const string before = """
            using Backprop;

            public static class Net
            {
                [Differentiable]
                public static double F(double x) => x * x;
            }
            """;
        string after = await Apply(new MakeTypePartialCodeFix(), before, "BPG0001", "Make 'Net' partial");
        Assert.Contains("public static partial class Net", after);
        Assert.Empty(TestCompiler.Generate(after).GeneratorDiagnostics);
    }

    [Fact]
    public async Task Make_a_type_without_modifiers_partial()
    {
        const string before = "using Backprop;\n\nclass Net\n{\n    [Differentiable]\n    static double F(double x) => x * x;\n}\n";
        string after = await Apply(new MakeTypePartialCodeFix(), before, "BPG0001", "Make 'Net' partial");
        Assert.Contains("partial class Net", after);
        Assert.Empty(TestCompiler.Generate(after).GeneratorDiagnostics);
    }

    [Fact]
    public async Task Mark_the_parameter_NoDerivative()
    {
        const string before = """
            using System;
            using Backprop;

            public static partial class Net
            {
                static double Normalize(double v) => v / 255.0;

                [Differentiable]
                public static double F(double w, double pixel) => w * Normalize(pixel);
            }
            """;
        string after = await Apply(new MarkNoDerivativeCodeFix(), before, "BPG0201", "Mark parameter 'pixel' [NoDerivative]");
        Assert.Contains("public static double F(double w, [NoDerivative] double pixel)", after);
        GeneratorRun run = TestCompiler.Generate(after);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Contains("FBackward(double w, double pixel, ref double dW, double seed = 1.0)", run.Source(".F.Backward.g.cs"));
    }

    [Fact]
    public async Task Mark_NoDerivative_offers_each_parameter_the_call_reads()
    {
        const string before = """
            using Backprop;

            public static partial class Net
            {
                static double Blend(double a, double b) => a * 0.3 + b * 0.7;

                [Differentiable]
                public static double F(double w, double a, double b) => w * Blend(a, b);
            }
            """;
        var titles = await Titles(new MarkNoDerivativeCodeFix(), before, "BPG0201");
        Assert.Equal(new[] { "Mark parameter 'a' [NoDerivative]", "Mark parameter 'b' [NoDerivative]" }, titles);
    }

    private static async Task<string> Apply(CodeFixProvider provider, string source, string id, string title)
    {
        (Document document, Diagnostic diagnostic) = await Diagnose(source, id);
        var actions = new List<CodeAction>();
        await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
        CodeAction chosen = Assert.Single(actions, a => a.Title == title);
        ImmutableArray<CodeActionOperation> operations = await chosen.GetOperationsAsync(CancellationToken.None);
        Solution changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
        SourceText text = await changed.GetDocument(document.Id)!.GetTextAsync();
        return text.ToString();
    }

    private static async Task<List<string>> Titles(CodeFixProvider provider, string source, string id)
    {
        (Document document, Diagnostic diagnostic) = await Diagnose(source, id);
        var actions = new List<CodeAction>();
        await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
        return actions.Select(a => a.Title).ToList();
    }

    /// <summary>A workspace document for the source, and the generator's diagnostic with that ID on it.</summary>
    private static async Task<(Document, Diagnostic)> Diagnose(string source, string id)
    {
        var workspace = new AdhocWorkspace();
        Project project = workspace.AddProject("User", LanguageNames.CSharp)
            .WithParseOptions(TestCompiler.ParseOptions)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable))
            .WithMetadataReferences(TestCompiler.References);
        Document document = project.AddDocument("Net.cs", SourceText.From(source));
        Compilation compilation = (await document.Project.GetCompilationAsync())!;
        TestCompiler.Driver().RunGeneratorsAndUpdateCompilation(compilation, out _, out ImmutableArray<Diagnostic> diagnostics);
        Diagnostic diagnostic = Assert.Single(diagnostics, d => d.Id == id);
        return (document, diagnostic);
    }
}
