using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Nn;

/// <summary>
/// The matrix products of the batched layers, register-blocked and vectorized: 256-bit vectors with fused
/// multiply-adds where the CPU has them (AVX2 and FMA), plain vector arithmetic elsewhere, and scalar loops for the
/// edges. All matrices are row-major and dense. Two shapes cover a dense layer's forward and backward passes:
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
        ref T a0 = ref MemoryMarshal.GetReference(a);
        ref T b0 = ref MemoryMarshal.GetReference(b);
        int r = 0;
        if (Vector256.IsHardwareAccelerated && depth >= Vector256<T>.Count)
        {
            // Tiles of 4 rows of A by 3 rows of B: 12 accumulators, 7 loads per 12 multiply-adds.
            for (; r + 4 <= rows; r += 4)
            {
                int col = 0;
                for (; col + 3 <= cols; col += 3) Tile4x3(ref a0, ref b0, bias, c, r, col, cols, depth);
                for (; col < cols; col++)
                {
                    for (int q = r; q < r + 4; q++) c[q * cols + col] = bias[col] + Dot(ref Unsafe.Add(ref a0, q * depth), ref Unsafe.Add(ref b0, col * depth), depth);
                }
            }
        }

        for (; r < rows; r++)
        {
            for (int col = 0; col < cols; col++) c[r * cols + col] = bias[col] + Dot(ref Unsafe.Add(ref a0, r * depth), ref Unsafe.Add(ref b0, col * depth), depth);
        }
    }

    private static void Tile4x3<T>(ref T a0, ref T b0, ReadOnlySpan<T> bias, Span<T> c, int r, int col, int cols, int depth)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T x0 = ref Unsafe.Add(ref a0, r * depth);
        ref T x1 = ref Unsafe.Add(ref x0, depth);
        ref T x2 = ref Unsafe.Add(ref x1, depth);
        ref T x3 = ref Unsafe.Add(ref x2, depth);
        ref T w0 = ref Unsafe.Add(ref b0, col * depth);
        ref T w1 = ref Unsafe.Add(ref w0, depth);
        ref T w2 = ref Unsafe.Add(ref w1, depth);
        Vector256<T> s00 = default, s01 = default, s02 = default, s10 = default, s11 = default, s12 = default;
        Vector256<T> s20 = default, s21 = default, s22 = default, s30 = default, s31 = default, s32 = default;
        int k = 0;
        for (int last = depth - Vector256<T>.Count; k <= last; k += Vector256<T>.Count)
        {
            nuint at = (nuint)k;
            Vector256<T> v0 = Vector256.LoadUnsafe(ref w0, at), v1 = Vector256.LoadUnsafe(ref w1, at), v2 = Vector256.LoadUnsafe(ref w2, at);
            Vector256<T> u = Vector256.LoadUnsafe(ref x0, at);
            s00 = MultiplyAdd(u, v0, s00); s01 = MultiplyAdd(u, v1, s01); s02 = MultiplyAdd(u, v2, s02);
            u = Vector256.LoadUnsafe(ref x1, at);
            s10 = MultiplyAdd(u, v0, s10); s11 = MultiplyAdd(u, v1, s11); s12 = MultiplyAdd(u, v2, s12);
            u = Vector256.LoadUnsafe(ref x2, at);
            s20 = MultiplyAdd(u, v0, s20); s21 = MultiplyAdd(u, v1, s21); s22 = MultiplyAdd(u, v2, s22);
            u = Vector256.LoadUnsafe(ref x3, at);
            s30 = MultiplyAdd(u, v0, s30); s31 = MultiplyAdd(u, v1, s31); s32 = MultiplyAdd(u, v2, s32);
        }

        T t00 = Vector256.Sum(s00), t01 = Vector256.Sum(s01), t02 = Vector256.Sum(s02), t10 = Vector256.Sum(s10), t11 = Vector256.Sum(s11), t12 = Vector256.Sum(s12);
        T t20 = Vector256.Sum(s20), t21 = Vector256.Sum(s21), t22 = Vector256.Sum(s22), t30 = Vector256.Sum(s30), t31 = Vector256.Sum(s31), t32 = Vector256.Sum(s32);
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
    private static T Dot<T>(ref T x, ref T y, int length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = 0;
        T sum = T.Zero;
        if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
        {
            Vector256<T> s0 = default, s1 = default;
            for (int last = length - 2 * Vector256<T>.Count; k <= last; k += 2 * Vector256<T>.Count)
            {
                s0 = MultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)k), Vector256.LoadUnsafe(ref y, (nuint)k), s0);
                s1 = MultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)(k + Vector256<T>.Count)), Vector256.LoadUnsafe(ref y, (nuint)(k + Vector256<T>.Count)), s1);
            }

            for (int last = length - Vector256<T>.Count; k <= last; k += Vector256<T>.Count)
            {
                s0 = MultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)k), Vector256.LoadUnsafe(ref y, (nuint)k), s0);
            }

            sum = Vector256.Sum(s0 + s1);
        }

        for (; k < length; k++) sum += Unsafe.Add(ref x, k) * Unsafe.Add(ref y, k);
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
        int r = 0;
        int v = Vector256<T>.Count;
        if (Vector256.IsHardwareAccelerated && width >= v)
        {
            // Tiles of 4 rows by 2 vectors: 8 accumulators, 2 loads and 4 broadcasts per 8 multiply-adds.
            for (; r + 4 <= rows; r += 4)
            {
                int col = 0;
                for (; col + 2 * v <= width; col += 2 * v)
                {
                    Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
                    for (int k = 0; k < depth; k++)
                    {
                        ref T bk = ref Unsafe.Add(ref b0, k * width + col);
                        Vector256<T> u0 = Vector256.LoadUnsafe(ref bk), u1 = Vector256.LoadUnsafe(ref bk, (nuint)v);
                        ref T ak = ref Unsafe.Add(ref a0, r * rowStride + k * depthStride);
                        Vector256<T> s = Vector256.Create(ak);
                        c00 = MultiplyAdd(s, u0, c00); c01 = MultiplyAdd(s, u1, c01);
                        s = Vector256.Create(Unsafe.Add(ref ak, rowStride));
                        c10 = MultiplyAdd(s, u0, c10); c11 = MultiplyAdd(s, u1, c11);
                        s = Vector256.Create(Unsafe.Add(ref ak, 2 * rowStride));
                        c20 = MultiplyAdd(s, u0, c20); c21 = MultiplyAdd(s, u1, c21);
                        s = Vector256.Create(Unsafe.Add(ref ak, 3 * rowStride));
                        c30 = MultiplyAdd(s, u0, c30); c31 = MultiplyAdd(s, u1, c31);
                    }

                    AddTo(ref c0, r * width + col, v, c00, c01);
                    AddTo(ref c0, (r + 1) * width + col, v, c10, c11);
                    AddTo(ref c0, (r + 2) * width + col, v, c20, c21);
                    AddTo(ref c0, (r + 3) * width + col, v, c30, c31);
                }

                for (int q = r; q < r + 4; q++) AddRow(ref a0, q * rowStride, depthStride, ref b0, ref c0, q * width, col, width, depth);
            }
        }

        for (; r < rows; r++) AddRow(ref a0, r * rowStride, depthStride, ref b0, ref c0, r * width, 0, width, depth);
    }

    private static void AddTo<T>(ref T c0, int at, int v, Vector256<T> first, Vector256<T> second)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T target = ref Unsafe.Add(ref c0, at);
        (Vector256.LoadUnsafe(ref target) + first).StoreUnsafe(ref target);
        (Vector256.LoadUnsafe(ref target, (nuint)v) + second).StoreUnsafe(ref target, (nuint)v);
    }

    /// <summary>One row of <see cref="AddProduct{T}"/> from column <paramref name="from"/> on: one vector at a time, then scalars.</summary>
    private static void AddRow<T>(ref T a0, int aStart, int depthStride, ref T b0, ref T c0, int cStart, int from, int width, int depth)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int col = from;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; col + Vector256<T>.Count <= width; col += Vector256<T>.Count)
            {
                Vector256<T> sum = default;
                for (int k = 0; k < depth; k++)
                {
                    sum = MultiplyAdd(Vector256.Create(Unsafe.Add(ref a0, aStart + k * depthStride)), Vector256.LoadUnsafe(ref b0, (nuint)(k * width + col)), sum);
                }

                ref T target = ref Unsafe.Add(ref c0, cStart + col);
                (Vector256.LoadUnsafe(ref target) + sum).StoreUnsafe(ref target);
            }
        }

        for (; col < width; col++)
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
            int col = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                ref T s0 = ref MemoryMarshal.GetReference(sums);
                ref T m0 = ref MemoryMarshal.GetReference(row);
                for (; col + Vector256<T>.Count <= cols; col += Vector256<T>.Count)
                {
                    (Vector256.LoadUnsafe(ref s0, (nuint)col) + Vector256.LoadUnsafe(ref m0, (nuint)col)).StoreUnsafe(ref s0, (nuint)col);
                }
            }

            for (; col < cols; col++) sums[col] += row[col];
        }
    }

    /// <summary><c>a · b + c</c>, fused (one rounding) where the CPU has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> MultiplyAdd<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Fma.IsSupported)
        {
            if (typeof(T) == typeof(float)) return Fma.MultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
            if (typeof(T) == typeof(double)) return Fma.MultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }

        return a * b + c;
    }

    private static void Check(bool fits)
    {
        if (!fits) throw new ArgumentException("A matrix is smaller than its stated shape.");
    }
}
