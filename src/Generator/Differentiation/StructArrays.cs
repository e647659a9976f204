using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using static Backprop.Gen.IR.Ir;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// Arrays and spans of structs (<c>V2[] pts</c>). The derivatives work on one array per floating field
/// (<c>pts_X</c>, <c>pts_Y</c>: <see cref="Normalizer.StructArrayFields"/>), like any arrays of doubles. This adds, around
/// each generated body, what connects those arrays with the caller's structs: the fields of the inputs (the primal,
/// and the tangent or direction) copied in on entry, pooled zeroed arrays for the gradients (<c>dPts_X</c>,
/// <c>hPts_X</c>), added into the caller's structs field by field on return, and every pooled array given back.
/// </summary>
internal static class StructArrays
{
    /// <summary>The bodies with their arrays of structs connected; the same bodies when the method has none.</summary>
    public static GeneratedBodies Wrap(MethodModel model, GeneratedBodies bodies, NameAllocator names)
    {
        var owners = Normalizer.StructArrayFields(model).GroupBy(f => f.Owner).ToList();
        if (owners.Count == 0) return bodies;

        foreach (BackwardBody? body in new[] { bodies.Backward, bodies.Pullback })
        {
            if (body is null) continue;
            var setup = new List<IrStmt>();
            foreach (var owner in owners)
            {
                // An output's fields are copied in too: the elements the method does not write keep their values.
                setup.AddRange(CopyIn(owner.Key, owner.Key.Name, owner.Select(f => (f.Leaf, f.Field.Name)), names, body.Finally));
                if (owner.Key.IsOutput && body == bodies.Backward)
                {
                    // The caller sees the forward's values, copied out before the reverse sweep restores older ones.
                    body.Forward.Add(CopyOut(owner.Key, owner.Key.Name, owner.Select(f => (f.Leaf, f.Field.Name)), names));
                }

                if (!owner.Key.Differentiable) continue;
                if (owner.Key.IsOutput)
                {
                    // The incoming gradient, read from the caller's structs; a Pullback consumes it, as it does an array's.
                    setup.AddRange(CopyIn(owner.Key, owner.Key.AdjointName, owner.Select(f => (f.Leaf, f.Field.AdjointName)), names, body.Finally, checkShape: false));
                    if (body == bodies.Pullback) setup.Add(Cleared(owner.Key, owner.Key.AdjointName));
                    continue;
                }

                setup.AddRange(Pooled(owner.Select(f => (f.Leaf, f.Field.AdjointName)), Length(owner.Key), body.Finally));
                body.Epilogue.Add(AddBack(owner.Key, owner.Key.AdjointName, owner.Select(f => (f.Leaf, f.Field.AdjointName)), names));
            }

            body.Declarations.InsertRange(0, setup);
        }

        if (bodies.Tangent is { } tangent)
        {
            var setup = new List<IrStmt>();
            foreach (var owner in owners)
            {
                setup.AddRange(CopyIn(owner.Key, owner.Key.Name, owner.Select(f => (f.Leaf, f.Field.Name)), names, tangent.Finally));
                // (A model's member has no tangent: members are constants in forward mode.)
                if (owner.Key.Differentiable && owner.Key.TangentName.Length > 0)
                {
                    setup.AddRange(CopyIn(owner.Key, owner.Key.TangentName, owner.Select(f => (f.Leaf, f.Field.TangentName)), names, tangent.Finally));
                }

                if (!owner.Key.IsOutput) continue;
                tangent.Statements.Add(CopyOut(owner.Key, owner.Key.Name, owner.Select(f => (f.Leaf, f.Field.Name)), names));
                if (owner.Key.Differentiable) tangent.Statements.Add(CopyOut(owner.Key, owner.Key.TangentName, owner.Select(f => (f.Leaf, f.Field.TangentName)), names));
            }

            tangent.Declarations.InsertRange(0, setup);
        }

        if (bodies.HessianVector is { } hessian)
        {
            var setup = new List<IrStmt>();
            foreach (var owner in owners)
            {
                setup.AddRange(CopyIn(owner.Key, owner.Key.Name, owner.Select(f => (f.Leaf, f.Field.Name)), names, hessian.Finally));
                if (!owner.Key.Differentiable) continue;
                setup.AddRange(CopyIn(owner.Key, owner.Key.DirectionName, owner.Select(f => (f.Leaf, f.Field.DirectionName)), names, hessian.Finally));
                setup.AddRange(Pooled(owner.Select(f => (f.Leaf, f.Field.AdjointName)), Length(owner.Key), hessian.Finally));
                setup.AddRange(Pooled(owner.Select(f => (f.Leaf, f.Field.HessianName)), Length(owner.Key), hessian.Finally));
                hessian.Statements.Add(AddBack(owner.Key, owner.Key.AdjointName, owner.Select(f => (f.Leaf, f.Field.AdjointName)), names));
                hessian.Statements.Add(AddBack(owner.Key, owner.Key.HessianName, owner.Select(f => (f.Leaf, f.Field.HessianName)), names));
            }

            hessian.Declarations.InsertRange(0, setup);
        }

        return bodies;
    }

