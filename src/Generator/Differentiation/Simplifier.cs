using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

/// <summary>Small rewrites that make the reverse sweep read like a careful human's gradient.</summary>
internal static class Simplifier
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

    /// <summary>
    /// A reverse loop whose end is index arithmetic (a convolution's clipped kernel rows run back to
    /// <c>Math.Max(0, -(r * stride - padding))</c>) tests a local computed once before it, instead of evaluating the
    /// expression on every iteration; a hand-written loop keeps its bounds in variables too. Only for arithmetic on
    /// variables the loop body never assigns. <paramref name="taken"/> holds every name the method already uses.
    /// </summary>
    public static List<IrStmt> HoistLoopBounds(IReadOnlyList<IrStmt> block, IEnumerable<string> taken) =>
        HoistBounds(block, new NameAllocator(taken));

    private static List<IrStmt> HoistBounds(IReadOnlyList<IrStmt> block, NameAllocator names)
    {
        var result = new List<IrStmt>(block.Count);
        foreach (IrStmt stmt in block)
        {
            switch (stmt)
            {
                case Loop loop:
                    var body = new Block(HoistBounds(loop.Body.Statements, names).ToEquatableArray());
                    // Only arithmetic on variables (no array element: the body may restore it) that the body never assigns.
                    if (loop is { IsCounted: true, Condition: null, Bound: { } bound } && !CheapBound(bound) && IrWalker.IsVariableArithmetic(bound)
                        && !IrWalker.Reads(bound).Any(IrWalker.AssignedVariables(loop).Contains))
                    {
                        var local = new IrVar(names.Fresh("_" + loop.Counter!.Name + (loop.Descending ? "First" : "End")), bound.Type);
                        result.Add(new Declare(null, local, bound));
                        result.Add(loop with { Bound = local.Ref, Body = body });
                    }
                    else
                    {
                        result.Add(loop with { Body = body });
                    }

                    break;
                case If branch:
                    result.Add(branch with
                    {
                        Then = new Block(HoistBounds(branch.Then.Statements, names).ToEquatableArray()),
                        Else = new Block(HoistBounds(branch.Else.Statements, names).ToEquatableArray()),
                    });
                    break;
                default:
                    result.Add(stmt);
                    break;
            }
        }

        return result;
    }

    /// <summary>
    /// A reverse loop that only adds a multiple of one array to another, element by element, as the reverse of a dot
    /// product does (<c>dW[j * n + i] += _d_s * x[i]</c> for <c>i</c> from 0 below <c>n</c>), becomes one call to
    /// <c>Kernels.AddScaled</c>, which does the same additions several elements at a time (<c>System.Numerics.Vector</c>)
    /// with bit-for-bit the same results. Only where the factor and both offsets stay fixed in the loop, the two arrays
    /// are different variables, the indices are the counter plus an offset, and the loop runs over a whole row.
    /// </summary>
    public static List<IrStmt> VectorizeScaledAdds(IReadOnlyList<IrStmt> block)
    {
        var result = new List<IrStmt>(block.Count);
        foreach (IrStmt stmt in block)
        {
            switch (stmt)
            {
                case Loop loop when ScaledAdd(loop) is { } call:
                    // A comment the loop's body held (the source statement) goes before the call.
                    result.AddRange(loop.Body.Statements.OfType<Comment>());
                    result.Add(call);
                    break;
                case Loop loop:
                    result.Add(loop with { Body = new Block(VectorizeScaledAdds(loop.Body.Statements).ToEquatableArray()) });
                    break;
                case If branch:
                    result.Add(branch with
                    {
                        Then = new Block(VectorizeScaledAdds(branch.Then.Statements).ToEquatableArray()),
                        Else = new Block(VectorizeScaledAdds(branch.Else.Statements).ToEquatableArray()),
                    });
                    break;
                default:
                    result.Add(stmt);
                    break;
            }
        }

        return result;
    }

    /// <summary><c>Kernels.AddScaled(into, intoStart, scale, from, fromStart, count)</c> for a loop of the one form, else null.</summary>
    private static IrStmt? ScaledAdd(Loop loop)
    {
        List<IrStmt> body = loop.Body.Statements.Where(st => st is not Comment).ToList();
        if (loop is not { IsCounted: true, Condition: null, Start: { } start, Bound: { } bound } || body.Count != 1
            || body[0] is not Assign { Target: ElementAt { Array: VarRef into, Indices.Count: 1 } target, Value: Binary { Op: BinaryOp.Add } sum }
            || !sum.Left.Equals(target) || sum.Right is not Binary { Op: BinaryOp.Multiply } product)
        {
            return null;
        }

        string counter = loop.Counter!.Name;
        // The element read is one operand, the factor the other (an element as the factor is turned down below).
        (IrExpr scale, IrExpr other) = product.Right is ElementAt ? (product.Left, product.Right) : (product.Right, product.Left);
        if (other is not ElementAt { Array: VarRef from, Indices.Count: 1 } read || from.Name == into.Name) return null;
        if (!Vectorizable(into.Type, target.Type, writable: true) || !Vectorizable(from.Type, target.Type, writable: false)
            || !scale.Type.Equals(target.Type) || !read.Type.Equals(target.Type)) return null;

        // The factor, the offsets and the bounds read neither the counter nor the array written, and cannot throw: the
        // call evaluates them even for an empty row, which the loop never did (an element of an empty array, a division).
        bool Fixed(IrExpr e) => CannotThrow(e) && !IrWalker.Reads(e).Any(n => n == counter || n == into.Name);
        if (!Fixed(scale) || !Fixed(start) || !Fixed(bound) || Offset(target.Indices[0], counter) is not { } intoOffset
            || Offset(read.Indices[0], counter) is not { } fromOffset || !Fixed(intoOffset) || !Fixed(fromOffset)) return null;

        // The elements run from first to first + count - 1 (counting up or down: the same additions in any order).
        IrExpr one = new Constant(IrType.Int, "1", 1);
        IrExpr first = loop.Descending ? (loop.Inclusive ? bound : Plus(bound, one)) : start;
        IrExpr count = loop.Descending
            ? Plus(Minus(start, first), one)
            : loop.Inclusive ? Plus(Minus(bound, first), one) : Minus(bound, first);
        // Only a loop over a whole row (a length, a size, a constant of 8 or more), not a few taps of a kernel window,
        // which the call would only slow down.
        if (count is not (VarRef or Member or Constant { Value: >= 8 })) return null;
        var arguments = IR.Ir.Array(into, Plus(intoOffset, first), scale, from, Plus(fromOffset, first), count);
        return new Evaluate(loop.Origin, new RuntimeCall(IrType.Void, RuntimeOp.AddScaled, arguments));
    }

    /// <summary>Arithmetic that evaluates without throwing: variables, constants, lengths, sums, differences, products, negations.</summary>
    private static bool CannotThrow(IrExpr e) => e switch
    {
        VarRef or Constant => true,
        Member { Receiver: VarRef, Name: "Length" } => true,
        Binary { Op: BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply } b => CannotThrow(b.Left) && CannotThrow(b.Right),
        Unary { Op: UnaryOp.Negate } u => CannotThrow(u.Operand),
        _ => false,
    };

    /// <summary>A one-dimensional array or span of the element type (a span written must not be read-only).</summary>
    private static bool Vectorizable(IrType type, IrType element, bool writable) =>
        type.ElementType.Equals(element) && element.IsFloatingElement && type.Shape switch
        {
            ShapeKind.Array => type.Rank == 1,
            ShapeKind.Span => true,
            ShapeKind.ReadOnlySpan => !writable,
            _ => false,
        };

    /// <summary>The offset of an index <c>i</c>, <c>o + i</c> or <c>i + o</c> from the counter <c>i</c> (0 for <c>i</c>), else null.</summary>
    private static IrExpr? Offset(IrExpr index, string counter) => index switch
    {
        VarRef v when v.Name == counter => new Constant(IrType.Int, "0", 0),
        Binary { Op: BinaryOp.Add, Right: VarRef v } add when v.Name == counter => add.Left,
        Binary { Op: BinaryOp.Add, Left: VarRef v } add when v.Name == counter => add.Right,
        _ => null,
    };

    /// <summary><c>a + b</c>, without adding a zero, and <c>(x - 1) + 1</c> as <c>x</c>.</summary>
    private static IrExpr Plus(IrExpr a, IrExpr b) => (a, b) switch
    {
        (Constant { Value: 0 }, _) => b,
        (_, Constant { Value: 0 }) => a,
        (Binary { Op: BinaryOp.Subtract, Right: Constant { Value: var k } } d, Constant { Value: var m }) when k == m => d.Left,
        _ => new Binary(IrType.Int, BinaryOp.Add, a, b),
    };

    /// <summary><c>a - b</c>, without subtracting a zero.</summary>
    private static IrExpr Minus(IrExpr a, IrExpr b) => b is Constant { Value: 0 } ? a : a.Equals(b) ? new Constant(IrType.Int, "0", 0)
        : new Binary(IrType.Int, BinaryOp.Subtract, a, b);

    /// <summary>A bound as cheap to test as a local: a constant, a variable, a length, or one of those plus a constant.</summary>
    private static bool CheapBound(IrExpr bound) => bound switch
    {
        Constant or VarRef => true,
        Member { Receiver: VarRef, Name: "Length" } => true,
        Binary { Op: BinaryOp.Add or BinaryOp.Subtract, Right: Constant } offset => CheapBound(offset.Left),
        _ => false,
    };

    private static bool Pure(IrExpr? e) => e is null
        || !IrWalker.DescendantsAndSelf(e).Any(x => x is OpaqueCall call && !IR.Ir.IsPureOpaque(call) || x is RuntimeCall || x is Opaque or Pop or DiffCall or BackwardCall or Fused);

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
                case Loop loop:
                    result.Add(loop with { Body = new Block(Promote(loop.Body.Statements, names).ToEquatableArray()) });
                    break;
                case If branch:
                    result.Add(branch with
                    {
                        Then = new Block(Promote(branch.Then.Statements, names).ToEquatableArray()),
                        Else = new Block(Promote(branch.Else.Statements, names).ToEquatableArray()),
                    });
                    break;
                default:
                    result.Add(stmt);
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
