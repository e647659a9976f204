using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Backprop.Gen.Diagnostics;
using Backprop.Gen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Backprop.Gen.Tests.Diagnostics;

/// <summary>The descriptor file and docs/diagnostics.md describe the same diagnostics.</summary>
public class DiagnosticDocumentationTests
{
    private static readonly string Documentation = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "diagnostics.md"));

    [Fact]
    public void Every_descriptor_has_an_entry_with_its_title_severity_and_anchor()
    {
        foreach (DiagnosticDescriptor descriptor in DiagnosticDescriptors.All)
        {
            string id = descriptor.Id;
            Assert.Contains($"<a id=\"{id.ToLowerInvariant()}\"></a>", Documentation);
            Assert.Contains($"## {id}: {descriptor.Title}", Documentation);
            Assert.Contains($"| {id} | {descriptor.DefaultSeverity} | {descriptor.Title} |", Documentation);
            Assert.EndsWith("#" + id.ToLowerInvariant(), descriptor.HelpLinkUri);
        }
    }

    [Fact]
    public void Every_documented_id_exists()
    {
        var documented = Regex.Matches(Documentation, @"## (BPG\d{4}):").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(DiagnosticDescriptors.All.Select(d => d.Id).OrderBy(i => i), documented.OrderBy(i => i));
    }

    [Fact]
    public void Ids_are_unique_and_messages_say_what_to_do()
    {
        Assert.Equal(DiagnosticDescriptors.All.Length, DiagnosticDescriptors.All.Select(d => d.Id).Distinct().Count());
        foreach (DiagnosticDescriptor descriptor in DiagnosticDescriptors.All)
        {
            Assert.Matches(@"^BPG\d{4}$", descriptor.Id);
            // Each message says what is wrong, then after a colon what to do (or, for BPG01xx, a placeholder for the advice).
            Assert.Contains(": ", descriptor.MessageFormat.ToString());
        }
    }
}
