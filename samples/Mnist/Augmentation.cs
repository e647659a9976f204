using System;

namespace Mnist;

/// <summary>
/// Data augmentation: a training digit moved by a random whole number of pixels in each direction, at most
/// <c>shifts</c>, the same for a given seed, sample and epoch whatever the thread and the run. The offsets come from a
/// hash of the three (SplitMix64's mixer): no allocation and no state, where a seeded <see cref="Random"/> per image
/// cost more than the network's forward pass (<see cref="HashCode"/> is seeded differently in every process, so it
/// would not do either).
/// </summary>
internal static class Augmentation
{
    private const int Side = 28;

    /// <summary>Writes image <paramref name="sample"/>, shifted, into <paramref name="into"/> (784 pixels).</summary>
    public static void Shift<T>(ReadOnlySpan<T> image, Span<T> into, int seed, int sample, int epoch, int shifts)
    {
        ulong state = Mix(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)epoch * 0xBF58476D1CE4E5B9UL + (ulong)sample * 0x94D049BB133111EBUL));
        int span = 2 * shifts + 1;
        int dx = (int)(state % (ulong)span) - shifts;
        int dy = (int)(Mix(state) % (ulong)span) - shifts;
        into.Clear();
        for (int y = Math.Max(0, dy); y < Math.Min(Side, Side + dy); y++)
        {
            image.Slice((y - dy) * Side + Math.Max(0, -dx), Side - Math.Abs(dx)).CopyTo(into.Slice(y * Side + Math.Max(0, dx)));
        }
    }

    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
