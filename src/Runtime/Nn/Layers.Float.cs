using System;
using System.Numerics.Tensors;
using System.Numerics;

namespace Backprop.Nn;

// The layers over float: the same loops as the double ones (the generator differentiates each; it does not do
// generic methods), and the same hand-written max pooling.
public static partial class Layers
{
    /// <summary>A fully connected layer over <c>float</c> (see <see cref="Dense(double[], double[], ReadOnlySpan{double}, Span{double})"/>).</summary>
    /// <param name="w">The weights, <c>y.Length × x.Length</c>, row-major.</param>
    /// <param name="b">The biases, one per output.</param>
    /// <param name="x">The input.</param>
    /// <param name="y">Receives the output.</param>
    [Differentiable]
    public static void Dense(float[] w, float[] b, ReadOnlySpan<float> x, Span<float> y)
    {
        // Each output is a SIMD dot product of a weight row with the input (TensorPrimitives.Dot, several accumulators).
        int n = x.Length;
        for (int j = 0; j < y.Length; j++) y[j] = b[j] + TensorPrimitives.Dot(w.AsSpan(j * n, n), x);
    }

    /// <summary>The rectifier over a <c>float</c> span.</summary>
    /// <param name="x">The input.</param>
    /// <param name="y">Receives the output, of the same length.</param>
    [Differentiable]
    public static void Relu(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > 0 ? x[i] : 0;
    }

    /// <summary>The hyperbolic tangent over a <c>float</c> span.</summary>
    /// <param name="x">The input.</param>
    /// <param name="y">Receives the output, of the same length.</param>
    [Differentiable]
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = MathF.Tanh(x[i]);
    }

    /// <summary>The logistic sigmoid over a <c>float</c> span.</summary>
    /// <param name="x">The input.</param>
    /// <param name="y">Receives the output, of the same length.</param>
    [Differentiable]
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = Activations.Sigmoid(x[i]);
    }

    /// <summary>A two-dimensional convolution over <c>float</c> (see the <c>double</c> overload for the layout).</summary>
    /// <param name="kernel">The kernels, <c>channelsOut × channelsIn × size × size</c>.</param>
    /// <param name="bias">One bias per output channel.</param>
    /// <param name="input">The input image, <c>channelsIn × height × width</c>.</param>
    /// <param name="output">Receives the output, <c>channelsOut × OutputSize(height) × OutputSize(width)</c>.</param>
    /// <param name="channelsIn">The input's channels.</param>
    /// <param name="height">The input's height.</param>
    /// <param name="width">The input's width.</param>
    /// <param name="size">The kernels' side.</param>
    /// <param name="stride">The stride.</param>
    /// <param name="padding">The zero padding on each border.</param>
    [Differentiable]
    public static void Conv2d(float[] kernel, float[] bias, ReadOnlySpan<float> input, Span<float> output,
        int channelsIn, int height, int width, int size, int stride, int padding)
    {
        int outHeight = (height + 2 * padding - size) / stride + 1;
        int outWidth = (width + 2 * padding - size) / stride + 1;
        for (int o = 0; o < bias.Length; o++)
        {
            for (int r = 0; r < outHeight; r++)
            {
                // The kernel rows that fall inside the image: no test per tap.
                int top = r * stride - padding;
                int uFirst = Math.Max(0, -top), uEnd = Math.Min(size, height - top);
                for (int c = 0; c < outWidth; c++)
                {
                    int left = c * stride - padding;
                    int vFirst = Math.Max(0, -left), vEnd = Math.Min(size, width - left);
                    float sum = bias[o];
                    for (int i = 0; i < channelsIn; i++)
                    {
                        for (int u = uFirst; u < uEnd; u++)
                        {
                            int k = ((o * channelsIn + i) * size + u) * size;
                            int at = (i * height + top + u) * width + left;
                            for (int v = vFirst; v < vEnd; v++) sum += kernel[k + v] * input[at + v];
                        }
                    }

                    output[(o * outHeight + r) * outWidth + c] = sum;
                }
            }
        }
    }

    /// <summary>Max pooling over <c>float</c> (see the <c>double</c> overload).</summary>
    /// <param name="input">The input, <c>channels × height × width</c>.</param>
    /// <param name="output">Receives the output.</param>
    /// <param name="channels">The channels.</param>
    /// <param name="height">The input's height.</param>
    /// <param name="width">The input's width.</param>
    /// <param name="size">The window's side.</param>
    /// <param name="stride">The stride.</param>
    public static void MaxPool2d(ReadOnlySpan<float> input, Span<float> output, int channels, int height, int width, int size, int stride) =>
        MaxPool<float>(input, output, channels, height, width, size, stride, Span<float>.Empty, Span<float>.Empty);

    /// <summary>The fused Backward of max pooling over <c>float</c>.</summary>
    /// <param name="input">The input.</param>
    /// <param name="output">Receives the output.</param>
    /// <param name="channels">The channels.</param>
    /// <param name="height">The input's height.</param>
    /// <param name="width">The input's width.</param>
    /// <param name="size">The window's side.</param>
    /// <param name="stride">The stride.</param>
    /// <param name="dInput">Receives the input's gradient, added to what it holds; empty when not wanted.</param>
    /// <param name="dOutput">The incoming gradient of the output (read, left unchanged); empty for none.</param>
    public static void MaxPool2dBackward(ReadOnlySpan<float> input, Span<float> output, int channels, int height, int width, int size, int stride,
        Span<float> dInput, [OutputAdjoint] Span<float> dOutput) =>
        MaxPool(input, output, channels, height, width, size, stride, dInput, dOutput);
}
