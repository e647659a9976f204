using System;
using System.Buffers;
using System.ComponentModel;

namespace Backprop;

/// <summary>
/// Zeroed scratch buffers for the adjoints of local arrays in generated Backward methods, rented from
/// <see cref="ArrayPool{T}.Shared"/> so that a steady training loop allocates nothing.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class AdjointPool
{
    /// <summary>Rents a buffer of at least <paramref name="length"/> elements whose first <paramref name="length"/> are zero.</summary>
    public static T[] RentZeroed<T>(int length)
    {
        if (length == 0)
        {
            return Array.Empty<T>();
        }

        T[] buffer = ArrayPool<T>.Shared.Rent(length);
        Array.Clear(buffer, 0, length);
        return buffer;
    }

    /// <summary>
    /// Returns <paramref name="buffer"/> if it holds at least <paramref name="length"/> elements; otherwise returns it to
    /// the pool and rents a larger zeroed one. The generated code keeps adjoint buffers zero between uses, so a buffer
    /// handed back unchanged is still zero.
    /// </summary>
    public static T[] Grow<T>(T[] buffer, int length)
    {
        if (buffer.Length >= length)
        {
            return buffer;
        }

        Return(buffer);
        return RentZeroed<T>(length);
    }

    /// <summary>Returns a buffer from <see cref="RentZeroed{T}"/>; an empty array is ignored.</summary>
    public static void Return<T>(T[] buffer)
    {
        if (buffer.Length != 0)
        {
            ArrayPool<T>.Shared.Return(buffer);
        }
    }
}
