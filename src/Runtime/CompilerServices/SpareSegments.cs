using System;
using System.Buffers;
using System.Runtime.InteropServices;
using System.Threading;

namespace Backprop.CompilerServices;

/// <summary>
/// Full-sized segments of <see cref="ValueStack{T}"/> given back on this thread, kept for the next stack that grows.
/// </summary>
/// <remarks>
/// <para>
/// A Backward that saves hundreds of megabytes (a long simulation's loop, a deep recursion) gives all of its segments
/// back at the end and asks for as many again at the next call. <see cref="ArrayPool{T}.Shared"/> keeps only a few dozen
/// arrays of one size per processor, so without this cache every call would allocate most of them again on the large
/// object heap, touch fresh pages and leave the old ones to full collections: slower, and irregular from call to call.
/// </para>
/// <para>
/// Nothing is kept for ever: at every full (generation 2) garbage collection, segments unused since the previous one
/// go back to the shared pool (which trims itself under memory pressure); a thread that stopped taping leaves nothing
/// behind after two full collections, and a thread that ends leaves its segments to the collector.
/// </para>
/// </remarks>
/// <typeparam name="T">The element type of the stacks.</typeparam>
internal sealed class SpareSegments<T>
{
    [ThreadStatic]
    private static SpareSegments<T>? t_mine;

    private T[][] _segments = new T[8][];
    private int _count;
    private bool _usedSinceTrim;

    /// <summary>How many spare segments this thread keeps now.</summary>
    public static int Count
    {
        get
        {
            SpareSegments<T>? mine = t_mine;
            if (mine is null) return 0;
            lock (mine) return mine._count;
        }
    }

    /// <summary>A full-sized segment: a spare one of this thread's, or one from the shared pool.</summary>
    public static T[] Take()
    {
        SpareSegments<T>? mine = t_mine;
        if (mine is not null)
        {
            lock (mine)
            {
                mine._usedSinceTrim = true;
                if (mine._count > 0)
                {
                    T[] segment = mine._segments[--mine._count];
                    mine._segments[mine._count] = null!;
                    return segment;
                }
            }
        }

        return ArrayPool<T>.Shared.Rent(ValueStack<T>.SegmentLength);
    }

    /// <summary>Keeps a full-sized segment (already cleared of references) for this thread's next stack.</summary>
    public static void Keep(T[] segment)
    {
        SpareSegments<T>? mine = t_mine;
        if (mine is null)
        {
            mine = t_mine = new SpareSegments<T>();
            _ = new Trimmer(mine);
        }

        lock (mine)
        {
            mine._usedSinceTrim = true;
            if (mine._count == mine._segments.Length) Array.Resize(ref mine._segments, mine._count * 2);
            mine._segments[mine._count++] = segment;
        }
    }

    /// <summary>Gives the segments back to the shared pool if none was taken or kept since the last trim.</summary>
    private void Trim()
    {
        lock (this)
        {
            if (_usedSinceTrim)
            {
                _usedSinceTrim = false;
                return;
            }

            for (int i = 0; i < _count; i++)
            {
                ArrayPool<T>.Shared.Return(_segments[i]);
                _segments[i] = null!;
            }

            _count = 0;
            if (_segments.Length > 8) _segments = new T[8][];
        }
    }

    /// <summary>
    /// An object that is always garbage: its finalizer runs after each collection of its generation (every full one once
    /// it has been promoted there), trims the cache and registers itself again, for as long as the cache's thread keeps it.
    /// </summary>
    private sealed class Trimmer
    {
        // A GC handle, not a WeakReference: a WeakReference only the trimmer holds is garbage with it, and its own
        // finalizer may free it first.
        private GCHandle _cache;

        public Trimmer(SpareSegments<T> cache) => _cache = GCHandle.Alloc(cache, GCHandleType.Weak);

        ~Trimmer()
        {
            if (_cache.Target is not SpareSegments<T> cache)
            {
                _cache.Free();
                return;
            }

            cache.Trim();
            if (!Environment.HasShutdownStarted) GC.ReRegisterForFinalize(this);
        }
    }
}
