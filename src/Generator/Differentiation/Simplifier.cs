using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

/// <summary>Small rewrites that make the reverse sweep read like a careful human's gradient.</summary>
internal static partial class Simplifier
{
    /// <summary>
    /// <c>double _d_z = 0; … _d_z += e;</c> becomes <c>double _d_z = e;</c> where that is the first use at the top
    /// level, and an adjoint nobody uses is dropped (one the statements <paramref name="after"/> the sweep read stays).
    /// </summary>
    public static void FuseAdjointDeclarations(List<IrStmt> reverse, IEnumerable<IrStmt> after)
    {
        Dictionary<string, List<int>> users = MentionIndex(reverse);
        var usedAfter = new HashSet<string>(IrWalker.NamesUsed(after));
        var removed = new bool[reverse.Count];
        for (int i = 0; i < reverse.Count; i++)
        {
            if (reverse[i] is not Declare { Initializer: Constant { Value: 0 } } declaration || !declaration.Variable.Name.StartsWith("_d", System.StringComparison.Ordinal))
            {
                continue;
            }

            string name = declaration.Variable.Name;
            int first = users.TryGetValue(name, out List<int>? uses) ? uses.FirstOrDefault(k => k > i && !removed[k]) : 0;
            if (first <= i)
            {
                // Nothing in the reverse sweep adds to it: it stays zero, declared only where the epilogue reads it.
                removed[i] = !usedAfter.Contains(name);
                continue;
            }

            if (reverse[first] is Assign { Target: VarRef target, Value: Binary { Op: BinaryOp.Add or BinaryOp.Subtract, Left: VarRef left } sum } assign
                && target.Name == name && left.Name == name && !IrWalker.Reads(sum.Right).Contains(name))
            {
                reverse[first] = new Declare(assign.Origin, declaration.Variable, sum.Op == BinaryOp.Add ? sum.Right : IR.Ir.Neg(sum.Right));
                removed[i] = true;
            }
        }

        RemoveMarked(reverse, removed);
    }

    /// <summary>
    /// For each name, the positions of the statements that mention it, in order: computed once, because a long method has
    /// thousands of statements and adjoints, and searching the list again for each would take their product.
    /// </summary>
    private static Dictionary<string, List<int>> MentionIndex(IReadOnlyList<IrStmt> statements)
    {
        var users = new Dictionary<string, List<int>>();
        for (int k = 0; k < statements.Count; k++)
        {
            foreach (string name in MentionedNames(statements[k]))
            {
                if (!users.TryGetValue(name, out List<int>? list)) users[name] = list = new List<int>();
                if (list.Count == 0 || list[list.Count - 1] != k) list.Add(k);
            }
        }

        return users;
    }

    private static void RemoveMarked(List<IrStmt> statements, bool[] removed)
    {
        int kept = 0;
        for (int k = 0; k < statements.Count; k++)
        {
            if (!removed[k]) statements[kept++] = statements[k];
        }

        statements.RemoveRange(kept, statements.Count - kept);
    }

    /// <summary>
    /// Drops <c>Array.Clear(_d_a, …)</c> of a local array's adjoint where nothing after it in the reverse sweep reads
    /// that adjoint again (the array was made just before the call that overwrote it): the clear would only ready the
    /// adjoint for an older value that has no reverse. Top level only; a pooled adjoint is cleared when rented again.
    /// </summary>
    public static List<IrStmt> DropDeadClears(List<IrStmt> reverse, ISet<string> localAdjoints)
    {
        var later = new HashSet<string>();
        var kept = new List<IrStmt>(reverse.Count);
        for (int i = reverse.Count - 1; i >= 0; i--)
        {
            IrStmt stmt = reverse[i];
            if (stmt is Evaluate { Expression: RuntimeCall { Op: RuntimeOp.ClearArray, Arguments: var arguments } }
                && arguments.Count > 0 && arguments[0] is VarRef cleared && localAdjoints.Contains(cleared.Name) && !later.Contains(cleared.Name))
            {
                continue;
            }

            later.UnionWith(MentionedNames(stmt));
            kept.Add(stmt);
        }

        kept.Reverse();
        return kept;
    }

