using System;
using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using static Backprop.Gen.IR.Ir;

namespace Backprop.Gen.Differentiation;

internal sealed partial class ReverseBuilder
{
    // ================================================================ plan: each statement's reverse

    private void Plan(Step step)
    {
        if (step.Kind != StepKind.Simple) return;
        _planning = step;
        DiffCall? call = step.Stmt switch
        {
            Evaluate { Expression: DiffCall c } => c,
            Declare { Initializer: DiffCall c } => c,
            Assign { Value: DiffCall c } => c,
            _ => null,
        };
        if (call is not null) step.OutputTargets.AddRange(ActivityAnalysis.OutputArguments(call).Distinct());
        if (step.Stmt is Evaluate && call is not null)
        {
            // A call for its outputs only: its reverse hands the outputs' adjoints to the callee's Backward.
            // (A replay reads the outputs the forward left: it runs before their older contents are restored.)
            if (step.OutputTargets.Any(_activity.IsActive)) CallBackward(call, null, Records(call) ? step.BeforeRestore : step.AfterRestore);
            CollectReads(step.BeforeRestore, step.ReadsBefore);
            CollectReads(step.AfterRestore, step.ReadsAfter);
            ForgetOutputReads(step);
            return;
        }

        if (ActivityAnalysis.Definition(step.Stmt) is not var (target, value)) return;
        IrExpr targetExpr = step.Stmt is Declare d ? d.Variable.Ref : ((Assign)step.Stmt).Target;
        step.Target = target;
        step.StoresElement = targetExpr is ElementAt;
        if (targetExpr is ElementAt element)
        {
            // The reverse indexes the adjoint with recomputed integers computed again, not with their variables.
            foreach (IrExpr index in element.Indices) CollectReads(_analysis.Resolve(index), step.IndexReads);
        }

        if (_activity.IsActive(target) || step.OutputTargets.Any(_activity.IsActive))
        {
            PlanActive(step, target, targetExpr, value);
            for (int i = 0; i < step.BeforeRestore.Count; i++) step.BeforeRestore[i] = _analysis.Rematerialize(step.BeforeRestore[i]);
            for (int i = 0; i < step.AfterRestore.Count; i++) step.AfterRestore[i] = _analysis.Rematerialize(step.AfterRestore[i]);
        }

        CollectReads(step.BeforeRestore, step.ReadsBefore);
        CollectReads(step.AfterRestore, step.ReadsAfter);
        ForgetOutputReads(step);
    }

    /// <summary>
    /// A callee's Backward or Pullback rewrites its outputs itself: passing them is no read of their contents. A replay
    /// from a tape does read them (the values the callee's forward left there), so they stay reads.
    /// </summary>
    private static void ForgetOutputReads(Step step)
    {
        if (IrWalker.OwnExpressions(step.Stmt).Any(e => e is DiffCall { Tape: not null })) return;
        foreach (string output in step.OutputTargets)
        {
            step.ReadsBefore.Remove(output);
            step.ReadsAfter.Remove(output);
        }
    }

