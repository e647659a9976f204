using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

// Accumulations: adds at a fixed index summed in a local, and adjoints that live within one iteration kept local to it.
internal static partial class Simplifier
{
    /// <summary>
    /// Scalar promotion: an adjoint element that a reverse loop only accumulates into, at an index the loop does not
    /// change (a convolution's <c>dBias[o] += _d_sum</c> for every position), is summed in a local and added once after
    /// the loop, as a person would write it; a store per iteration chains every addition through memory.
    /// </summary>
    public static List<IrStmt> PromoteAccumulations(IReadOnlyList<IrStmt> block)
    {
        var names = new HashSet<string>(IrWalker.NamesUsed(block));
        return Promote(block, names);
    }

    private static List<IrStmt> Promote(IReadOnlyList<IrStmt> block, HashSet<string> names)
    {
        var result = new List<IrStmt>();
        foreach (IrStmt stmt in block)
        {
            switch (stmt)
            {
                case Loop { IsCounted: true } loop:
                    var before = new List<IrStmt>();
                    var after = new List<IrStmt>();
                    Loop promoted = loop;
                    while (Invariant(promoted) is var (store, guards))
                    {
                        var target = (ElementAt)((Assign)store).Target;
                        string name = Fresh("_sum_" + ((VarRef)target.Array).Name.TrimStart('@', '_'), names);
                        var sum = new IrVar(name, target.Type);
                        before.Add(new Declare(null, sum, IR.Ir.Const(target.Type, 0)));
                        promoted = (Loop)Replace(promoted, store, new Assign(null, sum.Ref, IR.Ir.Add(sum.Ref, ((Binary)((Assign)store).Value).Right)));
                        IrStmt add = new Assign(null, target, IR.Ir.Add(target, sum.Ref));
                        foreach (IrExpr guard in Enumerable.Reverse(guards)) add = new If(null, guard, new Block(IR.Ir.Array(add)), new Block(EquatableArray<IrStmt>.Empty));
                        after.Add(add);
                    }

                    // The sums go before the loop's comment, which should stay next to its loop.
                    int at = result.Count;
                    while (at > 0 && result[at - 1] is Comment) at--;
                    result.InsertRange(at, before);
                    result.Add(promoted with { Body = new Block(Promote(promoted.Body.Statements, names).ToEquatableArray()) });
                    result.AddRange(after);
                    break;
                default:
                    result.Add(IrWalker.MapBlocks(stmt, inner => Promote(inner, names)));
                    break;
            }
        }

        return result;
    }

    /// <summary>
    /// The one accumulation <c>a[i] += e</c> in <paramref name="loop"/> whose index the loop never changes and whose
    /// array the loop touches nowhere else, with the "is it wanted" guards around it; null when there is none.
    /// </summary>
    private static (IrStmt Store, List<IrExpr> Guards)? Invariant(Loop loop)
    {
        var assigned = new HashSet<string> { loop.Counter!.Name };
        foreach (IrStmt s in IrWalker.AllStatements(loop.Body))
        {
            if (IrWalker.AssignedVariable(s) is { } a) assigned.Add(a);
            if (s is Loop { Counter: { } inner }) assigned.Add(inner.Name);
        }

        foreach (var (store, guards) in Accumulations(loop.Body.Statements, new List<IrExpr>()))
        {
            var target = (ElementAt)((Assign)store).Target;
            string array = ((VarRef)target.Array).Name;
            if (!target.Type.IsFloatingElement || target.Indices.SelectMany(IrWalker.Reads).Any(assigned.Contains)) continue;
            if (target.Indices.Any(i => !Pure(i)) || guards.Any(g => !IsNullGuard(g))) continue;
            // The array appears nowhere else in the loop: not read, not stored at another index, not measured.
            int mentions = IrWalker.AllStatements(loop.Body).Sum(s => IrWalker.OwnExpressions(s).Sum(e => IrWalker.Reads(e).Count(n => n == array)));
            int own = 2 + target.Indices.Sum(i => IrWalker.Reads(i).Count(n => n == array)) * 2
                + IrWalker.Reads(((Binary)((Assign)store).Value).Right).Count(n => n == array)
                + guards.Sum(g => IrWalker.Reads(g).Count(n => n == array));
            if (mentions != own) continue;
            return (store, guards);
        }

        return null;
    }

