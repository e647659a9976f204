using System;

namespace Backprop.Nn;

// The losses over float. The softmax family shares its implementation with the double overloads; the
// [Differentiable] losses repeat their few lines, because the generator differentiates each method on its own.
public static partial class Losses
{
    /// <summary><c>ln Σ e^xᵢ</c> over <c>float</c>, computed stably (see the <c>double</c> overload).</summary>
    /// <param name="x">The values; at least one.</param>
    /// <exception cref="ArgumentException"><paramref name="x"/> is empty.</exception>
    public static float LogSumExp(ReadOnlySpan<float> x) => LogSumExpOf(x);

    /// <summary>The Backward of log-sum-exp over <c>float</c>: adds <c>seed · softmax(x)</c> and returns the value.</summary>
    /// <param name="x">The values.</param>
    /// <param name="dX">Receives the gradient, added to what it holds; empty when it is not wanted.</param>
    /// <param name="seed">The gradient flowing into the result.</param>
    public static float LogSumExpBackward(ReadOnlySpan<float> x, Span<float> dX, float seed = 1f) => LogSumExpBackwardOf(x, dX, seed);

    /// <summary>Writes the softmax of <c>float</c> logits into <paramref name="probabilities"/>.</summary>
    /// <param name="logits">The scores; at least one.</param>
    /// <param name="probabilities">Receives the probabilities (an output); the same length as <paramref name="logits"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ, or there are no logits.</exception>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities) => SoftmaxOf(logits, probabilities);

    /// <summary>The Backward of the softmax over <c>float</c>, a layer.</summary>
    /// <param name="logits">The scores.</param>
    /// <param name="probabilities">Receives the probabilities, as in the primal.</param>
    /// <param name="dLogits">Receives the gradient with respect to the logits, added to what it holds; empty when not wanted.</param>
    /// <param name="dProbabilities">The incoming gradient of the probabilities (read, left unchanged); empty for none.</param>
    public static void SoftmaxBackward(ReadOnlySpan<float> logits, Span<float> probabilities, Span<float> dLogits, [OutputAdjoint] Span<float> dProbabilities) =>
        SoftmaxBackwardOf(logits, probabilities, dLogits, dProbabilities);

    /// <summary>The cross-entropy of the softmax of <c>float</c> logits against <paramref name="label"/>.</summary>
    /// <param name="logits">The scores, one per class.</param>
    /// <param name="label">The true class, in <c>[0, logits.Length)</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="label"/> is not a class.</exception>
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, int label) => SoftmaxCrossEntropyOf(logits, label);

    /// <summary>The fused Backward of the softmax cross-entropy over <c>float</c>.</summary>
    /// <param name="logits">The scores.</param>
    /// <param name="label">The true class.</param>
    /// <param name="dLogits">Receives the gradient, added to what it holds; empty when it is not wanted.</param>
    /// <param name="seed">The gradient flowing into the loss.</param>
    public static float SoftmaxCrossEntropyBackward(ReadOnlySpan<float> logits, int label, Span<float> dLogits, float seed = 1f) =>
        SoftmaxCrossEntropyBackwardOf(logits, label, dLogits, seed);

    /// <summary>The cross-entropy <c>−ln p[label]</c> of <c>float</c> probabilities.</summary>
    /// <param name="probabilities">The probabilities, one per class.</param>
    /// <param name="label">The true class.</param>
    [Differentiable]
    public static float CrossEntropy(float[] probabilities, int label) => -MathF.Log(probabilities[label]);

    /// <summary>The mean squared error over <c>float</c>.</summary>
    /// <param name="prediction">The predicted values.</param>
    /// <param name="target">The targets, of the same length.</param>
    [Differentiable]
    public static float MeanSquaredError(float[] prediction, float[] target)
    {
        float sum = 0;
        for (int i = 0; i < prediction.Length; i++)
        {
            float error = prediction[i] - target[i];
            sum += error * error;
        }

        return sum / prediction.Length;
    }

    /// <summary>The binary cross-entropy of <c>sigmoid(logit)</c> over <c>float</c>, computed stably.</summary>
    /// <param name="logit">The score z.</param>
    /// <param name="target">The target probability t, usually 0 or 1.</param>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static float BinaryCrossEntropyWithLogits(float logit, [NoDerivative] float target)
    {
        if (logit > 0) return logit - logit * target + MathF.Log(1 + MathF.Exp(-logit));
        return -logit * target + MathF.Log(1 + MathF.Exp(logit));
    }
}
