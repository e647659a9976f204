using System;
using System.Collections.Generic;

namespace Backprop.Nn;

/// <summary>
/// Mini-batches of sample indices, reshuffled each epoch from a seed: epoch <c>e</c> of a given seed is always the
/// same order, on every machine, whichever epochs were drawn before it.
/// </summary>
public sealed class MiniBatches
{
    /// <summary>Splits <paramref name="count"/> samples into batches of <paramref name="batchSize"/>.</summary>
    /// <param name="count">The number of samples; positive.</param>
    /// <param name="batchSize">The batch size; positive.</param>
    /// <param name="seed">The shuffling seed.</param>
    /// <param name="dropLast">Whether to drop a last, smaller batch.</param>
    public MiniBatches(int count, int batchSize, int seed, bool dropLast = false)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "There must be at least one sample.");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        Count = count;
        BatchSize = batchSize;
        Seed = seed;
        DropLast = dropLast;
    }

    /// <summary>The number of samples.</summary>
    public int Count { get; }

    /// <summary>The batch size.</summary>
    public int BatchSize { get; }

    /// <summary>The shuffling seed.</summary>
    public int Seed { get; }

    /// <summary>Whether a last, smaller batch is dropped.</summary>
    public bool DropLast { get; }

    /// <summary>The number of batches per epoch.</summary>
    public int BatchesPerEpoch => DropLast ? Math.Max(1, Count / BatchSize) : (Count + BatchSize - 1) / BatchSize;

    /// <summary>The order of the samples in epoch <paramref name="epoch"/>: a permutation of <c>0 … Count−1</c>.</summary>
    /// <param name="epoch">The epoch, from 0.</param>
    public int[] Order(int epoch)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "The epoch must not be negative.");
        int[] order = new int[Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var random = new Random(unchecked(Seed * 486187739 + epoch * 16777619 + 1));
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }

    /// <summary>The batches of epoch <paramref name="epoch"/>, each a slice of that epoch's <see cref="Order"/>.</summary>
    /// <param name="epoch">The epoch, from 0.</param>
    public IEnumerable<ReadOnlyMemory<int>> Epoch(int epoch)
    {
        int[] order = Order(epoch);
        int batches = BatchesPerEpoch;
        for (int b = 0; b < batches; b++)
        {
            int start = b * BatchSize;
            yield return order.AsMemory(start, Math.Min(BatchSize, Count - start));
        }
    }
}
