using System;
using Backprop.Gen.IR;

namespace Backprop.Gen.Emit;

/// <summary>
/// The one place that knows how the runtime's helpers are spelled in generated code. The passes build and match
/// <see cref="RuntimeCall"/> by its <see cref="RuntimeOp"/>; the printer asks here for the method to call.
/// </summary>
internal static class RuntimeNames
{
    private const string Services = "global::Backprop.CompilerServices.";
    private const string Pool = Services + "Buffers.";
    private const string Kernels = Services + "Kernels.";

    /// <summary>The type of a pooled stack of saved values of <paramref name="element"/>.</summary>
    public static string Stack(string element) => Services + "ValueStack<" + element + ">";

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
        RuntimeOp.SaveRent => Pool + "RentSaves<" + call.Type.ElementName + ">",
        RuntimeOp.SaveReturn => Pool + "ReturnSaves",
        RuntimeOp.CheckShape => Pool + "CheckShape",
        RuntimeOp.NewStack => "new " + call.Type.Name,
        RuntimeOp.StackReserve => "Reserve",
        RuntimeOp.StackDispose => "Dispose",
        RuntimeOp.StackPushRange => "PushRange",
        RuntimeOp.StackPopRange => "PopRange",
        RuntimeOp.AddScaled => Kernels + "AddScaled",
        RuntimeOp.AddScaledExactly => Kernels + "AddScaledExactly",
        RuntimeOp.Dot => Kernels + "Dot",
        RuntimeOp.AllFinite => Kernels + "AllFinite",
        RuntimeOp.AliasingCheck => Services + "Aliasing.Check<" + call.Arguments[0].Type.ElementName + ">",
        RuntimeOp.ClearArray => "global::System.Array.Clear",
        RuntimeOp.EmptyArray => "global::System.Array.Empty<" + call.Type.ElementName + ">",
        _ => throw new ArgumentOutOfRangeException(nameof(call), call.Op, "no runtime name"),
    };
}
