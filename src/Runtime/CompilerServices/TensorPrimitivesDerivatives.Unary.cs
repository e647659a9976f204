using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.CompilerServices;

public static partial class TensorPrimitivesDerivatives
{
    // ---------------------------------------------------------------------------------------------------------------
    // Element-wise operations of one span: void X(ReadOnlySpan<T> x, Span<T> destination), each with the slope of
    // destination[i] in x[i] (a function of both) as a rule below.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>The Backward of <see cref="TensorPrimitives.Negate{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void NegateBackward<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, NegateRule<T>>.Backward(x, destination, dX, dDestination);

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Negate{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void NegatePullback<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, NegateRule<T>>.Pullback(x, destination, dX, dDestination);

    /// <summary>The Tangent of <see cref="TensorPrimitives.Negate{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void NegateTangent<T>(ReadOnlySpan<T> x, Span<T> destination, ReadOnlySpan<T> tX, Span<T> tDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, NegateRule<T>>.Tangent(x, destination, tX, tDestination);

    /// <summary>The Backward of <see cref="TensorPrimitives.Abs{T}(ReadOnlySpan{T}, Span{T})"/>: slope sign(x), 0 at 0.</summary>
    public static void AbsBackward<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, AbsRule<T>>.Backward(x, destination, dX, dDestination);

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Abs{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void AbsPullback<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, AbsRule<T>>.Pullback(x, destination, dX, dDestination);

    /// <summary>The Tangent of <see cref="TensorPrimitives.Abs{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void AbsTangent<T>(ReadOnlySpan<T> x, Span<T> destination, ReadOnlySpan<T> tX, Span<T> tDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, AbsRule<T>>.Tangent(x, destination, tX, tDestination);

    /// <summary>The Backward of <see cref="TensorPrimitives.Exp{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void ExpBackward<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, ExpRule<T>>.Backward(x, destination, dX, dDestination);

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Exp{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void ExpPullback<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, ExpRule<T>>.Pullback(x, destination, dX, dDestination);

    /// <summary>The Tangent of <see cref="TensorPrimitives.Exp{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void ExpTangent<T>(ReadOnlySpan<T> x, Span<T> destination, ReadOnlySpan<T> tX, Span<T> tDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, ExpRule<T>>.Tangent(x, destination, tX, tDestination);

    /// <summary>The Backward of <see cref="TensorPrimitives.Log{T}(ReadOnlySpan{T}, Span{T})"/>: <c>1 / x</c>.</summary>
    public static void LogBackward<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, LogRule<T>>.Backward(x, destination, dX, dDestination);

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Log{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void LogPullback<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, LogRule<T>>.Pullback(x, destination, dX, dDestination);

    /// <summary>The Tangent of <see cref="TensorPrimitives.Log{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void LogTangent<T>(ReadOnlySpan<T> x, Span<T> destination, ReadOnlySpan<T> tX, Span<T> tDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, LogRule<T>>.Tangent(x, destination, tX, tDestination);

    /// <summary>The Backward of <see cref="TensorPrimitives.Sqrt{T}(ReadOnlySpan{T}, Span{T})"/>: <c>1 / (2√x)</c>.</summary>
    public static void SqrtBackward<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, SqrtRule<T>>.Backward(x, destination, dX, dDestination);

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Sqrt{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void SqrtPullback<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, SqrtRule<T>>.Pullback(x, destination, dX, dDestination);

    /// <summary>The Tangent of <see cref="TensorPrimitives.Sqrt{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void SqrtTangent<T>(ReadOnlySpan<T> x, Span<T> destination, ReadOnlySpan<T> tX, Span<T> tDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, SqrtRule<T>>.Tangent(x, destination, tX, tDestination);

    /// <summary>The Backward of <see cref="TensorPrimitives.Reciprocal{T}(ReadOnlySpan{T}, Span{T})"/>: <c>−1 / x²</c>.</summary>
    public static void ReciprocalBackward<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, ReciprocalRule<T>>.Backward(x, destination, dX, dDestination);

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Reciprocal{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void ReciprocalPullback<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, ReciprocalRule<T>>.Pullback(x, destination, dX, dDestination);

    /// <summary>The Tangent of <see cref="TensorPrimitives.Reciprocal{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void ReciprocalTangent<T>(ReadOnlySpan<T> x, Span<T> destination, ReadOnlySpan<T> tX, Span<T> tDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, ReciprocalRule<T>>.Tangent(x, destination, tX, tDestination);

    /// <summary>The Backward of <see cref="TensorPrimitives.Tanh{T}(ReadOnlySpan{T}, Span{T})"/>: <c>1 − tanh²</c>.</summary>
    public static void TanhBackward<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, TanhRule<T>>.Backward(x, destination, dX, dDestination);

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Tanh{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void TanhPullback<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, TanhRule<T>>.Pullback(x, destination, dX, dDestination);

    /// <summary>The Tangent of <see cref="TensorPrimitives.Tanh{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void TanhTangent<T>(ReadOnlySpan<T> x, Span<T> destination, ReadOnlySpan<T> tX, Span<T> tDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, TanhRule<T>>.Tangent(x, destination, tX, tDestination);

    /// <summary>The Backward of <see cref="TensorPrimitives.Sigmoid{T}(ReadOnlySpan{T}, Span{T})"/>: <c>σ(1 − σ)</c>.</summary>
    public static void SigmoidBackward<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, SigmoidRule<T>>.Backward(x, destination, dX, dDestination);

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Sigmoid{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void SigmoidPullback<T>(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, [OutputAdjoint] Span<T> dDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, SigmoidRule<T>>.Pullback(x, destination, dX, dDestination);

    /// <summary>The Tangent of <see cref="TensorPrimitives.Sigmoid{T}(ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void SigmoidTangent<T>(ReadOnlySpan<T> x, Span<T> destination, ReadOnlySpan<T> tX, Span<T> tDestination)
        where T : IFloatingPointIeee754<T> => Elementwise<T, SigmoidRule<T>>.Tangent(x, destination, tX, tDestination);

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

    /// <summary>An element-wise operation and its slope <c>∂y/∂x</c> at each element, from the input and the output.</summary>
    private interface IElementwiseRule<T>
        where T : IFloatingPointIeee754<T>
    {
        static abstract void Forward(ReadOnlySpan<T> x, Span<T> y);

        static abstract T Slope(T x, T y);
    }

    private readonly struct NegateRule<T> : IElementwiseRule<T>
        where T : IFloatingPointIeee754<T>
    {
        public static void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Negate(x, y);

        public static T Slope(T x, T y) => -T.One;
    }

    private readonly struct AbsRule<T> : IElementwiseRule<T>
        where T : IFloatingPointIeee754<T>
    {
        public static void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Abs(x, y);

        public static T Slope(T x, T y) => Sign(x);
    }

    private readonly struct ExpRule<T> : IElementwiseRule<T>
        where T : IFloatingPointIeee754<T>
    {
        public static void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Exp(x, y);

        public static T Slope(T x, T y) => y;
    }

    private readonly struct LogRule<T> : IElementwiseRule<T>
        where T : IFloatingPointIeee754<T>
    {
        public static void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Log(x, y);

        public static T Slope(T x, T y) => T.One / x;
    }

    private readonly struct SqrtRule<T> : IElementwiseRule<T>
        where T : IFloatingPointIeee754<T>
    {
        public static void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sqrt(x, y);

        public static T Slope(T x, T y) => T.One / (y + y);
    }

    private readonly struct ReciprocalRule<T> : IElementwiseRule<T>
        where T : IFloatingPointIeee754<T>
    {
        public static void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Reciprocal(x, y);

        public static T Slope(T x, T y) => -(y * y);
    }

    private readonly struct TanhRule<T> : IElementwiseRule<T>
        where T : IFloatingPointIeee754<T>
    {
        public static void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Tanh(x, y);

        public static T Slope(T x, T y) => T.One - y * y;
    }

    private readonly struct SigmoidRule<T> : IElementwiseRule<T>
        where T : IFloatingPointIeee754<T>
    {
        public static void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sigmoid(x, y);

        public static T Slope(T x, T y) => y * (T.One - y);
    }

    /// <summary>
    /// The three derivatives of an element-wise operation from its rule: the Backward writes the destination and adds
    /// <c>dX[i] += dDestination[i] · slope</c>; the Pullback does the same (the caller may have overwritten the
    /// destination) and consumes <c>dDestination</c>; the Tangent writes <c>tDestination[i] = tX[i] · slope</c>.
    /// </summary>
    private static class Elementwise<T, TRule>
        where T : IFloatingPointIeee754<T>
        where TRule : struct, IElementwiseRule<T>
    {
        public static void Backward(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, Span<T> dDestination)
        {
            Distinct(destination, x);
            TRule.Forward(x, destination);
            if (dX.IsEmpty) return;
            ReadOnlySpan<T> incoming = Incoming(dDestination, x.Length);
            Span<T> d = Fit(dX, x.Length);
            for (int i = 0; i < x.Length; i++) d[i] += incoming[i] * TRule.Slope(x[i], destination[i]);
        }

        public static void Pullback(ReadOnlySpan<T> x, Span<T> destination, Span<T> dX, Span<T> dDestination)
        {
            Backward(x, destination, dX, dDestination);
            Consume(dDestination, x.Length);
        }

        public static void Tangent(ReadOnlySpan<T> x, Span<T> destination, ReadOnlySpan<T> tX, Span<T> tDestination)
        {
            TRule.Forward(x, destination);
            if (tDestination.IsEmpty) return;
            Span<T> t = Fit(tDestination, x.Length);
            for (int i = 0; i < x.Length; i++) t[i] = tX.IsEmpty ? T.Zero : tX[i] * TRule.Slope(x[i], destination[i]);
        }
    }
}
