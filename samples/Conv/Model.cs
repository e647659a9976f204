using System;
using Backprop;
using Backprop.Nn;

namespace Conv;

/// <summary>A convolution layer as a model class: its kernels and biases are fields, with generated gradients.</summary>
public sealed partial class ConvLayer
{
    /// <summary>The kernels, <c>channelsOut × channelsIn × size × size</c>.</summary>
    public double[] Kernel;

    /// <summary>One bias per output channel.</summary>
    public double[] Bias;

    /// <summary>The input's channels, height and width, the kernels' side, the stride and the padding.</summary>
    [NoDerivative] public int ChannelsIn, Height, Width, Size, Stride, Padding;

    /// <summary>Creates a layer with zero weights.</summary>
    public ConvLayer(int channelsIn, int channelsOut, int height, int width, int size, int stride, int padding)
    {
        (ChannelsIn, Height, Width, Size, Stride, Padding) = (channelsIn, height, width, size, stride, padding);
        Kernel = new double[channelsOut * channelsIn * size * size];
        Bias = new double[channelsOut];
    }

    /// <summary>Convolves <paramref name="input"/> into <paramref name="output"/>.</summary>
    [Differentiable]
    public void Forward(ReadOnlySpan<double> input, Span<double> output) =>
        Layers.Conv2d(Kernel, Bias, input, output, ChannelsIn, Height, Width, Size, Stride, Padding);
}

/// <summary>A fully connected layer as a model class.</summary>
public sealed partial class DenseLayer
{
    /// <summary>The weights, <c>outputs × inputs</c>, row-major.</summary>
    public double[] W;

    /// <summary>The biases.</summary>
    public double[] B;

    /// <summary>Creates a layer with zero weights.</summary>
    public DenseLayer(int inputs, int outputs)
    {
        W = new double[outputs * inputs];
        B = new double[outputs];
    }

    /// <summary>Writes <c>W·x + B</c> into <paramref name="y"/>.</summary>
    [Differentiable]
    public void Forward(ReadOnlySpan<double> x, Span<double> y) => Layers.Dense(W, B, x, y);
}

/// <summary>
/// The same network as <see cref="ConvNet"/>, as a model class composed of layer classes. <c>LossBackward</c> fills a
/// generated <c>ConvModel.Gradients</c>, which nests one <c>Gradients</c> per layer, and an optimizer steps it with
/// <c>optimizer.Step(model, gradients)</c>.
/// </summary>
public sealed partial class ConvModel
{
    /// <summary>The convolution.</summary>
    public ConvLayer Conv = new(1, ConvNet.Channels, ConvNet.Side, ConvNet.Side, ConvNet.Kernel, 1, 1);

    /// <summary>The output layer.</summary>
    public DenseLayer Output = new(ConvNet.Features, ConvNet.Classes);

    /// <summary>The cross-entropy loss of one image against its label.</summary>
    [Differentiable]
    public double Loss([NoDerivative] ReadOnlySpan<double> image, int label)
    {
        double[] features = new double[ConvNet.Channels * ConvNet.Side * ConvNet.Side];
        Conv.Forward(image, features);
        double[] active = new double[features.Length];
        Layers.Relu(features, active);
        double[] pooled = new double[ConvNet.Features];
        Layers.MaxPool2d(active, pooled, ConvNet.Channels, ConvNet.Side, ConvNet.Side, 2, 2);
        double[] logits = new double[ConvNet.Classes];
        Output.Forward(pooled, logits);
        return Losses.SoftmaxCrossEntropy(logits, label);
    }
}
