using System;
using Backprop;
using Backprop.Nn;

namespace Mnist;

/// <summary>
/// A 784-128-10 multilayer perceptron, written by hand as a chain of layers: a ReLU hidden layer, a linear output
/// layer and the softmax cross-entropy. The weights are flat arrays, row-major: <c>w1[j * Inputs + i]</c> links pixel i to hidden unit j.
/// The generator writes <c>LogitsBackward</c> and <c>LossBackward</c>; nothing else computes a gradient.
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
}