    /// <summary>The names a statement's expressions read, nested statements included.</summary>
    private static IEnumerable<string> MentionedNames(IrStmt stmt) =>
        IrWalker.AllStatements(new Block(IR.Ir.Array(stmt))).SelectMany(IrWalker.OwnExpressions).SelectMany(IrWalker.Reads);

    /// <summary>
    /// Peepholes inside every block: <c>_d_x = 0; … _d_x += e;</c> becomes <c>_d_x = e;</c>, and an adjoint temporary
    /// that copies a simple value and is read once is replaced by that value.
    /// </summary>
    public static List<IrStmt> Peephole(List<IrStmt> block)
    {
        var statements = block.Select(s => s switch
        {
            If i => i with { Then = Nested(i.Then), Else = Nested(i.Else) },
            Loop l => l with { Body = Nested(l.Body) },
            _ => s,
        }).ToList();

        // if (dW != null) { … } if (dW != null) { … } → one guard: nothing inside can change whether dW is null.
        for (int i = statements.Count - 1; i > 0; i--)
        {
            if (statements[i] is If { Else.Statements.Count: 0 } second && statements[i - 1] is If { Else.Statements.Count: 0 } first
                && IsNullGuard(first.Condition) && first.Condition.Equals(second.Condition))
            {
                statements[i - 1] = first with { Then = new Block(first.Then.Statements.Concat(second.Then.Statements).ToEquatableArray()) };
                statements.RemoveAt(i);
            }
        }

        for (int i = 0; i < statements.Count; i++)
        {
            if (statements[i] is Loop loop && Unswitch(loop) is { } unswitched)
            {
                statements.RemoveAt(i);
                statements.InsertRange(i, unswitched);
                i += unswitched.Count - 1;
            }
        }

        for (int i = 0; i < statements.Count; i++)
        {
            if (statements[i] is Assign { Target: VarRef zeroed, Value: Constant { Value: 0 } } && zeroed.Name.StartsWith("_d", System.StringComparison.Ordinal))
            {
                int next = statements.FindIndex(i + 1, s => Mentions(s, zeroed.Name));
                if (next > 0 && statements[next] is Assign { Target: VarRef t, Value: Binary { Op: BinaryOp.Add or BinaryOp.Subtract, Left: VarRef l } sum } add
                    && t.Name == zeroed.Name && l.Name == zeroed.Name && !IrWalker.Reads(sum.Right).Contains(zeroed.Name))
                {
                    statements[next] = add with { Value = sum.Op == BinaryOp.Add ? sum.Right : IR.Ir.Neg(sum.Right) };
                    statements.RemoveAt(i--);
                }
            }
        }

        for (int i = 0; i < statements.Count; i++)
        {
            if (statements[i] is not Declare { Initializer: { } copied } temp || !temp.Variable.Name.StartsWith("_g", System.StringComparison.Ordinal)
                || copied is not (VarRef or Constant or ElementAt) || copied is ElementAt e && !e.Indices.All(x => x is VarRef or Constant))
            {
                continue;
            }

            string name = temp.Variable.Name;
            var users = Enumerable.Range(i + 1, statements.Count - i - 1).Where(j => Mentions(statements[j], name)).ToList();
            if (users.Count != 1) continue;
            int use = users[0];
            if (Count(statements[use], name) != 1) continue;
            var sources = new HashSet<string>(IrWalker.Reads(copied));
            bool overwritten = Enumerable.Range(i + 1, use - i).Any(j => Assigns(statements[j], sources) && j != use)
                || statements[use] is not (Declare or Assign) || statements[use] is Assign { Target: var target } && IrWalker.Reads(target).Any(sources.Contains);
            if (overwritten) continue;
            statements[use] = IrWalker.MapExpressions(statements[use], x => IrWalker.Rewrite(x, n => n is VarRef v && v.Name == name ? copied : null));
            statements.RemoveAt(i--);
        }

        return statements;
    }

