using System;
using System.Numerics;

namespace Backprop.Nn;

public static partial class Losses
{
    /// <summary>
    /// The mean softmax cross-entropy of a batch: <c>(1/B) Σᵣ SoftmaxCrossEntropy(logits row r, labels[r])</c>, with
    /// the logits row-major, <c>B × classes</c> (<c>classes = logits.Length / labels.Length</c>). The mean, as
    /// PyTorch's <c>CrossEntropyLoss</c> takes it, so that the learning rate does not depend on the batch size.
    /// </summary>
    /// <param name="logits">The scores, one row per sample.</param>
    /// <param name="labels">The true class of each sample.</param>
    /// <exception cref="ArgumentException">The logits are not a whole number of rows, or there are no labels.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is not a class.</exception>
    public static double SoftmaxCrossEntropyBatch(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels) =>
        SoftmaxCrossEntropyBatchOf(logits, labels, Span<double>.Empty, 0);

    /// <inheritdoc cref="SoftmaxCrossEntropyBatch(ReadOnlySpan{double}, ReadOnlySpan{int})"/>
    public static float SoftmaxCrossEntropyBatch(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels) =>
        SoftmaxCrossEntropyBatchOf(logits, labels, Span<float>.Empty, 0);

    /// <summary>
    /// The fused Backward of <see cref="SoftmaxCrossEntropyBatch(ReadOnlySpan{double}, ReadOnlySpan{int})"/>: adds
    /// <c>(seed / B) · (softmax(row) − onehot(label))</c> to each row of <paramref name="dLogits"/>, and returns the loss.
    /// </summary>
    /// <param name="logits">The scores, one row per sample.</param>
    /// <param name="labels">The true class of each sample.</param>
    /// <param name="dLogits">Receives the gradient, added to what it holds; empty when it is not wanted.</param>
    /// <param name="seed">The gradient flowing into the loss.</param>
    public static double SoftmaxCrossEntropyBatchBackward(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, Span<double> dLogits, double seed = 1.0) =>
        SoftmaxCrossEntropyBatchOf(logits, labels, dLogits, seed);

    /// <inheritdoc cref="SoftmaxCrossEntropyBatchBackward(ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double}, double)"/>
    public static float SoftmaxCrossEntropyBatchBackward(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dLogits, float seed = 1f) =>
        SoftmaxCrossEntropyBatchOf(logits, labels, dLogits, seed);

    private static T SoftmaxCrossEntropyBatchOf<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, Span<T> dLogits, T seed)
        where T : IFloatingPointIeee754<T>
    {
        int batch = labels.Length;
        if (batch == 0 || logits.Length % batch != 0 || logits.Length == 0)
        {
            throw new ArgumentException($"{logits.Length} logits are not a whole number of rows for {batch} labels.", nameof(logits));
        }

        RequireLength(dLogits, logits.Length, nameof(dLogits));
        int classes = logits.Length / batch;
        T total = T.Zero;
        T scale = seed / T.CreateChecked(batch);
        for (int r = 0; r < batch; r++)
        {
            ReadOnlySpan<T> row = logits.Slice(r * classes, classes);
            total += dLogits.IsEmpty
                ? SoftmaxCrossEntropyOf(row, labels[r])
                : SoftmaxCrossEntropyBackwardOf(row, labels[r], dLogits.Slice(r * classes, classes), scale);
        }

        return total / T.CreateChecked(batch);
    }
}
