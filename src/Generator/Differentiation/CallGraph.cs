using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Backprop.Gen.Diagnostics;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

/// <summary>A call, in a generated file, to derivatives that this compilation generates for another method.</summary>
/// <param name="CalleeKey">The callee's <see cref="Parsing.Contract.Key"/>.</param>
/// <param name="CalleeName">The callee as messages name it (<c>Net.Dense</c>).</param>
/// <param name="Location">The call in the user's code.</param>
internal sealed record CallSite(string CalleeKey, string CalleeName, LocationInfo? Location);

/// <summary>One method of the call graph: whether it failed, and whose generated derivatives its own file calls.</summary>
internal sealed record CallGraphNode(string Key, bool Failed, EquatableArray<string> Callees);

/// <summary>
/// The step after Differentiate: a method whose derivative calls the derivatives of a method that cannot be
/// differentiated is not generated either, with BPG0213 at the call. Otherwise its file would name a <c>…Backward</c>,
/// <c>…Pullback</c> or tape that does not exist, and the build would show compiler errors in generated code beside the
/// callee's own BPG error. Each method is still differentiated on its own; only this cheap check sees them all.
/// </summary>
internal static class CallGraph
{
    /// <summary>The distinct callees of <paramref name="calls"/>, each at its first call.</summary>
    public static EquatableArray<CallSite> Calls(IEnumerable<DiffCall> calls) =>
        calls.Where(c => c.Callee.Key is not null)
            .GroupBy(c => c.Callee.Key!)
            .Select(g => new CallSite(g.Key, g.First().Callee.Display, g.First().Location))
            .ToEquatableArray();

    public static CallGraphNode Node(GeneratedSource source) =>
        new(source.Key ?? "", source.Failed, source.Calls.Select(c => c.CalleeKey).ToEquatableArray());

    /// <summary>The methods that are not generated: the failed ones, and, transitively, every method that calls one.</summary>
    public static EquatableArray<string> Blocked(ImmutableArray<CallGraphNode> nodes)
    {
        var blocked = new HashSet<string>(nodes.Where(n => n.Failed).Select(n => n.Key));
        bool grew = blocked.Count > 0;
        while (grew)
        {
            grew = false;
            foreach (CallGraphNode node in nodes)
            {
                if (!blocked.Contains(node.Key) && node.Callees.Any(blocked.Contains)) grew |= blocked.Add(node.Key);
            }
        }

        return blocked.OrderBy(k => k, System.StringComparer.Ordinal).ToEquatableArray();
    }

    /// <summary>The method's file, or, when a callee is blocked, no file and an error at each call to a blocked callee.</summary>
    public static GeneratedSource Gate(GeneratedSource source, EquatableArray<string> blocked)
    {
        if (source.Text is null || blocked.IsEmpty) return source;
        var set = new HashSet<string>(blocked);
        CallSite[] broken = source.Calls.Where(c => set.Contains(c.CalleeKey)).ToArray();
        if (broken.Length == 0) return source;
        string caller = source.Key is { } key ? Name(key) : "this method";
        IEnumerable<DiagnosticInfo> errors = broken.Select(c =>
            DiagnosticInfo.Create(DiagnosticDescriptors.CalleeNotDifferentiable, c.Location, caller, c.CalleeName));
        return source with { HintName = null, Text = null, Diagnostics = source.Diagnostics.Concat(errors).ToEquatableArray() };
    }

    /// <summary>A method's name from its key (<c>global::N.T.Loss(double)</c> → <c>Loss</c>).</summary>
    private static string Name(string key)
    {
        string head = key.Substring(0, key.IndexOf('('));
        return head.Substring(head.LastIndexOf('.') + 1);
    }
}
