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
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct ValueStack<T> : IDisposable
{
    private T[]? _items;
    private int _count;

    /// <summary>The number of values on the stack.</summary>
    public readonly int Count => _count;

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
            ThrowEmpty();
        }

        _count = count;
        return items![count];
    }

    /// <summary>Returns the rented buffer to the pool. The stack is empty afterwards and can be reused.</summary>
    public void Dispose()
    {
        T[]? items = _items;
        _items = null;
        _count = 0;
        if (items is not null)
        {
            ArrayPool<T>.Shared.Return(items, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        }
    }

    /// <summary>
    /// Makes room for <paramref name="additional"/> more values at once. The generated code calls it before a counted
    /// loop that pushes, so the buffer is rented once at its size instead of doubling its way there.
    /// </summary>
    /// <param name="additional">The number of pushes to come; nothing happens if it is not positive.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Reserve(int additional)
    {
        if (additional > 0 && (_items is null || _items.Length - _count < additional)) Grow(_count + additional);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void PushSlow(T value)
    {
        Grow(_count + 1);
        _items![_count++] = value;
    }

    private void Grow(int capacity)
    {
        T[]? old = _items;
        T[] grown = ArrayPool<T>.Shared.Rent(Math.Max(capacity, old is null ? 64 : old.Length * 2));
        if (old is not null)
        {
            Array.Copy(old, grown, _count);
            ArrayPool<T>.Shared.Return(old, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        }

        _items = grown;
    }

    private static void ThrowEmpty() =>
        throw new InvalidOperationException("Backprop.Gen: a saved value was popped more often than it was pushed.");
}
