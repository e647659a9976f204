using System.IO;
using System.Linq;
using System.Text;
using Backprop.Gen.Differentiation;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Generation;

/// <summary>docs/supported.md's table of functions is rendered from the rules table, so the two cannot drift.</summary>
public class RulesDocumentationTests
{
    private const string Begin = "<!-- rules table: generated from DerivativeRules; the test RulesDocumentationTests keeps it in step -->";
    private const string End = "<!-- end of rules table -->";

    public static string RenderTable()
    {
        var text = new StringBuilder();
        text.AppendLine("| Function | Arguments | Derivative | At kinks and ties |");
        text.AppendLine("|---|---|---|---|");
        foreach (DerivativeRule rule in DerivativeRules.All)
        {
            string name = rule.Name == DerivativeRules.SigmoidPattern ? "`1 / (1 + Exp(-x))` (sigmoid)" : $"`{rule.Name}`";
            string arguments = rule.Arity switch { 1 => rule.Name == "ScaleB" ? "x, n" : "x", 2 => rule.Name == "Atan2" ? "y, x" : rule.Name == "Log" ? "x, b" : rule.Name == "Pow" ? "x, y" : "a, b", _ => rule.Name == "Clamp" ? "x, lo, hi" : "a, b, c" };
            string reuse = rule.UsesResult ? " (reuses the result)" : "";
            text.AppendLine($"| {name} | {arguments} | {rule.Derivative}{reuse} | {rule.Convention ?? ""} |");
        }

        return text.ToString();
    }

    [Fact]
    public void The_docs_table_is_the_rules_table()
    {
        string path = Path.Combine(RepositoryRoot.Path, "docs", "supported.md");
        string document = File.ReadAllText(path).Replace("\r\n", "\n");
        int begin = document.IndexOf(Begin, System.StringComparison.Ordinal);
        int end = document.IndexOf(End, System.StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "docs/supported.md lacks the rules table markers");
        string actual = document.Substring(begin + Begin.Length, end - begin - Begin.Length).Trim('\n');
        string expected = RenderTable().Replace("\r\n", "\n").Trim('\n');
        Assert.True(actual == expected, "docs/supported.md's rules table differs from DerivativeRules; replace it with:\n" + expected);
    }

    private const string OperatorsBegin = "<!-- operators table: generated from OperatorRules; RulesDocumentationTests keeps it in step -->";
    private const string OperatorsEnd = "<!-- end of operators table -->";

    public static string RenderOperators()
    {
        var text = new StringBuilder();
        text.AppendLine("| Operator | Derivative |");
        text.AppendLine("|---|---|");
        foreach (OperatorRule rule in OperatorRules.All) text.AppendLine($"| `{rule.Symbol}` | {rule.Derivative} |");
        return text.ToString();
    }

    [Fact]
    public void The_docs_operators_table_is_the_operators_rules()
    {
        string document = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "supported.md")).Replace("\r\n", "\n");
        int begin = document.IndexOf(OperatorsBegin, System.StringComparison.Ordinal);
        int end = document.IndexOf(OperatorsEnd, System.StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "docs/supported.md lacks the operators table markers");
        string actual = document.Substring(begin + OperatorsBegin.Length, end - begin - OperatorsBegin.Length).Trim('\n');
        string expected = RenderOperators().Replace("\r\n", "\n").Trim('\n');
        Assert.True(actual == expected, "docs/supported.md's operators table differs from OperatorRules; replace it with:\n" + expected);
    }

    [Fact]
    public void Every_rule_is_differentiated_somewhere_in_the_tests()
    {
        string sources = string.Join("\n", Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "tests", "Backprop.Gen.Tests", "Gradients"), "*.cs").Select(File.ReadAllText));
        foreach (DerivativeRule rule in DerivativeRules.All.Where(r => r.Name != DerivativeRules.SigmoidPattern))
        {
            Assert.Contains("." + rule.Name + "(", sources);
        }
    }
}
