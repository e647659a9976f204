using System;
using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using static Backprop.Gen.IR.Ir;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// Forward mode as a transformation of IR: every statement is followed (or preceded) by the statement that computes
/// the tangent of what it assigns, with the partials of the one rules table: d f(x, y) = ∂f/∂x dx + ∂f/∂y dy. The same
/// transformation builds <c>…Tangent</c> from a method body and <c>…HessianVector</c> from a generated Backward
/// (forward over reverse).
/// </summary>
internal sealed class ForwardTransformer
{
    private readonly NameAllocator _names;
    private readonly Func<string, bool> _hasTangent;
    private readonly Dictionary<string, IrExpr> _tangents;
    private readonly Func<IrStmt, IReadOnlyList<IrStmt>?> _rewriteCall;

    /// <param name="names">Hands out the tangent variables' names.</param>
    /// <param name="hasTangent">Whether a variable carries a tangent (it depends on the direction).</param>
    /// <param name="tangents">Tangents already named (parameters); others are named <c>_dot_x</c> on first use.</param>
    /// <param name="rewriteCall">The tangent form of a statement with a call the transformer cannot derive itself (a call
    /// to another method or to its derivative), or null to leave the statement to the general rules.</param>
    public ForwardTransformer(NameAllocator names, Func<string, bool> hasTangent, Dictionary<string, IrExpr> tangents,
        Func<IrStmt, IReadOnlyList<IrStmt>?> rewriteCall)
    {
        _names = names;
        _hasTangent = hasTangent;
        _tangents = tangents;
        _rewriteCall = rewriteCall;
    }

    /// <summary>Tangent locals this transformer declared, with their types, for the caller to declare up front.</summary>
    public List<IrVar> NewTangents { get; } = new();

    public bool HasTangent(string name) => _hasTangent(name);

    private readonly HashSet<string> _pruned = new();

    /// <summary>Whether <paramref name="name"/> has a tangent that survived <see cref="RemoveUnreadTangents"/>.</summary>
    public bool HasLiveTangent(string name) =>
        _tangents.TryGetValue(name, out IrExpr? tangent) && !(tangent is VarRef v && _pruned.Contains(v.Name));

    /// <summary>The tangent variable of <paramref name="variable"/>.</summary>
    public IrExpr TangentOf(VarRef variable)
    {
        if (_tangents.TryGetValue(variable.Name, out IrExpr? known)) return known;
        string plain = variable.Name.Replace("this.", "");
        var tangent = new IrVar(_names.Fresh(plain.StartsWith("_", StringComparison.Ordinal) ? "_dot" + plain : "_dot_" + plain), variable.Type);
        NewTangents.Add(tangent);
        _tangents[variable.Name] = tangent.Ref;
        return tangent.Ref;
    }

    public List<IrStmt> Transform(IEnumerable<IrStmt> statements)
    {
        var output = new List<IrStmt>();
        foreach (IrStmt stmt in statements) TransformOne(stmt, output);
        return output;
    }

    /// <summary>
    /// Drops the tangents nobody reads (those of dead locals kept for their calls, say) with their assignments, so the
    /// generated code has no unused variables. The lists are pruned in place; reads in any of them count.
    /// </summary>
    public void RemoveUnreadTangents(params List<IrStmt>[] lists)
    {
        while (true)
        {
            var read = new HashSet<string>();
            foreach (List<IrStmt> list in lists)
            {
                foreach (IrStmt stmt in IrWalker.AllStatements(new Block(list.ToEquatableArray())))
                {
                    IEnumerable<IrExpr> expressions = stmt switch
                    {
                        Assign { Target: VarRef } a => new[] { a.Value },
                        Assign { Target: ElementAt target } a => target.Indices.Append(a.Value),
                        _ => IrWalker.OwnExpressions(stmt),
                    };
                    foreach (string name in expressions.SelectMany(IrWalker.Reads)) read.Add(name);
                }
            }

            var unread = new HashSet<string>(NewTangents.Where(t => !read.Contains(t.Name)).Select(t => t.Name));
            if (unread.Count == 0) return;
            NewTangents.RemoveAll(t => unread.Contains(t.Name));
            _pruned.UnionWith(unread);
            foreach (List<IrStmt> list in lists)
            {
                List<IrStmt> pruned = IrWalker.Prune(new Block(list.ToEquatableArray()), s => s is Assign { Target: VarRef v } && unread.Contains(v.Name)
                    || s is Assign { Target: ElementAt { Array: VarRef a } } && unread.Contains(a.Name)).Statements.ToList();
                list.Clear();
                list.AddRange(pruned);
            }
        }
    }

