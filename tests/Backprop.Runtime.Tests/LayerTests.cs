using System;
using System.Linq;
using Backprop.Nn;
using Xunit;

namespace Backprop.Runtime.Tests;

/// <summary>A small convolutional network written as a chain of toolkit layers.</summary>
public static partial class LayerChain
{
    /// <summary>1×6×6 image → conv 2×3×3 (stride 1, padding 1) → ReLU → max-pool 2 → dense 18→3 → tanh → softmax cross-entropy.</summary>
    [Differentiable]
    public static double Loss(double[] kernel, double[] bias, double[] w, double[] b, [NoDerivative] double[] image, int label)
    {
        double[] conv = new double[2 * 6 * 6];
        Layers.Conv2d(kernel, bias, image, conv, 1, 6, 6, 3, 1, 1);
        double[] active = new double[conv.Length];
        Layers.Relu(conv, active);
        double[] pooled = new double[2 * 3 * 3];
        Layers.MaxPool2d(active, pooled, 2, 6, 6, 2, 2);
        double[] dense = new double[3];
        Layers.Dense(w, b, pooled, dense);
        double[] squashed = new double[3];
        Layers.Tanh(dense, squashed);
        return Losses.SoftmaxCrossEntropy(squashed, label);
    }
}

public class LayerTests
{
    private readonly Random _random = new(17);

    [Fact]
    public void A_chain_of_layers_has_exact_gradients()
    {
        for (int trial = 0; trial < 6; trial++)
        {
            double[] image = Numeric.RandomVector(_random, 36, 1);
            int label = _random.Next(3);
            double[] point = Numeric.RandomVector(_random, 18 + 2 + 54 + 3, 0.8);
            (double[] K, double[] B, double[] W, double[] C) Split(double[] v) => (v[..18], v[18..20], v[20..74], v[74..]);
            Numeric.AssertGradient(
                v =>
                {
                    var (k, bias, w, b) = Split(v);
                    return LayerChain.Loss(k, bias, w, b, image, label);
                },
                (v, d) =>
                {
                    var (k, bias, w, b) = Split(v);
                    double[] dK = new double[18], dBias = new double[2], dW = new double[54], dB = new double[3];
                    LayerChain.LossBackward(k, bias, w, b, image, label, dK, dBias, dW, dB);
                    double[] all = dK.Concat(dBias).Concat(dW).Concat(dB).ToArray();
                    for (int i = 0; i < d.Length; i++) d[i] += all[i];
                },
                point,
                tolerance: 1e-5);
        }
    }

    /// <summary>
    /// A layer as a function of one flat vector of its differentiable inputs: its forward, and its Backward's
    /// vector–Jacobian product for an output gradient.
    /// </summary>
    private sealed record Layer(string Name, int Inputs, int Outputs, Action<double[], double[]> Forward, Action<double[], double[], double[]> Vjp)
    {
        public override string ToString() => Name;
    }

    private static Layer[] AllLayers()
    {
        const int h = 5, wd = 4;
        int convOut = 3 * Layers.OutputSize(h, 3, 2, 1) * Layers.OutputSize(wd, 3, 2, 1);
        return new[]
        {
            new Layer("dense", 12 + 3 + 4, 3,
                (v, y) => Layers.Dense(v[..12], v[12..15], v.AsSpan(15), y),
                (v, dy, dv) => Add(dv, (a, b, c) => Layers.DenseBackward(v[..12], v[12..15], v.AsSpan(15), new double[3], a, b, c, dy), 12, 3, 4)),
            new Layer("relu", 6, 6, (v, y) => Layers.Relu(v, y), (v, dy, dv) => Layers.ReluBackward(v, new double[6], dv, dy)),
            new Layer("tanh", 6, 6, (v, y) => Layers.Tanh(v, y), (v, dy, dv) => Layers.TanhBackward(v, new double[6], dv, dy)),
            new Layer("sigmoid", 6, 6, (v, y) => Layers.Sigmoid(v, y), (v, dy, dv) => Layers.SigmoidBackward(v, new double[6], dv, dy)),
            new Layer("softmax", 5, 5, (v, y) => Losses.Softmax(v, y), (v, dy, dv) => Losses.SoftmaxBackward(v, new double[5], dv, dy)),
            new Layer("max-pool", 2 * 4 * 6, 2 * 2 * 3,
                (v, y) => Layers.MaxPool2d(v, y, 2, 4, 6, 2, 2),
                (v, dy, dv) => Layers.MaxPool2dBackward(v, new double[12], 2, 4, 6, 2, 2, dv, dy)),
            new Layer("conv2d", 3 * 2 * 9 + 3 + 2 * h * wd, convOut,
                (v, y) => Layers.Conv2d(v[..54], v[54..57], v.AsSpan(57), y, 2, h, wd, 3, 2, 1),
                (v, dy, dv) => Add(dv, (a, b, c) => Layers.Conv2dBackward(v[..54], v[54..57], v.AsSpan(57), new double[convOut], 2, h, wd, 3, 2, 1, a, b, c, dy), 54, 3, 2 * h * wd)),
        };
    }

