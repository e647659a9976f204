using System;
using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using static Backprop.Gen.IR.Ir;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// Plans each statement's reverse from the rules tables (<see cref="OperatorRules"/>, <see cref="DerivativeRules"/>,
/// and the callees' own derivatives), split at the point where the statement's overwritten value is restored: what
/// reads the statement's result runs before the restore, the rest after. It records what each reverse reads, which the
/// to-be-recorded analysis (<see cref="ToBeRecorded"/>) then uses to decide what the forward sweep saves.
/// </summary>
internal sealed partial class ReversePlanner
{
    private readonly MethodModel _model;
    private readonly NameAllocator _names;
    private readonly ActivityAnalysis _activity;
    private readonly StepAnalysis _analysis;
    private readonly AdjointVariables _adjoints;
    private readonly bool _isSecondOrderBase;
    private readonly List<IrStmt> _tapeChains = new();

    /// <summary>The statement being planned: a call whose reverse replays a tape records it in this statement.</summary>
    private Step? _planning;

    public ReversePlanner(ReverseContext context, StepAnalysis analysis, AdjointVariables adjoints)
    {
        _model = context.Model;
        _names = context.Names;
        _activity = context.Activity;
        _analysis = analysis;
        _adjoints = adjoints;
        _isSecondOrderBase = context.Sweep == Sweep.SecondOrderBase;
    }

    /// <summary>The declarations of the tape chains calls that record a tape push onto (<c>_tapes_Dense = null</c>).</summary>
    public IReadOnlyList<IrStmt> TapeChains => _tapeChains;

    private IrExpr Adjoint(string name) => _adjoints.Of(name);

    private IrStmt Accumulate(IrExpr target, IrExpr contribution) => _adjoints.Accumulate(target, contribution);

    /// <summary>Plans one statement's reverse into its <see cref="Step.BeforeRestore"/> and <see cref="Step.AfterRestore"/>, and records what that reverse reads.</summary>
    public void Plan(Step step)
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
            _analysis.CollectReads(step.BeforeRestore, step.ReadsBefore);
            _analysis.CollectReads(step.AfterRestore, step.ReadsAfter);
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
            foreach (IrExpr index in element.Indices) _analysis.CollectReads(_analysis.Resolve(index), step.IndexReads);
        }

        if (_activity.IsActive(target) || step.OutputTargets.Any(_activity.IsActive))
        {
            PlanActive(step, target, targetExpr, value);
            for (int i = 0; i < step.BeforeRestore.Count; i++) step.BeforeRestore[i] = _analysis.Rematerialize(step.BeforeRestore[i]);
            for (int i = 0; i < step.AfterRestore.Count; i++) step.AfterRestore[i] = _analysis.Rematerialize(step.AfterRestore[i]);
        }

        _analysis.CollectReads(step.BeforeRestore, step.ReadsBefore);
        _analysis.CollectReads(step.AfterRestore, step.ReadsAfter);
        ForgetOutputReads(step);
    }

    /// <summary>
    /// A callee's Backward or Pullback rewrites its outputs itself: passing them is no read of their contents, since a
    /// floating output is written before it is read (BPG0105). A replay from a tape does read them (the values the
    /// callee's forward left there), so they stay reads; so does an array of integers the callee writes, which it may
    /// also read first (a linked list it relinks and restores): its Backward or Pullback runs the forward again from it.
    /// </summary>
    private static void ForgetOutputReads(Step step)
    {
        if (IrWalker.OwnExpressions(step.Stmt).FirstOrDefault(e => e is DiffCall) is not DiffCall call || call.Tape is not null) return;
        foreach (string output in ActivityAnalysis.OutputArguments(call, floatingOnly: true))
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
    private bool ConsumesOutputAdjoints(Callee callee) => (callee.HasPullback || callee.Tape is not null) && !_isSecondOrderBase;

    /// <summary>Whether a call records a tape in the forward sweep and replays it in the reverse (not for second order).</summary>
    private bool Records(DiffCall call) => call.Callee.Tape is not null && call.Tape is null && !_isSecondOrderBase;

    /// <summary>
    /// Makes a call record its tape: the forward sweep calls <c>…Record(…, ref _tapes)</c>, which pushes onto a chain
    /// of this call site's tapes, and the reverse sweep <c>…Replay(…, ref _tapes, …)</c>, which pops the last one. The
    /// callee's forward then runs once, in the forward sweep, where it keeps what its reverse sweep reads.
    /// </summary>
    private DiffCall RecordTape(DiffCall call, string tapeType)
    {
        string stem = call.Callee.Name;
        var chain = new IrVar(_names.Fresh("_tapes_" + stem), new IrType(ShapeKind.Scalar, ElementKind.Tape, 0, tapeType + "?", tapeType + "?"));
        _tapeChains.Add(new Declare(null, chain, new Constant(chain.Type, "null", 0)));
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
            && !_adjoints.IsParameterArray(array.Name))
        {
            return new RefTo(new ElementAt(type, Adjoint(array.Name), element.Indices));
        }

        if (_activity.IsVaried(argument))
        {
            IrExpr temp = NewAdjointTemp(Const(type, 0), before);
            Propagate(argument, temp, after);
            return new RefTo(temp);
        }

        return new RefTo(_adjoints.Discard(type).Ref);
    }
}