    private void PlanActive(Step step, string target, IrExpr targetExpr, IrExpr value)
    {
        List<IrStmt> before = step.BeforeRestore;
        List<IrStmt> after = step.AfterRestore;
        bool element = targetExpr is ElementAt;
        if (!_activity.IsActive(target) && value is DiffCall outputsOnly)
        {
            // The result carries no derivative, but the call's outputs do.
            CallBackward(outputsOnly, null, Records(outputsOnly) ? before : after);
            return;
        }

        IrExpr g = targetExpr is ElementAt e ? new ElementAt(e.Type, Adjoint(target), e.Indices) : Adjoint(target);
        // After this statement's reverse, does anything still accumulate into the adjoint for an older value?
        bool single = !ReadsTarget(value, targetExpr) && !_analysis.AdjointOutlivesDefinition(target, step);
        bool varied = _activity.IsVaried(value);

        if (!varied)
        {
            // Overwritten by a constant: the old value's adjoint starts again from zero.
            if (!single) before.Add(Zero(g, targetExpr));
            return;
        }

        if (AsAccumulation(targetExpr, value) is var (increment, negate))
        {
            // x += e: the adjoint of x passes to e unchanged, and x's own adjoint carries on.
            Propagate(increment, negate ? Neg(g) : g, after);
            return;
        }

        bool zeroFirst = element || ReadsTarget(value, targetExpr);
        IrExpr adjoint = g;
        if (zeroFirst)
        {
            adjoint = NewAdjointTemp(g, before);
            if (!single) before.Add(Zero(g, targetExpr));
        }

        switch (value)
        {
            case DiffCall call:
                CallBackward(call, adjoint, Records(call) && call.Arguments.Where((_, i) => call.Callee.Parameters[i].IsOutput).Any() ? before : after);
                break;
            case MathCall or Fused when UsesResult(value):
                // The rule reads the result, which is the target's new value: use it before the old one is restored.
                PropagateRule(value, adjoint, targetExpr, before, after, target);
                break;
            default:
                Propagate(value, adjoint, after);
                break;
        }

        if (!zeroFirst && !single) after.Add(Zero(g, targetExpr));
    }

    private static bool UsesResult(IrExpr call)
    {
        (string name, int arity) = call switch
        {
            MathCall m => (m.Function, m.Arguments.Count(a => a.Type.IsFloating)),
            Fused f => (f.Rule, f.Arguments.Count),
            _ => ("", 0),
        };
        return DerivativeRules.TryGet(name, arity, out DerivativeRule rule) && rule.UsesResult;
    }

    /// <summary><c>x = x + e</c>, <c>x = e + x</c> or <c>x = x - e</c> (also for one array element), where e does not read x.</summary>
    private static (IrExpr Increment, bool Negate)? AsAccumulation(IrExpr target, IrExpr value)
    {
        if (value is not Binary { Op: BinaryOp.Add or BinaryOp.Subtract } sum || !sum.Type.Equals(target.Type)) return null;
        if (sum.Left.Equals(target) && !ReadsTarget(sum.Right, target)) return (sum.Right, sum.Op == BinaryOp.Subtract);
        if (sum.Op == BinaryOp.Add && sum.Right.Equals(target) && !ReadsTarget(sum.Left, target)) return (sum.Left, false);
        return null;
    }

    /// <summary>Whether an expression reads the target's current value: the variable, or any element of the same array.</summary>
    private static bool ReadsTarget(IrExpr value, IrExpr target)
    {
        string name = target switch
        {
            VarRef v => v.Name,
            ElementAt { Array: VarRef a } => a.Name,
            _ => "",
        };
        return IrWalker.Reads(value).Contains(name);
    }

    /// <summary>Resets an adjoint whose variable was overwritten: <c>_d_x = 0</c>, or clears a local array's adjoint.</summary>
    private IrStmt Zero(IrExpr adjoint, IrExpr target)
    {
        if (adjoint.Type.IsScalar) return new Assign(null, adjoint, Const(adjoint.Type, 0));
        IrExpr clear = target.Type.Rank <= 1
            ? new RuntimeCall(IrType.Void, RuntimeOp.ClearArray, Array(adjoint, new Constant(IrType.Int, "0", 0), new Member(IrType.Int, target, "Length")))
            : new RuntimeCall(IrType.Void, RuntimeOp.ClearArray, Array(adjoint));
        return new Evaluate(null, clear);
    }