    private static IEnumerable<(IrStmt Store, List<IrExpr> Guards)> Accumulations(IEnumerable<IrStmt> statements, List<IrExpr> guards)
    {
        foreach (IrStmt s in statements)
        {
            switch (s)
            {
                case Assign { Target: ElementAt { Array: VarRef }, Value: Binary { Op: BinaryOp.Add, Left: var left } } store when left.Equals(store.Target):
                    yield return (s, guards);
                    break;
                case If { Else.Statements.Count: 0 } branch:
                    foreach (var found in Accumulations(branch.Then.Statements, guards.Append(branch.Condition).ToList())) yield return found;
                    break;
                case Loop inner:
                    foreach (var found in Accumulations(inner.Body.Statements, guards)) yield return found;
                    break;
            }
        }
    }

    private static IrStmt Replace(IrStmt stmt, IrStmt old, IrStmt replacement)
    {
        if (ReferenceEquals(stmt, old)) return replacement;
        Block Map(Block b) => new(b.Statements.Select(s => Replace(s, old, replacement)).ToEquatableArray());
        return stmt switch
        {
            If i => i with { Then = Map(i.Then), Else = Map(i.Else) },
            Loop l => l with { Body = Map(l.Body) },
            _ => stmt,
        };
    }

    private static string Fresh(string stem, HashSet<string> names)
    {
        stem = NameAllocator.Identifier(stem);
        string name = stem;
        for (int k = 1; !names.Add(name); k++) name = stem + "_" + k;
        return name;
    }

    /// <summary>
    /// An adjoint that lives within one loop iteration (<c>_d_t0 += e; … _d_t0 = 0;</c> in the body, zero before the
    /// loop and unused after it) becomes a local of the body, as a person would write it: <c>double _d_t0 = e;</c>.
    /// </summary>
    public static List<IrStmt> LocalizeLoopAdjoints(List<IrStmt> reverse)
    {
        var result = reverse.ToList();
        Dictionary<string, List<int>> users = MentionIndex(result);
        var removed = new bool[result.Count];
        for (int i = 0; i < result.Count; i++)
        {
            if (result[i] is not Declare { Initializer: Constant { Value: 0 } } declaration || !declaration.Variable.Type.IsFloating
                || !declaration.Variable.Name.StartsWith("_d", System.StringComparison.Ordinal))
            {
                continue;
            }

            // A zero declaration mentions nothing itself: its one user must be a loop.
            if (!users.TryGetValue(declaration.Variable.Name, out List<int>? uses) || uses.Count != 1 || result[uses[0]] is not Loop loop) continue;
            Loop? localized = Localize(loop, declaration.Variable);
            if (localized is null) continue;
            result[uses[0]] = localized;
            removed[i] = true;
        }

        RemoveMarked(result, removed);
        return result;
    }

    /// <summary>The loop with the adjoint declared in the body that uses it, or null when it does not have that shape.</summary>
    private static Loop? Localize(Loop loop, IrVar adjoint)
    {
        string name = adjoint.Name;
        List<IrStmt> body = loop.Body.Statements.ToList();
        var users = Enumerable.Range(0, body.Count).Where(k => Mentions(body[k], name)).ToList();
        if (users.Count == 0) return null;
        if (users.Count == 1 && body[users[0]] is Loop inner && Localize(inner, adjoint) is { } deeper)
        {
            body[users[0]] = deeper;
            return loop with { Body = new Block(body.ToEquatableArray()) };
        }

        int first = users[0], last = users[users.Count - 1];
        if (first == last) return null;
        if (body[first] is not Assign { Target: VarRef t, Value: Binary { Op: BinaryOp.Add, Left: VarRef l } sum } || t.Name != name || l.Name != name
            || IrWalker.Reads(sum.Right).Contains(name)) return null;
        if (body[last] is not Assign { Target: VarRef z, Value: Constant { Value: 0 } } || z.Name != name) return null;
        body[first] = new Declare(body[first].Origin, adjoint, sum.Right);
        body.RemoveAt(last);
        return loop with { Body = new Block(body.ToEquatableArray()) };
    }
}
