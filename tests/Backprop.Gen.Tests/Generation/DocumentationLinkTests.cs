using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Generation;

/// <summary>The docs stay true: relative links resolve, and the generated code they show is what the generator writes.</summary>
public class DocumentationLinkTests
{
    [Fact]
    public void Relative_links_resolve()
    {
        string root = RepositoryRoot.Path;
        var pages = new[] { Path.Combine(root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md"));
        var broken = (from page in pages
                      from Match link in Regex.Matches(File.ReadAllText(page), @"\]\(([^)#\s]+)(#[^)]*)?\)")
                      let target = link.Groups[1].Value
                      where !target.StartsWith("http", System.StringComparison.Ordinal)
                      let resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, target))
                      where !File.Exists(resolved) && !Directory.Exists(resolved)
                      select $"{Path.GetFileName(page)}: {target}").ToList();
        Assert.True(broken.Count == 0, "broken links: " + string.Join(", ", broken));
        Assert.True(pages.Count() > 5);
    }

    [Theory]
    [InlineData("docs/how-it-works.md", "Rnn", "public static double RnnBackward(double w, double x, double b, int n, ref")]
    [InlineData("README.md", "Neuron", "public static double NeuronBackward(double w, double x, ref")]
    public void Pages_show_the_generated_code_of_their_snapshots(string page, string snapshotName, string signature)
    {
        // The README and the walkthrough show generated methods; the snapshot tests keep the real output. No drift.
        string root = RepositoryRoot.Path;
        string snapshot = File.ReadAllText(Path.Combine(root, "tests", "Backprop.Gen.Tests", "Snapshots", snapshotName + ".verified.cs")).Replace("\r\n", "\n");
        int start = snapshot.IndexOf("        " + signature, System.StringComparison.Ordinal);
        Assert.True(start >= 0, $"the {snapshotName} snapshot has no '{signature}'");
        int end = snapshot.IndexOf("\n        }\n", start, System.StringComparison.Ordinal);
        string method = string.Join("\n", snapshot.Substring(start, end - start + 10).Split('\n')
            .Select(l => l.StartsWith("        ", System.StringComparison.Ordinal) ? l.Substring(8) : l));
        Assert.Contains(method, File.ReadAllText(Path.Combine(root, page)).Replace("\r\n", "\n"));
    }
}