    /// <summary>
    /// The reverse of <c>v = F(args)</c>: <c>FBackward(args, adjoints of args, seed: adjoint of v)</c>. The callee runs
    /// its own forward again (joint mode) and adds into the adjoints it is given.
    /// </summary>
    private void CallBackward(DiffCall call, IrExpr? seed, List<IrStmt> into)
    {
        if (Records(call)) call = RecordTape(call, call.Callee.Tape!);
        var arguments = new List<IrExpr>();
        var after = new List<IrStmt>();

        // A model method's Backward takes the model's gradients (or the layer's, inside them) after the primal arguments.
        IrExpr? gradients = call.GradientsPath is { } path
            ? new VarRef(new IrType(ShapeKind.Scalar, ElementKind.Other, 0, "Gradients", "Gradients"),
                path.Length == 0 ? _model.GradientsName : _model.GradientsName + "." + path)
            : null;

        for (int i = 0; i < call.Arguments.Count; i++)
        {
            CalleeParameter parameter = call.Callee.Parameters[i];
            if (!parameter.Differentiable) continue;
            IrExpr argument = call.Arguments[i];
            if (parameter.Type.IsScalar)
            {
                arguments.Add(ScalarAdjointArgument(argument, parameter.Type, into, after));
                continue;
            }

            if (Slices.TryMatch(argument, out VarRef sliced, out EquatableArray<IrExpr> bounds))
            {
                arguments.Add(_activity.IsActive(sliced.Name) ? Slices.OfAdjoint(Adjoint(sliced.Name), bounds) : new Constant(IrType.Void, "default", 0));
                continue;
            }

            VarRef? array = IrWalker.PassedArray(argument);
            bool active = array is not null && _activity.IsActive(array.Name);
            arguments.Add(active
                ? Adjoint(array!.Name)
                : parameter.Type.Shape == ShapeKind.Array ? new Constant(IrType.Void, "null", 0) : new Constant(IrType.Void, "default", 0));
            if (parameter.IsOutput && active && !_analysis.IsPassedOutput(array!.Name) && !ConsumesOutputAdjoints(call.Callee))
            {
                // The callee reads the output's gradient and leaves it; the call is taken to have overwritten the
                // whole output, so the gradient is consumed.
                after.Add(Zero(Adjoint(array!.Name), array));
            }
        }

        IrExpr? seedArgument = call.Type.Equals(IrType.Void) ? null : seed is null ? Const(call.Type, 0) : ConvertTo(seed, call.Type);
        into.Add(new Evaluate(null, new BackwardCall(call.Type, call, gradients, arguments.ToEquatableArray(), seedArgument)));
        into.AddRange(after);
    }

    /// <summary>
    /// Whether the callee's derivative consumes the output adjoints it is given: a generated Pullback or Replay does,
    /// leaving in each the gradient of what the call did not overwrite. A hand-written Backward leaves them, and the
    /// caller takes the call to overwrite its outputs whole. (Second order transforms this reverse sweep into one that
    /// calls the callees' second-order derivatives, which leave them.)
    /// </summary>
    private bool ConsumesOutputAdjoints(Callee callee) => (callee.HasPullback || callee.Tape is not null) && !IsSecondOrderBase;

    /// <summary>Whether a call records a tape in the forward sweep and replays it in the reverse (not for second order).</summary>
    private bool Records(DiffCall call) => call.Callee.Tape is not null && call.Tape is null && !IsSecondOrderBase;

    /// <summary>The statement being planned: a call whose reverse replays a tape records it in this statement.</summary>
    private Step? _planning;

    /// <summary>
    /// Makes a call record its tape: the forward sweep calls <c>…Record(…, ref _tapes)</c>, which pushes onto a chain
    /// of this call site's tapes, and the reverse sweep <c>…Replay(…, ref _tapes, …)</c>, which pops the last one. The
    /// callee's forward then runs once, in the forward sweep, where it keeps what its reverse sweep reads.
    /// </summary>
    private DiffCall RecordTape(DiffCall call, string tapeType)
    {
        string stem = call.Callee.Display.Substring(call.Callee.Display.LastIndexOf('.') + 1);
        var chain = new IrVar(_names.Fresh("_tapes_" + stem), new IrType(ShapeKind.Scalar, ElementKind.Tape, 0, tapeType + "?", tapeType + "?"));
        _lateDeclarations.Add(new Declare(null, chain, new Constant(chain.Type, "null", 0)));
        DiffCall taped = call with { Tape = chain.Ref };
        Step step = _planning ?? throw new System.InvalidOperationException("a call's reverse planned outside its statement");
        step.Stmt = IrWalker.MapExpressions(step.Stmt, e => IrWalker.Rewrite(e, node => node.Equals(call) ? taped : null));
        return taped;
    }

