using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// Rows saved whole. A counted loop that overwrites one element of an array per iteration, at its counter
/// (<c>probe[i] = state[i] + h * k1[i]</c>), would push each old value in the forward sweep and pop it back in the
/// reverse one. Where nothing tells the difference, the loop's row is saved before it in one copy
/// (<c>_saved_probe_rows.PushRange(probe, 0, n)</c>) and restored after the reverse loop in one copy
/// (<c>PopRange</c>): a memory copy instead of a push and a pop per element.
/// </summary>
internal sealed partial class ReverseAssembler
{
    private readonly HashSet<Step> _blockSaved = new();
    private readonly Dictionary<string, IrVar> _rowStacks = new();
    private readonly Dictionary<Step, List<(VarRef Array, IrVar Stack)>> _blocks = new();

    /// <summary>Finds, in every counted loop of <paramref name="steps"/>, the stores whose old values are saved as a row.</summary>
    private void FindBlockSaves(List<Step> steps)
    {
        // The sweep second order transforms keeps element saves: its forward transformer mirrors each push and pop
        // onto the tangents, which a row copy would leave behind.
        if (_analysis.Sweep == Sweep.SecondOrderBase) return;
        foreach (Step loopStep in Step.Flatten(steps).Where(s => s.Kind == StepKind.Loop && s.Replay is null))
        {
            if (loopStep.Stmt is not Loop { IsCounted: true, Descending: false, Counter: { } counter }) continue;
            for (int position = 0; position < loopStep.Body.Count; position++)
            {
                Step store = loopStep.Body[position];
                if (store is not { Kind: StepKind.Simple, Save: true, StoresElement: true }
                    || store.Stmt is not Assign { Target: ElementAt { Array: VarRef array, Indices: { Count: 1 } indices } }
                    || indices[0] is not VarRef index || index.Name != counter.Name || !RowUnread(loopStep, position, array.Name, counter.Name))
                {
                    continue;
                }

                // One stack of rows per array: rows come off in the reverse of the order they went on, whatever the loop.
                if (!_rowStacks.TryGetValue(array.Name, out IrVar? stack))
                {
                    stack = new IrVar(_names.Fresh("_saved_" + array.Name.TrimStart('_') + "_rows"), IrType.StackOf(array.Type.ElementType));
                    _rowStacks[array.Name] = stack;
                    _stackOrder.Add(stack);
                }

                _blockSaved.Add(store);
                if (!_blocks.TryGetValue(loopStep, out var list)) _blocks[loopStep] = list = new();
                list.Add((array, stack));
            }
        }
    }

    /// <summary>
    /// Whether restoring the row after the reverse loop, instead of element by element, changes nothing any statement of
    /// the loop sees: no other statement stores into the array, and the reverse reads it only after the store in the
    /// body, at the counter (elements the per-element restore would not have reached yet either).
    /// </summary>
    private static bool RowUnread(Step loopStep, int position, string array, string counter)
    {
        Step store = loopStep.Body[position];
        for (int i = 0; i < loopStep.Body.Count; i++)
        {
            foreach (Step step in Step.Flatten(new[] { loopStep.Body[i] }))
            {
                if (step != store && (step.Target == array || step.OutputTargets.Contains(array))) return false;
                // Before the store (and the store's own reverse after its restore): no mention at all; the store's
                // reverse before its restore and the statements after it: the element at the counter only.
                List<IrExpr> untouched = Expressions(i < position ? step.BeforeRestore.Concat(step.AfterRestore) : step == store ? step.AfterRestore : Enumerable.Empty<IrStmt>());
                List<IrExpr> atCounter = Expressions(i > position ? step.BeforeRestore.Concat(step.AfterRestore) : step == store ? step.BeforeRestore : Enumerable.Empty<IrStmt>());
                if (untouched.Any(e => Mentions(e, array, null)) || atCounter.Any(e => Mentions(e, array, counter))) return false;
            }
        }

        return true;
    }

    private static List<IrExpr> Expressions(IEnumerable<IrStmt> statements) => IrWalker.AllStatements(statements).SelectMany(IrWalker.OwnExpressions).ToList();

    /// <summary>Whether an expression mentions the array other than as its element at <paramref name="counter"/> (if given).</summary>
    private static bool Mentions(IrExpr expr, string array, string? counter) => expr switch
    {
        ElementAt { Array: VarRef a, Indices: { Count: 1 } indices } when a.Name == array =>
            counter is null || indices[0] is not VarRef i || i.Name != counter,
        VarRef v => v.Name == array,
        _ => IrWalker.Children(expr).Any(c => Mentions(c, array, counter)),
    };

    private IEnumerable<IrStmt> SaveBlocks(Step loopStep) => Rows(loopStep, RuntimeOp.StackPushRange, resolved: false);

    private IEnumerable<IrStmt> RestoreBlocks(Step loopStep) => Rows(loopStep, RuntimeOp.StackPopRange, resolved: true).Reverse();

    private IEnumerable<IrStmt> Rows(Step loopStep, RuntimeOp op, bool resolved)
    {
        if (!_blocks.TryGetValue(loopStep, out var rows)) yield break;
        var loop = (Loop)loopStep.Stmt;
        if (resolved) loop = loop with { Start = _analysis.Resolve(loop.Start!), Bound = _analysis.Resolve(loop.Bound!) };
        IrExpr count = Trips(loop);
        foreach (var (array, stack) in rows)
        {
            yield return new Evaluate(null, new RuntimeCall(IrType.Void, op, Ir.Array(array, loop.Start!, count), stack.Ref));
        }
    }
}
