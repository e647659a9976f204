using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// The to-be-recorded analysis (TBR): which statements save the value they overwrite, because the reverse sweep will
/// still read it. It reads the planned steps (their reverses and what those read) and marks each step's
/// <see cref="Step.Save"/>, <see cref="Step.SavedOutputs"/> and <see cref="Step.NeedsReverse"/>.
/// </summary>
internal sealed class ToBeRecorded
{
    private readonly StepAnalysis _analysis;

    public ToBeRecorded(StepAnalysis analysis) => _analysis = analysis;

    /// <summary>
    /// Decides which statements save the value they overwrite. A value is "pending" while the reverse sweep will
    /// still read it; a statement that overwrites a pending value (or that reads its own target's old value in reverse)
    /// saves it. Loops iterate to a fixpoint. Saving more makes the reverse of more statements necessary, which can
    /// add reads (indices of restored elements, bounds of loops the reverse must now replay), so the whole repeats
    /// until nothing changes.
    /// </summary>
    public void Record(List<Step> steps)
    {
        List<Step> all = Step.Flatten(steps).ToList();
        while (true)
        {
            Fixpoint(steps, all);
            // A loop planned to run back forwards whose body turns out to overwrite a value still to be read would have
            // to save it at every iteration: it keeps the plain reverse, and the analysis starts again.
            List<Step> undone = all.Where(s => s.Replay is { Overwrites: true }).ToList();
            if (undone.Count == 0) return;
            foreach (Step step in undone) step.Replay = null;
            foreach (Step step in all)
            {
                step.Save = false;
                step.SavedOutputs.Clear();
            }
        }
    }

    private void Fixpoint(List<Step> steps, List<Step> all)
    {
        while (true)
        {
            bool changed = false;
            foreach (Step step in Enumerable.Reverse(all)) changed |= UpdateNeedsReverse(step);
            foreach (Step step in all.Where(s => s.Kind == StepKind.Loop && s.NeedsReverse && ((Loop)s.Stmt).IsCounted))
            {
                var loop = (Loop)step.Stmt;
                int count = step.BoundReads.Count;
                // The reverse loop runs between the same bounds, with recomputed integers computed again.
                _analysis.CollectReads(_analysis.Resolve(loop.Start!), step.BoundReads);
                _analysis.CollectReads(_analysis.Resolve(loop.Bound!), step.BoundReads);
                changed |= step.BoundReads.Count != count;
            }

            int saves = all.Count(s => s.Save) + all.Sum(s => s.SavedOutputs.Count);
            PropagateToBeRecorded(steps, new HashSet<string>());
            changed |= all.Count(s => s.Save) + all.Sum(s => s.SavedOutputs.Count) != saves;
            if (!changed) break;
        }
    }

    private static bool UpdateNeedsReverse(Step step)
    {
        bool needs = step.Kind switch
        {
            StepKind.Simple => step.HasAdjointWork || step.SavesAnything,
            StepKind.If => step.Then.Concat(step.Else).Any(s => s.NeedsReverse),
            StepKind.Loop when step.Replay is not null => true,
            _ => step.Body.Any(s => s.NeedsReverse),
        };
        bool changed = needs != step.NeedsReverse;
        step.NeedsReverse = needs;
        return changed;
    }

