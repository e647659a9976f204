using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.CompilerServices;

public static partial class TensorPrimitivesDerivatives
{
    // ---------------------------------------------------------------------------------------------------------------
    // MultiplyAdd and FusedMultiplyAdd: x ⊙ y + addend, with y or the addend a span or a scalar.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>The Backward of <see cref="TensorPrimitives.MultiplyAdd{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void MultiplyAddBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> addend, Span<T> destination,
        Span<T> dX, Span<T> dY, Span<T> dAddend, [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x, y, addend);
        TensorPrimitives.MultiplyAdd(x, y, addend, destination);
        ReadOnlySpan<T> incoming = Incoming(dDestination, x.Length);
        AddProduct(dX, incoming, y);
        AddProduct(dY, incoming, x);
        AddScaled(dAddend, incoming, T.One);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.MultiplyAdd{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void MultiplyAddPullback<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> addend, Span<T> destination,
        Span<T> dX, Span<T> dY, Span<T> dAddend, [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        MultiplyAddBackward(x, y, addend, destination, dX, dY, dAddend, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.MultiplyAdd{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void MultiplyAddTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> addend, Span<T> destination,
        ReadOnlySpan<T> tX, ReadOnlySpan<T> tY, ReadOnlySpan<T> tAddend, Span<T> tDestination) where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.MultiplyAdd(x, y, addend, destination);
        MultiplyAddTangentCore(x, y, T.Zero, T.Zero, tX, tY, tAddend, T.Zero, tDestination);
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.MultiplyAdd{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    public static void MultiplyAddBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, T addend, Span<T> destination,
        Span<T> dX, Span<T> dY, ref T dAddend, [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x, y);
        TensorPrimitives.MultiplyAdd(x, y, addend, destination);
        ReadOnlySpan<T> incoming = Incoming(dDestination, x.Length);
        AddProduct(dX, incoming, y);
        AddProduct(dY, incoming, x);
        dAddend += TensorPrimitives.Sum(incoming);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.MultiplyAdd{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    public static void MultiplyAddPullback<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, T addend, Span<T> destination,
        Span<T> dX, Span<T> dY, ref T dAddend, [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        MultiplyAddBackward(x, y, addend, destination, dX, dY, ref dAddend, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.MultiplyAdd{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    public static void MultiplyAddTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, T addend, Span<T> destination,
        ReadOnlySpan<T> tX, ReadOnlySpan<T> tY, T tAddend, Span<T> tDestination) where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.MultiplyAdd(x, y, addend, destination);
        MultiplyAddTangentCore(x, y, T.Zero, T.Zero, tX, tY, default, tAddend, tDestination);
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.MultiplyAdd{T}(ReadOnlySpan{T}, T, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void MultiplyAddBackward<T>(ReadOnlySpan<T> x, T y, ReadOnlySpan<T> addend, Span<T> destination,
        Span<T> dX, ref T dY, Span<T> dAddend, [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x, addend);
        TensorPrimitives.MultiplyAdd(x, y, addend, destination);
        ReadOnlySpan<T> incoming = Incoming(dDestination, x.Length);
        AddScaled(dX, incoming, y);
        dY += TensorPrimitives.Dot(incoming, x);
        AddScaled(dAddend, incoming, T.One);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.MultiplyAdd{T}(ReadOnlySpan{T}, T, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void MultiplyAddPullback<T>(ReadOnlySpan<T> x, T y, ReadOnlySpan<T> addend, Span<T> destination,
        Span<T> dX, ref T dY, Span<T> dAddend, [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        MultiplyAddBackward(x, y, addend, destination, dX, ref dY, dAddend, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.MultiplyAdd{T}(ReadOnlySpan{T}, T, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void MultiplyAddTangent<T>(ReadOnlySpan<T> x, T y, ReadOnlySpan<T> addend, Span<T> destination,
        ReadOnlySpan<T> tX, T tY, ReadOnlySpan<T> tAddend, Span<T> tDestination) where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.MultiplyAdd(x, y, addend, destination);
        MultiplyAddTangentCore(x, default, y, tY, tX, default, tAddend, T.Zero, tDestination);
    }

    // FusedMultiplyAdd has MultiplyAdd's derivatives: it differs only in rounding once.

    /// <summary>The Backward of <see cref="TensorPrimitives.FusedMultiplyAdd{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void FusedMultiplyAddBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> addend, Span<T> destination,
        Span<T> dX, Span<T> dY, Span<T> dAddend, [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        MultiplyAddBackward(x, y, addend, destination, dX, dY, dAddend, dDestination);
        TensorPrimitives.FusedMultiplyAdd(x, y, addend, destination);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.FusedMultiplyAdd{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void FusedMultiplyAddPullback<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> addend, Span<T> destination,
        Span<T> dX, Span<T> dY, Span<T> dAddend, [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        FusedMultiplyAddBackward(x, y, addend, destination, dX, dY, dAddend, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.FusedMultiplyAdd{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void FusedMultiplyAddTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> addend, Span<T> destination,
        ReadOnlySpan<T> tX, ReadOnlySpan<T> tY, ReadOnlySpan<T> tAddend, Span<T> tDestination) where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.FusedMultiplyAdd(x, y, addend, destination);
        MultiplyAddTangentCore(x, y, T.Zero, T.Zero, tX, tY, tAddend, T.Zero, tDestination);
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.FusedMultiplyAdd{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    public static void FusedMultiplyAddBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, T addend, Span<T> destination,
        Span<T> dX, Span<T> dY, ref T dAddend, [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        MultiplyAddBackward(x, y, addend, destination, dX, dY, ref dAddend, dDestination);
        TensorPrimitives.FusedMultiplyAdd(x, y, addend, destination);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.FusedMultiplyAdd{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    public static void FusedMultiplyAddPullback<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, T addend, Span<T> destination,
        Span<T> dX, Span<T> dY, ref T dAddend, [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        FusedMultiplyAddBackward(x, y, addend, destination, dX, dY, ref dAddend, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.FusedMultiplyAdd{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    public static void FusedMultiplyAddTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, T addend, Span<T> destination,
        ReadOnlySpan<T> tX, ReadOnlySpan<T> tY, T tAddend, Span<T> tDestination) where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.FusedMultiplyAdd(x, y, addend, destination);
        MultiplyAddTangentCore(x, y, T.Zero, T.Zero, tX, tY, default, tAddend, tDestination);
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.FusedMultiplyAdd{T}(ReadOnlySpan{T}, T, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void FusedMultiplyAddBackward<T>(ReadOnlySpan<T> x, T y, ReadOnlySpan<T> addend, Span<T> destination,
        Span<T> dX, ref T dY, Span<T> dAddend, [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        MultiplyAddBackward(x, y, addend, destination, dX, ref dY, dAddend, dDestination);
        TensorPrimitives.FusedMultiplyAdd(x, y, addend, destination);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.FusedMultiplyAdd{T}(ReadOnlySpan{T}, T, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void FusedMultiplyAddPullback<T>(ReadOnlySpan<T> x, T y, ReadOnlySpan<T> addend, Span<T> destination,
        Span<T> dX, ref T dY, Span<T> dAddend, [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        FusedMultiplyAddBackward(x, y, addend, destination, dX, ref dY, dAddend, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.FusedMultiplyAdd{T}(ReadOnlySpan{T}, T, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void FusedMultiplyAddTangent<T>(ReadOnlySpan<T> x, T y, ReadOnlySpan<T> addend, Span<T> destination,
        ReadOnlySpan<T> tX, T tY, ReadOnlySpan<T> tAddend, Span<T> tDestination) where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.FusedMultiplyAdd(x, y, addend, destination);
        MultiplyAddTangentCore(x, default, y, tY, tX, default, tAddend, T.Zero, tDestination);
    }
}
