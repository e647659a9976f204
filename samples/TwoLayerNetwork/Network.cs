using System;
using Backprop;

namespace TwoLayerNetwork;

/// <summary>
/// The 2-2-2 sigmoid network of the reference example: two inputs, two hidden units, two outputs, no biases, and the
/// squared error <c>E = ½ Σ (target − out)²</c>. The weights are <c>w[0..3]</c> (input → hidden) and
/// <c>w[4..7]</c> (hidden → output), in the example's order w1..w8.
/// </summary>
public static partial class Network
{
    /// <summary>The logistic sigmoid.</summary>
    [Differentiable]
    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>The error of the network with weights <paramref name="w"/> on one example.</summary>
    /// <param name="w">The eight weights.</param>
    /// <param name="input">The two inputs.</param>
    /// <param name="target">The two targets.</param>
    [Differentiable]
    public static double Error(double[] w, [NoDerivative] double[] input, [NoDerivative] double[] target)
    {
        double h1 = Sigmoid(w[0] * input[0] + w[1] * input[1]);
        double h2 = Sigmoid(w[2] * input[0] + w[3] * input[1]);
        double o1 = Sigmoid(w[4] * h1 + w[5] * h2);
        double o2 = Sigmoid(w[6] * h1 + w[7] * h2);
        return 0.5 * ((target[0] - o1) * (target[0] - o1) + (target[1] - o2) * (target[1] - o2));
    }
}