    /// <summary>
    /// One forward pass of the to-be-recorded dataflow over <paramref name="steps"/>: <paramref name="pending"/> holds the
    /// variables whose current values the reverse sweep will read; a statement that overwrites one of them saves it.
    /// Returns what is pending after the steps.
    /// </summary>
    private HashSet<string> PropagateToBeRecorded(List<Step> steps, HashSet<string> pending)
    {
        foreach (Step step in steps)
        {
            switch (step.Kind)
            {
                case StepKind.Simple:
                    // A call that writes arrays: each output is a partial definition, saved whole if still pending.
                    foreach (string output in step.OutputTargets)
                    {
                        if (pending.Contains(output)) step.SavedOutputs.Add(output);
                    }

                    var reads = new HashSet<string>(step.ReadsBefore.Concat(step.ReadsAfter));
                    if (step.Save || step.HasAdjointWork) reads.UnionWith(step.IndexReads);
                    if (step.Target is { } target && !step.StoresElement)
                    {
                        if (pending.Contains(target) || step.ReadsAfter.Contains(target)) step.Save = true;
                        pending.UnionWith(reads);
                        pending.Remove(target);
                        if (step.ReadsBefore.Contains(target)) pending.Add(target);
                    }
                    else if (step.Target is { } array)
                    {
                        // A write-once output's element is never overwritten again: the reverse reads it (the result of
                        // this very store) as the forward left it, so nothing of it is saved.
                        if ((pending.Contains(array) || step.ReadsAfter.Contains(array)) && !_analysis.IsWriteOnceOutput(array)) step.Save = true;
                        pending.UnionWith(reads);
                    }
                    else
                    {
                        pending.UnionWith(reads);
                    }


                    break;
                case StepKind.If:
                    HashSet<string> afterThen = PropagateToBeRecorded(step.Then, new HashSet<string>(pending));
                    HashSet<string> afterElse = PropagateToBeRecorded(step.Else, new HashSet<string>(pending));
                    pending = new HashSet<string>(afterThen.Concat(afterElse));
                    break;
                case StepKind.Loop when step.Replay is { } replay:
                    // Runs back forwards from the recurrence's entry values, which the loop saves itself (and restores
                    // after, for whoever reads them still), reading what the loop does not change.
                    replay.RestoredAfter.UnionWith(replay.Targets.Where(pending.Contains));
                    replay.Overwrites |= replay.Assigned.Any(pending.Contains);
                    pending.ExceptWith(replay.Targets);
                    pending.UnionWith(step.BoundReads);
                    pending.UnionWith(replay.Reads);
                    break;
                case StepKind.Loop:
                    var entry = new HashSet<string>(pending.Concat(step.BoundReads));
                    var head = new HashSet<string>(entry);
                    while (true)
                    {
                        HashSet<string> end = PropagateToBeRecorded(step.Body, new HashSet<string>(head));
                        var next = new HashSet<string>(entry.Concat(end));
                        if (next.SetEquals(head)) break;
                        head = next;
                    }

                    pending = head;
                    // A loop that stores every element of an array and whose reverse reads none of it leaves none of
                    // the array's old values for the reverse to read: later stores into it (y[r] += …) save nothing,
                    // since the loop's own saves restore the array as it was before it.
                    foreach (string array in StoredWhole(step)) pending.Remove(array);
                    break;
            }
        }

        return pending;
    }

    /// <summary>
    /// The arrays a counted loop from 0 below the array's length stores at its counter (<c>a[i] = …</c>, reading no
    /// element of <c>a</c>), in a statement of its body that always runs, where no statement of the body reads the array
    /// in reverse. The length is the array's own (<c>a.Length</c>), or the size of its one allocation, over variables
    /// that never change.
    /// </summary>
    private IEnumerable<string> StoredWhole(Step loopStep)
    {
        if (loopStep.Stmt is not Loop { IsCounted: true, Counter: { } counter, Start: Constant { Value: 0 }, Inclusive: false, Descending: false, Bound: { } bound }) yield break;
        List<Step> body = Step.Flatten(loopStep.Body).ToList();
        foreach (Step store in loopStep.Body)
        {
            if (store.Kind != StepKind.Simple || store.Stmt is not Assign { Target: ElementAt { Array: VarRef array, Indices: { Count: 1 } indices }, Value: var value }
                || indices[0] is not VarRef index || index.Name != counter.Name || IrWalker.Reads(value).Contains(array.Name)
                || body.Any(s => s.ReadsBefore.Contains(array.Name) || s.ReadsAfter.Contains(array.Name))
                || !IsLength(bound, array.Name))
            {
                continue;
            }

            yield return array.Name;
        }
    }

    /// <summary>Whether <paramref name="bound"/> is the array's length for the whole method.</summary>
    private bool IsLength(IrExpr bound, string array)
    {
        if (bound is Member { Receiver: VarRef { Name: var owner }, Name: "Length" } && owner == array) return true;
        if (!_analysis.AnyDefinitions.TryGetValue(array, out List<Step>? definitions)) return false;
        var allocations = definitions.Where(d => d.Stmt is Declare { Initializer: not null } or Assign { Target: VarRef }).ToList();
        IrExpr? allocated = allocations.Count != 1 ? null : allocations[0].Stmt switch
        {
            Declare { Initializer: NewArray { Sizes.Count: 1 } declared } => declared.Sizes[0],
            Assign { Value: NewArray { Sizes.Count: 1 } assigned } => assigned.Sizes[0],
            _ => null,
        };
        if (allocated is null || !allocated.Equals(bound)) return false;

        // The size's variables keep their values: parameters never assigned, locals assigned once at the top level.
        return IrWalker.Reads(bound).All(v => !_analysis.AnyDefinitions.TryGetValue(v, out List<Step>? d) || d.Count == 1 && d[0].TopLevel);
    }
}
