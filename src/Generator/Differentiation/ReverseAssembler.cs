using System;
using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using static Backprop.Gen.IR.Ir;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// Assembles the planned steps into the Backward's (or Pullback's) body: the checks; the forward sweep with its saves,
/// recorded branch decisions and trip counts; the reverse sweep with its restores, in reverse order; the declarations
/// both share; and the epilogue and <c>finally</c> that hand results and pooled buffers back.
/// </summary>
internal sealed partial class ReverseAssembler
{
    private readonly MethodModel _model;
    private readonly NormalizedBody _body;
    private readonly Preparation _preparation;
    private readonly ActivityAnalysis _activity;
    private readonly NameAllocator _names;
    private readonly IReadOnlyDictionary<string, IrVar> _variables;
    private readonly IReadOnlyDictionary<string, ParameterModel> _parameters;
    private readonly StepAnalysis _analysis;
    private readonly AdjointVariables _adjoints;
    private readonly bool _isPullback;
    private readonly Dictionary<string, IrVar> _stacks = new();
    private readonly List<IrVar> _stackOrder = new();

    public ReverseAssembler(ReverseContext context, StepAnalysis analysis, AdjointVariables adjoints)
    {
        _model = context.Model;
        _body = context.Body;
        _preparation = context.Preparation;
        _activity = context.Activity;
        _names = context.Names;
        _variables = context.Variables;
        _parameters = context.Parameters;
        _analysis = analysis;
        _adjoints = adjoints;
        _isPullback = context.Sweep == Sweep.Pullback;
    }
    private readonly Dictionary<Step, IrVar> _saveSlots = new();
    private readonly List<IrStmt> _lateDeclarations = new();
    private readonly List<IrStmt> _finally = new();

