using System;
using System.Numerics.Tensors;
using System.Numerics;

namespace Backprop.Nn;

/// <summary>
/// Layers: <see cref="DifferentiableAttribute">[Differentiable]</see> methods that fill an output span from their
/// inputs, so that a loss can be written as a chain of calls (<c>Dense → Relu → Dense → SoftmaxCrossEntropy</c>) and
/// the generator chains their Backward methods. Each Backward takes the incoming gradient of the output (read, left
/// unchanged) and adds the gradients of the inputs and weights. Images are laid out channel by channel, row by row
/// (CHW); weight matrices are row-major, one row per output. The softmax and its cross-entropy are in
/// <see cref="Losses"/>.
/// </summary>
public static partial class Layers
{
    /// <summary>A fully connected layer: <c>y[j] = b[j] + Σᵢ w[j·n + i] · x[i]</c> with <c>n = x.Length</c>.</summary>
    /// <typeparam name="T"><c>double</c> or <c>float</c> (any IEEE floating type).</typeparam>
    /// <param name="w">The weights, <c>y.Length × x.Length</c>, row-major.</param>
    /// <param name="b">The biases, one per output.</param>
    /// <param name="x">The input.</param>
    /// <param name="y">Receives the output.</param>
    [Differentiable]
    public static void Dense<T>(T[] w, T[] b, ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        // Each output is a SIMD dot product of a weight row with the input (TensorPrimitives.Dot, several accumulators).
        int n = x.Length;
        for (int j = 0; j < y.Length; j++) y[j] = b[j] + TensorPrimitives.Dot<T>(w.AsSpan(j * n, n), x);
    }

