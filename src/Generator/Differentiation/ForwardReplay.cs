using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// A counted loop whose reverse runs forwards, recomputing an inactive recurrence instead of saving it at every
/// iteration (Tapenade's independent-iteration loops). In
/// <code>
/// for (int j = 0; j &lt; x.Length; j++) { fit += x[j] * power; power *= t; }
/// </code>
/// the reverse of each iteration (<c>dX[j] += dFit * power</c>) writes an element of its own and reads no adjoint any
/// iteration writes, so the iterations can run in any order; <c>power</c> carries no derivative, so the reverse loop
/// can run first to last and compute it again as the primal does (<c>power *= t</c>) from its value on entry, which is
/// the only thing saved: one value per run of the loop instead of one per iteration.
/// </summary>
/// <remarks>
/// The recurrence is the loop's statements that assign a scalar with no adjoint work (inactive), from itself, the
/// counter, and variables and arrays the loop does not change, with no call that has effects (it runs twice); they come
/// first or last in the body. Every other
/// statement has adjoint work whose reverse (a) stores only into adjoint elements at the counter, or into temporaries it
/// declares, reading those arrays at the counter only, and calls nothing; (b) reads, of what the loop assigns, only the
/// recurrence; and (c) assigns a variable or array whose value is not still to be read when the loop starts, so that
/// nothing in the loop is ever saved (the to-be-recorded analysis checks that, see <see cref="Overwrites"/>). The
/// second-order sweeps keep the plain reverse.
/// </remarks>
internal sealed class ForwardReplay
{
    private ForwardReplay(List<Step> recurrence, bool recurrenceFirst, HashSet<string> reads, HashSet<string> assigned)
    {
        Recurrence = recurrence;
        Assigned = assigned;
        RecurrenceFirst = recurrence.Count > 0 && recurrenceFirst;
        Reads = reads;
    }

    /// <summary>The statements the reverse loop runs again as the forward did, in forward order.</summary>
    public List<Step> Recurrence { get; }

    /// <summary>Whether the recurrence comes before the other statements of the body (else after them).</summary>
    public bool RecurrenceFirst { get; }

    /// <summary>The variables the recurrence assigns: saved on entry to the loop, restored before the reverse loop.</summary>
    public IEnumerable<string> Targets => Recurrence.Select(s => s.Target!).Distinct();

    /// <summary>The variables whose values on entry the reverse loop reads (the recurrence's targets aside).</summary>
    public HashSet<string> Reads { get; }

    /// <summary>The variables and arrays the other statements of the body assign or store into.</summary>
    public HashSet<string> Assigned { get; }

    /// <summary>The recurrence's targets whose entry values the reverse sweep reads again after the reverse loop.</summary>
    public HashSet<string> RestoredAfter { get; } = new();

    /// <summary>
    /// Whether the to-be-recorded analysis found one of <see cref="Assigned"/> still to be read when the loop starts
    /// (the loop would have to save it at every iteration): the loop then keeps the plain reverse.
    /// </summary>
    public bool Overwrites { get; set; }

    /// <summary>Marks every loop of <paramref name="steps"/> whose reverse can run forwards.</summary>
    public static void Mark(List<Step> steps, StepAnalysis analysis)
    {
        if (analysis.Sweep == Sweep.SecondOrderBase) return;
        foreach (Step step in Step.Flatten(steps).Where(s => s.Kind == StepKind.Loop)) step.Replay = Plan(step);
    }

