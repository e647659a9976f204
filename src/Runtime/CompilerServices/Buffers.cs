using System;
using System.Buffers;
using System.Collections.Generic;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace Backprop.CompilerServices;

/// <summary>
/// For generated code: the buffers a generated derivative works in, and the checks on the ones it is handed.
/// <list type="bullet">
/// <item>Arrays of exactly the length asked for (<see cref="RentZeroed{T}(int)"/>, <see cref="RentCopy{T}(T[], int)"/>…):
/// the adjoints of local arrays, copies of incoming gradients, saved copies of arrays, and the local arrays of the
/// primal itself inside a Backward. Unlike <see cref="ArrayPool{T}"/>, the length is exact, so such an array can be
/// passed on to another Backward (which checks shapes). A small per-thread cache keyed by length keeps a steady training
/// loop free of allocations.</item>
/// <item>Save buffers, one slot per loop trip (<see cref="RentSaves{T}(int)"/>), from <see cref="ArrayPool{T}.Shared"/>
/// and not cleared: every slot the reverse sweep reads was written by the forward sweep first.</item>
/// <item>The shape check on each adjoint a caller passes (<see cref="CheckShape{T}(T[], int, string, string)"/>).</item>
/// <item>All of these run once per call, not per element: they are not inlined, so that they leave the JIT's inlining budget
/// to the loops of the generated method (which inline the math they call, <c>Math.Sign</c> and the like).</item>
/// </list>
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Buffers
{
    /// <summary>Rents an array of exactly <paramref name="length"/> elements, all zero.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static T[] RentZeroed<T>(int length) => Cache<T>.Rent(length);

    /// <summary>
    /// Rents a zeroed array for a length of another integral type (<c>new double[n]</c> with a <c>long n</c>); a length
    /// no array can have throws <see cref="OverflowException"/>, as <c>new double[n]</c> does.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static T[] RentZeroed<T>(long length) => Cache<T>.Rent(checked((int)length));

    /// <inheritdoc cref="RentZeroed{T}(long)"/>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static T[] RentZeroed<T>(ulong length) => Cache<T>.Rent(checked((int)length));

    /// <summary>
    /// Returns <paramref name="buffer"/> if it has exactly <paramref name="length"/> elements; otherwise returns it to
    /// the pool and rents a zeroed one of that length. The generated code keeps adjoint buffers zero between uses, so a
    /// buffer handed back unchanged is still zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static T[] Grow<T>(T[] buffer, int length)
    {
        if (buffer.Length == length)
        {
            return buffer;
        }

        Return(buffer);
        return RentZeroed<T>(length);
    }

    /// <summary>
    /// Rents an array of exactly <paramref name="length"/> elements holding a copy of <paramref name="source"/>, or zeros
    /// when it is null. Generated code copies the incoming gradient of an output this way, so that the caller's adjoint
    /// is left unchanged.
    /// </summary>
    public static T[] RentCopy<T>(T[]? source, int length) => RentCopy((ReadOnlySpan<T>)source, length);

    /// <summary>Rents a copy of a span's elements (zeros when it is empty); see <see cref="RentCopy{T}(T[], int)"/>.</summary>
    public static T[] RentCopy<T>(Span<T> source, int length) => RentCopy((ReadOnlySpan<T>)source, length);

    /// <inheritdoc cref="RentCopy{T}(T[], int)"/>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static T[] RentCopy<T>(ReadOnlySpan<T> source, int length)
    {
        // One pass over the buffer: the copy, and zeros only where the source ends early.
        T[] copy = Cache<T>.Rent(length, clear: false);
        int copied = Math.Min(length, source.Length);
        source.Slice(0, copied).CopyTo(copy);
        Array.Clear(copy, copied, length - copied);
        return copy;
    }

    /// <summary>
    /// The incoming gradient of an output, to read in place: <paramref name="incoming"/> itself, or <paramref name="length"/>
    /// zeros when the caller passes none. Generated code reads an output's gradient this way, without a copy, when the
    /// method stores each of the output's elements at most once and never reads them.
    /// </summary>
    public static ReadOnlySpan<T> ReadOnly<T>(T[]? incoming, int length) => ReadOnly((ReadOnlySpan<T>)incoming, length);

    /// <inheritdoc cref="ReadOnly{T}(T[], int)"/>
    public static ReadOnlySpan<T> ReadOnly<T>(Span<T> incoming, int length) => ReadOnly((ReadOnlySpan<T>)incoming, length);

    /// <inheritdoc cref="ReadOnly{T}(T[], int)"/>
    public static ReadOnlySpan<T> ReadOnly<T>(ReadOnlySpan<T> incoming, int length) => incoming.IsEmpty ? Zeros<T>.Of(length) : incoming;

    /// <summary>
    /// The incoming gradient of an output, to read and consume in place: <paramref name="incoming"/> itself, or
    /// <paramref name="length"/> zeros of this thread's own when the caller passes none. A generated Pullback reads an
    /// output's gradient this way when the layer stores each element at most once and never reads it, and writes zero
    /// over each element it stores (so only zeros are ever written into the scratch zeros).
    /// </summary>
    public static Span<T> Consume<T>(T[]? incoming, int length) => Consume((Span<T>)incoming, length);

    /// <inheritdoc cref="Consume{T}(T[], int)"/>
    public static Span<T> Consume<T>(Span<T> incoming, int length) => incoming.IsEmpty ? ScratchZeros<T>.Of(length) : incoming;

    /// <summary>
    /// Copies what a Pullback's reverse sweep left of an output's adjoint (the gradient of the elements the layer did
    /// not store) back into the caller's, which the caller reads on: a generated Pullback consumes its output adjoints.
    /// Nothing happens when the caller passed none.
    /// </summary>
    public static void HandBack<T>(T[] residual, T[]? incoming) => HandBack(residual, (Span<T>)incoming);

    /// <inheritdoc cref="HandBack{T}(T[], T[])"/>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void HandBack<T>(T[] residual, Span<T> incoming)
    {
        if (!incoming.IsEmpty) residual.AsSpan(0, incoming.Length).CopyTo(incoming);
    }

    /// <inheritdoc cref="HandBack{T}(T[], T[])"/>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void HandBack<T>(T[,] residual, T[,]? incoming)
    {
        if (incoming is not null && incoming.Length > 0) Array.Copy(residual, incoming, incoming.Length);
    }

    /// <summary>Rents a row-major copy of a two-dimensional array's elements; see <see cref="RentCopy{T}(T[], int)"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static T[] RentCopy<T>(T[,] source, int length)
    {
        T[] copy = RentZeroed<T>(length);
        int k = 0;
        foreach (T value in source) copy[k++] = value;
        return copy;
    }

    /// <summary>Copies a row-major saved copy back over a two-dimensional array and gives the copy back to the pool.</summary>
    public static void Restore<T>(T[] saved, T[,] target)
    {
        int columns = target.GetLength(1);
        for (int i = 0; i < target.GetLength(0); i++)
        {
            for (int j = 0; j < columns; j++) target[i, j] = saved[i * columns + j];
        }

        Return(saved);
    }

    /// <summary>
    /// The slice of an adjoint that goes with a slice of its array (<c>w.AsSpan(start, length)</c> passed to a
    /// [Differentiable] call): empty when the adjoint is null or empty, because nobody wants that gradient.
    /// </summary>
    public static Span<T> Slice<T>(T[]? adjoint, int start = 0) => adjoint is null || adjoint.Length == 0 ? default : adjoint.AsSpan(start);

    /// <inheritdoc cref="Slice{T}(T[], int)"/>
    public static Span<T> Slice<T>(T[]? adjoint, int start, int length) =>
        adjoint is null || adjoint.Length == 0 ? default : adjoint.AsSpan(start, length);

    /// <inheritdoc cref="Slice{T}(T[], int)"/>
    public static Span<T> Slice<T>(Span<T> adjoint, int start = 0) => adjoint.IsEmpty ? default : adjoint.Slice(start);

    /// <inheritdoc cref="Slice{T}(T[], int)"/>
    public static Span<T> Slice<T>(Span<T> adjoint, int start, int length) => adjoint.IsEmpty ? default : adjoint.Slice(start, length);

    /// <summary>Copies a saved array back over <paramref name="target"/> and gives the copy back to the pool.</summary>
    public static void Restore<T>(T[] saved, T[] target)
    {
        Array.Copy(saved, target, target.Length);
        Return(saved);
    }

    /// <summary>Copies a saved array back over a span and gives the copy back to the pool.</summary>
    public static void Restore<T>(T[] saved, Span<T> target)
    {
        saved.AsSpan(0, target.Length).CopyTo(target);
        Return(saved);
    }

    /// <summary>
    /// A zeroed array of exactly <paramref name="length"/> elements: <paramref name="buffer"/> cleared if it has that
    /// length, else a fresh one from the pool (the old one goes back). Forward mode gives a new local array its
    /// tangent this way.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static T[] Zeroed<T>(T[] buffer, int length)
    {
        if (buffer.Length == length)
        {
            Array.Clear(buffer, 0, length);
            return buffer;
        }

        Return(buffer);
        return RentZeroed<T>(length);
    }

    /// <summary>Gives an array from <see cref="RentZeroed{T}(int)"/> back; an empty array is ignored.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Return<T>(T[]? buffer)
    {
        if (buffer is not null) Cache<T>.Return(buffer);
    }

    /// <summary>Rents a save buffer with room for <paramref name="count"/> values; an empty one when the loop will not run.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="count">The loop's trip count (negative or zero when it does not run).</param>
    /// <returns>A buffer with room for <paramref name="count"/> values.</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static T[] RentSaves<T>(int count) => count > 0 ? ArrayPool<T>.Shared.Rent(count) : Array.Empty<T>();

    /// <summary>Rents a save buffer for a loop counted in another integral type (<c>for (long i = 0; i &lt; n; i++)</c>).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="count">The loop's trip count (negative or zero when it does not run).</param>
    /// <returns>A buffer with room for <paramref name="count"/> values.</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static T[] RentSaves<T>(long count) => count > 0 ? ArrayPool<T>.Shared.Rent(checked((int)count)) : Array.Empty<T>();

    /// <inheritdoc cref="RentSaves{T}(long)"/>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static T[] RentSaves<T>(ulong count) => count > 0 ? ArrayPool<T>.Shared.Rent(checked((int)count)) : Array.Empty<T>();

    /// <summary>Gives a save buffer from <see cref="RentSaves{T}(int)"/> back (an empty one is ignored).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="buffer">The buffer.</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ReturnSaves<T>(T[] buffer)
    {
        if (buffer.Length > 0) ArrayPool<T>.Shared.Return(buffer, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless the adjoint <paramref name="adjoint"/> (null: not wanted) has
    /// <paramref name="length"/> elements, the length of the array <paramref name="primalName"/> it goes with.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="adjoint">The adjoint the caller passed.</param>
    /// <param name="length">The primal array's length.</param>
    /// <param name="adjointName">The adjoint parameter's name, for the message.</param>
    /// <param name="primalName">The primal parameter's name, for the message.</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void CheckShape<T>(T[]? adjoint, int length, string adjointName, string primalName)
    {
        if (adjoint is not null && adjoint.Length != length) ThrowShape(adjointName, primalName, Text(length), Text(adjoint.Length));
    }

    /// <summary>The same for a span adjoint (empty: not wanted).</summary>
    /// <inheritdoc cref="CheckShape{T}(T[], int, string, string)"/>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void CheckShape<T>(Span<T> adjoint, int length, string adjointName, string primalName)
    {
        if (!adjoint.IsEmpty && adjoint.Length != length) ThrowShape(adjointName, primalName, Text(length), Text(adjoint.Length));
    }

    /// <summary>The same for a read-only span, such as a tangent or a direction (empty: zero).</summary>
    /// <inheritdoc cref="CheckShape{T}(T[], int, string, string)"/>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void CheckShape<T>(ReadOnlySpan<T> adjoint, int length, string adjointName, string primalName)
    {
        if (!adjoint.IsEmpty && adjoint.Length != length) ThrowShape(adjointName, primalName, Text(length), Text(adjoint.Length));
    }

    /// <summary>The same for a two-dimensional adjoint of <paramref name="rows"/> × <paramref name="columns"/>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="adjoint">The adjoint the caller passed.</param>
    /// <param name="rows">The primal array's first dimension.</param>
    /// <param name="columns">The primal array's second dimension.</param>
    /// <param name="adjointName">The adjoint parameter's name, for the message.</param>
    /// <param name="primalName">The primal parameter's name, for the message.</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void CheckShape<T>(T[,]? adjoint, int rows, int columns, string adjointName, string primalName)
    {
        if (adjoint is not null && (adjoint.GetLength(0) != rows || adjoint.GetLength(1) != columns))
        {
            ThrowShape(adjointName, primalName, $"[{Text(rows)}, {Text(columns)}]", $"[{Text(adjoint.GetLength(0))}, {Text(adjoint.GetLength(1))}]");
        }
    }

    private static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void ThrowShape(string adjointName, string primalName, string expected, string actual) =>
        throw new ArgumentException($"{adjointName} must have the shape of {primalName}: {primalName} has {expected} but {adjointName} has {actual}.",
            adjointName);

    /// <summary>Zeros to read: one shared array per element type, only ever exposed read-only, grown when too short.</summary>
    private static class Zeros<T>
    {
        private static T[] _zeros = Array.Empty<T>();

        public static ReadOnlySpan<T> Of(int length)
        {
            T[] zeros = _zeros;
            if (zeros.Length < length) _zeros = zeros = new T[length];
            return zeros.AsSpan(0, length);
        }
    }

    /// <summary>
    /// Zeros a Pullback may write zeros over, when its caller passes no gradient for an output: one array per thread
    /// and element type, grown when too short.
    /// </summary>
    private static class ScratchZeros<T>
    {
        [ThreadStatic]
        private static T[]? _zeros;

        public static Span<T> Of(int length)
        {
            T[]? zeros = _zeros;
            if (zeros is null || zeros.Length < length) _zeros = zeros = new T[length];
            return zeros.AsSpan(0, length);
        }
    }

    private static class Cache<T>
    {
        private const int PerLength = 8;
        private const int MaxLength = 1 << 24;

        [ThreadStatic]
        private static Dictionary<int, Stack<T[]>>? _free;

        public static T[] Rent(int length, bool clear = true)
        {
            if (length == 0)
            {
                return Array.Empty<T>();
            }

            if (_free is not null && _free.TryGetValue(length, out Stack<T[]>? stack) && stack.Count > 0)
            {
                T[] reused = stack.Pop();
                if (clear) Array.Clear(reused, 0, reused.Length);
                return reused;
            }

            return new T[length];
        }

        public static void Return(T[] buffer)
        {
            if (buffer.Length == 0 || buffer.Length > MaxLength)
            {
                return;
            }

            _free ??= new Dictionary<int, Stack<T[]>>();
            if (!_free.TryGetValue(buffer.Length, out Stack<T[]>? stack))
            {
                _free[buffer.Length] = stack = new Stack<T[]>();
            }

            // A buffer given back twice would later be handed out twice: keep one copy (the stack holds at most 8).
            if (stack.Count < PerLength && !stack.Contains(buffer))
            {
                stack.Push(buffer);
            }
        }
    }
}