    private void TransformOne(IrStmt stmt, List<IrStmt> output)
    {
        if (stmt is Declare or Assign or Evaluate or Push && _rewriteCall(stmt) is { } special)
        {
            output.AddRange(special);
            return;
        }

        switch (stmt)
        {
            case Declare d:
                output.Add(d);
                if (!_hasTangent(d.Variable.Name)) return;
                IrExpr tangent = d.Initializer is null ? Zero(d.Variable.Type) : Tangent(d.Initializer, d.Variable.Ref) ?? Zero(d.Variable.Type);
                output.Add(new Assign(null, TangentOf(d.Variable.Ref), tangent));
                return;
            case Assign { Target: var target, Value: Pop pop } a:
                output.Add(a);
                if (TargetTangent(target) is { } poppedTangent) output.Add(new Assign(null, poppedTangent, new Pop(pop.Type, TangentStack(pop.Stack))));
                return;
            case Assign a:
                AssignWithTangent(a, output);
                return;
            case Push p:
                output.Add(p);
                if (Tangent(p.Value, null) is { } pushed) output.Add(new Push(TangentStack(p.Stack), pushed));
                else if (IsTracked(p.Value)) output.Add(new Push(TangentStack(p.Stack), Zero(p.Value.Type)));
                return;
            case If i:
                output.Add(i with { Then = new Block(Transform(i.Then.Statements).ToEquatableArray()), Else = new Block(Transform(i.Else.Statements).ToEquatableArray()) });
                return;
            case Loop l:
                output.Add(l with { Body = new Block(Transform(l.Body.Statements).ToEquatableArray()) });
                return;
            default:
                output.Add(stmt);
                return;
        }
    }

    /// <summary>A pushed value whose stack needs a tangent twin even when its tangent is zero here (it may not be elsewhere).</summary>
    private bool IsTracked(IrExpr value) => value is VarRef v && _hasTangent(v.Name) || value is ElementAt { Array: VarRef a } && _hasTangent(a.Name);

    private readonly Dictionary<string, string> _tangentStacks = new();

    /// <summary>The twin stack that carries the tangents of a stack's values.</summary>
    public string TangentStack(string stack)
    {
        if (!_tangentStacks.TryGetValue(stack, out string? twin))
        {
            twin = _names.Fresh(stack.StartsWith("_", StringComparison.Ordinal) ? "_dot" + stack : "_dot_" + stack);
            _tangentStacks[stack] = twin;
        }

        return twin;
    }

    public IReadOnlyDictionary<string, string> TangentStacks => _tangentStacks;

    public IrExpr? TargetTangent(IrExpr target) => target switch
    {
        VarRef v when _hasTangent(v.Name) => TangentOf(v),
        ElementAt { Array: VarRef a } e when _hasTangent(a.Name) => new ElementAt(e.Type, TangentOf(a), e.Indices),
        _ => null,
    };

    private void AssignWithTangent(Assign a, List<IrStmt> output)
    {
        IrExpr? tangentTarget = TargetTangent(a.Target);
        if (tangentTarget is null)
        {
            output.Add(a);
            return;
        }

        string readName = a.Target switch
        {
            VarRef v => v.Name,
            ElementAt { Array: VarRef arr } => arr.Name,
            _ => "",
        };
        bool readsTarget = IrWalker.Reads(a.Value).Contains(readName);

        // A tangent whose root rule reads no result can be taken first, from the old values the value reads.
        if (!RootNeedsResult(a.Value))
        {
            IrExpr? early = Tangent(a.Value, null);
            // x += c leaves x's tangent as it is.
            if (!tangentTarget.Equals(early)) output.Add(new Assign(null, tangentTarget, early ?? Zero(a.Target.Type)));
            output.Add(a);
            return;
        }

        if (!readsTarget)
        {
            output.Add(a);
            output.Add(new Assign(null, tangentTarget, Tangent(a.Value, a.Target) ?? Zero(a.Target.Type)));
            return;
        }

        // x = exp(x): the rule needs the new value, and the value the old x: compute into a temporary first.
        var temp = new IrVar(_names.Numbered("_new"), a.Target.Type);
        output.Add(new Declare(null, temp, a.Value));
        output.Add(new Assign(null, tangentTarget, Tangent(a.Value, temp.Ref) ?? Zero(a.Target.Type)));
        output.Add(a with { Value = temp.Ref });
    }

    /// <summary>A zero tangent of a type: 0 for scalars, an empty array for an array (filled when the array is created).</summary>
    private static IrExpr Zero(IrType type) => type switch
    {
        { IsScalar: true } => Const(type.IsFloatingElement ? type : IrType.Double, 0),
        { Shape: ShapeKind.Array } => EmptyArray(type),
        _ => Const(IrType.Double, 0),
    };

