using System;
using System.Numerics;

namespace Backprop.Nn;

/// <summary>
/// Layers over a whole mini-batch, stored row-major as <c>batch × features</c> (row <c>b</c> of <c>x</c> is
/// <c>x[b·n … b·n + n)</c>). A dense layer over a batch is a matrix product, done here by register-blocked, vectorized
/// kernels that read each weight once per batch instead of once per sample. These are primitives with hand-written
/// derivatives, as every framework's are: the generator differentiates the network you write with them (a
/// <see cref="DifferentiableAttribute">[Differentiable]</see> loss calling <c>DenseBatch</c>, <see cref="Relu(ReadOnlySpan{float}, Span{float})"/>,
/// <c>DenseBatch</c> and <see cref="Losses.SoftmaxCrossEntropyBatch(ReadOnlySpan{float}, ReadOnlySpan{int})"/>) and calls their
/// derivatives. The element-wise layers (<c>Relu</c>, <c>Tanh</c>, <c>Sigmoid</c>) need no batch form: they work on a
/// whole batch's buffer as it is.
/// </summary>
public static partial class Layers
{
    /// <summary>
    /// A fully connected layer over a batch: <c>y[r·m + j] = b[j] + Σᵢ w[j·n + i] · x[r·n + i]</c> for every row
    /// <c>r</c>, with <c>m = b.Length</c> outputs and <c>n = w.Length / m</c> inputs (<c>w</c> row-major, one row per
    /// output, as in <see cref="Dense{T}(T[], T[], ReadOnlySpan{T}, Span{T})"/>).
    /// </summary>
    /// <param name="w">The weights, <c>m × n</c>.</param>
    /// <param name="b">The biases, one per output.</param>
    /// <param name="x">The inputs, <c>batch × n</c>.</param>
    /// <param name="y">Receives the outputs, <c>batch × m</c>.</param>
    /// <exception cref="ArgumentException">The lengths do not describe one batch.</exception>
    [Differentiable]
    public static void DenseBatch(double[] w, double[] b, ReadOnlySpan<double> x, Span<double> y) => DenseBatchOf<double>(w, b, x, y);

    /// <inheritdoc cref="DenseBatch(double[], double[], ReadOnlySpan{double}, Span{double})"/>
    [Differentiable]
    public static void DenseBatch(float[] w, float[] b, ReadOnlySpan<float> x, Span<float> y) => DenseBatchOf<float>(w, b, x, y);

    /// <summary>
    /// The Backward of <see cref="DenseBatch(double[], double[], ReadOnlySpan{double}, Span{double})"/>: writes the outputs as the primal does, then adds
    /// <c>dyᵀ · x</c> to <paramref name="dW"/>, the column sums of <c>dy</c> to <paramref name="dB"/> and <c>dy · w</c> to
    /// <paramref name="dX"/>. <paramref name="dY"/> is read and left unchanged.
    /// </summary>
    /// <param name="w">The weights.</param>
    /// <param name="b">The biases.</param>
    /// <param name="x">The inputs.</param>
    /// <param name="y">Receives the outputs.</param>
    /// <param name="dW">Receives the weights' gradient, added to what it holds; null when not wanted.</param>
    /// <param name="dB">Receives the biases' gradient, added; null when not wanted.</param>
    /// <param name="dX">Receives the inputs' gradient, added; empty when not wanted.</param>
    /// <param name="dY">The incoming gradient of the outputs; empty for none.</param>
    public static void DenseBatchBackward(double[] w, double[] b, ReadOnlySpan<double> x, Span<double> y,
        double[]? dW, double[]? dB, Span<double> dX, [OutputAdjoint] Span<double> dY)
    {
        DenseBatchOf<double>(w, b, x, y);
        DenseBatchReverse<double>(w, b, x, y.Length, dW, dB, dX, dY);
    }

    /// <inheritdoc cref="DenseBatchBackward(double[], double[], ReadOnlySpan{double}, Span{double}, double[], double[], Span{double}, Span{double})"/>
    public static void DenseBatchBackward(float[] w, float[] b, ReadOnlySpan<float> x, Span<float> y,
        float[]? dW, float[]? dB, Span<float> dX, [OutputAdjoint] Span<float> dY)
    {
        DenseBatchOf<float>(w, b, x, y);
        DenseBatchReverse<float>(w, b, x, y.Length, dW, dB, dX, dY);
    }

