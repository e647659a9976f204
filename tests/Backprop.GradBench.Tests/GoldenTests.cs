using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Backprop.GradBench.Tests;

/// <summary>
/// Each module's outputs against GradBench's golden hand-written C++ tool (tools/manual), on small inputs it was run on
/// once (Fixtures/*.json), compared the way GradBench's evals compare: same structure and keys, every number
/// within <c>|a − b| / max(1, |a| + |b|) ≤ 1e-4</c>.
/// </summary>
public class GoldenTests
{
    /// <summary>Every case of every fixture file (golden.json, ht_golden.json…), by file and index.</summary>
    public static IEnumerable<object[]> Cases()
    {
        foreach (string path in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures"), "*.json").OrderBy(p => p, StringComparer.Ordinal))
        {
            using JsonDocument golden = JsonDocument.Parse(File.ReadAllText(path));
            int index = 0;
            foreach (JsonElement item in golden.RootElement.GetProperty("cases").EnumerateArray())
            {
                yield return new object[] { Path.GetFileName(path), index++, item.GetProperty("module").GetString()!, item.GetProperty("function").GetString()! };
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_the_golden_tool(string file, int index, string module, string function)
    {
        using JsonDocument golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", file)));
        JsonElement item = golden.RootElement.GetProperty("cases")[index];
        string message = $$"""{"id":{{index}},"kind":"evaluate","module":"{{module}}","function":"{{function}}","input":{{item.GetProperty("input").GetRawText()}}}""";
        using var output = new MemoryStream();
        new Tool().Respond(message, output);
        using JsonDocument response = JsonDocument.Parse(Encoding.UTF8.GetString(output.ToArray()));
        Assert.True(response.RootElement.GetProperty("success").GetBoolean(), response.RootElement.ToString());
        AssertSame(item.GetProperty("output"), response.RootElement.GetProperty("output"), $"{module}.{function}");
    }

    /// <summary>GradBench's comparison: the same JSON shape, object keys exactly equal, numbers within the relative tolerance.</summary>
    private static void AssertSame(JsonElement expected, JsonElement actual, string path)
    {
        if (expected.ValueKind == JsonValueKind.Number)
        {
            Assert.Equal(JsonValueKind.Number, actual.ValueKind);
            double a = expected.GetDouble(), b = actual.GetDouble();
            Assert.True(Math.Abs(a - b) / Math.Max(1, Math.Abs(a) + Math.Abs(b)) <= 1e-4, $"{path}: {b}, golden {a}");
            return;
        }

        Assert.Equal(expected.ValueKind, actual.ValueKind);
        switch (expected.ValueKind)
        {
            case JsonValueKind.Array:
                Assert.Equal(expected.GetArrayLength(), actual.GetArrayLength());
                for (int i = 0; i < expected.GetArrayLength(); i++) AssertSame(expected[i], actual[i], $"{path}[{i}]");
                break;
            case JsonValueKind.Object:
                Assert.Equal(expected.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal),
                    actual.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal));
                foreach (JsonProperty property in expected.EnumerateObject()) AssertSame(property.Value, actual.GetProperty(property.Name), path + "." + property.Name);
                break;
        }
    }
}