    private static void Add(double[] into, Action<double[], double[], double[]> backward, int first, int second, int third)
    {
        double[] a = new double[first], b = new double[second], c = new double[third];
        backward(a, b, c);
        double[] all = a.Concat(b).Concat(c).ToArray();
        for (int i = 0; i < into.Length; i++) into[i] += all[i];
    }

    [Fact]
    public void Every_layer_satisfies_the_dot_product_identity()
    {
        foreach (Layer layer in AllLayers())
        {
            for (int trial = 0; trial < 5; trial++)
            {
                double[] x = Numeric.RandomVector(_random, layer.Inputs, 1.5);
                double[] u = Numeric.RandomVector(_random, layer.Inputs);
                double[] v = Numeric.RandomVector(_random, layer.Outputs);

                // J·u by a central difference of the forward along u; Jᵀ·v from the Backward.
                const double step = 1e-6;
                double[] plus = new double[layer.Outputs], minus = new double[layer.Outputs];
                layer.Forward(x.Zip(u, (a, b) => a + step * b).ToArray(), plus);
                layer.Forward(x.Zip(u, (a, b) => a - step * b).ToArray(), minus);
                double jvpDotV = plus.Zip(minus, (p, m) => (p - m) / (2 * step)).Zip(v, (a, b) => a * b).Sum();

                double[] vjp = new double[layer.Inputs];
                double[] outputGradient = (double[])v.Clone();
                layer.Vjp(x, outputGradient, vjp);
                double uDotVjp = u.Zip(vjp, (a, b) => a * b).Sum();

                Assert.True(Math.Abs(jvpDotV - uDotVjp) <= 1e-6 * Math.Max(1, Math.Abs(uDotVjp)), $"{layer}: <Ju, v> = {jvpDotV}, <u, Jᵀv> = {uDotVjp}");
                Assert.Equal(v, outputGradient); // the output's adjoint is read, never changed
            }
        }
    }

    [Fact]
    public void A_layer_backward_writes_the_forward_output()
    {
        double[] x = Numeric.RandomVector(_random, 2 * 5 * 4);
        double[] kernel = Numeric.RandomVector(_random, 3 * 2 * 9), bias = Numeric.RandomVector(_random, 3);
        int side = Layers.OutputSize(5, 3, 1, 1) * Layers.OutputSize(4, 3, 1, 1);
        double[] forward = new double[3 * side], fromBackward = new double[3 * side];
        Layers.Conv2d(kernel, bias, x, forward, 2, 5, 4, 3, 1, 1);
        Layers.Conv2dBackward(kernel, bias, x, fromBackward, 2, 5, 4, 3, 1, 1, null, null, Span<double>.Empty, new double[3 * side]);
        Assert.Equal(forward, fromBackward);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(2, 0)]
    public void A_layer_pullback_adds_what_its_backward_adds_without_running_the_layer(int stride, int padding)
    {
        // Generated callers run the layer, then call its Pullback: it must not need the output's contents.
        double[] x = Numeric.RandomVector(_random, 2 * 5 * 4);
        double[] kernel = Numeric.RandomVector(_random, 3 * 2 * 9), bias = Numeric.RandomVector(_random, 3);
        int outputs = 3 * Layers.OutputSize(5, 3, stride, padding) * Layers.OutputSize(4, 3, stride, padding);
        double[] dY = Numeric.RandomVector(_random, outputs);
        double[] dKernel = new double[kernel.Length], dBias = new double[3], dX = new double[x.Length];
        Layers.Conv2dBackward(kernel, bias, x, new double[outputs], 2, 5, 4, 3, stride, padding, dKernel, dBias, dX, dY);
        double[] pKernel = new double[kernel.Length], pBias = new double[3], pX = new double[x.Length];
        double[] garbage = Enumerable.Repeat(double.NaN, outputs).ToArray();
        Layers.Conv2dPullback(kernel, bias, x, garbage, 2, 5, 4, 3, stride, padding, pKernel, pBias, pX, dY);
        Assert.Equal(dKernel, pKernel);
        Assert.Equal(dBias, pBias);
        Assert.Equal(dX, pX);
        Assert.Contains(dX, g => g != 0);
    }

    [Fact]
    public void Shapes_are_checked()
    {
        Assert.Equal(14, Layers.OutputSize(28, 2, 2));
        Assert.Equal(28, Layers.OutputSize(28, 3, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Layers.OutputSize(2, 5));
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => Layers.MaxPool2d(new double[16], new double[3], 1, 4, 4, 2, 2)).ParamName);
    }
}
