using System;

namespace Mnist;

/// <summary>
/// Data augmentation: a training digit moved by a random whole number of pixels in each direction, at most
/// <c>shifts</c>, the same for a given seed, sample and epoch whatever the thread and the run (<see cref="HashCode"/>
/// is seeded differently in every process, so it would not do).
/// </summary>
internal static class Augmentation
{
    private const int Side = 28;

    /// <summary>Writes image <paramref name="sample"/>, shifted, into <paramref name="into"/> (784 pixels).</summary>
    public static void Shift<T>(ReadOnlySpan<T> image, Span<T> into, int seed, int sample, int epoch, int shifts)
    {
        var random = new Random(unchecked((seed * 1_000_003 + epoch) * 1_000_033 + sample));
        int dx = random.Next(-shifts, shifts + 1), dy = random.Next(-shifts, shifts + 1);
        into.Clear();
        for (int y = Math.Max(0, dy); y < Math.Min(Side, Side + dy); y++)
        {
            image.Slice((y - dy) * Side + Math.Max(0, -dx), Side - Math.Abs(dx)).CopyTo(into.Slice(y * Side + Math.Max(0, dx)));
        }
    }
}
