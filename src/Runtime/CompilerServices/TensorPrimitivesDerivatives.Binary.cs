using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.CompilerServices;

public static partial class TensorPrimitivesDerivatives
{
    // ---------------------------------------------------------------------------------------------------------------
    // Element-wise operations of two or three operands, spans or scalars.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>The Backward of <see cref="TensorPrimitives.Add{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void AddBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, Span<T> dX, Span<T> dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x, y);
        TensorPrimitives.Add(x, y, destination);
        ReadOnlySpan<T> incoming = Incoming(dDestination, x.Length);
        AddScaled(dX, incoming, T.One);
        AddScaled(dY, incoming, T.One);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Add{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void AddPullback<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, Span<T> dX, Span<T> dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        AddBackward(x, y, destination, dX, dY, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Add{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void AddTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, ReadOnlySpan<T> tX, ReadOnlySpan<T> tY,
        Span<T> tDestination) where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Add(x, y, destination);
        LinearTangent(tDestination, x.Length, tX, T.One, tY, T.One, T.Zero);
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Add{T}(ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    public static void AddBackward<T>(ReadOnlySpan<T> x, T y, Span<T> destination, Span<T> dX, ref T dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x);
        TensorPrimitives.Add(x, y, destination);
        ReadOnlySpan<T> incoming = Incoming(dDestination, x.Length);
        AddScaled(dX, incoming, T.One);
        dY += TensorPrimitives.Sum(incoming);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Add{T}(ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    public static void AddPullback<T>(ReadOnlySpan<T> x, T y, Span<T> destination, Span<T> dX, ref T dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        AddBackward(x, y, destination, dX, ref dY, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Add{T}(ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    public static void AddTangent<T>(ReadOnlySpan<T> x, T y, Span<T> destination, ReadOnlySpan<T> tX, T tY, Span<T> tDestination)
        where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Add(x, y, destination);
        LinearTangent(tDestination, x.Length, tX, T.One, ReadOnlySpan<T>.Empty, T.Zero, tY);
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Subtract{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void SubtractBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, Span<T> dX, Span<T> dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x, y);
        TensorPrimitives.Subtract(x, y, destination);
        ReadOnlySpan<T> incoming = Incoming(dDestination, x.Length);
        AddScaled(dX, incoming, T.One);
        AddScaled(dY, incoming, -T.One);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Subtract{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void SubtractPullback<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, Span<T> dX, Span<T> dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        SubtractBackward(x, y, destination, dX, dY, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Subtract{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void SubtractTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, ReadOnlySpan<T> tX, ReadOnlySpan<T> tY,
        Span<T> tDestination) where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Subtract(x, y, destination);
        LinearTangent(tDestination, x.Length, tX, T.One, tY, -T.One, T.Zero);
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Subtract{T}(ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    public static void SubtractBackward<T>(ReadOnlySpan<T> x, T y, Span<T> destination, Span<T> dX, ref T dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x);
        TensorPrimitives.Subtract(x, y, destination);
        ReadOnlySpan<T> incoming = Incoming(dDestination, x.Length);
        AddScaled(dX, incoming, T.One);
        dY -= TensorPrimitives.Sum(incoming);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Subtract{T}(ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    public static void SubtractPullback<T>(ReadOnlySpan<T> x, T y, Span<T> destination, Span<T> dX, ref T dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        SubtractBackward(x, y, destination, dX, ref dY, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Subtract{T}(ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    public static void SubtractTangent<T>(ReadOnlySpan<T> x, T y, Span<T> destination, ReadOnlySpan<T> tX, T tY, Span<T> tDestination)
        where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Subtract(x, y, destination);
        LinearTangent(tDestination, x.Length, tX, T.One, ReadOnlySpan<T>.Empty, T.Zero, -tY);
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Subtract{T}(T, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void SubtractBackward<T>(T x, ReadOnlySpan<T> y, Span<T> destination, ref T dX, Span<T> dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, y);
        TensorPrimitives.Subtract(x, y, destination);
        ReadOnlySpan<T> incoming = Incoming(dDestination, y.Length);
        dX += TensorPrimitives.Sum(incoming);
        AddScaled(dY, incoming, -T.One);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Subtract{T}(T, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void SubtractPullback<T>(T x, ReadOnlySpan<T> y, Span<T> destination, ref T dX, Span<T> dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        SubtractBackward(x, y, destination, ref dX, dY, dDestination);
        Consume(dDestination, y.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Subtract{T}(T, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void SubtractTangent<T>(T x, ReadOnlySpan<T> y, Span<T> destination, T tX, ReadOnlySpan<T> tY, Span<T> tDestination)
        where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Subtract(x, y, destination);
        LinearTangent(tDestination, y.Length, ReadOnlySpan<T>.Empty, T.Zero, tY, -T.One, tX);
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Multiply{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void MultiplyBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, Span<T> dX, Span<T> dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x, y);
        TensorPrimitives.Multiply(x, y, destination);
        ReadOnlySpan<T> incoming = Incoming(dDestination, x.Length);
        AddProduct(dX, incoming, y);
        AddProduct(dY, incoming, x);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Multiply{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void MultiplyPullback<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, Span<T> dX, Span<T> dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        MultiplyBackward(x, y, destination, dX, dY, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Multiply{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void MultiplyTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, ReadOnlySpan<T> tX, ReadOnlySpan<T> tY,
        Span<T> tDestination) where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Multiply(x, y, destination);
        if (tDestination.IsEmpty) return;
        Span<T> t = Fit(tDestination, x.Length);
        for (int i = 0; i < x.Length; i++)
        {
            t[i] = (tX.IsEmpty ? T.Zero : tX[i] * y[i]) + (tY.IsEmpty ? T.Zero : x[i] * tY[i]);
        }
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Multiply{T}(ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    public static void MultiplyBackward<T>(ReadOnlySpan<T> x, T y, Span<T> destination, Span<T> dX, ref T dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x);
        TensorPrimitives.Multiply(x, y, destination);
        ReadOnlySpan<T> incoming = Incoming(dDestination, x.Length);
        AddScaled(dX, incoming, y);
        dY += TensorPrimitives.Dot(incoming, x);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Multiply{T}(ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    public static void MultiplyPullback<T>(ReadOnlySpan<T> x, T y, Span<T> destination, Span<T> dX, ref T dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        MultiplyBackward(x, y, destination, dX, ref dY, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Multiply{T}(ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    public static void MultiplyTangent<T>(ReadOnlySpan<T> x, T y, Span<T> destination, ReadOnlySpan<T> tX, T tY, Span<T> tDestination)
        where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Multiply(x, y, destination);
        LinearTangent(tDestination, x.Length, tX, y, x, tY, T.Zero);
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Divide{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void DivideBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, Span<T> dX, Span<T> dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x, y);
        TensorPrimitives.Divide(x, y, destination);
        ReadOnlySpan<T> incoming = Incoming(dDestination, x.Length);
        Span<T> ax = Fit(dX, x.Length), ay = Fit(dY, x.Length);
        for (int i = 0; i < x.Length; i++)
        {
            T g = incoming[i] / y[i];
            if (!ax.IsEmpty) ax[i] += g;
            if (!ay.IsEmpty) ay[i] -= g * destination[i];
        }
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Divide{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void DividePullback<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, Span<T> dX, Span<T> dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        DivideBackward(x, y, destination, dX, dY, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Divide{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void DivideTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, ReadOnlySpan<T> tX, ReadOnlySpan<T> tY,
        Span<T> tDestination) where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Divide(x, y, destination);
        if (tDestination.IsEmpty) return;
        Span<T> t = Fit(tDestination, x.Length);
        for (int i = 0; i < x.Length; i++)
        {
            t[i] = ((tX.IsEmpty ? T.Zero : tX[i]) - (tY.IsEmpty ? T.Zero : destination[i] * tY[i])) / y[i];
        }
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Divide{T}(ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    public static void DivideBackward<T>(ReadOnlySpan<T> x, T y, Span<T> destination, Span<T> dX, ref T dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x);
        TensorPrimitives.Divide(x, y, destination);
        ReadOnlySpan<T> incoming = Incoming(dDestination, x.Length);
        AddScaled(dX, incoming, T.One / y);
        dY -= TensorPrimitives.Dot(incoming, destination.Slice(0, x.Length)) / y;
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Divide{T}(ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    public static void DividePullback<T>(ReadOnlySpan<T> x, T y, Span<T> destination, Span<T> dX, ref T dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        DivideBackward(x, y, destination, dX, ref dY, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Divide{T}(ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    public static void DivideTangent<T>(ReadOnlySpan<T> x, T y, Span<T> destination, ReadOnlySpan<T> tX, T tY, Span<T> tDestination)
        where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Divide(x, y, destination);
        if (tDestination.IsEmpty) return;
        Span<T> t = Fit(tDestination, x.Length);
        for (int i = 0; i < x.Length; i++) t[i] = ((tX.IsEmpty ? T.Zero : tX[i]) - destination[i] * tY) / y;
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Divide{T}(T, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void DivideBackward<T>(T x, ReadOnlySpan<T> y, Span<T> destination, ref T dX, Span<T> dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, y);
        TensorPrimitives.Divide(x, y, destination);
        ReadOnlySpan<T> incoming = Incoming(dDestination, y.Length);
        Span<T> ay = Fit(dY, y.Length);
        T sum = T.Zero;
        for (int i = 0; i < y.Length; i++)
        {
            T g = incoming[i] / y[i];
            sum += g;
            if (!ay.IsEmpty) ay[i] -= g * destination[i];
        }

        dX += sum;
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Divide{T}(T, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void DividePullback<T>(T x, ReadOnlySpan<T> y, Span<T> destination, ref T dX, Span<T> dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        DivideBackward(x, y, destination, ref dX, dY, dDestination);
        Consume(dDestination, y.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Divide{T}(T, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void DivideTangent<T>(T x, ReadOnlySpan<T> y, Span<T> destination, T tX, ReadOnlySpan<T> tY, Span<T> tDestination)
        where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Divide(x, y, destination);
        if (tDestination.IsEmpty) return;
        Span<T> t = Fit(tDestination, y.Length);
        for (int i = 0; i < y.Length; i++) t[i] = (tX - (tY.IsEmpty ? T.Zero : destination[i] * tY[i])) / y[i];
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Max{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>: a tie splits the gradient.</summary>
    public static void MaxBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, Span<T> dX, Span<T> dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x, y);
        TensorPrimitives.Max(x, y, destination);
        Select(x, y, dX, dY, Incoming(dDestination, x.Length), larger: true);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Max{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void MaxPullback<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, Span<T> dX, Span<T> dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        MaxBackward(x, y, destination, dX, dY, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Max{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void MaxTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, ReadOnlySpan<T> tX, ReadOnlySpan<T> tY,
        Span<T> tDestination) where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Max(x, y, destination);
        SelectTangent(x, y, tX, tY, tDestination, larger: true);
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Min{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>: a tie splits the gradient.</summary>
    public static void MinBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, Span<T> dX, Span<T> dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x, y);
        TensorPrimitives.Min(x, y, destination);
        Select(x, y, dX, dY, Incoming(dDestination, x.Length), larger: false);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Min{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void MinPullback<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, Span<T> dX, Span<T> dY,
        [OutputAdjoint] Span<T> dDestination) where T : IFloatingPointIeee754<T>
    {
        MinBackward(x, y, destination, dX, dY, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Min{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void MinTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, ReadOnlySpan<T> tX, ReadOnlySpan<T> tY,
        Span<T> tDestination) where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Min(x, y, destination);
        SelectTangent(x, y, tX, tY, tDestination, larger: false);
    }
}