    /// <summary>The rectifier over a span: <c>y[i] = max(x[i], 0)</c>.</summary>
    /// <typeparam name="T"><c>double</c> or <c>float</c> (any IEEE floating type).</typeparam>
    /// <param name="x">The input.</param>
    /// <param name="y">Receives the output, of the same length.</param>
    [Differentiable]
    public static void Relu<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > T.Zero ? x[i] : T.Zero;
    }

    /// <summary>The hyperbolic tangent over a span.</summary>
    /// <typeparam name="T"><c>double</c> or <c>float</c> (any IEEE floating type).</typeparam>
    /// <param name="x">The input.</param>
    /// <param name="y">Receives the output, of the same length.</param>
    [Differentiable]
    public static void Tanh<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = T.Tanh(x[i]);
    }

    /// <summary>The logistic sigmoid over a span (see <see cref="Activations.Sigmoid{T}(T)"/>).</summary>
    /// <typeparam name="T"><c>double</c> or <c>float</c> (any IEEE floating type).</typeparam>
    /// <param name="x">The input.</param>
    /// <param name="y">Receives the output, of the same length.</param>
    [Differentiable]
    public static void Sigmoid<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = Activations.Sigmoid(x[i]);
    }

    // The span-only layers for double and float by name: a caller passing arrays (Relu(hidden, active)) needs no type
    // argument on a compiler older than C# 14, which cannot infer T from an array passed as a span.

    /// <inheritdoc cref="Relu{T}(ReadOnlySpan{T}, Span{T})"/>
    [Differentiable]
    public static void Relu(ReadOnlySpan<double> x, Span<double> y) => Relu<double>(x, y);

    /// <inheritdoc cref="Relu{T}(ReadOnlySpan{T}, Span{T})"/>
    [Differentiable]
    public static void Relu(ReadOnlySpan<float> x, Span<float> y) => Relu<float>(x, y);

    /// <inheritdoc cref="Tanh{T}(ReadOnlySpan{T}, Span{T})"/>
    [Differentiable]
    public static void Tanh(ReadOnlySpan<double> x, Span<double> y) => Tanh<double>(x, y);

    /// <inheritdoc cref="Tanh{T}(ReadOnlySpan{T}, Span{T})"/>
    [Differentiable]
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y) => Tanh<float>(x, y);

    /// <inheritdoc cref="Sigmoid{T}(ReadOnlySpan{T}, Span{T})"/>
    [Differentiable]
    public static void Sigmoid(ReadOnlySpan<double> x, Span<double> y) => Sigmoid<double>(x, y);

    /// <inheritdoc cref="Sigmoid{T}(ReadOnlySpan{T}, Span{T})"/>
    [Differentiable]
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => Sigmoid<float>(x, y);

    /// <summary>The side of a convolution's or a pooling's output: <c>(size + 2·padding − kernel) / stride + 1</c>.</summary>
    /// <param name="size">The input's side.</param>
    /// <param name="kernel">The kernel's side.</param>
    /// <param name="stride">The stride.</param>
    /// <param name="padding">The zero padding on each border.</param>
    public static int OutputSize(int size, int kernel, int stride = 1, int padding = 0)
    {
        if (size <= 0 || kernel <= 0 || stride <= 0 || padding < 0 || size + 2 * padding < kernel)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"No output for size {size}, kernel {kernel}, stride {stride}, padding {padding}.");
        }

        return (size + 2 * padding - kernel) / stride + 1;
    }

    /// <summary>
    /// A two-dimensional convolution (cross-correlation, as in every framework) with zero padding:
    /// <c>output[o, r, c] = bias[o] + Σ kernel[o, i, u, v] · input[i, r·stride + u − padding, c·stride + v − padding]</c>.
    /// </summary>
    /// <typeparam name="T"><c>double</c> or <c>float</c> (any IEEE floating type).</typeparam>
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
    public static void Conv2d<T>(T[] kernel, T[] bias, ReadOnlySpan<T> input, Span<T> output,
        int channelsIn, int height, int width, int size, int stride, int padding) where T : IFloatingPointIeee754<T>
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
                    T sum = bias[o];
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

    /// <summary>
    /// Max pooling: <c>output[ch, r, c]</c> is the largest <c>input[ch, r·stride + u, c·stride + v]</c> over the
    /// <c>size × size</c> window (no padding). Its Backward sends each output's gradient to the first largest input of
    /// its window.
    /// </summary>
    /// <param name="input">The input, <c>channels × height × width</c>.</param>
    /// <param name="output">Receives the output, <c>channels × OutputSize(height, size, stride) × OutputSize(width, size, stride)</c>.</param>
    /// <param name="channels">The channels.</param>
    /// <param name="height">The input's height.</param>
    /// <param name="width">The input's width.</param>
    /// <param name="size">The window's side.</param>
    /// <param name="stride">The stride.</param>
    public static void MaxPool2d(ReadOnlySpan<double> input, Span<double> output, int channels, int height, int width, int size, int stride) =>
        MaxPool<double>(input, output, channels, height, width, size, stride, Span<double>.Empty, Span<double>.Empty);

    /// <summary>
    /// The fused Backward of <see cref="MaxPool2d(ReadOnlySpan{double}, Span{double}, int, int, int, int, int)"/>: writes the output as the primal does, and adds each output's
    /// incoming gradient to the input that won its window.
    /// </summary>
    /// <param name="input">The input.</param>
    /// <param name="output">Receives the output.</param>
    /// <param name="channels">The channels.</param>
    /// <param name="height">The input's height.</param>
    /// <param name="width">The input's width.</param>
    /// <param name="size">The window's side.</param>
    /// <param name="stride">The stride.</param>
    /// <param name="dInput">Receives the input's gradient, added to what it holds; empty when not wanted.</param>
    /// <param name="dOutput">The incoming gradient of the output (read, left unchanged); empty for none.</param>
    public static void MaxPool2dBackward(ReadOnlySpan<double> input, Span<double> output, int channels, int height, int width, int size, int stride,
        Span<double> dInput, [OutputAdjoint] Span<double> dOutput) =>
        MaxPool(input, output, channels, height, width, size, stride, dInput, dOutput);

    /// <inheritdoc cref="MaxPool2d(ReadOnlySpan{double}, Span{double}, int, int, int, int, int)"/>
    public static void MaxPool2d(ReadOnlySpan<float> input, Span<float> output, int channels, int height, int width, int size, int stride) =>
        MaxPool<float>(input, output, channels, height, width, size, stride, Span<float>.Empty, Span<float>.Empty);

    /// <inheritdoc cref="MaxPool2dBackward(ReadOnlySpan{double}, Span{double}, int, int, int, int, int, Span{double}, Span{double})"/>
    public static void MaxPool2dBackward(ReadOnlySpan<float> input, Span<float> output, int channels, int height, int width, int size, int stride,
        Span<float> dInput, [OutputAdjoint] Span<float> dOutput) =>
        MaxPool(input, output, channels, height, width, size, stride, dInput, dOutput);

    /// <summary>Max pooling over <c>double</c> or <c>float</c>, and its gradient when both adjoints are given.</summary>
    private static void MaxPool<T>(ReadOnlySpan<T> input, Span<T> output, int channels, int height, int width, int size, int stride,
        Span<T> dInput, Span<T> dOutput)
        where T : INumber<T>
    {
        int outHeight = OutputSize(height, size, stride), outWidth = OutputSize(width, size, stride);
        CheckLength(input.Length, channels * height * width, nameof(input));
        CheckLength(output.Length, channels * outHeight * outWidth, nameof(output));
        if (!dInput.IsEmpty) CheckLength(dInput.Length, input.Length, nameof(dInput));
        if (!dOutput.IsEmpty) CheckLength(dOutput.Length, output.Length, nameof(dOutput));
        bool backward = !dInput.IsEmpty && !dOutput.IsEmpty;
        for (int ch = 0; ch < channels; ch++)
        {
            for (int r = 0; r < outHeight; r++)
            {
                for (int c = 0; c < outWidth; c++)
                {
                    int at = (ch * outHeight + r) * outWidth + c;
                    int winner = ArgMax(input, ch, r, c, height, width, size, stride);
                    output[at] = input[winner];
                    if (backward) dInput[winner] += dOutput[at];
                }
            }
        }
    }

    private static int ArgMax<T>(ReadOnlySpan<T> input, int ch, int r, int c, int height, int width, int size, int stride)
        where T : INumber<T>
    {
        int best = (ch * height + r * stride) * width + c * stride;
        for (int u = 0; u < size; u++)
        {
            int row = (ch * height + r * stride + u) * width + c * stride;
            for (int v = 0; v < size; v++)
            {
                if (input[row + v] > input[best]) best = row + v;
            }
        }

        return best;
    }

    private static void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected) throw new ArgumentException($"{name} has length {actual}; the shape needs {expected}.", name);
    }
}