    private static ForwardReplay? Plan(Step loopStep)
    {
        if (loopStep.Stmt is not Loop { IsCounted: true, Counter: { } counter } loop || loopStep.Body.Any(s => s.Kind != StepKind.Simple)) return null;
        var assigned = new HashSet<string>(loopStep.Body.SelectMany(s => ActivityAnalysis.Definitions(s.Stmt).Select(d => d.Target))) { counter.Name };
        if (IrWalker.OwnExpressions(loop).SelectMany(IrWalker.Reads).Any(assigned.Contains)) return null;

        // The recurrence: inactive scalar assignments (no adjoint work) from themselves and what the loop does not change.
        // (Computed again in the reverse sweep, so pure: rng.NextDouble() would give other numbers the second time.)
        var recurrence = loopStep.Body.Where(s => !s.HasAdjointWork && s.Target is not null && !s.StoresElement && s.OutputTargets.Count == 0
            && IrWalker.OwnExpressions(s.Stmt).All(Simplifier.Pure)).ToList();
        var targets = new HashSet<string>(recurrence.Select(s => s.Target!));
        var others = loopStep.Body.Where(s => !recurrence.Contains(s)).ToList();
        if (others.Count == 0 || recurrence.Count == 0) return null;
        foreach (Step step in recurrence)
        {
            IEnumerable<string> reads = IrWalker.OwnExpressions(step.Stmt).SelectMany(IrWalker.Reads);
            if (reads.Any(r => assigned.Contains(r) && !targets.Contains(r) && r != counter.Name)) return null;
        }

        // First or last, as one block.
        int first = loopStep.Body.IndexOf(recurrence[0]);
        bool contiguous = loopStep.Body.IndexOf(recurrence[recurrence.Count - 1]) - first == recurrence.Count - 1;
        bool atStart = first == 0, atEnd = first + recurrence.Count == loopStep.Body.Count;
        if (!contiguous || !atStart && !atEnd) return null;

        var reverseReads = new HashSet<string>();
        foreach (Step step in others)
        {
            if (!step.HasAdjointWork || step.OutputTargets.Count > 0 || step.Target is null) return null;
            if (IrWalker.OwnExpressions(step.Stmt).Any(e => e is DiffCall)) return null;
            var reads = new HashSet<string>(step.ReadsBefore.Concat(step.ReadsAfter).Concat(step.IndexReads));
            if (reads.Any(r => assigned.Contains(r) && !targets.Contains(r))) return null;
            reverseReads.UnionWith(reads);
        }

        // The reverse of the body must not carry anything from one iteration to the next.
        List<IrStmt> reverse = others.SelectMany(s => s.BeforeRestore.Concat(s.AfterRestore)).ToList();
        if (!Independent(reverse, counter.Name)) return null;
        foreach (Step step in recurrence) reverseReads.UnionWith(IrWalker.OwnExpressions(step.Stmt).SelectMany(IrWalker.Reads));
        reverseReads.ExceptWith(targets);
        reverseReads.Remove(counter.Name);
        return new ForwardReplay(recurrence, atStart, reverseReads, new HashSet<string>(others.Select(s => s.Target!)));
    }

    /// <summary>
    /// Whether reverse statements only declare temporaries and store into array elements at the counter, reading the
    /// arrays they store into at the counter only, with no calls and no scalar carried from one iteration to the next.
    /// </summary>
    private static bool Independent(List<IrStmt> reverse, string counter)
    {
        List<IrStmt> all = IrWalker.AllStatements(reverse).ToList();
        var declared = new HashSet<string>(all.OfType<Declare>().Select(d => d.Variable.Name));
        var stored = new HashSet<string>();
        foreach (IrStmt stmt in all)
        {
            switch (stmt)
            {
                case Comment or Declare or If { Else.Statements.Count: 0 }:
                    break;
                case Assign { Target: VarRef v } when declared.Contains(v.Name):
                    break;
                case Assign { Target: ElementAt { Array: VarRef array, Indices: { Count: 1 } indices } } when indices[0] is VarRef i && i.Name == counter:
                    stored.Add(array.Name);
                    break;
                default:
                    return false;
            }
        }

        foreach (IrExpr expr in all.SelectMany(IrWalker.OwnExpressions).SelectMany(IrWalker.DescendantsAndSelf))
        {
            switch (expr)
            {
                case ElementAt { Array: VarRef array, Indices: var indices } when stored.Contains(array.Name):
                    if (indices.Count != 1 || indices[0] is not VarRef i || i.Name != counter) return false;
                    break;
                case DiffCall or BackwardCall or RuntimeCall or OpaqueCall:
                    return false;
            }
        }

        // A stored array read whole (passed, or its length aside) would see other iterations' stores.
        return !all.SelectMany(IrWalker.OwnExpressions).Any(e => ReadsWhole(e, stored));
    }

    private static bool ReadsWhole(IrExpr expr, HashSet<string> stored) => expr switch
    {
        ElementAt { Array: VarRef, Indices: var indices } => indices.Any(i => ReadsWhole(i, stored)),
        Member { Receiver: VarRef, Name: "Length" or "IsEmpty" } => false,
        Binary { Op: BinaryOp.Equal or BinaryOp.NotEqual, Right: Constant { Text: "null" } } => false,
        VarRef v => stored.Contains(v.Name),
        _ => IrWalker.Children(expr).Any(c => ReadsWhole(c, stored)),
    };
}
