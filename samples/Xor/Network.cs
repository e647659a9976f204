using System;
using Backprop;

namespace Xor;

/// <summary>
/// The 3-input XOR network of the reference example: inputs (x1, x2, 1), two sigmoid hidden units with weights
/// <c>g1</c> and <c>g2</c>, a sigmoid output with weights <c>v</c> (the third input acts as the bias), and the cost
/// <c>½ (y − f)²</c>.
/// </summary>
public static partial class Network
{
    /// <summary>The logistic sigmoid.</summary>
    [Differentiable]
    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>The network's output for (x1, x2).</summary>
    [Differentiable]
    public static double Output(double[] g1, double[] g2, double[] v, [NoDerivative] double x1, [NoDerivative] double x2)
    {
        double a = Sigmoid(g1[0] * x1 + g1[1] * x2 + g1[2]);
        double b = Sigmoid(g2[0] * x1 + g2[1] * x2 + g2[2]);
        return Sigmoid(v[0] * a + v[1] * b + v[2]);
    }

    /// <summary>The cost of the output against the target <paramref name="y"/>.</summary>
    [Differentiable]
    public static double Cost(double[] g1, double[] g2, double[] v, [NoDerivative] double x1, [NoDerivative] double x2, [NoDerivative] double y)
    {
        double f = Output(g1, g2, v, x1, x2);
        return 0.5 * (y - f) * (y - f);
    }
}