    /// <summary>
    /// A counted loop whose body only accumulates into adjoint arrays, each statement under its own "is it wanted"
    /// guard (<c>for (…) { if (dW != null) dW[…] += …; if (!dX.IsEmpty) dX[i] += …; }</c>), becomes one loop per
    /// statement inside its guard, so the inner loop tests nothing (<c>if (dW != null) for (…) dW[…] += …;</c>). The
    /// statements write different arrays and read none of them, so running them one after the other is the same.
    /// Null when the loop does not have that shape.
    /// </summary>
    private static List<IrStmt>? Unswitch(Loop loop)
    {
        if (!loop.IsCounted) return null;
        var comments = loop.Body.Statements.OfType<Comment>().ToList();
        var parts = loop.Body.Statements.Where(s => s is not Comment).ToList();
        if (parts.Count == 0 || !parts.Any(p => p is If)) return null;
        var written = new List<string>();
        foreach (IrStmt part in parts)
        {
            IrStmt store = part is If { Else.Statements.Count: 0, Then.Statements.Count: 1 } guarded && IsNullGuard(guarded.Condition)
                ? guarded.Then.Statements[0]
                : part;
            if (store is not Assign { Target: ElementAt { Array: VarRef array } }) return null;
            written.Add(array.Name);
        }

        if (written.Distinct().Count() != written.Count) return null;
        foreach (IrStmt part in parts)
        {
            // No statement reads what another writes (a store reads its own target only to add to it).
            var reads = IrWalker.OwnExpressions(part is If i ? i.Then.Statements[0] : part).SelectMany(IrWalker.Reads).ToList();
            if (part is If guard) reads.AddRange(IrWalker.Reads(guard.Condition));
            string own = written[parts.IndexOf(part)];
            if (reads.Any(r => r != own && written.Contains(r))) return null;
            if (part is If g && IrWalker.Reads(g.Condition).Contains(loop.Counter!.Name)) return null;
        }

        var result = new List<IrStmt>(comments);
        foreach (IrStmt part in parts)
        {
            IrStmt store = part is If g ? g.Then.Statements[0] : part;
            Loop alone = InOrder(loop) with { Body = new Block(IR.Ir.Array(store)) };
            result.Add(part is If guard ? guard with { Then = new Block(IR.Ir.Array<IrStmt>(alone)) } : alone);
        }

        return result;
    }

    /// <summary>
    /// A reverse-sweep loop whose iterations are independent accumulations, run first to last as a person would write
    /// it: <c>for (int i = n - 1; i &gt;= 0; i--)</c> becomes <c>for (int i = 0; i &lt; n; i++)</c>.
    /// </summary>
    private static Loop InOrder(Loop reversed)
    {
        if (!reversed.Inclusive || reversed.Start is null || reversed.Bound is null) return reversed;
        IrExpr first = reversed.Bound, last = reversed.Start;
        bool ascending = reversed.Descending;
        if (last is Binary { Op: var op, Right: Constant { Value: 1 } } edge && op == (ascending ? BinaryOp.Subtract : BinaryOp.Add))
        {
            return reversed with { Start = first, Bound = edge.Left, Inclusive = false, Descending = !ascending };
        }

        return reversed with { Start = first, Bound = last, Inclusive = true, Descending = !ascending };
    }

    private static bool IsNullGuard(IrExpr condition) => condition is Binary { Op: BinaryOp.NotEqual, Right: Constant { Text: "null" } }
        or Unary { Op: UnaryOp.Not, Operand: Member { Name: "IsEmpty" } };

    private static Block Nested(Block block) => new(Peephole(block.Statements.ToList()).ToEquatableArray());

    private static int Count(IrStmt stmt, string name) =>
        IrWalker.AllStatements(new Block(IR.Ir.Array(stmt))).Sum(s => IrWalker.OwnExpressions(s).Sum(e => IrWalker.Reads(e).Count(n => n == name)));

    private static bool Assigns(IrStmt stmt, HashSet<string> names) =>
        IrWalker.AllStatements(new Block(IR.Ir.Array(stmt))).Any(s => s switch
        {
            Assign { Target: VarRef v } => names.Contains(v.Name),
            Assign { Target: ElementAt { Array: VarRef a } } => names.Contains(a.Name),
            Declare d => names.Contains(d.Variable.Name),
            Evaluate => true,
            _ => false,
        });

    private static bool Mentions(IrStmt stmt, string name) => MentionedNames(stmt).Contains(name);
}
