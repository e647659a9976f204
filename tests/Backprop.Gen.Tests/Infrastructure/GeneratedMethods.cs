using System;

namespace Backprop.Gen.Tests.Infrastructure;

/// <summary>One method of a generated file, for assertions about one method where a file holds several (Backward, Pullback, Record, Replay).</summary>
internal static class GeneratedMethods
{
    /// <summary>The text of the method named <paramref name="name"/>: from its declaration to its closing brace.</summary>
    public static string Method(string file, string name)
    {
        int at = file.IndexOf(" " + name + "(", StringComparison.Ordinal);
        while (at >= 0)
        {
            int lineStart = file.LastIndexOf('\n', at) + 1;
            string line = file.Substring(lineStart, at - lineStart);
            // A declaration: its line starts with modifiers, not with a call inside a body.
            if (line.TrimStart().StartsWith("public", StringComparison.Ordinal) || line.TrimStart().StartsWith("internal", StringComparison.Ordinal)
                || line.TrimStart().StartsWith("private", StringComparison.Ordinal) || line.TrimStart().StartsWith("static", StringComparison.Ordinal))
            {
                int open = file.IndexOf('{', at);
                int depth = 0;
                for (int i = open; i < file.Length; i++)
                {
                    if (file[i] == '{') depth++;
                    else if (file[i] == '}' && --depth == 0) return file.Substring(lineStart, i + 1 - lineStart);
                }
            }

            at = file.IndexOf(" " + name + "(", at + 1, StringComparison.Ordinal);
        }

        throw new ArgumentException($"no method {name} in the generated file:\n{file}");
    }
}
