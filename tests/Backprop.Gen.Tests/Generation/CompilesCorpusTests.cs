using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace Backprop.Gen.Tests.Generation;

/// <summary>
/// A corpus of small, unusual but valid programs (<see cref="CompilesCorpusSources"/>), each run through the
/// generator. Whatever a case expects, no generated file may have a compiler error. A valid program must generate
/// without diagnostics and give the finite-difference gradient; an unsupported one must be a BPG error at the
/// user's span.
/// </summary>
public class CompilesCorpusTests
{
    private readonly ITestOutputHelper _output;

    public CompilesCorpusTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Names()
    {
        var names = new TheoryData<string>();
        foreach (CorpusCase c in CompilesCorpusSources.All) names.Add(c.Name);
        return names;
    }

    [Fact]
    public void The_corpus_is_large_and_its_names_are_unique()
    {
        Assert.True(CompilesCorpusSources.All.Count >= 70, $"only {CompilesCorpusSources.All.Count} cases");
        Assert.Equal(CompilesCorpusSources.All.Count, CompilesCorpusSources.All.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Corpus_program_is_differentiated_or_rejected_cleanly(string name)
    {
        CorpusCase corpusCase = CompilesCorpusSources.All.Single(c => c.Name == name);
        GeneratorRun run = TestCompiler.Generate(CompilesCorpusSources.Prelude + corpusCase.Source);

        var bpg = run.GeneratorDiagnostics.Where(d => d.Id.StartsWith("BPG", StringComparison.Ordinal)).ToList();
        foreach (Diagnostic d in bpg) _output.WriteLine(d.Id + " at '" + SpanText(d, run) + "': " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));

        // Every case: no compiler error in any generated file, and the user's program itself compiles.
        var errors = run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(!errors.Any(IsGenerated), "CS errors in generated code:\n" + string.Join("\n", errors.Where(IsGenerated).Select(Describe)));
        Assert.True(errors.Count == 0, "CS errors in the program (a corpus mistake):\n" + string.Join("\n", errors.Select(Describe)));

        switch (corpusCase.Expectation)
        {
            case Valid valid:
                CheckValid(run, valid);
                break;
            case Rejected rejected:
                CheckRejected(run, rejected.Id, rejected.Snippet);
                break;
            case ValidOrRejected either when bpg.Any(d => d.Severity == DiagnosticSeverity.Error):
                _output.WriteLine("rejected");
                CheckRejected(run, null, either.Snippet ?? "");
                break;
            case ValidOrRejected either:
                _output.WriteLine("accepted as valid");
                CheckValid(run, either.IfValid);
                break;
            default:
                throw new InvalidOperationException(corpusCase.Expectation.GetType().Name);
        }
    }

    private static void CheckValid(GeneratorRun run, Valid valid)
    {
        Assembly assembly = TestCompiler.Load(run);
        if (valid.Method is not null)
        {
            object? instance = valid.Instance?.Invoke(assembly.GetType(valid.Type, throwOnError: true)!);
            GradientHarness.Check(assembly, valid.Type, valid.Method, valid.Arguments!, points: valid.Points, tolerance: valid.Tolerance, instance: instance);
        }

        valid.Also?.Invoke(assembly);
    }

    private static void CheckRejected(GeneratorRun run, string? id, string snippet)
    {
        var reported = run.GeneratorDiagnostics.Select(d => d.Id + " at '" + SpanText(d, run) + "'").ToList();
        Assert.True(run.GeneratorDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error && (id is null ? d.Id.StartsWith("BPG", StringComparison.Ordinal) : d.Id == id)
                && SpanText(d, run).Contains(snippet, StringComparison.Ordinal)),
            $"expected {id ?? "a BPG error"} on a span containing '{snippet}'; reported: {(reported.Count == 0 ? "nothing" : string.Join("; ", reported))}");
    }

    /// <summary>The source text a diagnostic points at (the generator's locations carry a path, not a tree).</summary>
    private static string SpanText(Diagnostic diagnostic, GeneratorRun run)
    {
        string path = diagnostic.Location.GetLineSpan().Path;
        SyntaxTree? tree = diagnostic.Location.SourceTree ?? run.Output.SyntaxTrees.FirstOrDefault(t => t.FilePath == path);
        if (tree is null || diagnostic.Location.SourceSpan.End > tree.Length) return "";
        return tree.GetText().ToString(diagnostic.Location.SourceSpan);
    }

    private static bool IsGenerated(Diagnostic diagnostic) =>
        diagnostic.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true;

    /// <summary>The diagnostic with the source line it points at.</summary>
    private static string Describe(Diagnostic diagnostic)
    {
        if (diagnostic.Location.SourceTree is not { } tree) return diagnostic.ToString();
        int line = diagnostic.Location.GetLineSpan().StartLinePosition.Line;
        string text = tree.GetText().Lines[line].ToString().Trim();
        return $"{diagnostic} | {System.IO.Path.GetFileName(tree.FilePath)}:{line + 1}: {text}";
    }
}
