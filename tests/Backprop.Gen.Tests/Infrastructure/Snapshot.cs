using System;
using System.IO;
using System.Linq;
using Xunit;

namespace Backprop.Gen.Tests.Infrastructure;

/// <summary>
/// Snapshot testing in the style of Verify: the expected text lives in <c>Snapshots/&lt;name&gt;.verified.cs</c>. A
/// mismatch (or a missing snapshot) writes <c>&lt;name&gt;.received.cs</c> beside it and fails; accepting the change is a
/// deliberate move of the received file over the verified one (<c>tests/accept-snapshots.sh</c> does it).
/// </summary>
internal static class Snapshot
{
    private static readonly string Folder = Path.Combine(RepositoryRoot.Path, "tests", "Backprop.Gen.Tests", "Snapshots");

    public static void Verify(string name, string actual)
    {
        string? problem = Check(name, actual);
        if (problem is not null) Assert.Fail(problem);
    }

    /// <summary>Compares with the verified snapshot; returns what is wrong, or null when it matches.</summary>
    public static string? Check(string name, string actual)
    {
        actual = actual.Replace("\r\n", "\n");
        string verified = Path.Combine(Folder, name + ".verified.cs");
        string received = Path.Combine(Folder, name + ".received.cs");
        string? expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            if (File.Exists(received)) File.Delete(received);
            return null;
        }

        File.WriteAllText(received, actual);
        if (expected is null)
        {
            return $"No snapshot {name}.verified.cs yet; the output was written to {received}. Review it and move it over.";
        }

        string[] want = expected.Split('\n');
        string[] got = actual.Split('\n');
        int line = Enumerable.Range(0, Math.Min(want.Length, got.Length)).FirstOrDefault(i => want[i] != got[i], Math.Min(want.Length, got.Length));
        return $"Snapshot {name} differs at line {line + 1}:\n  verified: {Line(want, line)}\n  received: {Line(got, line)}\nThe output was written to {received}.";
    }

    private static string Line(string[] lines, int index) => index < lines.Length ? lines[index].Trim() : "<end of file>";
}
