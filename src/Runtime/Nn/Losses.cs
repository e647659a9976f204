using System;
using System.Numerics;

namespace Backprop.Nn;

/// <summary>
/// Losses and the softmax, over <c>double</c> and <c>float</c>. <see cref="CrossEntropy{T}(T[], int)"/>, <see cref="MeanSquaredError{T}(T[], T[])"/> and
/// <see cref="BinaryCrossEntropyWithLogits{T}(T, T)"/> are generic <see cref="DifferentiableAttribute">[Differentiable]</see> methods;
/// <see cref="LogSumExp(ReadOnlySpan{double})"/>, <see cref="Softmax(ReadOnlySpan{double}, Span{double})"/> and <see cref="SoftmaxCrossEntropy(ReadOnlySpan{double}, int)"/> have hand-written fused
/// Backward methods (the gradient of log-sum-exp is the softmax), which the generator calls from your
/// [Differentiable] code like any other Backward.
/// </summary>
public static partial class Losses
{
    /// <summary>
    /// <c>ln Σ e^xᵢ</c>, computed stably as <c>m + ln Σ e^(xᵢ − m)</c> with <c>m = max x</c>, so it neither overflows
    /// nor underflows.
    /// </summary>
    /// <param name="x">The values; at least one.</param>
    /// <exception cref="ArgumentException"><paramref name="x"/> is empty.</exception>
    public static double LogSumExp(ReadOnlySpan<double> x) => LogSumExpOf(x);

    /// <summary>
    /// The Backward of <see cref="LogSumExp(ReadOnlySpan{double})"/>: adds <c>seed · softmax(x)</c> to <paramref name="dX"/> and returns the
    /// value.
    /// </summary>
    /// <param name="x">The values.</param>
    /// <param name="dX">Receives the gradient, added to what it holds; empty when it is not wanted.</param>
    /// <param name="seed">The gradient flowing into the result.</param>
    public static double LogSumExpBackward(ReadOnlySpan<double> x, Span<double> dX, double seed = 1.0) =>
        LogSumExpBackwardOf(x, dX, seed);

    /// <summary>Writes <c>softmax(logits)ᵢ = e^(logitsᵢ − m) / Σ e^(logitsⱼ − m)</c> into <paramref name="probabilities"/>.</summary>
    /// <param name="logits">The scores; at least one.</param>
    /// <param name="probabilities">Receives the probabilities (an output); the same length as <paramref name="logits"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ, or there are no logits.</exception>
    public static void Softmax(ReadOnlySpan<double> logits, Span<double> probabilities) => SoftmaxOf(logits, probabilities);

    /// <summary>
    /// The Backward of <see cref="Softmax(ReadOnlySpan{double}, Span{double})"/>, a layer: writes the probabilities as the primal does, and adds
    /// <c>pᵢ (dPᵢ − Σⱼ pⱼ dPⱼ)</c> to <paramref name="dLogits"/>.
    /// </summary>
    /// <param name="logits">The scores.</param>
    /// <param name="probabilities">Receives the probabilities, as in the primal.</param>
    /// <param name="dLogits">Receives the gradient with respect to the logits, added to what it holds; empty when not wanted.</param>
    /// <param name="dProbabilities">The incoming gradient of the probabilities (read, left unchanged); empty for none.</param>
    public static void SoftmaxBackward(ReadOnlySpan<double> logits, Span<double> probabilities, Span<double> dLogits, [OutputAdjoint] Span<double> dProbabilities) =>
        SoftmaxBackwardOf(logits, probabilities, dLogits, dProbabilities);

    /// <summary>
    /// The cross-entropy of the softmax of <paramref name="logits"/> against the class <paramref name="label"/>:
    /// <c>−ln softmax(logits)[label] = LogSumExp(logits) − logits[label]</c>, which stays finite however confident
    /// the scores are.
    /// </summary>
    /// <param name="logits">The scores, one per class.</param>
    /// <param name="label">The true class, in <c>[0, logits.Length)</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="label"/> is not a class.</exception>
    public static double SoftmaxCrossEntropy(ReadOnlySpan<double> logits, int label) => SoftmaxCrossEntropyOf(logits, label);

    /// <summary>
    /// The fused Backward of <see cref="SoftmaxCrossEntropy(ReadOnlySpan{double}, int)"/>: adds <c>seed · (softmax(logits) − onehot(label))</c> to
    /// <paramref name="dLogits"/> in one pass, and returns the loss.
    /// </summary>
    /// <param name="logits">The scores.</param>
    /// <param name="label">The true class.</param>
    /// <param name="dLogits">Receives the gradient, added to what it holds; empty when it is not wanted.</param>
    /// <param name="seed">The gradient flowing into the loss (for example <c>1 / batchSize</c>).</param>
    public static double SoftmaxCrossEntropyBackward(ReadOnlySpan<double> logits, int label, Span<double> dLogits, double seed = 1.0) =>
        SoftmaxCrossEntropyBackwardOf(logits, label, dLogits, seed);

