using System;
using Backprop.Gen.IR;

namespace Backprop.Gen.Emit;

/// <summary>
/// The one place that knows how the runtime's helpers are spelled in generated code. The passes build and match
/// <see cref="RuntimeCall"/> by its <see cref="RuntimeOp"/>; the printer asks here for the method to call.
/// </summary>
internal static class RuntimeNames
{
    private const string Pool = "global::Backprop.AdjointPool.";
    private const string Saves = "global::Backprop.SavePool.";
    private const string Kernels = "global::Backprop.Kernels.";

    /// <summary>The type of a pooled stack of saved values of <paramref name="element"/>.</summary>
    public static string Stack(string element) => "global::Backprop.ValueStack<" + element + ">";

    /// <summary>The method a runtime call invokes (a stack operation's is called on its stack).</summary>
    public static string Method(RuntimeCall call) => call.Op switch
    {
        RuntimeOp.RentZeroed => Pool + "RentZeroed<" + call.Type.ElementName + ">",
        RuntimeOp.RentCopy => Pool + "RentCopy",
        RuntimeOp.Zeroed => Pool + "Zeroed",
        RuntimeOp.Grow => Pool + "Grow",
        RuntimeOp.Return => Pool + "Return",
        RuntimeOp.Restore => Pool + "Restore",
        RuntimeOp.HandBack => Pool + "HandBack",
        RuntimeOp.Consume => Pool + "Consume",
        RuntimeOp.ReadOnly => Pool + "ReadOnly",
        RuntimeOp.Slice => Pool + "Slice",
        RuntimeOp.SaveRent => Saves + "Rent<" + call.Type.ElementName + ">",
        RuntimeOp.SaveReturn => Saves + "Return",
        RuntimeOp.NewStack => "new " + call.Type.Name,
        RuntimeOp.StackReserve => "Reserve",
        RuntimeOp.StackDispose => "Dispose",
        RuntimeOp.AddScaled => Kernels + "AddScaled",
        RuntimeOp.AllFinite => Kernels + "AllFinite",
        RuntimeOp.AliasingCheck => "global::Backprop.CompilerServices.Aliasing.Check<" + call.Arguments[0].Type.ElementName + ">",
        RuntimeOp.ClearArray => "global::System.Array.Clear",
        RuntimeOp.EmptyArray => "global::System.Array.Empty<" + call.Type.ElementName + ">",
        _ => throw new ArgumentOutOfRangeException(nameof(call), call.Op, "no runtime name"),
    };
}
