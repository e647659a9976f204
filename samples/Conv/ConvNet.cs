using System;
using Backprop;
using Backprop.Nn;

namespace Conv;

/// <summary>
/// A convolutional network for 28×28 digits, written by hand as a chain of toolkit layers:
/// conv 3×3 (8 channels, padding 1) → ReLU → max-pool 2×2 → dense 1568 → 10 → softmax cross-entropy.
/// The generator writes <c>LossBackward</c> from it.
/// </summary>
public static partial class ConvNet
{
    /// <summary>Output channels of the convolution.</summary>
    public const int Channels = 8;

    /// <summary>The kernels' side.</summary>
    public const int Kernel = 3;

    /// <summary>The side of the input image.</summary>
    public const int Side = 28;

    /// <summary>The side after pooling.</summary>
    public const int Pooled = Side / 2;

    /// <summary>The features the dense layer reads.</summary>
    public const int Features = Channels * Pooled * Pooled;

    /// <summary>Classes (digits).</summary>
    public const int Classes = 10;

    /// <summary>The ten scores for one image: a layer writing <paramref name="logits"/>.</summary>
    /// <param name="kernel">The convolution's kernels, <c>Channels × 1 × 3 × 3</c>.</param>
    /// <param name="bias">One bias per channel.</param>
    /// <param name="w">The dense weights, <c>Classes × Features</c>.</param>
    /// <param name="b">The dense biases.</param>
    /// <param name="image">The image, scaled to [0, 1].</param>
    /// <param name="logits">Receives the scores.</param>
    [Differentiable]
    public static void Logits(double[] kernel, double[] bias, double[] w, double[] b, [NoDerivative] ReadOnlySpan<double> image, double[] logits)
    {
        double[] features = new double[Channels * Side * Side];
        Layers.Conv2d(kernel, bias, image, features, 1, Side, Side, Kernel, 1, 1);
        double[] active = new double[features.Length];
        Layers.Relu(features, active);
        double[] pooled = new double[Features];
        Layers.MaxPool2d(active, pooled, Channels, Side, Side, 2, 2);
        Layers.Dense(w, b, pooled, logits);
    }

    /// <summary>The cross-entropy loss of one image against its label.</summary>
    /// <param name="kernel">The convolution's kernels.</param>
    /// <param name="bias">Its biases.</param>
    /// <param name="w">The dense weights.</param>
    /// <param name="b">The dense biases.</param>
    /// <param name="image">The image.</param>
    /// <param name="label">The digit shown.</param>
    [Differentiable]
    public static double Loss(double[] kernel, double[] bias, double[] w, double[] b, [NoDerivative] ReadOnlySpan<double> image, int label)
    {
        double[] logits = new double[Classes];
        Logits(kernel, bias, w, b, image, logits);
        return Losses.SoftmaxCrossEntropy(logits, label);
    }
}
