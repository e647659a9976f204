using System;
using System.Linq;
using Backprop.Nn;
using Xunit;

namespace Backprop.Runtime.Tests;

/// <summary>
/// A user's [Differentiable] code calling the toolkit from another assembly: the generator finds the toolkit's
/// Backward methods (generated or hand-written) in metadata and chains through them.
/// </summary>
public static partial class TinyNet
{
    /// <summary>A 3-4-3 network with tanh, sigmoid and softplus units, and a softmax cross-entropy loss.</summary>
    [Differentiable]
    public static double Loss(double[] w1, double[] w2, [NoDerivative] double[] x, int label)
    {
        double[] hidden = new double[4];
        for (int j = 0; j < 4; j++)
        {
            double sum = 0;
            for (int i = 0; i < 3; i++) sum += w1[j * 3 + i] * x[i];
            hidden[j] = j % 2 == 0 ? Activations.Tanh(sum) : Activations.Sigmoid(sum) + Activations.Softplus(0.5 * sum);
        }

        double[] logits = new double[3];
        for (int k = 0; k < 3; k++)
        {
            double sum = 0;
            for (int j = 0; j < 4; j++) sum += w2[k * 4 + j] * hidden[j];
            logits[k] = Activations.LeakyRelu(sum, 0.1);
        }

        return Losses.SoftmaxCrossEntropy(logits, label);
    }

    /// <summary>The softmax as an output layer, then the cross-entropy of its probabilities, plus an MSE term.</summary>
    [Differentiable]
    public static double Probabilities(double[] logits, double[] target, int label)
    {
        double[] p = new double[logits.Length];
        Losses.Softmax(logits, p);
        return Losses.CrossEntropy(p, label) + Losses.MeanSquaredError(p, target) + Losses.LogSumExp(target);
    }
}

/// <summary>The same kind of network over float, as a chain of the toolkit's float layers.</summary>
public static partial class TinyFloatNet
{
    [Differentiable]
    public static float Loss(float[] w1, float[] b1, float[] w2, float[] b2, [NoDerivative] float[] x, int label)
    {
        float[] hidden = new float[4];
        Layers.Dense(w1, b1, x, hidden);
        float[] active = new float[4];
        Layers.Tanh(hidden, active);
        float[] logits = new float[3];
        Layers.Dense(w2, b2, active, logits);
        return Losses.SoftmaxCrossEntropy(logits, label);
    }
}

/// <summary>A user's generic-math network over the generic toolkit: one source for double and float.</summary>
public static partial class GenericNet
{
    [Differentiable]
    public static T Loss<T>(T[] w1, T[] b1, T[] w2, T[] b2, [NoDerivative] T[] x, [NoDerivative] T[] target) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        T[] hidden = new T[4];
        Layers.Dense(w1, b1, x, hidden);
        T[] active = new T[4];
        Layers.Relu<T>(hidden, active);
        T[] output = new T[3];
        Layers.Dense(w2, b2, active, output);
        T[] smooth = new T[3];
        for (int k = 0; k < 3; k++) smooth[k] = Activations.Softplus(output[k]) + Activations.LeakyRelu(output[k]);
        return Losses.MeanSquaredError(smooth, target);
    }
}

