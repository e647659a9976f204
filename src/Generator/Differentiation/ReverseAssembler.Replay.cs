using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

/// <summary>The forward and reverse sweeps of a loop whose reverse runs forwards (see <see cref="ForwardReplay"/>).</summary>
internal sealed partial class ReverseAssembler
{
    private readonly Dictionary<(Step, string), IrVar> _entrySlots = new();

    /// <summary>The recurrence's values on entry, saved once; then the loop as it is, saving nothing inside.</summary>
    private void EmitReplayForward(Step step, List<IrStmt> into)
    {
        foreach (string target in step.Replay!.Targets)
        {
            into.Add(SaveTo(step, target, "_entry_", _variables[target].Ref, null, out IrVar? slot));
            if (slot is not null) _entrySlots[(step, target)] = slot;
        }

        var body = new List<IrStmt>();
        EmitForward(step.Body, body);
        into.Add((Loop)step.Stmt with { Body = new Block(body.ToEquatableArray()) });
    }

    /// <summary>
    /// The recurrence back at its entry values, then the loop first to last: each iteration's reverse, in reverse
    /// order within the iteration, with the recurrence computed again where the forward computed it.
    /// </summary>
    private void EmitReplayReverse(Step step, List<IrStmt> into)
    {
        ForwardReplay replay = step.Replay!;
        var loop = (Loop)step.Stmt;
        string recomputed = string.Join(", ", replay.Targets);
        into.Add(new Comment((loop.Origin ?? "loop") + " (its iterations' reverses are independent: run first to last, computing " + recomputed + " again)"));
        var restoreAfter = new List<IrStmt>();
        foreach (string target in replay.Targets)
        {
            IrVar variable = _variables[target];
            IrExpr entry = step.InLoop ? new Pop(variable.Type, Stack(target, variable.Type).Name) : _entrySlots[(step, target)].Ref;
            if (replay.RestoredAfter.Contains(target) && step.InLoop)
            {
                // The value on entry is wanted again after the loop: keep it.
                var kept = new IrVar(_names.Fresh("_entry_" + target.TrimStart('_')), variable.Type);
                _lateDeclarations.Add(new Declare(null, kept, null));
                into.Add(new Assign(null, kept.Ref, entry));
                entry = kept.Ref;
            }

            into.Add(new Assign(null, variable.Ref, entry));
            if (replay.RestoredAfter.Contains(target)) restoreAfter.Add(new Assign(null, variable.Ref, entry));
        }

        var reverse = new List<IrStmt>();
        EmitReverse(step.Body, reverse, loop.Origin);
        var again = new List<IrStmt>();
        foreach (Step recurrence in replay.Recurrence)
        {
            if (recurrence.Stmt.Origin is { } origin) again.Add(new Comment(origin));
            again.Add(recurrence.Stmt is Declare { Initializer: { } value } d ? new Assign(d.Origin, d.Variable.Ref, value) : recurrence.Stmt);
        }

        List<IrStmt> body = replay.RecurrenceFirst ? again.Concat(reverse).ToList() : reverse.Concat(again).ToList();
        into.Add(loop with { Start = _analysis.Resolve(loop.Start!), Bound = _analysis.Resolve(loop.Bound!), Body = new Block(body.ToEquatableArray()) });
        into.AddRange(restoreAfter);
    }
}