    // The same for float: a caller passing an array (SoftmaxCrossEntropy(logits, label)) cannot have T inferred from it
    // before C# 14, so the hand-written losses are named per type; each is one line into the generic implementation.

    /// <inheritdoc cref="LogSumExp(ReadOnlySpan{double})"/>
    public static float LogSumExp(ReadOnlySpan<float> x) => LogSumExpOf(x);

    /// <inheritdoc cref="LogSumExpBackward(ReadOnlySpan{double}, Span{double}, double)"/>
    public static float LogSumExpBackward(ReadOnlySpan<float> x, Span<float> dX, float seed = 1f) => LogSumExpBackwardOf(x, dX, seed);

    /// <inheritdoc cref="Softmax(ReadOnlySpan{double}, Span{double})"/>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities) => SoftmaxOf(logits, probabilities);

    /// <inheritdoc cref="SoftmaxBackward(ReadOnlySpan{double}, Span{double}, Span{double}, Span{double})"/>
    public static void SoftmaxBackward(ReadOnlySpan<float> logits, Span<float> probabilities, Span<float> dLogits, [OutputAdjoint] Span<float> dProbabilities) =>
        SoftmaxBackwardOf(logits, probabilities, dLogits, dProbabilities);

    /// <inheritdoc cref="SoftmaxCrossEntropy(ReadOnlySpan{double}, int)"/>
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, int label) => SoftmaxCrossEntropyOf(logits, label);

    /// <inheritdoc cref="SoftmaxCrossEntropyBackward(ReadOnlySpan{double}, int, Span{double}, double)"/>
    public static float SoftmaxCrossEntropyBackward(ReadOnlySpan<float> logits, int label, Span<float> dLogits, float seed = 1f) =>
        SoftmaxCrossEntropyBackwardOf(logits, label, dLogits, seed);

    /// <summary>The cross-entropy <c>−ln p[label]</c> of probabilities that already sum to one (see <see cref="Softmax(ReadOnlySpan{double}, Span{double})"/>).</summary>
    /// <typeparam name="T">The floating type.</typeparam>
    /// <param name="probabilities">The probabilities, one per class.</param>
    /// <param name="label">The true class.</param>
    /// <remarks>Prefer <see cref="SoftmaxCrossEntropy(ReadOnlySpan{double}, int)"/> on logits: it cannot take the log of an underflowed zero.</remarks>
    [Differentiable]
    public static T CrossEntropy<T>(T[] probabilities, int label) where T : IFloatingPointIeee754<T> => -T.Log(probabilities[label]);

    /// <summary>The mean squared error <c>(1/n) Σ (predictionᵢ − targetᵢ)²</c>.</summary>
    /// <typeparam name="T">The floating type.</typeparam>
    /// <param name="prediction">The predicted values.</param>
    /// <param name="target">The targets, of the same length (differentiable too, as for an autoencoder).</param>
    [Differentiable]
    public static T MeanSquaredError<T>(T[] prediction, T[] target) where T : IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        for (int i = 0; i < prediction.Length; i++)
        {
            T error = prediction[i] - target[i];
            sum += error * error;
        }

        return sum / T.CreateChecked(prediction.Length);
    }

    /// <summary>
    /// The binary cross-entropy of <c>sigmoid(logit)</c> against a target probability, computed stably as
    /// <c>max(z, 0) − z·t + ln(1 + e^−|z|)</c>.
    /// </summary>
    /// <typeparam name="T">The floating type.</typeparam>
    /// <param name="logit">The score z.</param>
    /// <param name="target">The target probability t, usually 0 or 1.</param>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static T BinaryCrossEntropyWithLogits<T>(T logit, [NoDerivative] T target) where T : IFloatingPointIeee754<T>
    {
        if (logit > T.Zero) return logit - logit * target + T.Log(T.One + T.Exp(-logit));
        return -logit * target + T.Log(T.One + T.Exp(logit));
    }

    // The softmax family over double and float: one implementation, specialised by the JIT for each.

    private static T LogSumExpOf<T>(ReadOnlySpan<T> x)
        where T : IFloatingPointIeee754<T>
    {
        if (x.IsEmpty) throw new ArgumentException("LogSumExp needs at least one value.", nameof(x));
        T max = Max(x);
        if (T.IsInfinity(max)) return max;
        T sum = SumOfExp(x, max);
        return max + T.Log(sum);
    }

    private static T LogSumExpBackwardOf<T>(ReadOnlySpan<T> x, Span<T> dX, T seed)
        where T : IFloatingPointIeee754<T>
    {
        RequireLength(dX, x.Length, nameof(dX));
        if (x.IsEmpty) throw new ArgumentException("LogSumExp needs at least one value.", nameof(x));
        T max = Max(x);
        if (T.IsInfinity(max)) return max;
        T sum = SumOfExp(x, max);
        if (!dX.IsEmpty)
        {
            T factor = seed / sum;
            for (int i = 0; i < x.Length; i++) dX[i] += factor * T.Exp(x[i] - max);
        }

        return max + T.Log(sum);
    }

    private static void SoftmaxOf<T>(ReadOnlySpan<T> logits, Span<T> probabilities)
        where T : IFloatingPointIeee754<T>
    {
        if (logits.IsEmpty) throw new ArgumentException("Softmax needs at least one logit.", nameof(logits));
        if (probabilities.Length != logits.Length)
        {
            throw new ArgumentException($"probabilities has length {probabilities.Length}; it must have the length of logits, {logits.Length}.", nameof(probabilities));
        }

        T max = Max(logits);
        T sum = T.Zero;
        for (int i = 0; i < logits.Length; i++)
        {
            T e = T.Exp(logits[i] - max);
            probabilities[i] = e;
            sum += e;
        }

        T inverse = T.One / sum;
        for (int i = 0; i < probabilities.Length; i++) probabilities[i] *= inverse;
    }

    private static void SoftmaxBackwardOf<T>(ReadOnlySpan<T> logits, Span<T> probabilities, Span<T> dLogits, Span<T> dProbabilities)
        where T : IFloatingPointIeee754<T>
    {
        RequireLength(dLogits, logits.Length, nameof(dLogits));
        RequireLength(dProbabilities, logits.Length, nameof(dProbabilities));
        SoftmaxOf(logits, probabilities);
        if (dLogits.IsEmpty || dProbabilities.IsEmpty) return;
        T dot = T.Zero;
        for (int i = 0; i < probabilities.Length; i++) dot += probabilities[i] * dProbabilities[i];
        for (int i = 0; i < probabilities.Length; i++) dLogits[i] += probabilities[i] * (dProbabilities[i] - dot);
    }

    private static T SoftmaxCrossEntropyOf<T>(ReadOnlySpan<T> logits, int label)
        where T : IFloatingPointIeee754<T>
    {
        RequireLabel(label, logits.Length);
        return LogSumExpOf(logits) - logits[label];
    }

    private static T SoftmaxCrossEntropyBackwardOf<T>(ReadOnlySpan<T> logits, int label, Span<T> dLogits, T seed)
        where T : IFloatingPointIeee754<T>
    {
        RequireLength(dLogits, logits.Length, nameof(dLogits));
        RequireLabel(label, logits.Length);
        T max = Max(logits);
        T sum = SumOfExp(logits, max);
        if (!dLogits.IsEmpty)
        {
            T factor = seed / sum;
            for (int i = 0; i < logits.Length; i++) dLogits[i] += factor * T.Exp(logits[i] - max);
            dLogits[label] -= seed;
        }

        return max + T.Log(sum) - logits[label];
    }

    /// <summary><c>Σ e^(xᵢ − max)</c>: shifted by the maximum, it neither overflows nor underflows to zero.</summary>
    private static T SumOfExp<T>(ReadOnlySpan<T> x, T max)
        where T : IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        for (int i = 0; i < x.Length; i++) sum += T.Exp(x[i] - max);
        return sum;
    }

    private static T Max<T>(ReadOnlySpan<T> x)
        where T : IFloatingPointIeee754<T>
    {
        T max = x[0];
        for (int i = 1; i < x.Length; i++) if (x[i] > max || T.IsNaN(x[i])) max = x[i];
        return max;
    }

    private static void RequireLength<T>(Span<T> adjoint, int length, string name)
    {
        if (!adjoint.IsEmpty && adjoint.Length != length)
        {
            throw new ArgumentException($"{name} has length {adjoint.Length}; it must have length {length}, or be empty when that gradient is not wanted.", name);
        }
    }

    private static void RequireLabel(int label, int classes)
    {
        if ((uint)label >= (uint)classes)
        {
            throw new ArgumentOutOfRangeException(nameof(label), label, $"The label must be a class index in [0, {classes}).");
        }
    }
}