    private IrExpr ScalarAdjointArgument(IrExpr argument, IrType type, List<IrStmt> before, List<IrStmt> after)
    {
        if (argument is VarRef v && _activity.IsActive(v.Name) && v.Type.Equals(type))
        {
            return new RefTo(Adjoint(v.Name));
        }

        if (argument is ElementAt { Array: VarRef array } element && _activity.IsActive(array.Name) && element.Type.Equals(type)
            && !IsParameterArray(array.Name))
        {
            return new RefTo(new ElementAt(type, Adjoint(array.Name), element.Indices));
        }

        if (_activity.IsVaried(argument))
        {
            IrExpr temp = NewAdjointTemp(Const(type, 0), before);
            Propagate(argument, temp, after);
            return new RefTo(temp);
        }

        if (!_discards.TryGetValue(type.Name, out IrVar? discard))
        {
            discard = new IrVar(_names.Numbered("_discard"), type);
            _discards[type.Name] = discard;
            _discardOrder.Add(discard);
        }

        return new RefTo(discard.Ref);
    }

    // ================================================================ reads

    private void CollectReads(IEnumerable<IrStmt> statements, HashSet<string> into)
    {
        foreach (IrStmt stmt in statements)
        {
            switch (stmt)
            {
                case Assign a:
                    if (a.Target is ElementAt target) foreach (IrExpr index in target.Indices) CollectReads(index, into);
                    CollectReads(a.Value, into);
                    break;
                case If i:
                    CollectReads(i.Condition, into);
                    CollectReads(i.Then.Statements, into);
                    CollectReads(i.Else.Statements, into);
                    break;
                default:
                    foreach (IrExpr expr in IrWalker.OwnExpressions(stmt)) CollectReads(expr, into);
                    break;
            }
        }
    }

    /// <summary>The primal variables an expression reads; an array's length does not count as reading its content.</summary>
    private void CollectReads(IrExpr expr, HashSet<string> into)
    {
        switch (expr)
        {
            case Member { Receiver: VarRef, Name: "Length" or "LongLength" or "Rank" }:
                return;
            case OpaqueCall { Known: KnownCall.ArrayShape, Receiver: VarRef } call:
                foreach (IrExpr argument in call.Arguments) CollectReads(argument, into);
                return;
            case VarRef v:
                if (_variables.ContainsKey(v.Name) && !_counters.Contains(v.Name)) into.Add(v.Name);
                return;
        }

        foreach (IrExpr child in IrWalker.Children(expr)) CollectReads(child, into);
    }

    // ================================================================ to-be-recorded

    /// <summary>
    /// Decides which statements save the value they overwrite. A value is "pending" while the reverse sweep will
    /// still read it; a statement that overwrites a pending value (or that reads its own target's old value in reverse)
    /// saves it. Loops iterate to a fixpoint. Saving more makes the reverse of more statements necessary, which can
    /// add reads (indices of restored elements, bounds of loops the reverse must now replay), so the whole repeats
    /// until nothing changes.
    /// </summary>
    private void RecordToBeRecorded(List<Step> steps)
    {
        List<Step> all = Flatten(steps).ToList();
        while (true)
        {
            bool changed = false;
            foreach (Step step in Enumerable.Reverse(all)) changed |= UpdateNeedsReverse(step);
            foreach (Step step in all.Where(s => s.Kind == StepKind.Loop && s.NeedsReverse && ((Loop)s.Stmt).IsCounted))
            {
                var loop = (Loop)step.Stmt;
                int count = step.BoundReads.Count;
                // The reverse loop runs between the same bounds, with recomputed integers computed again.
                CollectReads(_analysis.Resolve(loop.Start!), step.BoundReads);
                CollectReads(_analysis.Resolve(loop.Bound!), step.BoundReads);
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
                    break;
            }
        }

        return pending;
    }
}
