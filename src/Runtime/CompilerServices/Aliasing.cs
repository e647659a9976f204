using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace Backprop.CompilerServices;

/// <summary>
/// For generated code: a Backward refuses adjoint buffers that share memory with an array it reads, before it writes
/// anything. <c>SumSqBackward(a, a)</c> (the input passed as its own adjoint) would otherwise change the input while
/// the reverse sweep still reads it, and return wrong gradients.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Aliasing
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> if <paramref name="adjoint"/> overlaps any of the arrays that follow, which
    /// <paramref name="names"/> lists in order, separated by commas. Empty spans (a null adjoint) overlap nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Check<T>(ReadOnlySpan<T> adjoint, string adjointName, string names, ReadOnlySpan<T> a0, ReadOnlySpan<T> a1 = default,
        ReadOnlySpan<T> a2 = default, ReadOnlySpan<T> a3 = default, ReadOnlySpan<T> a4 = default, ReadOnlySpan<T> a5 = default,
        ReadOnlySpan<T> a6 = default, ReadOnlySpan<T> a7 = default)
    {
        if (adjoint.IsEmpty) return;
        if (adjoint.Overlaps(a0)) Throw(adjointName, names, 0);
        if (adjoint.Overlaps(a1)) Throw(adjointName, names, 1);
        if (adjoint.Overlaps(a2)) Throw(adjointName, names, 2);
        if (adjoint.Overlaps(a3)) Throw(adjointName, names, 3);
        if (adjoint.Overlaps(a4)) Throw(adjointName, names, 4);
        if (adjoint.Overlaps(a5)) Throw(adjointName, names, 5);
        if (adjoint.Overlaps(a6)) Throw(adjointName, names, 6);
        if (adjoint.Overlaps(a7)) Throw(adjointName, names, 7);
    }

    /// <summary>The same for two-dimensional arrays, which share memory only by being the same array.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Check<T>(T[,]? adjoint, string adjointName, string names, T[,]? a0, T[,]? a1 = null, T[,]? a2 = null, T[,]? a3 = null)
    {
        if (adjoint is null || adjoint.Length == 0) return;
        if (ReferenceEquals(adjoint, a0)) Throw(adjointName, names, 0);
        if (ReferenceEquals(adjoint, a1)) Throw(adjointName, names, 1);
        if (ReferenceEquals(adjoint, a2)) Throw(adjointName, names, 2);
        if (ReferenceEquals(adjoint, a3)) Throw(adjointName, names, 3);
    }

    private static void Throw(string adjointName, string names, int index) =>
        throw new ArgumentException(
            $"The adjoint {adjointName} shares memory with {names.Split(',')[index].Trim()}, which the derivative reads: pass a separate buffer for {adjointName}.",
            adjointName);
}
