using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;

namespace Backprop.Gen.Differentiation;

internal enum StepKind
{
    Simple,
    If,
    Loop,
}

/// <summary>
/// One forward statement while the reverse builder works on it, with what the analyses learn about it: its reverse
/// (split at the point where an overwritten value is restored), what that reverse reads, and whether it saves.
/// </summary>
internal sealed class Step
{
    public Step(StepKind kind, IrStmt stmt, bool topLevel, bool inLoop)
    {
        Kind = kind;
        Stmt = stmt;
        TopLevel = topLevel;
        InLoop = inLoop;
    }

    public StepKind Kind { get; }

    /// <summary>The forward statement (for ifs and loops, the original; their children are in the lists below).</summary>
    public IrStmt Stmt { get; set; }

    public bool TopLevel { get; }

    public bool InLoop { get; }

    public List<Step> Then { get; } = new();

    public List<Step> Else { get; } = new();

    public List<Step> Body { get; } = new();

    /// <summary>The part of the reverse that runs before the overwritten value is restored (it may read the new value).</summary>
    public List<IrStmt> BeforeRestore { get; } = new();

    /// <summary>The part of the reverse that runs after the restore (it reads the old values).</summary>
    public List<IrStmt> AfterRestore { get; } = new();

    /// <summary>The variable this statement assigns as a whole, or the array it stores into.</summary>
    public string? Target { get; set; }

    public bool StoresElement { get; set; }

    /// <summary>The arrays a call writes (its output arguments): each is a partial definition, saved whole if needed.</summary>
    public List<string> OutputTargets { get; } = new();

    /// <summary>The output arrays whose old contents must be saved and restored (decided by the to-be-recorded analysis).</summary>
    public HashSet<string> SavedOutputs { get; } = new();

    /// <summary>Variables (and arrays, by content) the reverse reads before and after the restore.</summary>
    public HashSet<string> ReadsBefore { get; } = new();

    public HashSet<string> ReadsAfter { get; } = new();

    /// <summary>Variables the index of an element store reads (the restore reads them too).</summary>
    public HashSet<string> IndexReads { get; } = new();

    /// <summary>Variables the reverse of a counted loop reads to count back (its start and bound).</summary>
    public HashSet<string> BoundReads { get; } = new();

    /// <summary>Whether the statement's reverse does anything besides restoring what it overwrote.</summary>
    public bool HasAdjointWork => BeforeRestore.Count > 0 || AfterRestore.Count > 0;

    public bool SavesAnything => Save || SavedOutputs.Count > 0;

    /// <summary>Whether the forward must save the value this statement overwrites (to-be-recorded analysis).</summary>
    public bool Save { get; set; }

    /// <summary>Whether the reverse sweep must visit this statement at all.</summary>
    public bool NeedsReverse { get; set; }

    /// <summary>The recorded branch decision of an if, or the trip counter of a general loop.</summary>
    public IrVar? Record { get; set; }

    /// <summary>For an if in a loop whose condition is recomputed in the reverse sweep instead of recorded: that condition.</summary>
    public IrExpr? Recomputed { get; set; }

    /// <summary>For a loop whose reverse runs forwards, recomputing a recurrence instead of saving it: the plan.</summary>
    public ForwardReplay? Replay { get; set; }

    /// <summary>Every step, nested ones included, in forward order.</summary>
    public static IEnumerable<Step> Flatten(IEnumerable<Step> steps)
    {
        foreach (Step step in steps)
        {
            yield return step;
            foreach (Step inner in Flatten(step.Then.Concat(step.Else).Concat(step.Body))) yield return inner;
        }
    }
}