    /// <summary>Whether the value's outermost rule reuses its result (exp, tanh, sqrt): then the tangent follows the assignment.</summary>
    private bool RootNeedsResult(IrExpr e) => e switch
    {
        Cast c => RootNeedsResult(c.Operand),
        MathCall m => RuleOf(m.Function, m.Arguments) is { UsesResult: true } && m.Arguments.Any(x => Tangent(x, null) is not null),
        Fused f => RuleOf(f.Rule, f.Arguments) is { UsesResult: true } && f.Arguments.Any(x => Tangent(x, null) is not null),
        _ => false,
    };

    private static DerivativeRule? RuleOf(string name, EquatableArray<IrExpr> arguments) =>
        DerivativeRules.TryGet(name, arguments.Count(a => a.Type.IsFloating), out DerivativeRule rule) ? rule : null;

    /// <summary>
    /// The tangent of an expression, or null when it is zero. <paramref name="result"/> is the expression's own value
    /// where its rule can reuse it; a nested call whose rule needs its result recomputes it.
    /// </summary>
    public IrExpr? Tangent(IrExpr e, IrExpr? result)
    {
        switch (e)
        {
            case VarRef v:
                return _hasTangent(v.Name) ? TangentOf(v) : null;
            case ElementAt { Array: VarRef array } element:
                return _hasTangent(array.Name) ? new ElementAt(element.Type, TangentOf(array), element.Indices) : null;
            case Cast c when c.Type.IsFloating:
                return Tangent(c.Operand, null) is { } inner ? ConvertTo(inner, c.Type) : null;
            case Cast c when c.Type.IsFloatingContainer:
                return Tangent(c.Operand, null);
            case Unary { Op: UnaryOp.Negate or UnaryOp.Plus } u:
                return Tangent(u.Operand, null) is { } operand ? OperatorRules.Of(u.Op).Tangent(new OperatorInputs(u.Type, u.Operand, null, null), new[] { operand }) : null;
            case Binary b when b.Type.IsFloating:
                return BinaryTangent(b, result);
            case Conditional c when c.Type.IsFloating:
                IrExpr? whenTrue = Tangent(c.WhenTrue, null), whenFalse = Tangent(c.WhenFalse, null);
                return whenTrue is null && whenFalse is null ? null : Cond(c.Condition, whenTrue ?? Zero(c.Type), whenFalse ?? Zero(c.Type));
            case MathCall m:
                return RuleTangent(e, m.Function, m.Arguments, result);
            case Fused f:
                return RuleTangent(e, f.Rule, f.Arguments, result);
            case StructUpdate u:
                // Linear in the owner and the new values: the same update of the owner's tangent.
                IrExpr? owner = Tangent(u.Owner, null);
                var fields = u.Fields.Select(f => f with { Value = Tangent(f.Value, null) ?? Zero(f.Value.Type) }).ToEquatableArray();
                return owner is null && fields.All(f => f.Value is Constant) ? null
                    : new StructUpdate(u.Type, owner ?? new Constant(u.Type, "default", 0), fields);
            default:
                return null;
        }
    }

    private IrExpr? BinaryTangent(Binary b, IrExpr? result)
    {
        IrExpr? l = Tangent(b.Left, null), r = Tangent(b.Right, null);
        if (l is null && r is null) return null;
        return OperatorRules.Of(b.Op)?.Tangent(new OperatorInputs(b.Type, b.Left, b.Right, result), new[] { l, r });
    }

    private static IrExpr? Sum(IrExpr? a, IrExpr? b) => a is null ? b : b is null ? a : Add(a, b);

    private IrExpr? RuleTangent(IrExpr call, string name, EquatableArray<IrExpr> arguments, IrExpr? result)
    {
        if (RuleOf(name, arguments) is not { Partials: { } partials }) return null;
        IrExpr?[] argumentTangents = arguments.Select(a => Tangent(a, null)).ToArray();
        if (argumentTangents.All(t => t is null)) return null;
        IrExpr resultValue = result ?? (call is Fused f ? f.Original : call);
        var inputs = new RuleInputs(call.Type, arguments.Select(a => a.Type.IsFloating ? ConvertTo(a, call.Type) : a).ToArray(), resultValue);
        IrExpr?[] terms = partials(inputs);
        IrExpr? total = null;
        for (int i = 0; i < arguments.Count; i++)
        {
            if (argumentTangents[i] is not { } tangent || terms[i] is not { } partial) continue;
            total = Sum(total, Mul(ConvertTo(tangent, call.Type), partial));
        }

        return total;
    }
}
