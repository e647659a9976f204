using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Generation;

/// <summary>
/// The generator's passes speak to each other in typed IR: the runtime's operations are <c>RuntimeCall</c>s with a
/// <c>RuntimeOp</c>, library calls the parser recognised carry a <c>KnownCall</c>, and only the emitters (and
/// <c>Emit/RuntimeNames.cs</c>) know how the runtime is spelled. These checks keep it so.
/// </summary>
public class ArchitectureTests
{
    private static readonly string Generator = Path.Combine(RepositoryRoot.Path, "src", "Generator");

    /// <summary>Code lines (comments dropped) of the generator's files outside <c>Emit/</c>, with where they are.</summary>
    private static (string File, int Line, string Text)[] PassLines() =>
        Directory.EnumerateFiles(Generator, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar)
                && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar)
                && !f.Contains(Path.DirectorySeparatorChar + "Emit" + Path.DirectorySeparatorChar))
            .SelectMany(f => File.ReadAllLines(f).Select((text, i) => (File: Path.GetRelativePath(Generator, f), Line: i + 1, Text: text)))
            .Where(l => !l.Text.TrimStart().StartsWith("//", System.StringComparison.Ordinal))
            .ToArray();

    [Fact]
    public void No_pass_spells_a_runtime_helper()
    {
        var offenders = PassLines()
            .Where(l => Regex.IsMatch(l.Text, @"""global::Backprop\.(?!CompilerServices\.TensorPrimitivesDerivatives)|AdjointPool|SavePool|ValueStack|Kernels\.|Buffers\."))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, "runtime names outside Emit/ (use RuntimeCall and RuntimeNames):\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void No_pass_recognises_a_call_by_its_name()
    {
        var offenders = PassLines()
            .Where(l => Regex.IsMatch(l.Text, @"\b(Method|Display|Class)\s*(:|==|!=|is)\s*(""|\w+\s*\+)|\.(Method|Display|Backward)\.(StartsWith|EndsWith|Contains)\(|u0001"))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, "calls matched by name outside the parser's Recognize (use KnownCall, RuntimeOp, CalleeOrigin):\n" + string.Join("\n", offenders));
    }
}