    /// <summary>
    /// The reverse sweep of <see cref="DenseBatch(double[], double[], ReadOnlySpan{double}, Span{double})"/> alone, for a caller that has just run it
    /// on the same inputs (split mode; generated callers use it): adds the same gradients as the Backward without
    /// computing the outputs again, and consumes <paramref name="dY"/> (zero on return: the layer stores every output).
    /// </summary>
    /// <param name="w">The weights.</param>
    /// <param name="b">The biases.</param>
    /// <param name="x">The inputs.</param>
    /// <param name="y">The outputs (neither read nor written).</param>
    /// <param name="dW">Receives the weights' gradient, added to what it holds; null when not wanted.</param>
    /// <param name="dB">Receives the biases' gradient, added; null when not wanted.</param>
    /// <param name="dX">Receives the inputs' gradient, added; empty when not wanted.</param>
    /// <param name="dY">The incoming gradient of the outputs, set to zero; empty for none.</param>
    public static void DenseBatchPullback(double[] w, double[] b, ReadOnlySpan<double> x, Span<double> y,
        double[]? dW, double[]? dB, Span<double> dX, [OutputAdjoint] Span<double> dY)
    {
        DenseBatchReverse<double>(w, b, x, y.Length, dW, dB, dX, dY);
        dY.Clear();
    }

    /// <inheritdoc cref="DenseBatchPullback(double[], double[], ReadOnlySpan{double}, Span{double}, double[], double[], Span{double}, Span{double})"/>
    public static void DenseBatchPullback(float[] w, float[] b, ReadOnlySpan<float> x, Span<float> y,
        float[]? dW, float[]? dB, Span<float> dX, [OutputAdjoint] Span<float> dY)
    {
        DenseBatchReverse<float>(w, b, x, y.Length, dW, dB, dX, dY);
        dY.Clear();
    }

    private static void DenseBatchOf<T>(T[] w, T[] b, ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (int batch, int inputs, int outputs) = DenseBatchShape(w, b, x.Length, y.Length);
        Gemm.MultiplyTransposed<T>(x, w, b, y, batch, outputs, inputs);
    }

    private static void DenseBatchReverse<T>(T[] w, T[] b, ReadOnlySpan<T> x, int yLength, T[]? dW, T[]? dB, Span<T> dX, ReadOnlySpan<T> dY)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (int batch, int inputs, int outputs) = DenseBatchShape(w, b, x.Length, yLength);
        if (dY.IsEmpty) return;
        RequireLength(dY.Length, yLength, nameof(dY));
        if (dW is not null && dW.Length > 0)
        {
            RequireLength(dW.Length, w.Length, nameof(dW));
            Gemm.AddProduct<T>(dY, 1, outputs, x, dW, outputs, inputs, batch); // dW += dyᵀ · x
        }

        if (dB is not null && dB.Length > 0)
        {
            RequireLength(dB.Length, b.Length, nameof(dB));
            Gemm.AddColumnSums<T>(dY, dB, batch, outputs);
        }

        if (!dX.IsEmpty)
        {
            RequireLength(dX.Length, x.Length, nameof(dX));
            Gemm.AddProduct<T>(dY, outputs, 1, w, dX, batch, inputs, outputs); // dx += dy · w
        }
    }

    private static (int Batch, int Inputs, int Outputs) DenseBatchShape<T>(T[] w, T[] b, int x, int y)
    {
        if (w is null) throw new ArgumentNullException(nameof(w));
        if (b is null) throw new ArgumentNullException(nameof(b));
        int outputs = b.Length;
        if (outputs == 0 || w.Length % outputs != 0 || w.Length == 0)
        {
            throw new ArgumentException($"The weights ({w.Length}) must be a whole number of rows of the bias's length ({outputs}).", nameof(w));
        }

        int inputs = w.Length / outputs;
        if (y % outputs != 0 || x != y / outputs * inputs)
        {
            throw new ArgumentException($"A batch of {inputs}-element inputs and {outputs}-element outputs cannot have {x} inputs and {y} outputs.", nameof(x));
        }

        return (y / outputs, inputs, outputs);
    }

    private static void RequireLength(int actual, int expected, string name)
    {
        if (actual != expected) throw new ArgumentException($"{name} has {actual} elements where {expected} are needed.", name);
    }
}
