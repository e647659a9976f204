using System;
using System.Buffers;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace Backprop.CompilerServices;

/// <summary>
/// A last-in, first-out stack of values backed by <see cref="ArrayPool{T}.Shared"/>. Generated Backward methods use
/// it to keep the primal values that a loop overwrites and that the reverse sweep needs again. It holds values,
/// never operations: there is no tape to interpret. Create it with <c>new()</c>, and call <see cref="Dispose"/> on
/// every path (the generated code does so in a <c>finally</c> block); it rents nothing until the first push.
/// </summary>
/// <remarks>
/// The values live in segments of at most <see cref="SegmentLength"/> values: a stack that grows to millions of values
/// (a long simulation's saves) adds segments instead of copying itself into ever larger arrays, and each segment is
/// small enough for the pool to keep and hand out again. Full segments given back are kept per thread for the next
/// stack (see <see cref="SpareSegments{T}"/>), so a training loop or a benchmark that tapes the same hundreds of
/// megabytes at every step reuses them instead of allocating them again and leaving them to the garbage collector.
/// </remarks>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct ValueStack<T> : IDisposable
{
    /// <summary>The most values one segment holds.</summary>
    public const int SegmentLength = 1 << 16;

    private T[]? _items;
    private int _count;
    // The filled segments below the current one, oldest first, and how many values each holds.
    private T[][]? _below;
    private int[]? _belowCounts;
    private int _depth;
    private int _countBelow;

    /// <summary>The number of values on the stack.</summary>
    public readonly int Count => _countBelow + _count;

    /// <summary>Pushes a value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(T value)
    {
        T[]? items = _items;
        int count = _count;
        if (items is not null && (uint)count < (uint)items.Length)
        {
            items[count] = value;
            _count = count + 1;
        }
        else
        {
            PushSlow(value);
        }
    }

    /// <summary>Pops the value pushed last.</summary>
    /// <exception cref="InvalidOperationException">The stack is empty (a generator bug: every push has one pop).</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Pop()
    {
        int count = _count - 1;
        T[]? items = _items;
        if (items is null || (uint)count >= (uint)items.Length)
        {
            return PopSlow();
        }

        _count = count;
        return items[count];
    }

    /// <summary>
    /// Pushes <paramref name="count"/> values from <paramref name="source"/> at <paramref name="start"/>, first to last,
    /// as that many pushes would: the old contents of a row a loop overwrites element by element, saved before the loop.
    /// </summary>
    /// <param name="source">The array or span read.</param>
    /// <param name="start">Where the values start.</param>
    /// <param name="count">How many; nothing happens if it is not positive.</param>
    public void PushRange(ReadOnlySpan<T> source, int start, int count)
    {
        if (count <= 0) return;
        ReadOnlySpan<T> values = source.Slice(start, count);
        while (!values.IsEmpty)
        {
            if (_items is null || _count == _items.Length) Grow(values.Length);
            int n = Math.Min(_items!.Length - _count, values.Length);
            values.Slice(0, n).CopyTo(_items.AsSpan(_count, n));
            _count += n;
            values = values.Slice(n);
        }
    }

    /// <summary>
    /// Pops the last <paramref name="count"/> values pushed back into <paramref name="target"/> at
    /// <paramref name="start"/>, undoing <see cref="PushRange"/> (the value pushed last goes last).
    /// </summary>
    /// <param name="target">The array or span written.</param>
    /// <param name="start">Where the values go.</param>
    /// <param name="count">How many; nothing happens if it is not positive.</param>
    /// <exception cref="InvalidOperationException">The stack holds fewer values (a generator bug).</exception>
    public void PopRange(Span<T> target, int start, int count)
    {
        if (count <= 0) return;
        Span<T> into = target.Slice(start, count);
        int remaining = count;
        while (remaining > 0)
        {
            if (_count == 0) StepDown();
            int n = Math.Min(_count, remaining);
            _items.AsSpan(_count - n, n).CopyTo(into.Slice(remaining - n, n));
            _count -= n;
            remaining -= n;
        }
    }

    /// <summary>Returns the rented segments to the pool. The stack is empty afterwards and can be reused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Dispose()
    {
        // A stack nothing was pushed on (a recursion's base case) has nothing to give back.
        if (_items is not null) DisposeSegments();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DisposeSegments()
    {
        T[]? items = _items;
        _items = null;
        _count = 0;
        if (items is not null) Give(items);
        for (int i = 0; i < _depth; i++)
        {
            Give(_below![i]);
            _below[i] = null!;
        }

        _depth = 0;
        _countBelow = 0;
    }

    /// <summary>
    /// Makes room for <paramref name="additional"/> more values at once. The generated code calls it before a counted
    /// loop that pushes, so that a small stack grows once instead of doubling its way there; a stack already made of
    /// full segments just goes on filling them (a push that finds its segment full starts the next one).
    /// </summary>
    /// <param name="additional">The number of pushes to come; nothing happens if it is not positive.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Reserve(int additional)
    {
        if (additional > 0 && (_items is null || _items.Length - _count < additional)) Grow(additional);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void PushSlow(T value)
    {
        Grow(1);
        _items![_count++] = value;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private T PopSlow()
    {
        if (_count != 0) ThrowEmpty();
        StepDown();
        return Pop();
    }

    /// <summary>The current segment is used up: give it back and carry on in the one below.</summary>
    private void StepDown()
    {
        if (_depth == 0) ThrowEmpty();
        Give(_items!);
        _depth--;
        _items = _below![_depth];
        _count = _belowCounts![_depth];
        _below[_depth] = null!;
        _countBelow -= _count;
    }

    /// <summary>
    /// Room for more values: a small stack grows by copying into a larger array (up to a full segment); a stack whose
    /// segment is full-sized keeps it as it is and starts a new one above it when that one is full.
    /// </summary>
    private void Grow(int additional)
    {
        T[]? old = _items;
        if (old is null || old.Length < SegmentLength)
        {
            int wanted = Math.Min(SegmentLength, Math.Max(_count + additional, old is null ? 64 : old.Length * 2));
            T[] grown = wanted == SegmentLength ? SpareSegments<T>.Take() : ArrayPool<T>.Shared.Rent(wanted);
            if (old is not null)
            {
                Array.Copy(old, grown, _count);
                Give(old);
            }

            _items = grown;
            return;
        }

        // A reservation never starts a segment early: pushes fill this one first.
        if (_count < old.Length) return;
        if (_below is null || _depth == _below.Length)
        {
            Array.Resize(ref _below, Math.Max(4, _depth * 2));
            Array.Resize(ref _belowCounts, _below.Length);
        }

        _below[_depth] = old;
        _belowCounts![_depth] = _count;
        _depth++;
        _countBelow += _count;
        _items = SpareSegments<T>.Take();
        _count = 0;
    }

    private static void Give(T[] items)
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>()) Array.Clear(items);
        if (items.Length == SegmentLength) SpareSegments<T>.Keep(items);
        else ArrayPool<T>.Shared.Return(items);
    }

    private static void ThrowEmpty() =>
        throw new InvalidOperationException("Backprop.Gen: a saved value was popped more often than it was pushed.");
}
