using System;
using System.Collections.Generic;
using Backprop.Gen.IR;
using static Backprop.Gen.IR.Ir;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// Saves and restores: a value a statement overwrites (or a whole output array a call rewrites), pushed onto the
/// variable's pooled stack inside loops and kept in a local outside them, and put back as the reverse passes again.
/// </summary>
internal sealed partial class ReverseAssembler
{
    private IrStmt SaveValue(Step step)
    {
        IrStmt save = SaveTo(step, step.Target!, "_saved_", SavedValue(step), null, out IrVar? slot);
        if (slot is not null) _saveSlots[step] = slot;
        return save;
    }

    private readonly Dictionary<(Step, string), IrVar> _arraySlots = new();

    /// <summary>Saves a whole array a call is about to overwrite: a pooled copy, in a local or on a stack of copies.</summary>
    private IrStmt SaveArray(Step step, string output)
    {
        IrVar array = _variables[output];
        IrExpr copy = RentCopy(array.Ref, array.Type.ElementType);
        IrStmt save = SaveTo(step, output, "_saved_", copy, EmptyArray(copy.Type), out IrVar? slot);
        if (slot is not null) _arraySlots[(step, output)] = slot;
        return save;
    }

    /// <summary>
    /// Saves <paramref name="value"/> for <paramref name="name"/>'s reverse: in a loop, a push onto the name's stack;
    /// outside, a local (<c>_saved_x_0</c>, handed back in <paramref name="slot"/>), declared where it is set at the top
    /// level, or up front (with <paramref name="empty"/>) where it is set inside a branch.
    /// </summary>
    private IrStmt SaveTo(Step step, string name, string prefix, IrExpr value, IrExpr? empty, out IrVar? slot)
    {
        slot = null;
        if (step.InLoop) return new Push(Stack(name, value.Type).Name, value);
        slot = new IrVar(_names.Numbered(prefix + name.TrimStart('_') + "_"), value.Type);
        if (step.TopLevel) return new Declare(null, slot, value);
        _lateDeclarations.Add(new Declare(null, slot, empty));
        return new Assign(null, slot.Ref, value);
    }

    private IrStmt RestoreArray(Step step, string output)
    {
        IrVar array = _variables[output];
        IrType copyType = IrType.ArrayOf(array.Type.ElementType, 1);
        IrExpr saved = step.InLoop ? new Pop(copyType, Stack(output, copyType).Name) : _arraySlots[(step, output)].Ref;
        return new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.Restore, Array(saved, array.Ref)));
    }

    private IrExpr SavedValue(Step step) => step.Stmt switch
    {
        Declare d => d.Variable.Ref,
        // An element's index with recomputed integers computed again: IndexReads counts those, not their variables.
        Assign { Target: ElementAt } a => _analysis.Resolve(a.Target),
        Assign a => a.Target,
        _ => throw new InvalidOperationException(),
    };

    private IrStmt RestoreValue(Step step)
    {
        IrExpr target = SavedValue(step);
        IrExpr value = step.InLoop ? new Pop(target.Type, Stack(step.Target!, target.Type).Name) : _saveSlots[step].Ref;
        return new Assign(null, target, value);
    }

    /// <summary>The pooled stack of one variable's saved values (or of one array's saved elements).</summary>
    private IrVar Stack(string variable, IrType type)
    {
        string key = variable + " " + type.Name;
        if (!_stacks.TryGetValue(key, out IrVar? stack))
        {
            stack = new IrVar(_names.Fresh("_saved_" + variable.TrimStart('_')), IrType.StackOf(type));
            _stacks[key] = stack;
            _stackOrder.Add(stack);
        }

        return stack;
    }
}
