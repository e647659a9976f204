using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Nn;

/// <summary>
/// The matrix products of the batched layers, register-blocked and vectorized: 512-bit vectors where the CPU has
/// them (AVX-512), else 256-bit ones with fused multiply-adds (AVX2 and FMA), plain vector arithmetic elsewhere, and
/// scalar loops for the edges. Each kernel is written once over <see cref="IVectorOps{TVector, T}"/> and specialized
/// by the JIT for each width. All matrices are row-major and dense. Two shapes cover a dense layer's forward and backward passes:
/// <list type="bullet">
/// <item><see cref="MultiplyTransposed{T}"/>: <c>C[r, c] = bias[c] + Σₖ A[r, k] · B[c, k]</c>, dot products along the
/// rows of both (the forward pass, <c>y = x · wᵀ + b</c>).</item>
/// <item><see cref="AddProduct{T}"/>: <c>C[r, :] += Σₖ a(r, k) · B[k, :]</c>, scaled rows added up (the backward
/// pass: <c>dx += dy · w</c> and <c>dw += dyᵀ · x</c>, where <c>a</c> reads <c>dy</c> by rows or by columns).</item>
/// </list>
/// </summary>
internal static class Gemm
{
    /// <summary>
    /// <c>C[r, c] = bias[c] + Σₖ A[r, k] · B[c, k]</c> for <c>r &lt; rows</c>, <c>c &lt; cols</c>, <c>k &lt; depth</c>; A is
    /// <c>rows × depth</c>, B is <c>cols × depth</c>, C is <c>rows × cols</c>. C is overwritten.
    /// </summary>
    public static void MultiplyTransposed<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> bias, Span<T> c, int rows, int cols, int depth)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(a.Length >= rows * depth && b.Length >= cols * depth && c.Length >= rows * cols && bias.Length >= cols);
        if (Vector512.IsHardwareAccelerated && depth >= Vector512<T>.Count) MultiplyTransposed<T, Wide512<T>, Vector512<T>>(a, b, bias, c, rows, cols, depth);
        else if (Vector256.IsHardwareAccelerated && depth >= Vector256<T>.Count) MultiplyTransposed<T, Wide256<T>, Vector256<T>>(a, b, bias, c, rows, cols, depth);
        else
        {
            for (int r = 0; r < rows; r++)
            {
                for (int col = 0; col < cols; col++) c[r * cols + col] = bias[col] + ScalarDot(a.Slice(r * depth, depth), b.Slice(col * depth, depth));
            }
        }
    }

    private static void MultiplyTransposed<T, TOps, TVector>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> bias, Span<T> c, int rows, int cols, int depth)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOps : struct, IVectorOps<TVector, T>
    {
        ref T a0 = ref MemoryMarshal.GetReference(a);
        ref T b0 = ref MemoryMarshal.GetReference(b);
        int r = 0;
        // Tiles of 4 rows of A by 3 rows of B: 12 accumulators, 7 loads per 12 multiply-adds.
        for (; r + 4 <= rows; r += 4)
        {
            int col = 0;
            for (; col + 3 <= cols; col += 3) Tile4x3<T, TOps, TVector>(ref a0, ref b0, bias, c, r, col, cols, depth);
            for (; col < cols; col++)
            {
                for (int q = r; q < r + 4; q++) c[q * cols + col] = bias[col] + Dot<T, TOps, TVector>(ref Unsafe.Add(ref a0, q * depth), ref Unsafe.Add(ref b0, col * depth), depth);
            }
        }

        for (; r < rows; r++)
        {
            for (int col = 0; col < cols; col++) c[r * cols + col] = bias[col] + Dot<T, TOps, TVector>(ref Unsafe.Add(ref a0, r * depth), ref Unsafe.Add(ref b0, col * depth), depth);
        }
    }

    private static void Tile4x3<T, TOps, TVector>(ref T a0, ref T b0, ReadOnlySpan<T> bias, Span<T> c, int r, int col, int cols, int depth)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOps : struct, IVectorOps<TVector, T>
    {
        ref T x0 = ref Unsafe.Add(ref a0, r * depth);
        ref T x1 = ref Unsafe.Add(ref x0, depth);
        ref T x2 = ref Unsafe.Add(ref x1, depth);
        ref T x3 = ref Unsafe.Add(ref x2, depth);
        ref T w0 = ref Unsafe.Add(ref b0, col * depth);
        ref T w1 = ref Unsafe.Add(ref w0, depth);
        ref T w2 = ref Unsafe.Add(ref w1, depth);
        TVector s00 = TOps.Zero, s01 = TOps.Zero, s02 = TOps.Zero, s10 = TOps.Zero, s11 = TOps.Zero, s12 = TOps.Zero;
        TVector s20 = TOps.Zero, s21 = TOps.Zero, s22 = TOps.Zero, s30 = TOps.Zero, s31 = TOps.Zero, s32 = TOps.Zero;
        int k = 0;
        for (int last = depth - TOps.Count; k <= last; k += TOps.Count)
        {
            nuint at = (nuint)k;
            TVector v0 = TOps.Load(ref w0, at), v1 = TOps.Load(ref w1, at), v2 = TOps.Load(ref w2, at);
            TVector u = TOps.Load(ref x0, at);
            s00 = TOps.MultiplyAdd(u, v0, s00); s01 = TOps.MultiplyAdd(u, v1, s01); s02 = TOps.MultiplyAdd(u, v2, s02);
            u = TOps.Load(ref x1, at);
            s10 = TOps.MultiplyAdd(u, v0, s10); s11 = TOps.MultiplyAdd(u, v1, s11); s12 = TOps.MultiplyAdd(u, v2, s12);
            u = TOps.Load(ref x2, at);
            s20 = TOps.MultiplyAdd(u, v0, s20); s21 = TOps.MultiplyAdd(u, v1, s21); s22 = TOps.MultiplyAdd(u, v2, s22);
            u = TOps.Load(ref x3, at);
            s30 = TOps.MultiplyAdd(u, v0, s30); s31 = TOps.MultiplyAdd(u, v1, s31); s32 = TOps.MultiplyAdd(u, v2, s32);
        }

        T t00 = TOps.Sum(s00), t01 = TOps.Sum(s01), t02 = TOps.Sum(s02), t10 = TOps.Sum(s10), t11 = TOps.Sum(s11), t12 = TOps.Sum(s12);
        T t20 = TOps.Sum(s20), t21 = TOps.Sum(s21), t22 = TOps.Sum(s22), t30 = TOps.Sum(s30), t31 = TOps.Sum(s31), t32 = TOps.Sum(s32);
        for (; k < depth; k++)
        {
            T v0 = Unsafe.Add(ref w0, k), v1 = Unsafe.Add(ref w1, k), v2 = Unsafe.Add(ref w2, k);
            T u0 = Unsafe.Add(ref x0, k), u1 = Unsafe.Add(ref x1, k), u2 = Unsafe.Add(ref x2, k), u3 = Unsafe.Add(ref x3, k);
            t00 += u0 * v0; t01 += u0 * v1; t02 += u0 * v2;
            t10 += u1 * v0; t11 += u1 * v1; t12 += u1 * v2;
            t20 += u2 * v0; t21 += u2 * v1; t22 += u2 * v2;
            t30 += u3 * v0; t31 += u3 * v1; t32 += u3 * v2;
        }

        T c0 = bias[col], c1 = bias[col + 1], c2 = bias[col + 2];
        Span<T> row = c.Slice(r * cols + col);
        row[0] = c0 + t00; row[1] = c1 + t01; row[2] = c2 + t02;
        row = row.Slice(cols);
        row[0] = c0 + t10; row[1] = c1 + t11; row[2] = c2 + t12;
        row = row.Slice(cols);
        row[0] = c0 + t20; row[1] = c1 + t21; row[2] = c2 + t22;
        row = row.Slice(cols);
        row[0] = c0 + t30; row[1] = c1 + t31; row[2] = c2 + t32;
    }

    /// <summary>One dot product, with two vector accumulators so that consecutive multiply-adds do not wait on each other.</summary>
    private static T Dot<T, TOps, TVector>(ref T x, ref T y, int length)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOps : struct, IVectorOps<TVector, T>
    {
        int k = 0;
        TVector s0 = TOps.Zero, s1 = TOps.Zero;
        for (int last = length - 2 * TOps.Count; k <= last; k += 2 * TOps.Count)
        {
            s0 = TOps.MultiplyAdd(TOps.Load(ref x, (nuint)k), TOps.Load(ref y, (nuint)k), s0);
            s1 = TOps.MultiplyAdd(TOps.Load(ref x, (nuint)(k + TOps.Count)), TOps.Load(ref y, (nuint)(k + TOps.Count)), s1);
        }

        for (int last = length - TOps.Count; k <= last; k += TOps.Count)
        {
            s0 = TOps.MultiplyAdd(TOps.Load(ref x, (nuint)k), TOps.Load(ref y, (nuint)k), s0);
        }

        T sum = TOps.Sum(TOps.Add(s0, s1));
        for (; k < length; k++) sum += Unsafe.Add(ref x, k) * Unsafe.Add(ref y, k);
        return sum;
    }

    private static T ScalarDot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        for (int k = 0; k < x.Length; k++) sum += x[k] * y[k];
        return sum;
    }

    /// <summary>
    /// <c>C[r, :] += Σₖ A[r·rowStride + k·depthStride] · B[k, :]</c> for <c>r &lt; rows</c>, <c>k &lt; depth</c>, over
    /// <c>width</c> columns; B is <c>depth × width</c>, C is <c>rows × width</c>. With <c>rowStride = depth</c> and
    /// <c>depthStride = 1</c>, A is read as a <c>rows × depth</c> matrix (<c>dx += dy · w</c>); with <c>rowStride = 1</c>
    /// and <c>depthStride = rows</c>, as the transpose of a <c>depth × rows</c> one (<c>dw += dyᵀ · x</c>).
    /// </summary>
    public static void AddProduct<T>(ReadOnlySpan<T> a, int rowStride, int depthStride, ReadOnlySpan<T> b, Span<T> c, int rows, int width, int depth)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(c.Length >= rows * width && b.Length >= depth * width && (rows == 0 || depth == 0 || a.Length > (rows - 1) * rowStride + (depth - 1) * depthStride));
        ref T a0 = ref MemoryMarshal.GetReference(a);
        ref T b0 = ref MemoryMarshal.GetReference(b);
        ref T c0 = ref MemoryMarshal.GetReference(c);
        if (Vector512.IsHardwareAccelerated && width >= Vector512<T>.Count) AddProduct<T, Wide512<T>, Vector512<T>>(ref a0, rowStride, depthStride, ref b0, ref c0, rows, width, depth);
        else if (Vector256.IsHardwareAccelerated && width >= Vector256<T>.Count) AddProduct<T, Wide256<T>, Vector256<T>>(ref a0, rowStride, depthStride, ref b0, ref c0, rows, width, depth);
        else
        {
            for (int r = 0; r < rows; r++) AddRowScalar(ref a0, r * rowStride, depthStride, ref b0, ref c0, r * width, 0, width, depth);
        }
    }

    private static void AddProduct<T, TOps, TVector>(ref T a0, int rowStride, int depthStride, ref T b0, ref T c0, int rows, int width, int depth)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOps : struct, IVectorOps<TVector, T>
    {
        int r = 0;
        int v = TOps.Count;
        // Tiles of 4 rows by 2 vectors: 8 accumulators, 2 loads and 4 broadcasts per 8 multiply-adds.
        for (; r + 4 <= rows; r += 4)
        {
            int col = 0;
            for (; col + 2 * v <= width; col += 2 * v)
            {
                TVector c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero, c20 = TOps.Zero, c21 = TOps.Zero, c30 = TOps.Zero, c31 = TOps.Zero;
                for (int k = 0; k < depth; k++)
                {
                    ref T bk = ref Unsafe.Add(ref b0, k * width + col);
                    TVector u0 = TOps.Load(ref bk, 0), u1 = TOps.Load(ref bk, (nuint)v);
                    ref T ak = ref Unsafe.Add(ref a0, r * rowStride + k * depthStride);
                    TVector s = TOps.Broadcast(ak);
                    c00 = TOps.MultiplyAdd(s, u0, c00); c01 = TOps.MultiplyAdd(s, u1, c01);
                    s = TOps.Broadcast(Unsafe.Add(ref ak, rowStride));
                    c10 = TOps.MultiplyAdd(s, u0, c10); c11 = TOps.MultiplyAdd(s, u1, c11);
                    s = TOps.Broadcast(Unsafe.Add(ref ak, 2 * rowStride));
                    c20 = TOps.MultiplyAdd(s, u0, c20); c21 = TOps.MultiplyAdd(s, u1, c21);
                    s = TOps.Broadcast(Unsafe.Add(ref ak, 3 * rowStride));
                    c30 = TOps.MultiplyAdd(s, u0, c30); c31 = TOps.MultiplyAdd(s, u1, c31);
                }

                AddTo<T, TOps, TVector>(ref c0, r * width + col, c00, c01);
                AddTo<T, TOps, TVector>(ref c0, (r + 1) * width + col, c10, c11);
                AddTo<T, TOps, TVector>(ref c0, (r + 2) * width + col, c20, c21);
                AddTo<T, TOps, TVector>(ref c0, (r + 3) * width + col, c30, c31);
            }

            for (int q = r; q < r + 4; q++) AddRow<T, TOps, TVector>(ref a0, q * rowStride, depthStride, ref b0, ref c0, q * width, col, width, depth);
        }

        for (; r < rows; r++) AddRow<T, TOps, TVector>(ref a0, r * rowStride, depthStride, ref b0, ref c0, r * width, 0, width, depth);
    }

    private static void AddTo<T, TOps, TVector>(ref T c0, int at, TVector first, TVector second)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOps : struct, IVectorOps<TVector, T>
    {
        ref T target = ref Unsafe.Add(ref c0, at);
        TOps.Store(TOps.Add(TOps.Load(ref target, 0), first), ref target, 0);
        TOps.Store(TOps.Add(TOps.Load(ref target, (nuint)TOps.Count), second), ref target, (nuint)TOps.Count);
    }

    /// <summary>One row of <see cref="AddProduct{T}"/> from column <paramref name="from"/> on: one vector at a time, then scalars.</summary>
    private static void AddRow<T, TOps, TVector>(ref T a0, int aStart, int depthStride, ref T b0, ref T c0, int cStart, int from, int width, int depth)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOps : struct, IVectorOps<TVector, T>
    {
        int col = from;
        for (; col + TOps.Count <= width; col += TOps.Count)
        {
            TVector sum = TOps.Zero;
            for (int k = 0; k < depth; k++)
            {
                sum = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref a0, aStart + k * depthStride)), TOps.Load(ref b0, (nuint)(k * width + col)), sum);
            }

            ref T target = ref Unsafe.Add(ref c0, cStart + col);
            TOps.Store(TOps.Add(TOps.Load(ref target, 0), sum), ref target, 0);
        }

        AddRowScalar(ref a0, aStart, depthStride, ref b0, ref c0, cStart, col, width, depth);
    }

    private static void AddRowScalar<T>(ref T a0, int aStart, int depthStride, ref T b0, ref T c0, int cStart, int from, int width, int depth)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int col = from; col < width; col++)
        {
            T sum = T.Zero;
            for (int k = 0; k < depth; k++) sum += Unsafe.Add(ref a0, aStart + k * depthStride) * Unsafe.Add(ref b0, k * width + col);
            Unsafe.Add(ref c0, cStart + col) += sum;
        }
    }

    /// <summary><c>sums[c] += Σᵣ m[r, c]</c>: the column sums of a <c>rows × cols</c> matrix (a bias's gradient).</summary>
    public static void AddColumnSums<T>(ReadOnlySpan<T> m, Span<T> sums, int rows, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(m.Length >= rows * cols && sums.Length >= cols);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> row = m.Slice(r * cols, cols);
            TensorPrimitives.Add(sums.Slice(0, cols), row, sums.Slice(0, cols));
        }
    }

    private static void Check(bool fits)
    {
        if (!fits) throw new ArgumentException("A matrix is smaller than its stated shape.");
    }

    /// <summary>The vector operations the kernels use, for one vector width; the JIT specializes each kernel per width.</summary>
    private interface IVectorOps<TVector, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        static abstract int Count { get; }

        static abstract TVector Zero { get; }

        static abstract TVector Load(ref T source, nuint offset);

        static abstract void Store(TVector value, ref T target, nuint offset);

        static abstract TVector Broadcast(T value);

        static abstract TVector Add(TVector a, TVector b);

        /// <summary><c>a · b + c</c>, fused (one rounding) where the CPU has FMA.</summary>
        static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

        static abstract T Sum(TVector v);
    }

    /// <summary>256-bit vectors: AVX2, with FMA where the CPU has it.</summary>
    private readonly struct Wide256<T> : IVectorOps<Vector256<T>, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static int Count => Vector256<T>.Count;

        public static Vector256<T> Zero => Vector256<T>.Zero;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Load(ref T source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector256<T> value, ref T target, nuint offset) => value.StoreUnsafe(ref target, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Broadcast(T value) => Vector256.Create(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Add(Vector256<T> a, Vector256<T> b) => a + b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> MultiplyAdd(Vector256<T> a, Vector256<T> b, Vector256<T> c)
        {
            if (Fma.IsSupported)
            {
                if (typeof(T) == typeof(float)) return Fma.MultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
                if (typeof(T) == typeof(double)) return Fma.MultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
            }

            return a * b + c;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Sum(Vector256<T> v) => Vector256.Sum(v);
    }

    /// <summary>512-bit vectors: AVX-512, where a fused multiply-add of 16 floats is one instruction.</summary>
    private readonly struct Wide512<T> : IVectorOps<Vector512<T>, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static int Count => Vector512<T>.Count;

        public static Vector512<T> Zero => Vector512<T>.Zero;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Load(ref T source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector512<T> value, ref T target, nuint offset) => value.StoreUnsafe(ref target, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Broadcast(T value) => Vector512.Create(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> MultiplyAdd(Vector512<T> a, Vector512<T> b, Vector512<T> c)
        {
            if (Avx512F.IsSupported)
            {
                if (typeof(T) == typeof(float)) return Avx512F.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
                if (typeof(T) == typeof(double)) return Avx512F.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
            }

            return a * b + c;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Sum(Vector512<T> v) => Vector512.Sum(v);
    }
}
