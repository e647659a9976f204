using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.Diagnostics;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using static Backprop.Gen.IR.Ir;

namespace Backprop.Gen.Differentiation;

/// <summary>The generated Tangent body, in sections the emitter prints in order.</summary>
internal sealed class TangentBody : ForwardBody
{
    public IrExpr? ResultTangent { get; set; }
    public List<DiagnosticInfo> Diagnostics { get; } = new();
}

/// <summary>
/// Builds <c>…Tangent</c>: the prepared body with, after each statement, the tangent of what it assigns (forward
/// mode). A call to another [Differentiable] method goes through that method's own <c>…Tangent</c>.
/// </summary>
internal static class TangentBuilder
{
    public static TangentBody Build(MethodModel model, NormalizedBody normalized, ActivityAnalysis activity, NameAllocator names)
    {
        var body = new TangentBody();
        (List<IrStmt> statements, List<IrVar> hoisted, activity) = Preparation.Statements(normalized, activity, names);
        var members = new HashSet<string>(Normalizer.ModelMembers(model).Select(m => m.Name));
        var tangents = new Dictionary<string, IrExpr>();
        foreach (ParameterModel parameter in model.Parameters.Where(p => p.Differentiable && (p.Type.IsScalar || p.Leaves.IsEmpty)))
        {
            tangents[parameter.Name] = new VarRef(TangentType(parameter), parameter.TangentName);
            AddTangentSetup(parameter, body, names);
        }

        // A struct parameter's fields: tangents are the same fields of its tangent (tP.X); an array of structs' field
        // arrays, the tangent's field arrays (pts_X → tPts_X).
        foreach (ParameterModel field in Normalizer.StructData(model).Where(f => f.Differentiable))
        {
            tangents[field.Name] = new VarRef(field.Type, field.TangentName);
        }

        ForwardTransformer? transformer = null;
        IReadOnlyList<IrStmt>? Rewrite(IrStmt stmt) => RewriteCall(stmt, transformer!, body.Diagnostics, model);
        transformer = new ForwardTransformer(names, name => activity.IsActive(name) && !members.Contains(name), tangents, Rewrite);

        foreach (IrVar temp in hoisted) body.Declarations.Add(new Declare(null, temp, null));
        List<IrStmt> transformed = transformer.Transform(statements);
        IrExpr? resultTangent = normalized.Result is { } returned ? transformer.Tangent(returned.Ref, null)
            : model.ReturnsStruct ? StructTangent(model, transformer) : null;
        // Keep what the result's tangent and the out and ref scalars' tangents read.
        var kept = model.ScalarOutputs.Where(o => o.Parameter.Differentiable && o.Type.IsFloating).Select(o => transformer.Tangent(new VarRef(o.Type, o.Variable), null))
            .Append(resultTangent).OfType<IrExpr>().Select(t => (IrStmt)new Evaluate(null, t)).ToList();
        transformed.AddRange(kept);
        transformer.RemoveUnreadTangents(transformed);
        transformed.RemoveRange(transformed.Count - kept.Count, kept.Count);
        body.Statements.AddRange(transformed);
        // out double y: the final value, and its tangent (for ref, the tangent of the value passed in was tZ's).
        body.Statements.AddRange(ScalarOutputs.WriteBack(model.ScalarOutputs, o => new VarRef(o.Type, o.Variable), o => o.Parameter.Name));
        body.Statements.AddRange(ScalarOutputs.WriteBack(model.ScalarOutputs.Where(o => o.Parameter.Differentiable),
            o => (o.Type.IsFloating ? transformer.Tangent(new VarRef(o.Type, o.Variable), null) : null) ?? Const(o.Type, 0), o => o.Parameter.TangentName));

        // A [NoDerivative] array the method writes (scratch space) has no tangent parameter: its tangent is a local
        // buffer of its shape, zero at first, as its incoming values are constants.
        var scratch = model.Parameters.Where(p => !p.Differentiable && p.IsOutput && transformer.HasLiveTangent(p.Name))
            .ToDictionary(p => ((VarRef)transformer.TangentOf(new VarRef(p.Type, p.Name))).Name, p => p);
        foreach (IrVar tangent in transformer.NewTangents)
        {
            IrExpr initial = tangent.Type.IsScalar ? Const(tangent.Type, 0)
                : scratch.TryGetValue(tangent.Name, out ParameterModel? buffer) ? BufferSetup.ZeroedLike(new VarRef(buffer.Type, buffer.Name), tangent.Type)
                : EmptyArray(tangent.Type);
            body.Declarations.Add(new Declare(null, tangent, initial));
            if (!tangent.Type.IsScalar && tangent.Type.Rank == 1)
            {
                body.Finally.Add(new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.Return, Array<IrExpr>(tangent.Ref))));
            }
        }

        if (normalized.Result is { } result)
        {
            body.Result = result.Name;
            body.ResultTangent = transformer.Tangent(result.Ref, null) ?? Const(result.Type, 0);
        }
        else if (model.ReturnsStruct)
        {
            // A struct result, and its tangent, put together from their fields.
            var value = new IrVar(names.Fresh("_value"), model.ReturnType);
            body.Statements.Add(new Declare(null, value, ReverseAssembler.StructResult(model)));
            body.Result = value.Name;
            body.ResultTangent = StructTangent(model, transformer);
        }

        return body;
    }

    /// <summary><c>default(V2) with { X = _dot__result_X, … }</c>: the tangent of a struct result, field by field.</summary>
    private static IrExpr StructTangent(MethodModel model, ForwardTransformer transformer) =>
        StructOfFields(model.ReturnType,
            model.ResultFields.Select(f => new FieldValue(f.Leaf.Path, transformer.Tangent(new VarRef(f.Leaf.Type, f.Variable), null) ?? Const(f.Leaf.Type, 0))));

    /// <summary>
    /// A tangent parameter's type: by value for scalars, the same array type for arrays (null means zero, or for an
    /// output, not wanted), <c>ReadOnlySpan&lt;T&gt;</c> for an input span and <c>Span&lt;T&gt;</c> for an output span.
    /// </summary>
    public static IrType TangentType(ParameterModel parameter) => parameter.Type switch
    {
        { IsScalar: true } or { Shape: ShapeKind.Array } => parameter.Type,
        _ => IrType.SpanOf(parameter.Type.ElementType, readOnly: !parameter.IsOutput),
    };

    public static string TangentTypeText(ParameterModel parameter) => parameter.Type switch
    {
        { IsScalar: true } => parameter.PassingModifier + parameter.Type.Name,
        { Shape: ShapeKind.Array } => parameter.Type.Name + "?",
        _ => TangentType(parameter).Name,
    };

    /// <summary>A missing tangent (null, or an empty span) means zero, or for an output, not wanted: a pooled buffer stands in.</summary>
    private static void AddTangentSetup(ParameterModel parameter, TangentBody body, NameAllocator names)
    {
        if (parameter.Type.IsScalar) return;
        string t = parameter.TangentName;
        string x = parameter.Name;
        if (parameter.Type.Rank == 2)
        {
            BufferSetup.StandIn(parameter, t, TangentType(parameter), "", body);
            return;
        }

        bool isArray = parameter.Type.Shape == ShapeKind.Array;
        string length = parameter.LengthText;
        string check = isArray ? $"{t} is not null && {t}.Length != {length}" : $"!{t}.IsEmpty && {t}.Length != {length}";
        string message = $"$\"The tangent {t} must have the length of {x} ({{{{{length}}}}}), but has {{{{{t}.Length}}}}.\"";
        body.Prologue.Add(new If(null, new Opaque(IrType.Bool, check, EquatableArray<IrExpr>.Empty),
            new Block(Array<IrStmt>(new Throw(null, new Opaque(IrType.Void, "new global::System.ArgumentException(" + message + ", nameof(" + t + "))", EquatableArray<IrExpr>.Empty)))),
            Block.Empty));
        BufferSetup.StandIn(parameter, t, TangentType(parameter), names.Fresh("_zero_" + x.TrimStart('@')), body);
    }

    /// <summary>
    /// The tangent form of a statement with a call: <c>v = F(a)</c> becomes <c>v = FTangent(a, ȧ, out v̇)</c>, and a new
    /// local array gets a zeroed tangent array. Null leaves the statement to the general rules.
    /// </summary>
    public static IReadOnlyList<IrStmt>? RewriteCall(IrStmt stmt, ForwardTransformer transformer, List<DiagnosticInfo> diagnostics, MethodModel model)
    {
        (IrExpr? target, IrExpr? value) = stmt switch
        {
            Declare { Initializer: { } init } d => (d.Variable.Ref, init),
            Assign a => (a.Target, a.Value),
            Evaluate e => ((IrExpr?)null, e.Expression),
            _ => ((IrExpr?)null, (IrExpr?)null),
        };
        if (value is null) return null;

        if (value is NewArray && target is VarRef array && transformer.HasTangent(array.Name))
        {
            // A new array is all zeros, and so is its tangent.
            IrExpr tangent = transformer.TangentOf(array);
            IrExpr zeroed = array.Type.Rank == 1
                ? new RuntimeCall(tangent.Type, RuntimeOp.Zeroed, Array(tangent, new Member(IrType.Int, array, "Length")))
                : new NewArray(array.Type, ((NewArray)value).Sizes);
            return new IrStmt[] { stmt, new Assign(null, tangent, zeroed) };
        }

        if (value is not DiffCall call) return null;
        bool outputsActive = ActivityAnalysis.OutputArguments(call).Any(transformer.HasTangent);
        bool resultActive = target is not null && transformer.TargetTangent(target) is not null;
        if (!outputsActive && !resultActive && call.Arguments.All(a => transformer.Tangent(a, null) is null)) return null;

        var arguments = new List<IrExpr>(call.Arguments);
        for (int i = 0; i < call.Arguments.Count; i++)
        {
            CalleeParameter parameter = call.Callee.Parameters[i];
            if (!parameter.Differentiable) continue;
            IrExpr argument = call.Arguments[i] is Cast { Type.IsFloatingContainer: true, Operand: var inner } ? inner : call.Arguments[i];
            IrExpr? tangent = transformer.Tangent(argument, null);
            arguments.Add(tangent ?? (parameter.Type.IsScalar ? Const(parameter.Type, 0)
                : new Constant(IrType.Void, parameter.Type.Shape == ShapeKind.Array ? "null" : "default", 0)));
        }

        if (!call.Type.Equals(IrType.Void))
        {
            arguments.Add(target is not null && transformer.TargetTangent(target) is { } resultTangent
                ? new RefTo(resultTangent, Out: true)
                : new RefTo(new VarRef(call.Type, "_"), Out: true));
        }

        var tangentCall = new OpaqueCall(call.Type, call.Callee.Tangent(), call.Receiver, arguments.ToEquatableArray(), "", "", KnownCall.None, null);
        IrStmt rewritten = stmt switch
        {
            Declare d => d with { Initializer = tangentCall },
            Assign a => a with { Value = tangentCall },
            _ => new Evaluate(stmt.Origin, tangentCall),
        };
        return new[] { rewritten };
    }
}