    private static IrExpr Length(ParameterModel owner) => LengthOf(new VarRef(owner.Type, owner.Name));

    private static IrExpr LengthOf(VarRef array) => new Member(IrType.Int, array, "Length");

    /// <summary><c>pts_X[k]</c>: a leaf's element in its field array.</summary>
    private static IrExpr Slot(StructLeaf leaf, string array, IrExpr index) =>
        new ElementAt(leaf.Type, new VarRef(IrType.ArrayOf(leaf.Type, 1), array), Array(index));

    /// <summary>
    /// <c>double[] pts_X = RentZeroed(pts.Length); for (k) { pts_X[k] = pts[k].X; … }</c>, from <paramref name="source"/>
    /// (the primal, or a tangent or direction, which may be null or empty for zero); the arrays go back in finally.
    /// </summary>
    /// <param name="checkShape">Whether to check the source's length here (an adjoint's is checked with the other buffers').</param>
    private static IEnumerable<IrStmt> CopyIn(ParameterModel owner, string source, IEnumerable<(StructLeaf Leaf, string Array)> fields, NameAllocator names,
        List<IrStmt> cleanup, bool checkShape = true)
    {
        var list = fields.ToList();
        var sourceArray = new VarRef(owner.Type, source);
        yield return new Comment($"the fields of {source.TrimStart('@')}, an array each");
        if (source != owner.Name && checkShape)
        {
            // A tangent or a direction of another length would leave elements out (or run past the copies): say so.
            yield return EntryChecks.CheckShape(sourceArray, new[] { Length(owner) }, source.TrimStart('@'), owner.Name.TrimStart('@'));
        }

        foreach (IrStmt declaration in Pooled(list, Length(owner), cleanup)) yield return declaration;

        var k = new IrVar(names.Fresh("_item"), IrType.Int);
        var copies = list.Select(f => (IrStmt)new Assign(null, Slot(f.Leaf, f.Array, k.Ref),
            FieldOf(new ElementAt(owner.Type.ElementType, sourceArray, Array<IrExpr>(k.Ref)), f.Leaf))).ToEquatableArray();
        var loop = new Loop(null, k, Const(IrType.Int, 0), LengthOf(sourceArray), false, false, null, true, new Block(copies));
        // The primal is there; a tangent or a direction left out (null or empty) means zero.
        yield return source == owner.Name ? loop : new If(null, NonEmpty(owner, sourceArray), new Block(Array<IrStmt>(loop)), Block.Empty);
    }

