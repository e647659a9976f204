using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using static Backprop.Gen.IR.Ir;

namespace Backprop.Gen.Differentiation;

/// <summary>The generated HessianVector body, in sections the emitter prints in order.</summary>
internal sealed class HessianVectorBody : ForwardBody
{
}

/// <summary>
/// Builds <c>…HessianVector</c> forward over reverse: the generated Backward, with forward mode applied to every one
/// of its statements. The tangent of each adjoint is the Hessian-vector product's contribution, so one pass gives the
/// value, the gradient (into <c>d…</c>) and H·v (into <c>h…</c>). Pushes get twin stacks for their tangents; calls to
/// other Backwards become their HessianVector; the runtime's pool operations are mirrored on the tangent buffers.
/// </summary>
internal static class HessianVectorBuilder
{
    public static HessianVectorBody Build(MethodModel model, BackwardBody backward, NameAllocator names, string seedTangentName)
    {
        var body = new HessianVectorBody { Result = backward.Result };
        var tangents = new Dictionary<string, IrExpr>();
        var seeds = new HashSet<string> { model.SeedName };
        tangents[model.SeedName] = new VarRef(model.ReturnType.IsFloating || model.ReturnsStruct ? model.ReturnType : IrType.Double, seedTangentName);
        foreach (ResultField field in model.ResultFields)
        {
            // A struct seed is read field by field (seed.X): its tangent is the same field of the seed's tangent.
            tangents[model.SeedName + "." + field.Leaf.Path] = new VarRef(field.Leaf.Type, seedTangentName + "." + field.Leaf.Path);
            seeds.Add(model.SeedName + "." + field.Leaf.Path);
        }
        foreach (ParameterModel parameter in model.Parameters.Where(p => p.Differentiable))
        {
            IrType adjointType = parameter.Type.IsScalar ? parameter.Type : parameter.Type.Shape == ShapeKind.Array ? parameter.Type : IrType.SpanOf(parameter.Type.ElementType, false);
            tangents[parameter.AdjointName] = new VarRef(adjointType, parameter.HessianName);
            seeds.Add(parameter.AdjointName);
            if (!parameter.IsOutput)
            {
                tangents[parameter.Name] = new VarRef(TangentBuilder.TangentType(parameter), parameter.DirectionName);
                seeds.Add(parameter.Name);
            }
        }

        // A struct parameter's fields: the direction's and the Hessian-vector output's same fields (vP.X, hP.X); an
        // array of structs' field arrays: the direction's and the output's field arrays (vPts_X, hPts_X).
        foreach (ParameterModel field in Normalizer.StructData(model).Where(f => f.Differentiable))
        {
            tangents[field.AdjointName] = new VarRef(field.Type, field.HessianName);
            tangents[field.Name] = new VarRef(field.Type, field.DirectionName);
            seeds.Add(field.AdjointName);
            seeds.Add(field.Name);
        }

        List<IrStmt> all = backward.Declarations.Concat(backward.Forward).Concat(backward.Reverse).Concat(backward.Epilogue).ToList();
        HashSet<string> dependent = DependsOnDirection(all, seeds, out HashSet<string> stacks);

        ForwardTransformer? transformer = null;
        IReadOnlyList<IrStmt>? Rewrite(IrStmt stmt) => RewriteStatement(stmt, transformer!, model);
        transformer = new ForwardTransformer(names, dependent.Contains, tangents, Rewrite);

        body.Prologue.AddRange(backward.Validation);
        foreach (ParameterModel parameter in model.Parameters.Where(p => p.Differentiable && !p.Type.IsScalar))
        {
            AddBufferSetup(parameter, body, names);
        }

        // The declarations stay before the try block (the finally block disposes what they create).
        body.Declarations.AddRange(transformer.Transform(backward.Declarations.Where(d => !(d is Declare { Variable.Type.Element: ElementKind.Other }))));
        body.Declarations.AddRange(backward.Declarations.Where(d => d is Declare { Variable.Type.Element: ElementKind.Other }));
        List<IrStmt> transformed = transformer.Transform(backward.Forward.Concat(backward.Reverse).Concat(backward.Epilogue));
        transformer.RemoveUnreadTangents(body.Declarations, transformed);
        // An output has no direction parameter: the tangent of its values lives in a local buffer of its length.
        var outputTangents = model.Parameters.Where(p => p.IsOutput && p.Type.Rank <= 1 && transformer.HasLiveTangent(p.Name))
            .ToDictionary(p => ((VarRef)transformer.TangentOf(new VarRef(p.Type, p.Name))).Name, p => p);
        foreach (IrVar tangent in transformer.NewTangents)
        {
            IrExpr initial = tangent.Type.IsScalar ? Const(tangent.Type, 0)
                : outputTangents.TryGetValue(tangent.Name, out ParameterModel? output)
                    ? new RuntimeCall(IrType.ArrayOf(output.Type.ElementType, 1), RuntimeOp.RentZeroed,
                        Array<IrExpr>(new Member(IrType.Int, new VarRef(output.Type, output.Name), "Length")))
                    : EmptyArray(tangent.Type);
            body.Declarations.Insert(0, new Declare(null, outputTangents.ContainsKey(tangent.Name) ? new IrVar(tangent.Name, IrType.ArrayOf(tangent.Type.ElementType, 1)) : tangent, initial));
        }

        // A tangent buffer goes back to the pool where its primal buffer does: in the finally block (snapshots are
        // given back by their restore), and so do the outputs' tangent buffers, which only the HessianVector rents.
        foreach (IrStmt returned in backward.Finally)
        {
            if (returned is Evaluate { Expression: RuntimeCall { Op: RuntimeOp.Return } call } && call.Arguments[0] is VarRef buffer && transformer.HasLiveTangent(buffer.Name))
            {
                body.Finally.Add(ReturnToPool(transformer.TangentOf(buffer)));
            }
        }

        foreach (string tangent in outputTangents.Keys.OrderBy(n => n, System.StringComparer.Ordinal))
        {
            body.Finally.Add(ReturnToPool(new VarRef(IrType.ArrayOf(IrType.Double, 1), tangent)));
        }

        // Twin stacks for the tangents of pushed values.
        foreach (KeyValuePair<string, string> pair in transformer.TangentStacks.OrderBy(p => p.Value, System.StringComparer.Ordinal))
        {
            string stack = pair.Key, twin = pair.Value;
            Declare original = backward.Declarations.OfType<Declare>().First(d => d.Variable.Name == stack);
            body.Declarations.Add(new Declare(null, new IrVar(twin, original.Variable.Type), original.Initializer));
            body.Finally.Add(new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.StackDispose, EquatableArray<IrExpr>.Empty, new VarRef(original.Variable.Type, twin))));
        }

        body.Statements.AddRange(transformed);
        body.Finally.InsertRange(0, backward.Finally);
        return body;
    }

    /// <summary>
    /// The variables (and arrays, and stacks) of a Backward whose values move when the inputs move along the direction
    /// (or the seed, or the incoming output gradients, move): those get tangents.
    /// </summary>
    private static HashSet<string> DependsOnDirection(List<IrStmt> statements, HashSet<string> seeds, out HashSet<string> stacks)
    {
        var dependent = new HashSet<string>(seeds);
        var movingStacks = new HashSet<string>();
        stacks = movingStacks;
        var flat = IrWalker.AllStatements(new Block(statements.ToEquatableArray())).ToList();
        bool Moves(IrExpr e) => IrWalker.DescendantsAndSelf(e).Any(n => n is VarRef v && dependent.Contains(v.Name) && v.Type.CanBeActive
            || n is Pop p && movingStacks.Contains(p.Stack));
        bool changed = true;
        while (changed)
        {
            changed = false;
            void Mark(string name)
            {
                if (dependent.Add(name)) changed = true;
            }

            foreach (IrStmt stmt in flat)
            {
                switch (stmt)
                {
                    case Declare { Initializer: { } init } d when d.Variable.Type.CanBeActive && Moves(init):
                        Mark(d.Variable.Name);
                        break;
                    case Assign { Target: VarRef v } a when v.Type.CanBeActive && Moves(a.Value):
                        Mark(v.Name);
                        break;
                    case Assign { Target: ElementAt { Array: VarRef array } } a when Moves(a.Value):
                        Mark(array.Name);
                        break;
                    case Push p when Moves(p.Value):
                        if (movingStacks.Add(p.Stack)) changed = true;
                        break;
                    case Evaluate { Expression: BackwardCall call } when call.Call.Arguments.Any(Moves) || (call.Seed is not null && Moves(call.Seed)) || call.Adjoints.Any(Moves):
                        foreach (IrExpr adjoint in call.Adjoints) if (WrittenVariable(adjoint) is { } written) Mark(written);
                        break;
                    case Evaluate { Expression: DiffCall call } when call.Arguments.Any(Moves):
                        foreach (string output in ActivityAnalysis.OutputArguments(call)) Mark(output);
                        break;
                    case Evaluate { Expression: RuntimeCall { Op: RuntimeOp.Restore } restore } when Moves(restore.Arguments[0]):
                        foreach (string name in IrWalker.Reads(restore.Arguments[1])) Mark(name);
                        break;
                }
            }
        }

        return dependent;
    }

    /// <summary>The variable an adjoint argument writes to: <c>ref _d_x</c>, <c>ref _d_a[i]</c> or the buffer <c>_d_a</c>, not its indices.</summary>
    private static string? WrittenVariable(IrExpr adjoint) => adjoint switch
    {
        RefTo r => WrittenVariable(r.Target),
        VarRef v => v.Name,
        ElementAt e => WrittenVariable(e.Array),
        _ => IrWalker.Reads(adjoint).FirstOrDefault(),
    };

    /// <summary>
    /// Missing d or h buffers become pooled scratch, so that the gradient's guards never skip the Hessian's terms; a
    /// missing direction is zero.
    /// </summary>
    private static void AddBufferSetup(ParameterModel parameter, HessianVectorBody body, NameAllocator names)
    {
        foreach (string buffer in new[] { parameter.AdjointName, parameter.HessianName })
        {
            BufferSetup.StandIn(parameter, buffer, parameter.Type, parameter.Type.Rank == 2 ? "" : names.Fresh("_scratch_" + buffer), body);
        }

        if (parameter.Type.Shape == ShapeKind.Array && !parameter.IsOutput)
        {
            BufferSetup.StandIn(parameter, parameter.DirectionName, parameter.Type,
                parameter.Type.Rank == 2 ? "" : names.Fresh("_zero_" + parameter.DirectionName), body);
        }
    }

    private static IrStmt ReturnToPool(IrExpr buffer) => new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.Return, Array(buffer)));

    /// <summary>The runtime operations on buffers that a tangent buffer mirrors (pool operations and clears).</summary>
    private static bool ActsOnBuffers(RuntimeOp op) => op is RuntimeOp.RentZeroed or RuntimeOp.RentCopy or RuntimeOp.Zeroed or RuntimeOp.Grow
        or RuntimeOp.Return or RuntimeOp.Restore or RuntimeOp.HandBack or RuntimeOp.Consume or RuntimeOp.ReadOnly or RuntimeOp.Slice or RuntimeOp.ClearArray;

    /// <summary>The forward-mode form of a Backward statement the general rules cannot handle.</summary>
    private static IReadOnlyList<IrStmt>? RewriteStatement(IrStmt stmt, ForwardTransformer transformer, MethodModel model)
    {
        // A snapshot of an array pushed before a call overwrites it: its tangent gets a snapshot on the twin stack.
        if (stmt is Push { Value: RuntimeCall { Op: RuntimeOp.RentCopy, Arguments: var copied } } push)
        {
            if (copied[0] is not VarRef snapshot || !transformer.HasTangent(snapshot.Name)) return new[] { stmt };
            var twin = new RuntimeCall(push.Value.Type, RuntimeOp.RentCopy, Array(transformer.TangentOf(snapshot), copied[1]));
            return new IrStmt[] { stmt, new Push(transformer.TangentStack(push.Stack), twin) };
        }

        if (stmt is Push) return null;

        IrExpr? value = stmt switch
        {
            Declare { Initializer: { } init } => init,
            Assign a => a.Value,
            Evaluate e => e.Expression,
            _ => null,
        };
        IrExpr? target = stmt switch
        {
            Declare d => d.Variable.Ref,
            Assign a => a.Target,
            _ => null,
        };

        switch (value)
        {
            case BackwardCall call:
                return new[] { (IrStmt)new Evaluate(stmt.Origin, HessianVectorCall(call, transformer)) };
            case DiffCall:
                return TangentBuilder.RewriteCall(stmt, transformer, new List<DiagnosticInfo>(), model);
            case RuntimeCall call when ActsOnBuffers(call.Op):
                return MirrorPoolCall(stmt, target, call, transformer);
            case NewArray when target is VarRef array && transformer.HasTangent(array.Name):
                return TangentBuilder.RewriteCall(stmt, transformer, new List<DiagnosticInfo>(), model);
            default:
                return null;
        }
    }

    /// <summary>
    /// <c>_d_h = AdjointPool.Grow(_d_h, n)</c> and its kin act on buffers; the tangent buffer gets the same treatment,
    /// with each buffer argument replaced by its tangent.
    /// </summary>
    private static IReadOnlyList<IrStmt>? MirrorPoolCall(IrStmt stmt, IrExpr? target, RuntimeCall call, ForwardTransformer transformer)
    {
        bool tracked = call.Op == RuntimeOp.Restore
            ? call.Arguments[1] is VarRef restored && transformer.HasTangent(restored.Name)
            : (target is VarRef t && transformer.HasTangent(t.Name)) || call.Arguments.Any(a => a is VarRef v && transformer.HasTangent(v.Name));
        if (!tracked) return null;
        IrExpr Mirror(IrExpr argument) => argument switch
        {
            VarRef v when v.Type.IsFloatingContainer || v.Type.Shape != ShapeKind.Scalar => transformer.HasTangent(v.Name)
                ? transformer.TangentOf(v)
                : new Constant(IrType.Void, "null", 0),
            Pop p => new Pop(p.Type, transformer.TangentStack(p.Stack)),
            _ => argument,
        };

        var mirrored = call with { Arguments = call.Arguments.Select(Mirror).ToEquatableArray() };
        if (call.Op == RuntimeOp.RentCopy && mirrored.Arguments[0] is Constant { Text: "null" })
        {
            mirrored = mirrored with { Op = RuntimeOp.RentZeroed, Arguments = Array(call.Arguments[1]) };
        }

        if (mirrored.Arguments.Any(a => a is Constant { Text: "null" }) && call.Op != RuntimeOp.RentCopy) return null;
        IrStmt twin = stmt switch
        {
            Declare d => new Declare(null, new IrVar(((VarRef)transformer.TangentOf(d.Variable.Ref)).Name, d.Variable.Type), mirrored),
            Assign a => new Assign(null, transformer.TargetTangent(a.Target) ?? transformer.TangentOf((VarRef)a.Target), mirrored),
            _ => new Evaluate(null, mirrored),
        };
        if (stmt is Declare declared)
        {
            // The tangent local is declared up front; here it is only assigned.
            twin = new Assign(null, transformer.TangentOf(declared.Variable.Ref), mirrored);
        }

        return new[] { stmt, twin };
    }

    /// <summary><c>FBackward(args, adjoints, seed)</c> becomes <c>FHessianVector(args, tangents, adjoints, their tangents, seed, seed's tangent)</c>.</summary>
    private static IrExpr HessianVectorCall(BackwardCall call, ForwardTransformer transformer)
    {
        var arguments = new List<IrExpr>(call.Call.Arguments);
        var directions = new List<IrExpr>();
        var hessians = new List<IrExpr>();
        int adjoint = 0;
        for (int i = 0; i < call.Call.Arguments.Count; i++)
        {
            CalleeParameter parameter = call.Call.Callee.Parameters[i];
            if (!parameter.Differentiable) continue;
            IrExpr argument = call.Call.Arguments[i] is Cast { Type.IsFloatingContainer: true, Operand: var inner } ? inner : call.Call.Arguments[i];
            if (!parameter.IsOutput)
            {
                // Outputs take no direction: their tangents come out of the callee's own forward sweep.
                IrExpr? direction = transformer.Tangent(argument, null);
                directions.Add(direction ?? (parameter.Type.IsScalar ? Const(parameter.Type, 0) : new Constant(IrType.Void, parameter.Type.Shape == ShapeKind.Array ? "null" : "default", 0)));
            }

            IrExpr adjointArgument = call.Adjoints[adjoint++];
            hessians.Add(adjointArgument switch
            {
                RefTo r => new RefTo(transformer.TargetTangent(r.Target) ?? transformer.TangentOf(Scratch(r.Target))),
                VarRef v when transformer.HasTangent(v.Name) => transformer.TangentOf(v),
                _ => new Constant(IrType.Void, parameter.Type.Shape == ShapeKind.Array ? "null" : "default", 0),
            });
        }

        arguments.AddRange(directions);
        arguments.AddRange(call.Adjoints);
        arguments.AddRange(hessians);
        if (call.Seed is not null)
        {
            arguments.Add(call.Seed);
            arguments.Add(transformer.Tangent(call.Seed, null) ?? Const(call.Seed.Type, 0));
        }

        return new OpaqueCall(call.Type, call.Call.Callee.HessianVector(), call.Call.Receiver, arguments.ToEquatableArray(), "", "", KnownCall.None, null);
    }

    // A ref adjoint argument whose variable has no tangent of its own (a discard): its tangent is a fresh discard too.
    private static VarRef Scratch(IrExpr target) => target is VarRef v ? v with { Name = v.Name + "_h" } : new VarRef(target.Type, "_discard_h");
}
