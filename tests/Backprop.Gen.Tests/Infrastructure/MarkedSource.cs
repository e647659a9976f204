using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Backprop.Gen.Tests.Infrastructure;

/// <summary>Sources with the span a diagnostic is expected at marked <c>[|…|]</c>.</summary>
internal static class MarkedSource
{
    /// <summary>Removes the <c>[|…|]</c> markers and returns the span they enclosed.</summary>
    public static (string Source, TextSpan Span) Unmark(string marked)
    {
        int start = marked.IndexOf("[|", System.StringComparison.Ordinal);
        int end = marked.IndexOf("|]", System.StringComparison.Ordinal);
        string source = marked.Remove(end, 2).Remove(start, 2);
        return (source, TextSpan.FromBounds(start, end - 2));
    }

    /// <summary>Runs the generator and asserts one diagnostic, <paramref name="id"/>, at the marked span.</summary>
    public static GeneratorRun AssertSingleAt(string id, string marked)
    {
        (string source, TextSpan span) = Unmark(marked);
        GeneratorRun run = TestCompiler.Generate(source);
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        return run;
    }
}
