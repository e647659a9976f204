using System;
using Backprop;
using Backprop.Nn;

namespace Mnist;

/// <summary>
/// A 784-128-10 multilayer perceptron, written by hand as a chain of layers: a ReLU hidden layer, a linear output
/// layer and the softmax cross-entropy. The weights are flat arrays, row-major: <c>w1[j * Inputs + i]</c> links pixel i to hidden unit j.
/// It is written twice: over a whole mini-batch (<see cref="BatchLoss(float[], float[], float[], float[], ReadOnlySpan{float}, ReadOnlySpan{int})"/>,
/// what the main job trains, in float or double) and one image at a time (<see cref="Loss"/>, the teaching version,
/// <c>--per-sample</c>). The generator writes every <c>…Backward</c>; nothing else computes a gradient.
/// </summary>
public static partial class Network
{
    /// <summary>Pixels per image.</summary>
    public const int Inputs = 28 * 28;

    /// <summary>Hidden units.</summary>
    public const int Hidden = 128;

    /// <summary>Classes (digits).</summary>
    public const int Classes = 10;

    /// <summary>
    /// The scores of the ten digits for one image, as a chain of toolkit layers: dense, ReLU, dense. A layer itself,
    /// it writes <paramref name="logits"/>.
    /// </summary>
    /// <param name="w1">Hidden weights, <c>Hidden × Inputs</c>.</param>
    /// <param name="b1">Hidden biases.</param>
    /// <param name="w2">Output weights, <c>Classes × Hidden</c>.</param>
    /// <param name="b2">Output biases.</param>
    /// <param name="image">The pixels, scaled to [0, 1].</param>
    /// <param name="logits">Receives the ten scores.</param>
    [Differentiable]
    public static void Logits(double[] w1, double[] b1, double[] w2, double[] b2, [NoDerivative] ReadOnlySpan<double> image, double[] logits)
    {
        double[] hidden = new double[Hidden];
        Layers.Dense(w1, b1, image, hidden);
        double[] active = new double[Hidden];
        Layers.Relu(hidden, active);
        Layers.Dense(w2, b2, active, logits);
    }

    /// <summary>The cross-entropy loss of one image against its label.</summary>
    /// <param name="w1">Hidden weights.</param>
    /// <param name="b1">Hidden biases.</param>
    /// <param name="w2">Output weights.</param>
    /// <param name="b2">Output biases.</param>
    /// <param name="image">The pixels, scaled to [0, 1].</param>
    /// <param name="label">The digit shown.</param>
    [Differentiable]
    public static double Loss(double[] w1, double[] b1, double[] w2, double[] b2, [NoDerivative] ReadOnlySpan<double> image, int label)
    {
        double[] logits = new double[Classes];
        Logits(w1, b1, w2, b2, image, logits);
        return Losses.SoftmaxCrossEntropy(logits, label);
    }

    /// <summary>
    /// The mean cross-entropy of a mini-batch, the network written over the whole batch at once: the images are the
    /// rows of <paramref name="images"/> (<c>batch × Inputs</c>), so each dense layer is one matrix product that reads
    /// its weights once per batch, not once per image.
    /// </summary>
    /// <param name="w1">Hidden weights, <c>Hidden × Inputs</c>.</param>
    /// <param name="b1">Hidden biases.</param>
    /// <param name="w2">Output weights, <c>Classes × Hidden</c>.</param>
    /// <param name="b2">Output biases.</param>
    /// <param name="images">The batch's pixels, one image per row.</param>
    /// <param name="labels">The digit each image shows.</param>
    [Differentiable]
    public static float BatchLoss(float[] w1, float[] b1, float[] w2, float[] b2, [NoDerivative] ReadOnlySpan<float> images, ReadOnlySpan<int> labels)
    {
        float[] hidden = new float[labels.Length * Hidden];
        Layers.DenseBatch(w1, b1, images, hidden);
        float[] active = new float[labels.Length * Hidden];
        Layers.Relu(hidden, active);
        float[] logits = new float[labels.Length * Classes];
        Layers.DenseBatch(w2, b2, active, logits);
        return Losses.SoftmaxCrossEntropyBatch(logits, labels);
    }

    /// <inheritdoc cref="BatchLoss(float[], float[], float[], float[], ReadOnlySpan{float}, ReadOnlySpan{int})"/>
    [Differentiable]
    public static double BatchLoss(double[] w1, double[] b1, double[] w2, double[] b2, [NoDerivative] ReadOnlySpan<double> images, ReadOnlySpan<int> labels)
    {
        double[] hidden = new double[labels.Length * Hidden];
        Layers.DenseBatch(w1, b1, images, hidden);
        double[] active = new double[labels.Length * Hidden];
        Layers.Relu(hidden, active);
        double[] logits = new double[labels.Length * Classes];
        Layers.DenseBatch(w2, b2, active, logits);
        return Losses.SoftmaxCrossEntropyBatch(logits, labels);
    }
}