    /// <summary>The Backward's (or Pullback's) body from the planned steps; <paramref name="tapeChains"/> are declared first.</summary>
    public BackwardBody Assemble(List<Step> steps, IEnumerable<IrStmt> tapeChains)
    {
        var body = new BackwardBody { Result = _body.Result?.Name };
        _lateDeclarations.AddRange(tapeChains);
        EntryChecks.Add(_model, body.Validation);

        foreach (Step step in Step.Flatten(steps).Where(s => s.NeedsReverse && s.Kind != StepKind.Simple))
        {
            if (step.Kind == StepKind.If && step.InLoop && _analysis.IsRecomputable(((If)step.Stmt).Condition, step))
            {
                step.Recomputed = _analysis.Resolve(((If)step.Stmt).Condition);
                continue;
            }

            if (step.Kind == StepKind.If)
            {
                step.Record = _preparation.NewVariable("_c", IrType.Bool);
            }
            else if (!((Loop)step.Stmt).IsCounted)
            {
                step.Record = _preparation.NewVariable("_trips", IrType.Int);
            }

            if (step.Record is not null && (!step.TopLevel || step.Kind == StepKind.Loop))
            {
                _lateDeclarations.Add(new Declare(null, step.Record, step.Kind == StepKind.If ? new Constant(IrType.Bool, "false", 0) : new Constant(IrType.Int, "0", 0)));
            }
        }

        FindBlockSaves(steps);
        var forward = new List<IrStmt>();
        EmitForward(steps, forward);
        var reverse = new List<IrStmt>();
        EmitReverse(steps, reverse, null);
        reverse = Simplifier.Peephole(reverse);

        // Declarations the forward and reverse sweeps share: temporaries of nested blocks, save slots, recorded
        // decisions, pooled stacks and the adjoints of local arrays.
        foreach (IrVar hoisted in _preparation.Hoisted) body.Declarations.Add(new Declare(null, hoisted, null));
        body.Declarations.AddRange(_lateDeclarations);
        foreach (IrVar stack in _stackOrder)
        {
            body.Declarations.Add(new Declare(null, stack, new RuntimeCall(stack.Type, RuntimeOp.NewStack, EquatableArray<IrExpr>.Empty)));
            _finally.Add(new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.StackDispose, EquatableArray<IrExpr>.Empty, stack.Ref)));
        }

        var localArrayAdjoints = new HashSet<string>();
        foreach (IrVar adjoint in _adjoints.Locals.Where(a => !a.Type.IsScalar))
        {
            string primal = _adjoints.PrimalOf(adjoint);
            bool writeOnce = _analysis.IsWriteOnceOutput(primal);
            // A [NoDerivative] array the method writes is scratch space: its adjoint is the method's own, as a local
            // array's is, and starts at zero (its incoming values are constants; nobody hands in a gradient for it).
            bool scratch = _parameters.TryGetValue(primal, out ParameterModel? output) && !output.Differentiable;
            bool isOutput = !scratch && output?.IsOutput == true;
            if (!isOutput) localArrayAdjoints.Add(adjoint.Name);
            body.Declarations.Add(new Declare(null, adjoint, isOutput
                ? writeOnce ? ReadIncomingGradient(output!, adjoint.Type, _isPullback) : IncomingGradient(output!)
                : scratch ? BufferSetup.ZeroedLike(new VarRef(output!.Type, output.Name), adjoint.Type)
                : EmptyArray(adjoint.Type)));
            if (isOutput && !writeOnce && _isPullback)
            {
                // The Pullback hands back what is left: the gradient of the elements the layer did not store.
                body.Epilogue.Add(new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.HandBack, Array<IrExpr>(adjoint.Ref, new VarRef(output!.Type, output.AdjointName)))));
            }

            if (adjoint.Type.Rank == 1 && !writeOnce)
            {
                _finally.Add(new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.Return, Array<IrExpr>(adjoint.Ref))));
            }
        }

        body.Forward.AddRange(forward);

        // The reverse sweep may restore older contents of an output: the caller must see the forward's final values.
        var finals = new List<(ParameterModel Output, IrVar Copy)>();
        foreach (ParameterModel output in _model.Parameters.Where(p => p.IsOutput))
        {
            bool restored = _analysis.Flat.Any(s => (s.Save && s.StoresElement && s.Target == output.Name) || s.SavedOutputs.Contains(output.Name));
            // A Pullback promises no output values; a Backward does, even where a callee's Pullback rewrites them.
            if (!restored && (_isPullback || !RecomputedByPullback(output.Name))) continue;
            var copy = new IrVar(_names.Fresh("_final_" + output.Name.TrimStart('@')), IrType.ArrayOf(output.Type.ElementType, 1));
            body.Forward.Add(new Declare(null, copy, RentCopy(new VarRef(output.Type, output.Name), output.Type.ElementType)));
            finals.Add((output, copy));
        }

        // out double y (out V2 p): the caller gets the forward's final value, before the reverse sweep restores older ones.
        body.Forward.AddRange(ScalarOutputs.WriteBack(_model.ScalarOutputs, o => new VarRef(o.Type, o.Variable), o => o.Parameter.Name));

        if (_model.ReturnsStruct)
        {
            // A struct result, put together from its fields as the forward sweep left them.
            var value = new IrVar(_names.Fresh("_value"), _model.ReturnType);
            body.Forward.Add(new Declare(null, value, StructResult(_model)));
            body.Result = value.Name;
        }
        else if (_body.Result is not null && _analysis.Flat.Any(s => s.Save && s.Target == _body.Result.Name))
        {
            // The reverse sweep restores older values of the result variable: return the value the forward ended with.
            var value = new IrVar(_names.Fresh("_value"), _body.Result.Type);
            body.Forward.Add(new Declare(null, value, _body.Result.Ref));
            body.Result = value.Name;
        }

        // The reverse sweep starts with the adjoints of the active scalars at zero (the result's at seed, a struct
        // result's fields at the seed's).
        foreach (IrVar adjoint in _adjoints.Locals.Where(a => a.Type.IsScalar))
        {
            bool isResult = _body.Result is not null && _adjoints.TryGetLocal(_body.Result.Name, out string? resultAdjoint) && resultAdjoint == adjoint.Name;
            ResultField? field = _model.ResultFields.FirstOrDefault(f => _adjoints.TryGetLocal(f.Variable, out string? fieldAdjoint) && fieldAdjoint == adjoint.Name);
            // An out or ref scalar's final value starts at its incoming gradient (dY).
            ScalarOutput? output = _model.ScalarOutputs.FirstOrDefault(o => o.Parameter.Differentiable && o.Type.IsFloating
                && _adjoints.TryGetLocal(o.Variable, out string? outputAdjoint) && outputAdjoint == adjoint.Name);
            IrExpr start = isResult ? new VarRef(adjoint.Type, _model.SeedName)
                : field is not null ? ConvertTo(new VarRef(field.Leaf.Type, _model.SeedName + "." + field.Leaf.Path), adjoint.Type)
                : output is not null ? ConvertTo(new VarRef(output.Type, output.AdjointName), adjoint.Type)
                : Const(adjoint.Type, 0);
            body.Reverse.Add(new Declare(null, adjoint, start));
        }

        foreach (IrVar discard in _adjoints.Discards) body.Reverse.Add(new Declare(null, discard, Const(discard.Type, 0)));
        body.Reverse.AddRange(Simplifier.DropDeadClears(reverse, localArrayAdjoints));

        foreach (var (output, copy) in finals)
        {
            body.Epilogue.Add(new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.Restore, Array<IrExpr>(copy.Ref, new VarRef(output.Type, output.Name)))));
        }

        foreach (ParameterModel parameter in _model.Parameters.Concat(Normalizer.FieldParameters(_model))
                     .Where(p => p.Differentiable && p.Type.IsScalar && !_adjoints.IsDirect(p.Name) && !_adjoints.IsWrittenBack(p.Name)))
        {
            var adjoint = new VarRef(parameter.Type, parameter.AdjointName);
            if (parameter.Passing == Passing.Ref && parameter.Leaves.IsEmpty)
            {
                // ref double z: dZ, which brought the gradient of z's final value, is replaced by that of the value passed in.
                body.Epilogue.Add(new Assign(null, adjoint, _adjoints.TryGetLocal(parameter.Name, out string? initial) ? new VarRef(parameter.Type, initial) : Const(parameter.Type, 0)));
            }
            else if (_adjoints.TryGetLocal(parameter.Name, out string? local))
            {
                body.Epilogue.Add(new Assign(null, adjoint, Add(adjoint, new VarRef(parameter.Type, local))));
            }
        }

        foreach (var owner in Normalizer.StructLeavesWithOwners(_model).Where(f => f.Owner.Differentiable && f.Owner.Passing == Passing.Ref).GroupBy(f => f.Owner))
        {
            // ref V2 p: dP, which brought the gradient of p's final value, is replaced by that of the value passed in.
            body.Epilogue.Add(new Assign(null, new VarRef(owner.Key.Type, owner.Key.AdjointName), StructOfFields(owner.Key.Type, owner.Select(f =>
                new FieldValue(f.Leaf.Path, _adjoints.TryGetLocal(f.Field.Name, out string? local) ? new VarRef(f.Leaf.Type, local) : Const(f.Leaf.Type, 0))))));
        }

        foreach (var owner in Normalizer.StructLeavesWithOwners(_model)
                     .Where(f => f.Owner.Differentiable && f.Owner.Passing != Passing.Ref && _adjoints.IsWrittenBack(f.Field.Name)).GroupBy(f => f.Owner))
        {
            // Fields behind a property (a record struct's): dS = dS with { Pos = dS.Pos with { X = dS.Pos.X + _d_s_Pos_X } }.
            var gathered = owner.Select(f => (f.Leaf, Local: _adjoints.TryGetLocal(f.Field.Name, out string? local) ? local : null))
                .Where(f => f.Local is not null).Select(f => (f.Leaf, f.Local!)).ToList();
            if (gathered.Count > 0) body.Epilogue.Add(StructWriteBack.Statement(owner.Key, gathered));
        }

        body.Finally.AddRange(_finally);
        Simplifier.FuseAdjointDeclarations(body.Reverse, body.Epilogue);
        return body;
    }

    /// <summary><c>default(V2) with { X = _result_X, Y = _result_Y }</c>: a struct result from the locals of its fields.</summary>
    public static IrExpr StructResult(MethodModel model) =>
        StructOfFields(model.ReturnType, model.ResultFields.Select(f => new FieldValue(f.Leaf.Path, new VarRef(f.Leaf.Type, f.Variable))));

    /// <summary>The incoming gradient of an output, copied so that the caller's adjoint is left unchanged.</summary>
    private static IrExpr IncomingGradient(ParameterModel output)
    {
        var primal = new VarRef(output.Type, output.Name);
        var incoming = new VarRef(output.Type, output.AdjointName);
        if (output.Type.Rank == 2)
        {
            string text = "{0} is null ? new " + output.Type.ElementName + "[{1}.GetLength(0), {1}.GetLength(1)] : (" + output.Type.Name + "){0}.Clone()";
            return new Opaque(output.Type, text, Array<IrExpr>(incoming, primal));
        }

        return new RuntimeCall(IrType.ArrayOf(output.Type.ElementType, 1), RuntimeOp.RentCopy, Array<IrExpr>(incoming, new Member(IrType.Int, primal, "Length")));
    }

    /// <summary>
    /// Whether a layer call's Pullback may write <paramref name="output"/> in the reverse sweep: a Pullback recomputes
    /// what its reverse reads, outputs too, and a layer of layers leaves in them what its own callees recompute.
    /// </summary>
    private bool RecomputedByPullback(string output) =>
        _analysis.AnyDefinitions.TryGetValue(output, out List<Step>? writers)
        && writers.Any(w => IrWalker.OwnExpressions(w.Stmt).Any(e => e is DiffCall { Callee.HasPullback: true, Tape: null }));

    /// <summary>
    /// The incoming gradient of a write-once output, read in place (zeros when the caller passes none); the Pullback
    /// zeroes each element it reads, so that the caller gets back the gradient of the elements the layer left.
    /// </summary>
    private static IrExpr ReadIncomingGradient(ParameterModel output, IrType type, bool consume) =>
        new RuntimeCall(type, consume ? RuntimeOp.Consume : RuntimeOp.ReadOnly,
            Array<IrExpr>(new VarRef(output.Type, output.AdjointName), new Member(IrType.Int, new VarRef(output.Type, output.Name), "Length")));

    private static IrExpr RentCopy(IrExpr array, IrType element) =>
        new RuntimeCall(IrType.ArrayOf(element, 1), RuntimeOp.RentCopy, Array<IrExpr>(array, new Member(IrType.Int, array, "Length")));

    private void EmitForward(List<Step> steps, List<IrStmt> into)
    {
        foreach (Step step in steps)
        {
            switch (step.Kind)
            {
                case StepKind.Simple:
                    if (step.Save && !_blockSaved.Contains(step)) into.Add(SaveValue(step));
                    foreach (string output in step.SavedOutputs) into.Add(SaveArray(step, output));
                    into.Add(step.Stmt);
                    if (ActivityAnalysis.Definition(step.Stmt) is var (target, value) && !step.StoresElement && _activity.IsActive(target)
                        && _variables[target].Type.IsFloatingContainer && value is NewArray)
                    {
                        into.Add(AllocateAdjoint(target));
                    }

                    break;
                case StepKind.If:
                    var branch = (If)step.Stmt;
                    var thenPart = new List<IrStmt>();
                    var elsePart = new List<IrStmt>();
                    EmitForward(step.Then, thenPart);
                    EmitForward(step.Else, elsePart);
                    IrExpr condition = branch.Condition;
                    if (step.Record is { } decision)
                    {
                        into.Add(step.TopLevel ? new Declare(null, decision, condition) : new Assign(null, decision.Ref, condition));
                        if (step.InLoop) into.Add(new Push(Stack(decision.Name, IrType.Bool).Name, decision.Ref));
                        condition = decision.Ref;
                    }

                    into.Add(new If(branch.Origin, condition, new Block(thenPart.ToEquatableArray()), new Block(elsePart.ToEquatableArray())));
                    break;
                case StepKind.Loop when step.Replay is not null:
                    EmitReplayForward(step, into);
                    break;
                case StepKind.Loop:
                    var loop = (Loop)step.Stmt;
                    var loopBody = new List<IrStmt>();
                    EmitForward(step.Body, loopBody);
                    if (step.Record is { } trips)
                    {
                        into.Add(new Assign(null, trips.Ref, new Constant(IrType.Int, "0", 0)));
                        loopBody.Add(new Assign(null, trips.Ref, new Binary(IrType.Int, BinaryOp.Add, trips.Ref, new Constant(IrType.Int, "1", 1))));
                    }

                    if (loop.IsCounted) into.AddRange(ReserveStacks(loop, loopBody));
                    into.AddRange(SaveBlocks(step));
                    into.Add(loop with { Body = new Block(loopBody.ToEquatableArray()) });
                    if (step.Record is { } counted && step.InLoop) into.Add(new Push(Stack(counted.Name, IrType.Int).Name, counted.Ref));
                    break;
            }
        }
    }

    /// <summary>A local array's adjoint comes from the pool, zeroed, as soon as the array exists.</summary>
    private IrStmt AllocateAdjoint(string array)
    {
        IrExpr adjoint = _adjoints.Of(array);
        IrVar primal = _variables[array];
        IrExpr value = primal.Type.Rank == 1
            ? new RuntimeCall(adjoint.Type, RuntimeOp.Grow, Array(adjoint, new Member(IrType.Int, primal.Ref, "Length")))
            : BufferSetup.NewMatrixLike(primal.Ref, adjoint.Type);
        return new Assign(null, adjoint, value);
    }

    private void EmitReverse(List<Step> steps, List<IrStmt> into, string? enclosingOrigin)
    {
        // A statement's reverse is headed by its source line, unless the enclosing block already names it.
        string? lastOrigin = enclosingOrigin;
        foreach (Step step in Enumerable.Reverse(steps))
        {
            if (!step.NeedsReverse) continue;
            switch (step.Kind)
            {
                case StepKind.Simple:
                    if (step.Stmt.Origin is { } origin && origin != lastOrigin) into.Add(new Comment(origin));
                    lastOrigin = step.Stmt.Origin;
                    into.AddRange(step.BeforeRestore);
                    if (step.Save && !_blockSaved.Contains(step)) into.Add(RestoreValue(step));
                    into.AddRange(step.AfterRestore);

                    // A call's outputs get their old contents back after its Backward, which rewrote them.
                    foreach (string output in step.SavedOutputs.OrderBy(o => o, StringComparer.Ordinal).Reverse()) into.Add(RestoreArray(step, output));
                    break;
                case StepKind.If:
                    var branch = (If)step.Stmt;
                    var thenPart = new List<IrStmt>();
                    var elsePart = new List<IrStmt>();
                    EmitReverse(step.Then, thenPart, branch.Origin);
                    EmitReverse(step.Else, elsePart, branch.Origin);
                    if (branch.Origin is not null && branch.Origin != lastOrigin) into.Add(new Comment(branch.Origin));
                    IrExpr taken;
                    if (step.Recomputed is { } recomputed)
                    {
                        taken = recomputed;
                    }
                    else
                    {
                        IrVar decision = step.Record!;
                        if (step.InLoop) into.Add(new Assign(null, decision.Ref, new Pop(IrType.Bool, Stack(decision.Name, IrType.Bool).Name)));
                        taken = decision.Ref;
                    }

                    if (thenPart.Count == 0 && elsePart.Count > 0)
                    {
                        into.Add(new If(null, Ir.Not(taken), new Block(elsePart.ToEquatableArray()), Block.Empty));
                    }
                    else
                    {
                        into.Add(new If(null, taken, new Block(thenPart.ToEquatableArray()), new Block(elsePart.ToEquatableArray())));
                    }

                    lastOrigin = null;
                    break;
                case StepKind.Loop when step.Replay is not null:
                    EmitReplayReverse(step, into);
                    lastOrigin = null;
                    break;
                case StepKind.Loop:
                    var loop = (Loop)step.Stmt;
                    var body = new List<IrStmt>();
                    EmitReverse(step.Body, body, loop.Origin);
                    if (loop.Origin is not null) into.Add(new Comment(loop.Origin));
                    if (loop.IsCounted)
                    {
                        into.Add(ReverseCountedLoop(loop with { Start = _analysis.Resolve(loop.Start!), Bound = _analysis.Resolve(loop.Bound!) }, body));
                        into.AddRange(RestoreBlocks(step));
                    }
                    else
                    {
                        IrVar trips = step.Record!;
                        if (step.InLoop) into.Add(new Assign(null, trips.Ref, new Pop(IrType.Int, Stack(trips.Name, IrType.Int).Name)));
                        var counter = new IrVar(_names.Numbered("_k"), IrType.Int);
                        into.Add(new Loop(null, counter, IntOffset(trips.Ref, -1), new Constant(IrType.Int, "0", 0), Inclusive: true, Descending: true,
                            null, true, new Block(body.ToEquatableArray())));
                    }

                    lastOrigin = null;
                    break;
            }
        }
    }

    /// <summary>
    /// Before a counted loop, room on each stack its body pushes to (outside nested loops, which reserve their own):
    /// one rental at the right size instead of a doubling every so often.
    /// </summary>
    private IEnumerable<IrStmt> ReserveStacks(Loop loop, List<IrStmt> body)
    {
        IEnumerable<IrStmt> Direct(IEnumerable<IrStmt> statements) => statements.SelectMany(s => s switch
        {
            If i => Direct(i.Then.Statements).Concat(Direct(i.Else.Statements)),
            Loop => Enumerable.Empty<IrStmt>(),
            _ => new[] { s },
        });

        var stacks = Direct(body).OfType<Push>().Select(p => p.Stack).Distinct().ToList();
        if (stacks.Count == 0) yield break;
        IrExpr trips = Trips(loop);
        foreach (IrVar stack in _stackOrder.Where(s => stacks.Contains(s.Name)))
        {
            yield return new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.StackReserve, Array(trips), stack.Ref));
        }
    }

    /// <summary>How many times a counted loop runs: <c>b - a</c> (just <c>b</c> from 0), one more when inclusive.</summary>
    private static IrExpr Trips(Loop loop)
    {
        IrExpr from = loop.Descending ? loop.Bound! : loop.Start!, to = loop.Descending ? loop.Start! : loop.Bound!;
        IrExpr trips = from is Constant { Value: 0 } ? to : new Binary(IrType.Int, BinaryOp.Subtract, to, from);
        return loop.Inclusive ? IntOffset(trips, 1) : trips;
    }

    /// <summary><c>for (int i = a; i &lt; b; i++)</c> runs back as <c>for (int i = b - 1; i &gt;= a; i--)</c>, storing nothing.</summary>
    private static Loop ReverseCountedLoop(Loop loop, List<IrStmt> body)
    {
        IrExpr last = loop.Inclusive ? loop.Bound! : IntOffset(loop.Bound!, loop.Descending ? 1 : -1);
        return new Loop(null, loop.Counter, last, loop.Start, Inclusive: true, Descending: !loop.Descending, null, true,
            new Block(body.ToEquatableArray()));
    }

    private static IrExpr IntOffset(IrExpr e, int offset)
    {
        // A literal folds (n - 1 of 8 is 7); a named constant keeps its name (In - 1).
        if (e is Constant { Type.IsIntegral: true } c && Ir.IsLiteral(c)) return new Constant(c.Type, ((long)c.Value + offset).ToString(System.Globalization.CultureInfo.InvariantCulture), c.Value + offset);
        var amount = new Constant(IrType.Int, Math.Abs(offset).ToString(System.Globalization.CultureInfo.InvariantCulture), Math.Abs(offset));
        return new Binary(e.Type, offset < 0 ? BinaryOp.Subtract : BinaryOp.Add, e, amount);
    }
}
