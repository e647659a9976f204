using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Generation;

/// <summary>Every relative link in the README and the docs points at a file or folder that exists.</summary>
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
}
