using System;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.CompilerServices;

/// <summary>
/// For generated code: the derivatives of the <see cref="TensorPrimitives"/> span operations that
/// <see cref="DifferentiableAttribute">[Differentiable]</see> methods may call. A call such as
/// <c>TensorPrimitives.Dot(w.AsSpan(j * n, n), x)</c> stays in the generated forward pass as written (SIMD), and the
/// reverse sweep calls <c>DotPullback&lt;double&gt;(…)</c> from here; forward mode calls <c>…Tangent</c>.
/// </summary>
/// <remarks>
/// <para>Each operation has the contract's methods, with the operation's own parameter names:</para>
/// <list type="bullet">
/// <item><c>XBackward(inputs…, destination?, dInputs…, [dDestination | seed])</c>: the value (a reduction returns it, an
/// element-wise operation writes <c>destination</c>), then the inputs' gradients added. A span input's adjoint is a
/// <see cref="Span{T}"/>, empty when not wanted; a scalar input's is <c>ref T</c>. <c>dDestination</c> is read and left.</item>
/// <item><c>XPullback</c>, the same parameters: the reverse sweep alone for a caller that has run the operation. It
/// consumes <c>dDestination</c> (zero on return) and, for an element-wise operation, writes <c>destination</c> again,
/// since the caller may have overwritten it since.</item>
/// <item><c>XTangent(inputs…, destination?, tInputs…, [tDestination | out tangent])</c>: the value and the directional
/// derivative along the inputs' tangents (empty for zero).</item>
/// </list>
/// <para>The rules follow the scalar rules table: <c>Abs</c> has slope 0 at 0; a tie of the element-wise <c>Max</c>/<c>Min</c>
/// splits the gradient evenly, and the reductions <c>Max</c>/<c>Min</c> share it evenly among the elements equal to the
/// result. <c>destination</c> must not overlap the inputs (<see cref="ArgumentException"/>): the reverse sweep reads
/// them after the operation.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class TensorPrimitivesDerivatives
{
    // ---------------------------------------------------------------------------------------------------------------
    // Reductions: T X(ReadOnlySpan<T> x[, ReadOnlySpan<T> y]).
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>The Backward of <see cref="TensorPrimitives.Dot{T}(ReadOnlySpan{T}, ReadOnlySpan{T})"/>.</summary>
    public static T DotBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dX, Span<T> dY, T seed)
        where T : IFloatingPointIeee754<T>
    {
        T value = TensorPrimitives.Dot(x, y);
        DotPullback(x, y, dX, dY, seed);
        return value;
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Dot{T}(ReadOnlySpan{T}, ReadOnlySpan{T})"/>.</summary>
    public static void DotPullback<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dX, Span<T> dY, T seed)
        where T : IFloatingPointIeee754<T>
    {
        SameLength(x, y);
        AddScaled(dX, y, seed);
        AddScaled(dY, x, seed);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Dot{T}(ReadOnlySpan{T}, ReadOnlySpan{T})"/>.</summary>
    public static T DotTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> tX, ReadOnlySpan<T> tY, out T tangent)
        where T : IFloatingPointIeee754<T>
    {
        tangent = (tX.IsEmpty ? T.Zero : TensorPrimitives.Dot(tX, y)) + (tY.IsEmpty ? T.Zero : TensorPrimitives.Dot(x, tY));
        return TensorPrimitives.Dot(x, y);
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Sum{T}(ReadOnlySpan{T})"/>.</summary>
    public static T SumBackward<T>(ReadOnlySpan<T> x, Span<T> dX, T seed) where T : IFloatingPointIeee754<T>
    {
        SumPullback(x, dX, seed);
        return TensorPrimitives.Sum(x);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Sum{T}(ReadOnlySpan{T})"/>.</summary>
    public static void SumPullback<T>(ReadOnlySpan<T> x, Span<T> dX, T seed) where T : IFloatingPointIeee754<T>
    {
        if (!dX.IsEmpty) TensorPrimitives.Add(Fit(dX, x.Length), seed, Fit(dX, x.Length));
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.Sum{T}(ReadOnlySpan{T})"/>.</summary>
    public static T SumTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> tX, out T tangent) where T : IFloatingPointIeee754<T>
    {
        tangent = tX.IsEmpty ? T.Zero : TensorPrimitives.Sum(tX);
        return TensorPrimitives.Sum(x);
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.SumOfSquares{T}(ReadOnlySpan{T})"/>.</summary>
    public static T SumOfSquaresBackward<T>(ReadOnlySpan<T> x, Span<T> dX, T seed) where T : IFloatingPointIeee754<T>
    {
        SumOfSquaresPullback(x, dX, seed);
        return TensorPrimitives.SumOfSquares(x);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.SumOfSquares{T}(ReadOnlySpan{T})"/>.</summary>
    public static void SumOfSquaresPullback<T>(ReadOnlySpan<T> x, Span<T> dX, T seed) where T : IFloatingPointIeee754<T> =>
        AddScaled(dX, x, seed + seed);

    /// <summary>The Tangent of <see cref="TensorPrimitives.SumOfSquares{T}(ReadOnlySpan{T})"/>.</summary>
    public static T SumOfSquaresTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> tX, out T tangent) where T : IFloatingPointIeee754<T>
    {
        tangent = tX.IsEmpty ? T.Zero : T.CreateTruncating(2) * TensorPrimitives.Dot(x, tX);
        return TensorPrimitives.SumOfSquares(x);
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.SumOfMagnitudes{T}(ReadOnlySpan{T})"/>.</summary>
    public static T SumOfMagnitudesBackward<T>(ReadOnlySpan<T> x, Span<T> dX, T seed) where T : IFloatingPointIeee754<T>
    {
        SumOfMagnitudesPullback(x, dX, seed);
        return TensorPrimitives.SumOfMagnitudes(x);
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.SumOfMagnitudes{T}(ReadOnlySpan{T})"/>: slope sign(x), 0 at 0.</summary>
    public static void SumOfMagnitudesPullback<T>(ReadOnlySpan<T> x, Span<T> dX, T seed) where T : IFloatingPointIeee754<T>
    {
        if (dX.IsEmpty) return;
        Span<T> d = Fit(dX, x.Length);
        for (int i = 0; i < x.Length; i++) d[i] += seed * Sign(x[i]);
    }

    /// <summary>The Tangent of <see cref="TensorPrimitives.SumOfMagnitudes{T}(ReadOnlySpan{T})"/>.</summary>
    public static T SumOfMagnitudesTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> tX, out T tangent) where T : IFloatingPointIeee754<T>
    {
        tangent = T.Zero;
        if (!tX.IsEmpty)
        {
            SameLength(x, tX);
            for (int i = 0; i < x.Length; i++) tangent += Sign(x[i]) * tX[i];
        }

        return TensorPrimitives.SumOfMagnitudes(x);
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Norm{T}(ReadOnlySpan{T})"/>.</summary>
    public static T NormBackward<T>(ReadOnlySpan<T> x, Span<T> dX, T seed) where T : IFloatingPointIeee754<T>
    {
        T norm = TensorPrimitives.Norm(x);
        AddScaled(dX, x, seed / norm);
        return norm;
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Norm{T}(ReadOnlySpan{T})"/>: <c>x / ‖x‖</c> (NaN at 0, as √ is).</summary>
    public static void NormPullback<T>(ReadOnlySpan<T> x, Span<T> dX, T seed) where T : IFloatingPointIeee754<T> =>
        NormBackward(x, dX, seed);

    /// <summary>The Tangent of <see cref="TensorPrimitives.Norm{T}(ReadOnlySpan{T})"/>.</summary>
    public static T NormTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> tX, out T tangent) where T : IFloatingPointIeee754<T>
    {
        T norm = TensorPrimitives.Norm(x);
        tangent = tX.IsEmpty ? T.Zero : TensorPrimitives.Dot(x, tX) / norm;
        return norm;
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Distance{T}(ReadOnlySpan{T}, ReadOnlySpan{T})"/>.</summary>
    public static T DistanceBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dX, Span<T> dY, T seed)
        where T : IFloatingPointIeee754<T>
    {
        T distance = TensorPrimitives.Distance(x, y);
        T scale = seed / distance;
        if (!dX.IsEmpty)
        {
            AddScaled(dX, x, scale);
            AddScaled(dX, y, -scale);
        }

        if (!dY.IsEmpty)
        {
            AddScaled(dY, y, scale);
            AddScaled(dY, x, -scale);
        }

        return distance;
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Distance{T}(ReadOnlySpan{T}, ReadOnlySpan{T})"/>.</summary>
    public static void DistancePullback<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dX, Span<T> dY, T seed)
        where T : IFloatingPointIeee754<T> =>
        DistanceBackward(x, y, dX, dY, seed);

    /// <summary>The Tangent of <see cref="TensorPrimitives.Distance{T}(ReadOnlySpan{T}, ReadOnlySpan{T})"/>.</summary>
    public static T DistanceTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> tX, ReadOnlySpan<T> tY, out T tangent)
        where T : IFloatingPointIeee754<T>
    {
        T distance = TensorPrimitives.Distance(x, y);
        T sum = T.Zero;
        for (int i = 0; i < x.Length; i++)
        {
            T t = (tX.IsEmpty ? T.Zero : tX[i]) - (tY.IsEmpty ? T.Zero : tY[i]);
            sum += (x[i] - y[i]) * t;
        }

        tangent = sum / distance;
        return distance;
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Max{T}(ReadOnlySpan{T})"/>: the elements equal to the maximum share the gradient.</summary>
    public static T MaxBackward<T>(ReadOnlySpan<T> x, Span<T> dX, T seed) where T : IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(x);
        ShareAmongEqual(x, max, dX, seed);
        return max;
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Max{T}(ReadOnlySpan{T})"/>.</summary>
    public static void MaxPullback<T>(ReadOnlySpan<T> x, Span<T> dX, T seed) where T : IFloatingPointIeee754<T> =>
        MaxBackward(x, dX, seed);

    /// <summary>The Tangent of <see cref="TensorPrimitives.Max{T}(ReadOnlySpan{T})"/>.</summary>
    public static T MaxTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> tX, out T tangent) where T : IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(x);
        tangent = MeanAmongEqual(x, max, tX);
        return max;
    }

    /// <summary>The Backward of <see cref="TensorPrimitives.Min{T}(ReadOnlySpan{T})"/>: the elements equal to the minimum share the gradient.</summary>
    public static T MinBackward<T>(ReadOnlySpan<T> x, Span<T> dX, T seed) where T : IFloatingPointIeee754<T>
    {
        T min = TensorPrimitives.Min(x);
        ShareAmongEqual(x, min, dX, seed);
        return min;
    }

    /// <summary>The reverse sweep of <see cref="TensorPrimitives.Min{T}(ReadOnlySpan{T})"/>.</summary>
    public static void MinPullback<T>(ReadOnlySpan<T> x, Span<T> dX, T seed) where T : IFloatingPointIeee754<T> =>
        MinBackward(x, dX, seed);

    /// <summary>The Tangent of <see cref="TensorPrimitives.Min{T}(ReadOnlySpan{T})"/>.</summary>
    public static T MinTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> tX, out T tangent) where T : IFloatingPointIeee754<T>
    {
        T min = TensorPrimitives.Min(x);
        tangent = MeanAmongEqual(x, min, tX);
        return min;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Helpers.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>The slope of |x|: 1, −1, or 0 at 0 (and for NaN), as the scalar rules table has it.</summary>
    private static T Sign<T>(T x) where T : IFloatingPointIeee754<T> => x > T.Zero ? T.One : x < T.Zero ? -T.One : T.Zero;

    /// <summary>The first <paramref name="length"/> elements of an adjoint or tangent (it may be longer, as a destination may).</summary>
    private static Span<T> Fit<T>(Span<T> span, int length) => span.IsEmpty ? default : span.Slice(0, length);

    /// <summary>The incoming gradient of a destination: its first elements, or zeros when the caller passes none.</summary>
    private static ReadOnlySpan<T> Incoming<T>(Span<T> dDestination, int length) where T : IFloatingPointIeee754<T> =>
        dDestination.IsEmpty ? Buffers.Consume(dDestination, length) : dDestination.Slice(0, length);

    /// <summary>A Pullback consumes the gradient of the elements the operation wrote.</summary>
    private static void Consume<T>(Span<T> dDestination, int length)
    {
        if (!dDestination.IsEmpty) dDestination.Slice(0, length).Clear();
    }

    /// <summary><c>adjoint += scale · v</c>, SIMD; nothing when the adjoint is empty (not wanted).</summary>
    private static void AddScaled<T>(Span<T> adjoint, ReadOnlySpan<T> v, T scale) where T : IFloatingPointIeee754<T>
    {
        if (adjoint.IsEmpty) return;
        Span<T> a = adjoint.Slice(0, v.Length);
        TensorPrimitives.MultiplyAdd(v, scale, a, a);
    }

    /// <summary><c>adjoint += a ⊙ b</c>, SIMD; nothing when the adjoint is empty (not wanted).</summary>
    private static void AddProduct<T>(Span<T> adjoint, ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : IFloatingPointIeee754<T>
    {
        if (adjoint.IsEmpty) return;
        Span<T> d = adjoint.Slice(0, a.Length);
        TensorPrimitives.MultiplyAdd(a, b.Slice(0, a.Length), d, d);
    }

    /// <summary>The tangent of a linear operation: <c>t = a · tA + b · tB + shift</c> (an empty tangent is zero).</summary>
    private static void LinearTangent<T>(Span<T> tDestination, int length, ReadOnlySpan<T> tA, T a, ReadOnlySpan<T> tB, T b, T shift)
        where T : IFloatingPointIeee754<T>
    {
        if (tDestination.IsEmpty) return;
        Span<T> t = tDestination.Slice(0, length);
        for (int i = 0; i < length; i++)
        {
            t[i] = (tA.IsEmpty ? T.Zero : a * tA[i]) + (tB.IsEmpty ? T.Zero : b * tB[i]) + shift;
        }
    }

    /// <summary>
    /// The tangent of <c>x ⊙ y + addend</c> where y is a span (<paramref name="y"/>, <paramref name="tY"/>) or a scalar
    /// (<paramref name="yScalar"/>, <paramref name="tYScalar"/>, with <paramref name="y"/> empty), and the addend's tangent
    /// a span or a scalar.
    /// </summary>
    private static void MultiplyAddTangentCore<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, T yScalar, T tYScalar, ReadOnlySpan<T> tX,
        ReadOnlySpan<T> tY, ReadOnlySpan<T> tAddend, T tAddendScalar, Span<T> tDestination) where T : IFloatingPointIeee754<T>
    {
        if (tDestination.IsEmpty) return;
        Span<T> t = tDestination.Slice(0, x.Length);
        bool spanY = !y.IsEmpty || x.IsEmpty;
        for (int i = 0; i < x.Length; i++)
        {
            T yi = spanY ? y[i] : yScalar;
            T tyi = spanY ? (tY.IsEmpty ? T.Zero : tY[i]) : tYScalar;
            t[i] = (tX.IsEmpty ? T.Zero : tX[i] * yi) + x[i] * tyi + (tAddend.IsEmpty ? tAddendScalar : tAddend[i]);
        }
    }

    /// <summary>The gradients of an element-wise max or min: to the winner, half each on a tie (and on NaN).</summary>
    private static void Select<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dX, Span<T> dY, ReadOnlySpan<T> incoming, bool larger)
        where T : IFloatingPointIeee754<T>
    {
        SameLength(x, y);
        Span<T> ax = Fit(dX, x.Length), ay = Fit(dY, x.Length);
        T half = T.One / (T.One + T.One);
        for (int i = 0; i < x.Length; i++)
        {
            T share = Share(x[i], y[i], larger, half);
            if (!ax.IsEmpty) ax[i] += incoming[i] * share;
            if (!ay.IsEmpty) ay[i] += incoming[i] * (T.One - share);
        }
    }

    private static void SelectTangent<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> tX, ReadOnlySpan<T> tY, Span<T> tDestination,
        bool larger) where T : IFloatingPointIeee754<T>
    {
        if (tDestination.IsEmpty) return;
        Span<T> t = tDestination.Slice(0, x.Length);
        T half = T.One / (T.One + T.One);
        for (int i = 0; i < x.Length; i++)
        {
            T share = Share(x[i], y[i], larger, half);
            t[i] = (tX.IsEmpty ? T.Zero : share * tX[i]) + (tY.IsEmpty ? T.Zero : (T.One - share) * tY[i]);
        }
    }

    /// <summary>x's share of an element-wise max (or min): 1 if it wins, 0 if it loses, ½ on a tie or NaN.</summary>
    private static T Share<T>(T x, T y, bool larger, T half) where T : IFloatingPointIeee754<T> =>
        x > y ? (larger ? T.One : T.Zero) : x < y ? (larger ? T.Zero : T.One) : half;

    /// <summary>A reduction's max or min: the elements equal to it share the gradient evenly (NaN: the NaN elements).</summary>
    private static void ShareAmongEqual<T>(ReadOnlySpan<T> x, T extreme, Span<T> dX, T seed) where T : IFloatingPointIeee754<T>
    {
        if (dX.IsEmpty) return;
        int count = 0;
        for (int i = 0; i < x.Length; i++) if (Matches(x[i], extreme)) count++;
        T share = seed / T.CreateTruncating(count);
        Span<T> d = dX.Slice(0, x.Length);
        for (int i = 0; i < x.Length; i++) if (Matches(x[i], extreme)) d[i] += share;
    }

    private static T MeanAmongEqual<T>(ReadOnlySpan<T> x, T extreme, ReadOnlySpan<T> tX) where T : IFloatingPointIeee754<T>
    {
        if (tX.IsEmpty) return T.Zero;
        int count = 0;
        T sum = T.Zero;
        for (int i = 0; i < x.Length; i++)
        {
            if (!Matches(x[i], extreme)) continue;
            count++;
            sum += tX[i];
        }

        return sum / T.CreateTruncating(count);
    }

    private static bool Matches<T>(T value, T extreme) where T : IFloatingPointIeee754<T> =>
        value == extreme || T.IsNaN(value) && T.IsNaN(extreme);

    private static void SameLength<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"The spans have different lengths ({x.Length} and {y.Length}).", nameof(y));
    }

    /// <summary>The destination must not overlap an input: the derivative reads the inputs after the operation writes.</summary>
    private static void Distinct<T>(Span<T> destination, ReadOnlySpan<T> a, ReadOnlySpan<T> b = default, ReadOnlySpan<T> c = default)
    {
        if (destination.Overlaps(a) || destination.Overlaps(b) || destination.Overlaps(c))
        {
            throw new ArgumentException(
                "The destination overlaps an input of the operation, which its derivative reads after it is written: write into a separate buffer.",
                nameof(destination));
        }
    }
}
