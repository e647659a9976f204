using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;

namespace Backprop.CompilerServices;

/// <summary>
/// Vectorized forms of the loops generated reverse sweeps are made of. <see cref="AddScaled(Span{double}, int, double, ReadOnlySpan{double}, int, int)"/>
/// gives exactly the results of the scalar loop it replaces: every element gets the same one product and one sum, in
/// the same order (no fused multiply-add, no reassociation), only several elements at a time with
/// <see cref="Vector{T}"/>. (A zero multiple of a finite row is skipped: it would add zeros, which can only turn a −0
/// into +0.) <see cref="Dot(ReadOnlySpan{double}, int, ReadOnlySpan{double}, int, int)"/> sums in a fixed order of its
/// own, the same on every machine.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Kernels
{
    /// <summary>
    /// <c>into[intoStart + k] += scale * from[fromStart + k]</c> for <c>k</c> from 0 below <paramref name="count"/>
    /// (nothing when <paramref name="count"/> is 0 or less): a gradient row added in one call, such as
    /// <c>dW[j * n + i] += g * x[i]</c> over <c>i</c>.
    /// </summary>
    /// <param name="into">The array or span added to.</param>
    /// <param name="intoStart">Where in <paramref name="into"/> the first element is.</param>
    /// <param name="scale">The factor every element of <paramref name="from"/> is multiplied by.</param>
    /// <param name="from">The array or span read.</param>
    /// <param name="fromStart">Where in <paramref name="from"/> the first element is.</param>
    /// <param name="count">How many elements.</param>
    /// <exception cref="ArgumentOutOfRangeException">A range runs past the end of its array (the scalar loop would have
    /// thrown <see cref="IndexOutOfRangeException"/>).</exception>
    public static void AddScaled(Span<double> into, int intoStart, double scale, ReadOnlySpan<double> from, int fromStart, int count) =>
        AddScaledCore(into, intoStart, scale, from, fromStart, count);

    /// <inheritdoc cref="AddScaled(Span{double}, int, double, ReadOnlySpan{double}, int, int)"/>
    public static void AddScaled(Span<float> into, int intoStart, float scale, ReadOnlySpan<float> from, int fromStart, int count) =>
        AddScaledCore(into, intoStart, scale, from, fromStart, count);

    /// <summary>
    /// <see cref="AddScaled(Span{double}, int, double, ReadOnlySpan{double}, int, int)"/> for a forward sweep: every
    /// element gets its sum, even for a zero factor, so that the values are the primal loop's to the bit, signs of zeros
    /// included (<c>product[r] += l[o + r] * centred[s]</c> into a local array).
    /// </summary>
    /// <param name="into">The array or span added to.</param>
    /// <param name="intoStart">Where in <paramref name="into"/> the first element is.</param>
    /// <param name="scale">The factor every element of <paramref name="from"/> is multiplied by.</param>
    /// <param name="from">The array or span read.</param>
    /// <param name="fromStart">Where in <paramref name="from"/> the first element is.</param>
    /// <param name="count">How many elements.</param>
    public static void AddScaledExactly(Span<double> into, int intoStart, double scale, ReadOnlySpan<double> from, int fromStart, int count) =>
        AddScaledCore(into, intoStart, scale, from, fromStart, count, skipZero: false);

    /// <inheritdoc cref="AddScaledExactly(Span{double}, int, double, ReadOnlySpan{double}, int, int)"/>
    public static void AddScaledExactly(Span<float> into, int intoStart, float scale, ReadOnlySpan<float> from, int fromStart, int count) =>
        AddScaledCore(into, intoStart, scale, from, fromStart, count, skipZero: false);

    /// <summary>
    /// <see cref="AddScaled(Span{double}, int, double, ReadOnlySpan{double}, int, int)"/> for generated generic-math code:
    /// the vector kernel for <c>double</c> and <c>float</c> (the JIT keeps only the branch of the type it compiles for),
    /// the scalar loop for other types.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="into">The array or span added to.</param>
    /// <param name="intoStart">Where in <paramref name="into"/> the first element is.</param>
    /// <param name="scale">The factor every element of <paramref name="from"/> is multiplied by.</param>
    /// <param name="from">The array or span read.</param>
    /// <param name="fromStart">Where in <paramref name="from"/> the first element is.</param>
    /// <param name="count">How many elements.</param>
    public static void AddScaled<T>(Span<T> into, int intoStart, T scale, ReadOnlySpan<T> from, int fromStart, int count)
        where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            AddScaledCore(As<T, double>(into), intoStart, Unsafe.As<T, double>(ref scale), As<T, double>(from), fromStart, count);
        }
        else if (typeof(T) == typeof(float))
        {
            AddScaledCore(As<T, float>(into), intoStart, Unsafe.As<T, float>(ref scale), As<T, float>(from), fromStart, count);
        }
        else
        {
            if (count <= 0) return;
            Span<T> target = into.Slice(intoStart, count);
            ReadOnlySpan<T> source = from.Slice(fromStart, count);
            if (scale == T.Zero && AllFinite(source)) return;
            for (int k = 0; k < count; k++) target[k] += scale * source[k];
        }
    }

    /// <summary>
    /// <c>Σ a[aStart + k] · b[bStart + k]</c> for <c>k</c> from 0 below <paramref name="count"/> (0 when
    /// <paramref name="count"/> is 0 or less): the sum a reverse sweep accumulates over a row, such as the gradient of
    /// one input of a matrix–vector product (<c>Σᵣ dProduct[r] · L[o + r]</c>). Not the scalar loop's order: the products
    /// go into four lanes (element k into lane k mod 4, a product and a sum each, no fused multiply-add), the lanes are
    /// added as (l0 + l1) + (l2 + l3), and the last count mod 4 products one by one after them. That order is fixed, so
    /// the result is the same on every machine, with or without vector hardware; it differs from the loop's only by
    /// rounding.
    /// </summary>
    /// <param name="a">The first array or span.</param>
    /// <param name="aStart">Where in <paramref name="a"/> the first element is.</param>
    /// <param name="b">The second array or span.</param>
    /// <param name="bStart">Where in <paramref name="b"/> the first element is.</param>
    /// <param name="count">How many products.</param>
    /// <exception cref="ArgumentOutOfRangeException">A range runs past the end of its array.</exception>
    public static double Dot(ReadOnlySpan<double> a, int aStart, ReadOnlySpan<double> b, int bStart, int count) =>
        DotCore(a, aStart, b, bStart, count);

    /// <summary>
    /// <see cref="Dot(ReadOnlySpan{double}, int, ReadOnlySpan{double}, int, int)"/> for <c>float</c>: eight lanes, added
    /// as ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)).
    /// </summary>
    /// <param name="a">The first array or span.</param>
    /// <param name="aStart">Where in <paramref name="a"/> the first element is.</param>
    /// <param name="b">The second array or span.</param>
    /// <param name="bStart">Where in <paramref name="b"/> the first element is.</param>
    /// <param name="count">How many products.</param>
    public static float Dot(ReadOnlySpan<float> a, int aStart, ReadOnlySpan<float> b, int bStart, int count) =>
        DotCore(a, aStart, b, bStart, count);

    // Lanes of one 256-bit vector (4 doubles, 8 floats), whatever vector hardware there is, added pairwise.
    private static T DotCore<T>(ReadOnlySpan<T> a, int aStart, ReadOnlySpan<T> b, int bStart, int count)
        where T : unmanaged, INumber<T>
    {
        if (count <= 0) return T.Zero;
        ReadOnlySpan<T> x = a.Slice(aStart, count), y = b.Slice(bStart, count);
        int lanes = Vector256<T>.Count, k = 0;
        T sum = T.Zero;
        if (count >= lanes)
        {
            // The slices above checked the ranges: the loads below stay inside them.
            ref T xs = ref MemoryMarshal.GetReference(x);
            ref T ys = ref MemoryMarshal.GetReference(y);
            Vector256<T> partial = Vector256<T>.Zero;
            for (int last = count - lanes; k <= last; k += lanes)
            {
                partial += Vector256.LoadUnsafe(ref xs, (nuint)k) * Vector256.LoadUnsafe(ref ys, (nuint)k);
            }

            sum = Pairwise(partial);
        }

        for (; k < count; k++) sum += x[k] * y[k];
        return sum;
    }

    // (l0 + l1) + (l2 + l3), and for eight lanes the same over each half, added (the lane count is a JIT-time constant).
    private static T Pairwise<T>(Vector256<T> lanes)
        where T : unmanaged, INumber<T>
    {
        T low = (lanes.GetElement(0) + lanes.GetElement(1)) + (lanes.GetElement(2) + lanes.GetElement(3));
        if (Vector256<T>.Count == 4) return low;
        return low + ((lanes.GetElement(4) + lanes.GetElement(5)) + (lanes.GetElement(6) + lanes.GetElement(7)));
    }

    /// <summary>
    /// <see cref="Dot(ReadOnlySpan{double}, int, ReadOnlySpan{double}, int, int)"/> for generated generic-math code: the
    /// kernel for <c>double</c> and <c>float</c>, the scalar loop in order for other types.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="a">The first array or span.</param>
    /// <param name="aStart">Where in <paramref name="a"/> the first element is.</param>
    /// <param name="b">The second array or span.</param>
    /// <param name="bStart">Where in <paramref name="b"/> the first element is.</param>
    /// <param name="count">How many products.</param>
    public static T Dot<T>(ReadOnlySpan<T> a, int aStart, ReadOnlySpan<T> b, int bStart, int count)
        where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            double d = Dot(As<T, double>(a), aStart, As<T, double>(b), bStart, count);
            return Unsafe.As<double, T>(ref d);
        }

        if (typeof(T) == typeof(float))
        {
            float f = Dot(As<T, float>(a), aStart, As<T, float>(b), bStart, count);
            return Unsafe.As<float, T>(ref f);
        }

        T sum = T.Zero;
        if (count <= 0) return sum;
        ReadOnlySpan<T> x = a.Slice(aStart, count), y = b.Slice(bStart, count);
        for (int k = 0; k < count; k++) sum += x[k] * y[k];
        return sum;
    }

    /// <summary><see cref="AllFinite(ReadOnlySpan{double})"/> for generated generic-math code.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="values">The values.</param>
    public static bool AllFinite<T>(ReadOnlySpan<T> values)
        where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double)) return AllFiniteCore(As<T, double>(values));
        if (typeof(T) == typeof(float)) return AllFiniteCore(As<T, float>(values));
        foreach (T value in values)
        {
            if (!T.IsFinite(value)) return false;
        }

        return true;
    }

    // The same memory seen as the type T is known to be (callers test typeof(T) first).
    private static Span<TTo> As<TFrom, TTo>(Span<TFrom> span) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<TFrom, TTo>(ref MemoryMarshal.GetReference(span)), span.Length);

    private static ReadOnlySpan<TTo> As<TFrom, TTo>(ReadOnlySpan<TFrom> span) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<TFrom, TTo>(ref MemoryMarshal.GetReference(span)), span.Length);

    private static void AddScaledCore<T>(Span<T> into, int intoStart, T scale, ReadOnlySpan<T> from, int fromStart, int count, bool skipZero = true)
        where T : unmanaged, INumber<T>
    {
        if (count <= 0) return;
        Span<T> target = into.Slice(intoStart, count);
        ReadOnlySpan<T> source = from.Slice(fromStart, count);

        // A zero multiple of finite values adds only zeros: skip the writes (behind a ReLU or a max-pool most rows have
        // a zero gradient). With an infinity or a NaN in the row, 0 · ∞ is NaN, as IEEE says, so the row is added.
        if (skipZero && scale == T.Zero && AllFiniteCore(source)) return;
        int k = 0;
        if (Vector.IsHardwareAccelerated && count >= Vector<T>.Count)
        {
            // The slices above checked the ranges: the loads and stores below stay inside them.
            ref T t = ref MemoryMarshal.GetReference(target);
            ref T s = ref MemoryMarshal.GetReference(source);
            var factor = new Vector<T>(scale);
            for (int last = count - Vector<T>.Count; k <= last; k += Vector<T>.Count)
            {
                (Vector.LoadUnsafe(ref t, (nuint)k) + factor * Vector.LoadUnsafe(ref s, (nuint)k)).StoreUnsafe(ref t, (nuint)k);
            }
        }

        for (; k < count; k++) target[k] += scale * source[k];
    }

    /// <summary>
    /// Whether no element is infinite or NaN. A reverse loop that adds multiples of a zero adjoint is skipped only where
    /// the values it multiplies pass this check, so that <c>0 · ∞</c> stays NaN.
    /// </summary>
    /// <param name="values">The values.</param>
    public static bool AllFinite(ReadOnlySpan<double> values) => AllFiniteCore(values);

    /// <inheritdoc cref="AllFinite(ReadOnlySpan{double})"/>
    public static bool AllFinite(ReadOnlySpan<float> values) => AllFiniteCore(values);

    // x − x is 0 exactly for finite x, NaN otherwise.
    private static bool AllFiniteCore<T>(ReadOnlySpan<T> values)
        where T : unmanaged, INumber<T>
    {
        int k = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<T>.Count)
        {
            ref T v = ref MemoryMarshal.GetReference(values);
            for (int last = values.Length - Vector<T>.Count; k <= last; k += Vector<T>.Count)
            {
                Vector<T> x = Vector.LoadUnsafe(ref v, (nuint)k);
                if (!Vector.EqualsAll(x - x, Vector<T>.Zero)) return false;
            }
        }

        for (; k < values.Length; k++)
        {
            if (values[k] - values[k] != T.Zero) return false;
        }

        return true;
    }
}
