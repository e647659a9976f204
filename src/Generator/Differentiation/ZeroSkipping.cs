using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// Zero-adjoint skipping, exact under IEEE arithmetic. Behind a ReLU or a max-pool most of a layer's per-position
/// adjoints are zero, and a reverse loop that only adds multiples of one of them
/// (<c>for (…) { dKernel[k + v] += _d_sum * input[at + v]; dInput[at + v] += _d_sum * kernel[k + v]; }</c>) would only
/// add zeros, as a hand-written gradient knows. But <c>0 · ∞</c> is NaN, so the loop may be skipped only where every
/// other factor of its terms is finite. The loop runs under <c>if (_d_sum != 0.0 || !_finite)</c>, where
/// <c>_finite</c> is computed once, at the start of the reverse sweep, from the arrays and scalars those factors read:
/// only inputs the method never writes qualify, so their values cannot change between the check and the loop.
/// </summary>
internal static class ZeroSkipping
{
    /// <summary>
    /// The reverse sweep with its skippable loops guarded, and the checks it needs declared first.
    /// <paramref name="unchanging"/> holds the parameters the method never assigns (nor writes into).
    /// </summary>
    public static List<IrStmt> Apply(IReadOnlyList<IrStmt> reverse, IReadOnlyDictionary<string, IrType> unchanging, NameAllocator names)
    {
        var checks = new Dictionary<string, IrVar>();
        List<IrStmt> guarded = Guard(reverse, inLoop: false, unchanging, checks, names);
        if (checks.Count == 0) return guarded;

        var result = new List<IrStmt>();
        foreach (KeyValuePair<string, IrVar> check in checks.OrderBy(c => c.Value.Name, System.StringComparer.Ordinal))
        {
            IrVar flag = check.Value;
            IrExpr all = check.Key.Split(',').Select(name => Finite(name, unchanging[name])).Aggregate((a, b) => Ir.Compare(BinaryOp.ConditionalAnd, a, b));
            result.Add(new Declare(null, flag, all));
        }

        result.AddRange(guarded);
        return result;
    }

    private static List<IrStmt> Guard(IReadOnlyList<IrStmt> block, bool inLoop, IReadOnlyDictionary<string, IrType> unchanging,
        Dictionary<string, IrVar> checks, NameAllocator names) => block.Select(s => s switch
    {
        // Only inside a loop: there the adjoint changes per iteration; outside it is the seed's multiple, rarely zero.
        Loop loop when inLoop && loop.IsCounted && Skippable(loop, unchanging) is var (adjoint, inputs) =>
            new If(null, Ir.Compare(BinaryOp.ConditionalOr, Ir.Compare(BinaryOp.NotEqual, adjoint, Ir.Const(adjoint.Type, 0)),
                    Ir.Not(Flag(inputs, checks, names).Ref)),
                new Block(Ir.Array(s)), Block.Empty),
        Loop loop => loop with { Body = new Block(Guard(loop.Body.Statements, inLoop: true, unchanging, checks, names).ToEquatableArray()) },
        _ => IrWalker.MapBlocks(s, inner => Guard(inner, inLoop, unchanging, checks, names)),
    }).ToList();

    /// <summary>One flag per set of inputs, named after them: <c>_finite_input_kernel</c>.</summary>
    private static IrVar Flag(IReadOnlyList<string> inputs, Dictionary<string, IrVar> checks, NameAllocator names)
    {
        string key = string.Join(",", inputs);
        if (!checks.TryGetValue(key, out IrVar? flag))
        {
            flag = new IrVar(names.Fresh("_finite_" + string.Join("_", inputs.Select(i => i.TrimStart('@', '_')))), IrType.Bool);
            checks[key] = flag;
        }

        return flag;
    }

    private static IrExpr Finite(string name, IrType type) => type.IsScalar
        ? new OpaqueCall(IrType.Bool, type.Name + ".IsFinite", null, Ir.Array<IrExpr>(new VarRef(type, name)), "", "", KnownCall.IsFinite, null)
        : new RuntimeCall(IrType.Bool, RuntimeOp.AllFinite, Ir.Array<IrExpr>(new VarRef(type, name)));

