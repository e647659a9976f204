using System.Collections.Generic;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using static Backprop.Gen.IR.Ir;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// The bodies forward mode and second order build share one shape: a prologue (checks and the stand-ins below), the
/// declarations, the statements, and a <c>finally</c> block that gives pooled buffers back.
/// </summary>
internal class ForwardBody
{
    public List<IrStmt> Prologue { get; } = new();
    public List<IrStmt> Declarations { get; } = new();
    public List<IrStmt> Statements { get; } = new();
    public List<IrStmt> Finally { get; } = new();
    public string? Result { get; set; }
}

/// <summary>
/// Stand-ins for buffers a caller leaves out. A tangent, a direction or an adjoint array may be null (a span empty) to
/// mean zero or "not wanted"; the generated code then works in a pooled zeroed buffer instead, given back in
/// <c>finally</c>, so that no statement needs a guard for it.
/// </summary>
internal static class BufferSetup
{
    /// <summary>
    /// <c>buffer ??= scratch</c> with <c>scratch</c> a pooled zeroed array of the parameter's length when the buffer is
    /// null (<c>if (buffer.IsEmpty) buffer = scratch;</c> for a span); a matrix gets a new zeroed one.
    /// </summary>
    public static void StandIn(ParameterModel parameter, string buffer, IrType bufferType, string scratchName, ForwardBody body)
    {
        string element = parameter.Type.ElementName;
        if (parameter.Type.Rank == 2)
        {
            body.Prologue.Add(Text($"{buffer} ??= new {element}[{parameter.DimensionText(0)}, {parameter.DimensionText(1)}]"));
            return;
        }

        bool isArray = parameter.Type.Shape == ShapeKind.Array;
        var scratch = new IrVar(scratchName, IrType.ArrayOf(parameter.Type.ElementType, 1));
        IrExpr missing = new Opaque(IrType.Bool, isArray ? $"{buffer} is null" : $"{buffer}.IsEmpty", EquatableArray<IrExpr>.Empty);
        body.Prologue.Add(new Declare(null, scratch, new Conditional(scratch.Type, missing,
            new RuntimeCall(scratch.Type, RuntimeOp.RentZeroed, Array<IrExpr>(new Opaque(IrType.Int, parameter.LengthText, EquatableArray<IrExpr>.Empty))),
            new RuntimeCall(scratch.Type, RuntimeOp.EmptyArray, EquatableArray<IrExpr>.Empty))));
        body.Prologue.Add(isArray
            ? Text($"{buffer} ??= {scratch.Name}")
            : new If(null, missing, new Block(Array<IrStmt>(new Assign(null, new VarRef(bufferType, buffer), scratch.Ref))), Block.Empty));
        body.Finally.Add(new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.Return, Array<IrExpr>(scratch.Ref))));
    }

    private static IrStmt Text(string code) => new Evaluate(null, new Opaque(IrType.Void, code.Replace("{", "{{").Replace("}", "}}"), EquatableArray<IrExpr>.Empty));

    /// <summary>A zeroed adjoint of an array's shape: pooled for a vector, new for a matrix.</summary>
    public static IrExpr ZeroedLike(VarRef primal, IrType adjointType) => primal.Type.Rank == 1
        ? new RuntimeCall(adjointType, RuntimeOp.RentZeroed, Array<IrExpr>(new Member(IrType.Int, primal, "Length")))
        : NewMatrixLike(primal, adjointType);

    /// <summary><c>new double[m.GetLength(0), m.GetLength(1)]</c>: a new zeroed matrix of a matrix's shape.</summary>
    public static IrExpr NewMatrixLike(IrExpr primal, IrType type) => new NewArray(type, Array<IrExpr>(
        new OpaqueCall(IrType.Int, "GetLength", primal, Array<IrExpr>(new Constant(IrType.Int, "0", 0)), "", "", KnownCall.ArrayShape, null),
        new OpaqueCall(IrType.Int, "GetLength", primal, Array<IrExpr>(new Constant(IrType.Int, "1", 1)), "", "", KnownCall.ArrayShape, null)));
}
