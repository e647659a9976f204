using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// A slice of an array or span passed to a [Differentiable] call: <c>w.AsSpan(j * n, n)</c> or <c>x.Slice(start)</c>.
/// The callee's adjoint for it is the same slice of the array's adjoint (<c>AdjointPool.Slice(dW, j * n, n)</c>).
/// Reverse mode only: the forward modes report it (BPG0102) and ask for a copy.
/// </summary>
internal static class Slices
{
    /// <summary>Whether <paramref name="e"/> is a slice of an array or span variable, with its bounds.</summary>
    public static bool TryMatch(IrExpr e, out VarRef array, out EquatableArray<IrExpr> bounds)
    {
        array = null!;
        bounds = EquatableArray<IrExpr>.Empty;
        if (e is Cast { IsImplicit: true } conversion) e = conversion.Operand;
        switch (e)
        {
            case OpaqueCall { Known: KnownCall.AsSpan, Arguments: var arguments }
                when arguments.Count is >= 1 and <= 3 && IrWalker.PassedArray(arguments[0]) is { Type.IsFloatingContainer: true } source && AllInt(arguments, 1):
                array = source;
                bounds = arguments.Skip(1).ToEquatableArray();
                return true;
            case OpaqueCall { Known: KnownCall.SpanSlice, Receiver: VarRef { Type.IsFloatingContainer: true } span, Arguments: var arguments }
                when arguments.Count is >= 1 and <= 2 && AllInt(arguments, 0):
                array = span;
                bounds = arguments;
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Whether an opaque call takes a slice of something (<c>AsSpan</c>, <c>Slice</c>), whatever its arguments: a slice the
    /// generator cannot follow gets its own advice (copy the elements) rather than the general "no derivative".
    /// </summary>
    public static bool IsSliceCall(OpaqueCall call) =>
        call.Known is KnownCall.AsSpan or KnownCall.SpanSlice or KnownCall.OtherSlice;

    /// <summary>The same slice of <paramref name="adjoint"/>: empty when the adjoint is (nobody wants that gradient).</summary>
    public static IrExpr OfAdjoint(IrExpr adjoint, EquatableArray<IrExpr> bounds)
    {
        var arguments = new IrExpr[bounds.Count + 1];
        arguments[0] = adjoint;
        for (int i = 0; i < bounds.Count; i++) arguments[i + 1] = bounds[i];
        IrType span = IrType.SpanOf(adjoint.Type.ElementType, readOnly: false);
        return new RuntimeCall(span, RuntimeOp.Slice, arguments.ToEquatableArray());
    }

    private static bool AllInt(EquatableArray<IrExpr> arguments, int from)
    {
        for (int i = from; i < arguments.Count; i++)
        {
            if (!arguments[i].Type.IsIntegral) return false;
        }

        return true;
    }
}
