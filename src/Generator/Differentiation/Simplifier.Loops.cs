using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

// Loops of the reverse sweep: bounds computed once before the loop, and whole rows of scaled adds as one kernel call.
internal static partial class Simplifier
{
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
                default:
                    result.Add(IrWalker.MapBlocks(stmt, inner => HoistBounds(inner, names)));
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
    /// are different variables, the indices are the counter plus an offset, and the loop runs over a whole row or to the
    /// end of one. A factor read from an array (<c>dL[o + r] += _d_product[r] * centred[s]</c>) is read under the
    /// loop's own first test (<c>if (s + 1 &lt; d)</c>), where the loop read it too.
    /// </summary>
    public static List<IrStmt> VectorizeScaledAdds(IReadOnlyList<IrStmt> block) =>
        VectorizeLoops(block, loop => ScaledAdd(loop) ?? DotProduct(loop));

    /// <summary>
    /// A forward-sweep loop of the same form that adds into a local array no other name can refer to
    /// (<paramref name="unaliased"/>: <c>product[r] += l[column + r] * centred[s]</c>, the user's own triangular product)
    /// becomes one call to <c>Kernels.AddScaledExactly</c>, which adds every element, so the values stay the primal's to
    /// the bit. Only for <c>double</c> and <c>float</c>.
    /// </summary>
    public static List<IrStmt> VectorizeForwardScaledAdds(IReadOnlyList<IrStmt> block, HashSet<string> unaliased) =>
        unaliased.Count == 0 ? block.ToList() : VectorizeLoops(block, loop => ScaledAdd(loop, unaliased));

    /// <summary>Every loop of the block, nested ones too, that <paramref name="kernel"/> turns into one call, replaced by it.</summary>
    private static List<IrStmt> VectorizeLoops(IReadOnlyList<IrStmt> block, System.Func<Loop, IrStmt?> kernel)
    {
        var result = new List<IrStmt>(block.Count);
        foreach (IrStmt stmt in block)
        {
            switch (stmt)
            {
                case Loop loop when kernel(loop) is { } call:
                    // A comment the loop's body held (the source statement) goes before the call.
                    result.AddRange(loop.Body.Statements.OfType<Comment>());
                    // double _sum = 0.0; … _sum += Kernels.Dot(…) reads as double _sum = Kernels.Dot(…).
                    if (call is Assign { Target: VarRef sum, Value: Binary { Op: BinaryOp.Add, Right: RuntimeCall { Op: RuntimeOp.Dot } dot } }
                        && result.FindLastIndex(x => x is not Comment) is var at && at >= 0
                        && result[at] is Declare { Initializer: Constant { Value: 0 } } zero && zero.Variable.Name == sum.Name)
                    {
                        result.Add(zero with { Initializer = dot });
                        result.RemoveAt(at);
                        break;
                    }

                    result.Add(call);
                    break;
                default:
                    result.Add(IrWalker.MapBlocks(stmt, inner => VectorizeLoops(inner, kernel)));
                    break;
            }
        }

        return result;
    }

    /// <summary>
    /// <c>Kernels.AddScaled(into, intoStart, scale, from, fromStart, count)</c> for a loop of the one form, else null; with
    /// <paramref name="forward"/>, <c>Kernels.AddScaledExactly</c>, and only into one of those arrays.
    /// </summary>
    private static IrStmt? ScaledAdd(Loop loop, HashSet<string>? forward = null)
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
        // (Of two elements, the one indexed by the counter is the one read.)
        bool RunsWithCounter(IrExpr e) => e is ElementAt element && element.Indices.Any(i => IrWalker.Reads(i).Contains(counter));
        (IrExpr scale, IrExpr other) = product.Right is ElementAt && (RunsWithCounter(product.Right) || !RunsWithCounter(product.Left))
            ? (product.Left, product.Right)
            : (product.Right, product.Left);
        if (other is not ElementAt { Array: VarRef from, Indices.Count: 1 } read || from.Name == into.Name) return null;
        if (forward is not null && (!forward.Contains(into.Name) || target.Type.Element is not (ElementKind.Double or ElementKind.Float))) return null;
        if (!Vectorizable(into.Type, target.Type, writable: true) || !Vectorizable(from.Type, target.Type, writable: false)
            || !scale.Type.Equals(target.Type) || !read.Type.Equals(target.Type)) return null;

