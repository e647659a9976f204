using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.CompilerServices;

public static partial class TensorPrimitivesDerivatives
{
    // ---------------------------------------------------------------------------------------------------------------
    // Element-wise operations of one span: void X(ReadOnlySpan<T> x, Span<T> destination).
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>The Backward of <see cref="TensorPrimitives.Negate{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void NegateBackward<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x);
        TensorPrimitives.Negate(x, destination);
        AddScaled(dX, Incoming(dDestination, x.Length), -T.One);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Negate{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void NegatePullback<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T>
    {
        NegateBackward(x, destination, dX, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Negate{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void NegateTangent<T>(ReadOnlySpan<T> x, Span<T> destination, ReadOnlySpan<T> tX, Span<T> tDestination)
        where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Negate(x, destination);
        if (tDestination.IsEmpty) return;
        if (tX.IsEmpty) Fit(tDestination, x.Length).Clear();
        else TensorPrimitives.Negate(tX, Fit(tDestination, x.Length));
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Abs{T}(ReadOnlySpan{T}, Span{T})"/>: slope sign(x), 0 at 0.</summary>
    public static void AbsBackward<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x);
        TensorPrimitives.Abs(x, destination);
        if (dX.IsEmpty) return;
        ReadOnlySpan<T> incoming = Incoming(dDestination, x.Length);
        Span<T> d = Fit(dX, x.Length);
        for (int i = 0; i < x.Length; i++) d[i] += incoming[i] * Sign(x[i]);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Abs{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void AbsPullback<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T>
    {
        AbsBackward(x, destination, dX, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Abs{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void AbsTangent<T>(ReadOnlySpan<T> x, Span<T> destination, ReadOnlySpan<T> tX, Span<T> tDestination)
        where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Abs(x, destination);
        if (tDestination.IsEmpty) return;
        Span<T> t = Fit(tDestination, x.Length);
        for (int i = 0; i < x.Length; i++) t[i] = tX.IsEmpty ? T.Zero : Sign(x[i]) * tX[i];
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Exp{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void ExpBackward<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x);
        TensorPrimitives.Exp(x, destination);
        AddProduct(dX, Incoming(dDestination, x.Length), destination);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Exp{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void ExpPullback<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T>
    {
        ExpBackward(x, destination, dX, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Exp{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void ExpTangent<T>(ReadOnlySpan<T> x, Span<T> destination, ReadOnlySpan<T> tX, Span<T> tDestination)
        where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Exp(x, destination);
        ProductTangent(tDestination, tX, destination, x.Length);
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Log{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void LogBackward<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x);
        TensorPrimitives.Log(x, destination);
        if (dX.IsEmpty) return;
        ReadOnlySpan<T> incoming = Incoming(dDestination, x.Length);
        Span<T> d = Fit(dX, x.Length);
        for (int i = 0; i < x.Length; i++) d[i] += incoming[i] / x[i];
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Log{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void LogPullback<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T>
    {
        LogBackward(x, destination, dX, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Log{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void LogTangent<T>(ReadOnlySpan<T> x, Span<T> destination, ReadOnlySpan<T> tX, Span<T> tDestination)
        where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Log(x, destination);
        if (tDestination.IsEmpty) return;
        Span<T> t = Fit(tDestination, x.Length);
        for (int i = 0; i < x.Length; i++) t[i] = tX.IsEmpty ? T.Zero : tX[i] / x[i];
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Sqrt{T}(ReadOnlySpan{T}, Span{T})"/>: <c>1 / (2√x)</c>.</summary>
    public static void SqrtBackward<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x);
        TensorPrimitives.Sqrt(x, destination);
        if (dX.IsEmpty) return;
        ReadOnlySpan<T> incoming = Incoming(dDestination, x.Length);
        Span<T> d = Fit(dX, x.Length);
        for (int i = 0; i < x.Length; i++) d[i] += incoming[i] / (destination[i] + destination[i]);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Sqrt{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void SqrtPullback<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T>
    {
        SqrtBackward(x, destination, dX, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Sqrt{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void SqrtTangent<T>(ReadOnlySpan<T> x, Span<T> destination, ReadOnlySpan<T> tX, Span<T> tDestination)
        where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Sqrt(x, destination);
        if (tDestination.IsEmpty) return;
        Span<T> t = Fit(tDestination, x.Length);
        for (int i = 0; i < x.Length; i++) t[i] = tX.IsEmpty ? T.Zero : tX[i] / (destination[i] + destination[i]);
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Reciprocal{T}(ReadOnlySpan{T}, Span{T})"/>: <c>−1 / x²</c>.</summary>
    public static void ReciprocalBackward<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x);
        TensorPrimitives.Reciprocal(x, destination);
        if (dX.IsEmpty) return;
        ReadOnlySpan<T> incoming = Incoming(dDestination, x.Length);
        Span<T> d = Fit(dX, x.Length);
        for (int i = 0; i < x.Length; i++) d[i] -= incoming[i] * destination[i] * destination[i];
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Reciprocal{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void ReciprocalPullback<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T>
    {
        ReciprocalBackward(x, destination, dX, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Reciprocal{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void ReciprocalTangent<T>(ReadOnlySpan<T> x, Span<T> destination, ReadOnlySpan<T> tX, Span<T> tDestination)
        where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Reciprocal(x, destination);
        if (tDestination.IsEmpty) return;
        Span<T> t = Fit(tDestination, x.Length);
        for (int i = 0; i < x.Length; i++) t[i] = tX.IsEmpty ? T.Zero : -tX[i] * destination[i] * destination[i];
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Tanh{T}(ReadOnlySpan{T}, Span{T})"/>: <c>1 − tanh²</c>.</summary>
    public static void TanhBackward<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x);
        TensorPrimitives.Tanh(x, destination);
        if (dX.IsEmpty) return;
        ReadOnlySpan<T> incoming = Incoming(dDestination, x.Length);
        Span<T> d = Fit(dX, x.Length);
        for (int i = 0; i < x.Length; i++) d[i] += incoming[i] * (T.One - destination[i] * destination[i]);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Tanh{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void TanhPullback<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T>
    {
        TanhBackward(x, destination, dX, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Tanh{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void TanhTangent<T>(ReadOnlySpan<T> x, Span<T> destination, ReadOnlySpan<T> tX, Span<T> tDestination)
        where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Tanh(x, destination);
        if (tDestination.IsEmpty) return;
        Span<T> t = Fit(tDestination, x.Length);
        for (int i = 0; i < x.Length; i++) t[i] = tX.IsEmpty ? T.Zero : tX[i] * (T.One - destination[i] * destination[i]);
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Sigmoid{T}(ReadOnlySpan{T}, Span{T})"/>: <c>σ(1 − σ)</c>.</summary>
    public static void SigmoidBackward<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x);
        TensorPrimitives.Sigmoid(x, destination);
        if (dX.IsEmpty) return;
        ReadOnlySpan<T> incoming = Incoming(dDestination, x.Length);
        Span<T> d = Fit(dX, x.Length);
        for (int i = 0; i < x.Length; i++) d[i] += incoming[i] * destination[i] * (T.One - destination[i]);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Sigmoid{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void SigmoidPullback<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T>
    {
        SigmoidBackward(x, destination, dX, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Sigmoid{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void SigmoidTangent<T>(ReadOnlySpan<T> x, Span<T> destination, ReadOnlySpan<T> tX, Span<T> tDestination)
        where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.Sigmoid(x, destination);
        if (tDestination.IsEmpty) return;
        Span<T> t = Fit(tDestination, x.Length);
        for (int i = 0; i < x.Length; i++) t[i] = tX.IsEmpty ? T.Zero : tX[i] * destination[i] * (T.One - destination[i]);
    }

    /// <summary>
    /// The Backward of <see cref="TensorPrimitives.SoftMax{T}(ReadOnlySpan{T}, Span{T})"/>:
    /// <c>dX[i] += s[i] · (dS[i] − Σⱼ dS[j] · s[j])</c>.
    /// </summary>
    public static void SoftMaxBackward<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T>
    {
        Distinct(destination, x);
        TensorPrimitives.SoftMax(x, destination);
        if (dX.IsEmpty || dDestination.IsEmpty) return;
        ReadOnlySpan<T> s = destination.Slice(0, x.Length);
        ReadOnlySpan<T> incoming = Fit(dDestination, x.Length);
        T mean = TensorPrimitives.Dot(incoming, s);
        Span<T> d = Fit(dX, x.Length);
        for (int i = 0; i < x.Length; i++) d[i] += s[i] * (incoming[i] - mean);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.SoftMax{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void SoftMaxPullback<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T>
    {
        SoftMaxBackward(x, destination, dX, dDestination);
        Consume(dDestination, x.Length);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.SoftMax{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void SoftMaxTangent<T>(ReadOnlySpan<T> x, Span<T> destination, ReadOnlySpan<T> tX, Span<T> tDestination)
        where T : IFloatingPointIeee754<T>
    {
        TensorPrimitives.SoftMax(x, destination);
        if (tDestination.IsEmpty) return;
        Span<T> t = Fit(tDestination, x.Length);
        if (tX.IsEmpty)
        {
            t.Clear();
            return;
        }

        ReadOnlySpan<T> s = destination.Slice(0, x.Length);
        T mean = TensorPrimitives.Dot(tX, s);
        for (int i = 0; i < x.Length; i++) t[i] = s[i] * (tX[i] - mean);
    }
}
