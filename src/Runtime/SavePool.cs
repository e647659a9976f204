using System;
using System.Buffers;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace Backprop;

/// <summary>
/// Buffers for the values a loop saves, one slot per iteration (<c>_saved_h[t] = h;</c> in the forward sweep,
/// <c>h = _saved_h[t];</c> in the reverse). Generated Backward methods rent one before the loop and return it in a
/// <c>finally</c> block. The buffers come from <see cref="ArrayPool{T}.Shared"/> and are not cleared: every slot the
/// reverse sweep reads was written by the forward sweep first.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class SavePool
{
    /// <summary>Rents a buffer of at least <paramref name="count"/> elements; an empty one when the loop will not run.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="count">The loop's trip count (negative or zero when it does not run).</param>
    /// <returns>A buffer with room for <paramref name="count"/> values.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T[] Rent<T>(int count) => count > 0 ? ArrayPool<T>.Shared.Rent(count) : Array.Empty<T>();

    /// <summary>Rents a buffer for a loop counted in another integral type (<c>for (long i = 0; i &lt; n; i++)</c>).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="count">The loop's trip count (negative or zero when it does not run).</param>
    /// <returns>A buffer with room for <paramref name="count"/> values.</returns>
    public static T[] Rent<T>(long count) => count > 0 ? ArrayPool<T>.Shared.Rent(checked((int)count)) : Array.Empty<T>();

    /// <inheritdoc cref="Rent{T}(long)"/>
    public static T[] Rent<T>(ulong count) => count > 0 ? ArrayPool<T>.Shared.Rent(checked((int)count)) : Array.Empty<T>();

    /// <summary>Returns a buffer from <see cref="Rent{T}(int)"/> to the pool (an empty one is ignored).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="buffer">The buffer.</param>
    public static void Return<T>(T[] buffer)
    {
        if (buffer.Length > 0) ArrayPool<T>.Shared.Return(buffer, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
    }
}