        // The factor, the offsets and the bounds read neither the counter nor the array written, and cannot throw: the
        // call evaluates them even for an empty row, which the loop never did (an element of an empty array, a division).
        bool Fixed(IrExpr e) => CannotThrow(e) && !IrWalker.Reads(e).Any(n => n == counter || n == into.Name);
        // A factor that may throw (an element, centred[s]) is read only where the loop runs at least once, as it did.
        bool guarded = !CannotThrow(scale);
        if (guarded && (!Pure(scale) || scale is not ElementAt { Indices: var indices } || !indices.All(CannotThrow)
            || IrWalker.Reads(scale).Any(n => n == counter || n == into.Name)))
        {
            return null;
        }

        if (!guarded && !Fixed(scale) || !Fixed(start) || !Fixed(bound) || Offset(target.Indices[0], counter) is not { } intoOffset
            || Offset(read.Indices[0], counter) is not { } fromOffset || !Fixed(intoOffset) || !Fixed(fromOffset)) return null;

        if (Row(loop) is not var (first, count)) return null;
        var arguments = IR.Ir.Array(into, Plus(intoOffset, first), scale, from, Plus(fromOffset, first), count);
        var call = new Evaluate(loop.Origin, new RuntimeCall(IrType.Void, forward is null ? RuntimeOp.AddScaled : RuntimeOp.AddScaledExactly, arguments));
        if (!guarded) return call;
        // The loop's own test before its first iteration: s + 1 < d.
        BinaryOp test = loop.Descending ? (loop.Inclusive ? BinaryOp.GreaterOrEqual : BinaryOp.Greater) : (loop.Inclusive ? BinaryOp.LessOrEqual : BinaryOp.Less);
        var runs = new Binary(IrType.Bool, test, start, bound);
        return new If(null, runs, new Block(IR.Ir.Array<IrStmt>(call)), Block.Empty);
    }

    /// <summary>
    /// <c>acc += Kernels.Dot(a, aStart, b, bStart, count)</c> for a reverse loop that only sums products of two rows into
    /// one place (<c>_sum += _d_product[r] * l[o + r]</c>, the gradient of one input of a matrix–vector product), with
    /// the same conditions as <see cref="ScaledAdd"/> on offsets, bounds and the length of the row, else null. The kernel
    /// sums in a fixed order of its own (lanes of four), so the sum may differ from the loop's by rounding.
    /// </summary>
    private static IrStmt? DotProduct(Loop loop)
    {
        List<IrStmt> body = loop.Body.Statements.Where(st => st is not Comment).ToList();
        if (loop is not { IsCounted: true, Condition: null, Start: { } start, Bound: { } bound } || body.Count != 1
            || body[0] is not Assign { Target: var target, Value: Binary { Op: BinaryOp.Add } sum }
            || target is not (VarRef or ElementAt { Array: VarRef }) || !sum.Left.Equals(target)
            || sum.Right is not Binary { Op: BinaryOp.Multiply, Left: ElementAt { Array: VarRef a, Indices.Count: 1 } left, Right: ElementAt { Array: VarRef b, Indices.Count: 1 } right }
            || !target.Type.IsFloatingElement || !left.Type.Equals(target.Type) || !right.Type.Equals(target.Type)
            || !Vectorizable(a.Type, target.Type, writable: false) || !Vectorizable(b.Type, target.Type, writable: false))
        {
            return null;
        }

        string counter = loop.Counter!.Name;
        string written = target is ElementAt { Array: VarRef into } ? into.Name : ((VarRef)target).Name;
        // The place summed into stays put (its index reads neither the counter nor the rows) and is neither row.
        if (written == a.Name || written == b.Name || target is ElementAt element && !element.Indices.All(i => CannotThrow(i) && !IrWalker.Reads(i).Contains(counter))) return null;
        bool Fixed(IrExpr e) => CannotThrow(e) && !IrWalker.Reads(e).Any(n => n == counter || n == written);
        if (!Fixed(start) || !Fixed(bound) || Offset(left.Indices[0], counter) is not { } aOffset || Offset(right.Indices[0], counter) is not { } bOffset
            || !Fixed(aOffset) || !Fixed(bOffset)) return null;

        if (Row(loop) is not var (first, count)) return null;
        var dot = new RuntimeCall(target.Type, RuntimeOp.Dot, IR.Ir.Array(a, Plus(aOffset, first), b, Plus(bOffset, first), count));
        return new Assign(loop.Origin, target, new Binary(target.Type, BinaryOp.Add, target, dot));
    }

    /// <summary>
    /// The elements a counted loop runs over, from <c>First</c> to <c>First + Count - 1</c> (counting up or down: the same
    /// additions in any order), if it runs over a whole row (a length, a size, a constant of 8 or more) or to the end of
    /// one (a triangle's row, from <c>s + 1</c> to a size); null for a few taps of a kernel window, which a call would
    /// only slow down.
    /// </summary>
    private static (IrExpr First, IrExpr Count)? Row(Loop loop)
    {
        IrExpr start = loop.Start!, bound = loop.Bound!;
        IrExpr one = new Constant(IrType.Int, "1", 1);
        IrExpr first = loop.Descending ? (loop.Inclusive ? bound : Plus(bound, one)) : start;
        IrExpr count = loop.Descending
            ? Plus(Minus(start, first), one)
            : loop.Inclusive ? Plus(Minus(bound, first), one) : Minus(bound, first);
        IrExpr end = loop.Descending ? start : bound;
        return count is VarRef or Member or Constant { Value: >= 8 } || end is VarRef or Member ? (first, count) : null;
    }

    /// <summary>Arithmetic that evaluates without throwing: variables, constants, lengths, sums, differences, products, negations,
    /// integer divisions by a constant.</summary>
    private static bool CannotThrow(IrExpr e) => e switch
    {
        VarRef or Constant => true,
        Member { Receiver: VarRef, Name: "Length" } => true,
        Binary { Op: BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply } b => CannotThrow(b.Left) && CannotThrow(b.Right),
        // Integer division by a constant other than 0 and -1 (int.MinValue / -1 overflows).
        Binary { Op: BinaryOp.Divide or BinaryOp.Remainder, Type.IsIntegral: true, Right: Constant { Value: not (0 or -1) } } b => CannotThrow(b.Left),
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

    /// <summary><c>a + b</c>, without adding a zero, and <c>(x - 1) + 1</c> as <c>x</c>, <c>(o - s - 1) + (s + 1)</c> as <c>o</c>.</summary>
    private static IrExpr Plus(IrExpr a, IrExpr b) => (a, b) switch
    {
        (Constant { Value: 0 }, _) => b,
        (_, Constant { Value: 0 }) => a,
        (Binary { Op: BinaryOp.Subtract, Right: Constant { Value: var k } } d, Constant { Value: var m }) when k == m => d.Left,
        // (o - s - 1) + (s + 1) is o: a triangle's column offset plus the first row below the diagonal.
        (Binary { Op: BinaryOp.Subtract, Left: Binary { Op: BinaryOp.Subtract } inner, Right: Constant { Value: var k } },
            Binary { Op: BinaryOp.Add, Left: var s, Right: Constant { Value: var m } }) when k == m && inner.Right.Equals(s) => inner.Left,
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

    /// <summary>Whether evaluating an expression again gives the same value and changes nothing (no call with effects, no pop).</summary>
    public static bool Pure(IrExpr? e) => e is null
        || !IrWalker.DescendantsAndSelf(e).Any(x => x is OpaqueCall call && !IR.Ir.IsPureOpaque(call) || x is RuntimeCall || x is Opaque or Pop or DiffCall or BackwardCall or Fused);
}