    /// <summary>
    /// For a loop that only accumulates multiples of one adjoint, that adjoint and the inputs the other factors read
    /// (sorted); null where some other factor is not an unchanging input, a constant or the adjoint itself.
    /// </summary>
    private static (VarRef Adjoint, IReadOnlyList<string> Inputs)? Skippable(Loop loop, IReadOnlyDictionary<string, IrType> unchanging)
    {
        if (loop.Condition is not null || !Pure(loop.Start) || !Pure(loop.Bound)) return null;
        HashSet<VarRef>? common = null;
        var inputs = new SortedSet<string>(System.StringComparer.Ordinal);
        var assigned = new HashSet<string>();
        var terms = new List<IrExpr>();
        foreach (IrStmt stmt in IrWalker.AllStatements(loop.Body))
        {
            switch (stmt)
            {
                case Comment:
                    continue;
                case Loop { IsCounted: true, Condition: null } inner when Pure(inner.Start) && Pure(inner.Bound):
                    assigned.Add(inner.Counter!.Name);
                    continue;
                case If branch when Pure(branch.Condition):
                    continue;
                case Assign { Value: Binary { Op: BinaryOp.Add or BinaryOp.Subtract, Left: var left, Right: var term } } add
                    when add.Target is VarRef or ElementAt { Array: VarRef } && left.Equals(add.Target) && Pure(add.Target) && Pure(term):
                    assigned.Add(add.Target is VarRef v ? v.Name : ((VarRef)((ElementAt)add.Target).Array).Name);
                    var adjoints = new HashSet<VarRef>();
                    if (!Factors(term, adjoints, terms)) return null;
                    if (common is null) common = adjoints;
                    else common.IntersectWith(adjoints);
                    if (common.Count == 0) return null;
                    continue;
                default:
                    return null;
            }
        }

        VarRef? adjoint = common?.Where(a => !assigned.Contains(a.Name)).OrderBy(a => a.Name, System.StringComparer.Ordinal).FirstOrDefault();
        if (adjoint is null) return null;

        // Every other factor: a constant, an unchanging scalar, or an element of an unchanging array.
        foreach (IrExpr factor in terms)
        {
            switch (factor)
            {
                case Constant c when !double.IsNaN(c.Value) && !double.IsInfinity(c.Value):
                    continue;
                case VarRef v when v.Equals(adjoint):
                    continue;
                case VarRef v when unchanging.ContainsKey(v.Name):
                    inputs.Add(v.Name);
                    continue;
                case ElementAt { Array: VarRef array } when unchanging.ContainsKey(array.Name):
                    inputs.Add(array.Name);
                    continue;
                default:
                    return null;
            }
        }

        return inputs.Count == 0 ? null : (adjoint, inputs.ToList());
    }

    /// <summary>
    /// Splits a product into its factors: the generator's adjoints (<c>_d…</c>, <c>_g…</c>) into
    /// <paramref name="adjoints"/>, every factor into <paramref name="all"/>. False for anything but products of leaves,
    /// negations and conversions (a quotient could make 0 / 0).
    /// </summary>
    private static bool Factors(IrExpr term, HashSet<VarRef> adjoints, List<IrExpr> all)
    {
        switch (term)
        {
            case VarRef v when v.Type.IsFloating && (v.Name.StartsWith("_d", System.StringComparison.Ordinal) || v.Name.StartsWith("_g", System.StringComparison.Ordinal)):
                adjoints.Add(v);
                all.Add(v);
                return true;
            case VarRef or Constant or ElementAt:
                all.Add(term);
                return true;
            case Binary { Op: BinaryOp.Multiply } product:
                return Factors(product.Left, adjoints, all) && Factors(product.Right, adjoints, all);
            case Unary { Op: UnaryOp.Negate } negated:
                return Factors(negated.Operand, adjoints, all);
            case Cast cast:
                return Factors(cast.Operand, adjoints, all);
            default:
                return false;
        }
    }

    private static bool Pure(IrExpr? e) => e is null
        || !IrWalker.DescendantsAndSelf(e).Any(x => x is OpaqueCall call && !Ir.IsPureOpaque(call) || x is RuntimeCall || x is Opaque or Pop or DiffCall or BackwardCall or Fused);
}