public class ToolkitInUserCodeTests
{
    [Fact]
    public void A_generic_network_over_the_generic_toolkit_has_exact_gradients_in_double_and_float()
    {
        var random = new Random(9);
        for (int trial = 0; trial < 10; trial++)
        {
            double[] x = Numeric.RandomVector(random, 3, 2), target = Numeric.RandomVector(random, 3);
            double[] point = Numeric.RandomVector(random, 12 + 4 + 12 + 3);
            Numeric.AssertGradient(
                v => GenericNet.Loss(v[..12], v[12..16], v[16..28], v[28..], x, target),
                (v, d) =>
                {
                    double[] dW1 = new double[12], dB1 = new double[4], dW2 = new double[12], dB2 = new double[3];
                    GenericNet.LossBackward(v[..12], v[12..16], v[16..28], v[28..], x, target, dW1, dB1, dW2, dB2);
                    double[] all = dW1.Concat(dB1).Concat(dW2).Concat(dB2).ToArray();
                    for (int i = 0; i < all.Length; i++) d[i] += all[i];
                },
                point);

            // The same source over float gives the double gradient to float precision.
            float[] f = point.Select(v => (float)v).ToArray();
            float[] fx = x.Select(v => (float)v).ToArray(), ft = target.Select(v => (float)v).ToArray();
            float[] fW1 = new float[12], fB1 = new float[4], fW2 = new float[12], fB2 = new float[3];
            GenericNet.LossBackward(f[..12], f[12..16], f[16..28], f[28..], fx, ft, fW1, fB1, fW2, fB2);
            double[] dW1d = new double[12], dB1d = new double[4], dW2d = new double[12], dB2d = new double[3];
            double[] fp = f.Select(v => (double)v).ToArray();
            GenericNet.LossBackward(fp[..12], fp[12..16], fp[16..28], fp[28..], fx.Select(v => (double)v).ToArray(), ft.Select(v => (double)v).ToArray(),
                dW1d, dB1d, dW2d, dB2d);
            double[] expected = dW1d.Concat(dB1d).Concat(dW2d).Concat(dB2d).ToArray();
            float[] actual = fW1.Concat(fB1).Concat(fW2).Concat(fB2).ToArray();
            for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-4 * (1 + Math.Abs(expected[i])), $"{i}: {actual[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void A_float_network_of_toolkit_layers_matches_finite_differences_to_float_precision()
    {
        // Central differences of the float function with a float-sized step, taken in double.
        var random = new Random(5);
        float[] x = { 0.5f, -1.2f, 0.3f };
        float[] p = Numeric.RandomVector(random, 12 + 4 + 12 + 3).Select(v => (float)v).ToArray();
        float[] w1 = p[..12], b1 = p[12..16], w2 = p[16..28], b2 = p[28..];
        float[] dW1 = new float[12], dB1 = new float[4], dW2 = new float[12], dB2 = new float[3];
        TinyFloatNet.LossBackward(w1, b1, w2, b2, x, 2, dW1, dB1, dW2, dB2);
        float[] analytic = dW1.Concat(dB1).Concat(dW2).Concat(dB2).ToArray();
        for (int i = 0; i < p.Length; i++)
        {
            const float h = 1e-2f;
            float[] plus = (float[])p.Clone(), minus = (float[])p.Clone();
            plus[i] += h;
            minus[i] -= h;
            double numeric = ((double)TinyFloatNet.Loss(plus[..12], plus[12..16], plus[16..28], plus[28..], x, 2)
                - TinyFloatNet.Loss(minus[..12], minus[12..16], minus[16..28], minus[28..], x, 2)) / (2 * h);
            Assert.True(Math.Abs(numeric - analytic[i]) < 2e-3, $"parameter {i}: {analytic[i]} against {numeric}");
        }
    }

    [Fact]
    public void A_network_built_from_toolkit_calls_has_exact_gradients()
    {
        var random = new Random(3);
        for (int trial = 0; trial < 20; trial++)
        {
            double[] x = Numeric.RandomVector(random, 3, 2);
            int label = random.Next(3);
            double[] point = Numeric.RandomVector(random, 24);
            Numeric.AssertGradient(
                v => TinyNet.Loss(v[..12], v[12..], x, label),
                (v, d) =>
                {
                    double[] dW1 = new double[12], dW2 = new double[12];
                    TinyNet.LossBackward(v[..12], v[12..], x, label, dW1, dW2);
                    for (int i = 0; i < 12; i++) (d[i], d[12 + i]) = (d[i] + dW1[i], d[12 + i] + dW2[i]);
                },
                point);
        }
    }

    [Fact]
    public void The_softmax_layer_chains_through_its_hand_written_backward()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            double[] point = Numeric.RandomVector(random, 8, 2);
            int label = random.Next(4);
            Numeric.AssertGradient(
                v => TinyNet.Probabilities(v[..4], v[4..], label),
                (v, d) =>
                {
                    double[] dLogits = new double[4], dTarget = new double[4];
                    TinyNet.ProbabilitiesBackward(v[..4], v[4..], label, dLogits, dTarget);
                    for (int i = 0; i < 4; i++) (d[i], d[4 + i]) = (d[i] + dLogits[i], d[4 + i] + dTarget[i]);
                },
                point);
        }
    }
}