    /// <summary>Pooled zeroed arrays for the fields of an array of structs (<c>pts_X</c>, <c>dPts_X</c>), given back in finally.</summary>
    private static IEnumerable<IrStmt> Pooled(IEnumerable<(StructLeaf Leaf, string Array)> fields, IrExpr length, List<IrStmt> cleanup)
    {
        foreach (var (leaf, array) in fields)
        {
            IrType type = IrType.ArrayOf(leaf.Type, 1);
            yield return new Declare(null, new IrVar(array, type), new RuntimeCall(type, RuntimeOp.RentZeroed, Array<IrExpr>(length)));
            cleanup.Add(new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.Return, Array<IrExpr>(new VarRef(type, array)))));
        }
    }

    /// <summary>
    /// <c>if (dPts is not empty) for (k) { dPts[k].X += dPts_X[k]; … }</c>, or with a <c>with</c> expression where a
    /// property stands on a field's path (a record struct's): gradient arrays added into the caller's structs.
    /// </summary>
    private static IrStmt AddBack(ParameterModel owner, string target, IEnumerable<(StructLeaf Leaf, string Array)> fields, NameAllocator names) =>
        IntoStructs(owner, target, fields, names, add: true, comment: null);

    /// <summary>
    /// <c>if (next is not empty) for (k) { next[k].X = next_X[k]; … }</c> (or with <c>with</c> where a property stands on
    /// a field's path): an output's field arrays, or their tangents, stored into the caller's structs.
    /// </summary>
    private static IrStmt CopyOut(ParameterModel owner, string target, IEnumerable<(StructLeaf Leaf, string Array)> fields, NameAllocator names) =>
        IntoStructs(owner, target, fields, names, add: false, comment: $"the fields back into {target.TrimStart('@')}");

    /// <summary>A loop over the caller's structs storing (or adding) each field array's element into its field.</summary>
    private static IrStmt IntoStructs(ParameterModel owner, string target, IEnumerable<(StructLeaf Leaf, string Array)> fields, NameAllocator names, bool add,
        string? comment)
    {
        var list = fields.ToList();
        var targetArray = new VarRef(owner.Type, target);
        var k = new IrVar(names.Fresh("_item"), IrType.Int);
        var item = new ElementAt(owner.Type.ElementType, targetArray, Array<IrExpr>(k.Ref));
        IrExpr Value((StructLeaf Leaf, string Array) f) => add ? Add(FieldOf(item, f.Leaf), Slot(f.Leaf, f.Array, k.Ref)) : Slot(f.Leaf, f.Array, k.Ref);
        IEnumerable<IrStmt> stores = list.All(f => f.Leaf.Writable)
            ? list.Select(f => (IrStmt)new Assign(null, FieldOf(item, f.Leaf), Value(f)))
            : new IrStmt[] { new Assign(null, item, new StructUpdate(item.Type, item, list.Select(f => new FieldValue(f.Leaf.Path, Value(f))).ToEquatableArray())) };
        // (The target has the owner's length: its shape is checked on entry.)
        var loop = new Loop(null, k, Const(IrType.Int, 0), Length(owner), false, false, null, true, new Block(stores.ToEquatableArray()));
        IrStmt[] body = comment is null ? new IrStmt[] { loop } : new IrStmt[] { new Comment(comment), loop };
        return new If(null, NonEmpty(owner, targetArray), new Block(body.ToEquatableArray()), Block.Empty);
    }

    /// <summary><c>Array.Clear(dNext)</c> (<c>dNext.Clear()</c> for a span): an output's adjoint, consumed.</summary>
    private static IrStmt Cleared(ParameterModel owner, string adjoint)
    {
        var array = new VarRef(owner.Type, adjoint);
        IrExpr clear = owner.Type.Shape == ShapeKind.Array
            ? new Opaque(IrType.Void, "global::System.Array.Clear({0})", Array<IrExpr>(array))
            : new Opaque(IrType.Void, "{0}.Clear()", Array<IrExpr>(array));
        return new If(null, NonEmpty(owner, array), new Block(Array<IrStmt>(new Evaluate(null, clear))), Block.Empty);
    }

    /// <summary><c>item.Pos.X</c> for the leaf at <c>Pos.X</c>.</summary>
    private static IrExpr FieldOf(IrExpr item, StructLeaf leaf)
    {
        string[] path = leaf.Path.Split('.');
        IrExpr at = item;
        for (int i = 0; i < path.Length; i++)
        {
            at = new Member(i == path.Length - 1 ? leaf.Type : new IrType(ShapeKind.Scalar, ElementKind.Other, 0, "struct", "struct"), at, path[i]);
        }

        return at;
    }

    /// <summary>Whether an array or span the caller passed holds anything: null and empty both mean "none".</summary>
    private static IrExpr NonEmpty(ParameterModel owner, VarRef array) => owner.Type.Shape == ShapeKind.Array
        ? new Opaque(IrType.Bool, "{0} is {{ Length: > 0 }}", Array<IrExpr>(array), IsPrimary: false)
        : new Opaque(IrType.Bool, "!{0}.IsEmpty", Array<IrExpr>(array), IsPrimary: false);
}
