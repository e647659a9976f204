using System;
using System.Linq;
using Backprop.Nn;
using Xunit;

namespace Backprop.Runtime.Tests;

/// <summary>A network written over a batch with the batched layers; the generator chains their hand-written derivatives.</summary>
public static partial class BatchChain
{
    public const int Inputs = 13, Hidden = 9, Classes = 4;

    [Differentiable]
    public static double Loss(double[] w1, double[] b1, double[] w2, double[] b2, [NoDerivative] double[] images, int[] labels)
    {
        double[] hidden = new double[labels.Length * Hidden];
        Layers.DenseBatch(w1, b1, images, hidden);
        double[] active = new double[hidden.Length];
        Layers.Tanh(hidden, active);
        double[] logits = new double[labels.Length * Classes];
        Layers.DenseBatch(w2, b2, active, logits);
        return Losses.SoftmaxCrossEntropyBatch(logits, labels);
    }

    // The inputs differentiated too: the kernel that adds dy · w.
    [Differentiable]
    public static double InputLoss(double[] w, double[] b, double[] x, int[] labels)
    {
        double[] logits = new double[labels.Length * Classes];
        Layers.DenseBatch(w, b, x, logits);
        return Losses.SoftmaxCrossEntropyBatch(logits, labels);
    }

    [Differentiable]
    public static float FloatLoss(float[] w, float[] b, float[] x, int[] labels)
    {
        float[] logits = new float[labels.Length * Classes];
        Layers.DenseBatch(w, b, x, logits);
        return Losses.SoftmaxCrossEntropyBatch(logits, labels);
    }
}

public class BatchLayerTests
{
    private readonly Random _random = new(29);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(9)]
    public void A_network_of_batched_layers_has_exact_gradients(int batch)
    {
        double[] images = Numeric.RandomVector(_random, batch * BatchChain.Inputs);
        int[] labels = Enumerable.Range(0, batch).Select(_ => _random.Next(BatchChain.Classes)).ToArray();
        int n1 = BatchChain.Hidden * BatchChain.Inputs, n2 = BatchChain.Classes * BatchChain.Hidden;
        double[] point = Numeric.RandomVector(_random, n1 + BatchChain.Hidden + n2 + BatchChain.Classes, 0.7);
        (double[] W1, double[] B1, double[] W2, double[] B2) Split(double[] v) =>
            (v[..n1], v[n1..(n1 + BatchChain.Hidden)], v[(n1 + BatchChain.Hidden)..^BatchChain.Classes], v[^BatchChain.Classes..]);
        Numeric.AssertGradient(
            v =>
            {
                var (w1, b1, w2, b2) = Split(v);
                return BatchChain.Loss(w1, b1, w2, b2, images, labels);
            },
            (v, d) =>
            {
                var (w1, b1, w2, b2) = Split(v);
                double[] dW1 = new double[w1.Length], dB1 = new double[b1.Length], dW2 = new double[w2.Length], dB2 = new double[b2.Length];
                double value = BatchChain.LossBackward(w1, b1, w2, b2, images, labels, dW1, dB1, dW2, dB2);
                Assert.Equal(BatchChain.Loss(w1, b1, w2, b2, images, labels), value);
                double[] all = dW1.Concat(dB1).Concat(dW2).Concat(dB2).ToArray();
                for (int i = 0; i < d.Length; i++) d[i] += all[i];
            },
            point);
    }

    [Fact]
    public void The_inputs_gradient_of_a_batched_dense_layer_is_exact()
    {
        int batch = 6;
        int[] labels = Enumerable.Range(0, batch).Select(_ => _random.Next(BatchChain.Classes)).ToArray();
        double[] w = Numeric.RandomVector(_random, BatchChain.Classes * BatchChain.Inputs), b = Numeric.RandomVector(_random, BatchChain.Classes);
        Numeric.AssertGradient(
            x => BatchChain.InputLoss(w, b, x, labels),
            (x, d) => BatchChain.InputLossBackward(w, b, x, labels, null, null, d),
            Numeric.RandomVector(_random, batch * BatchChain.Inputs));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(4, 3, 8)]
    [InlineData(5, 7, 17)]
    [InlineData(32, 10, 128)]
    [InlineData(9, 128, 784)]
    public void The_matrix_kernels_equal_the_plain_loops(int rows, int cols, int depth)
    {
        // Forward: C = bias + A·Bᵀ; backward: C += A·B and C += Aᵀ·B, against three nested loops, in float and double.
        double[] a = Numeric.RandomVector(_random, rows * depth), b = Numeric.RandomVector(_random, cols * depth), bias = Numeric.RandomVector(_random, cols);
        double[] c = new double[rows * cols];
        Gemm.MultiplyTransposed<double>(a, b, bias, c, rows, cols, depth);
        for (int r = 0; r < rows; r++)
        for (int q = 0; q < cols; q++)
        {
            double sum = bias[q];
            for (int k = 0; k < depth; k++) sum += a[r * depth + k] * b[q * depth + k];
            Assert.Equal(sum, c[r * cols + q], 1e-12 * depth);
        }

        float[] af = Array.ConvertAll(a, v => (float)v), bf = Array.ConvertAll(b, v => (float)v), biasf = Array.ConvertAll(bias, v => (float)v);
        float[] cf = new float[rows * cols];
        Gemm.MultiplyTransposed<float>(af, bf, biasf, cf, rows, cols, depth);
        for (int i = 0; i < c.Length; i++) Assert.Equal(c[i], cf[i], 1e-5 * depth);

        // C (rows × depth) += A (rows × cols) · B (cols × depth), and C (cols × depth) += Aᵀ · B' (B' rows × depth).
        double[] start = Numeric.RandomVector(_random, rows * depth);
        double[] product = (double[])start.Clone();
        double[] weights = Numeric.RandomVector(_random, cols * depth);
        Gemm.AddProduct<double>(c, cols, 1, weights, product, rows, depth, cols);
        double[] transposed = Numeric.RandomVector(_random, cols * depth);
        double[] transposedStart = (double[])transposed.Clone();
        Gemm.AddProduct<double>(c, 1, cols, a, transposed, cols, depth, rows);
        for (int r = 0; r < rows; r++)
        for (int k = 0; k < depth; k++)
        {
            double sum = start[r * depth + k];
            for (int q = 0; q < cols; q++) sum += c[r * cols + q] * weights[q * depth + k];
            Assert.Equal(sum, product[r * depth + k], 1e-12 * (cols + 1));
        }

        for (int q = 0; q < cols; q++)
        for (int k = 0; k < depth; k++)
        {
            double sum = transposedStart[q * depth + k];
            for (int r = 0; r < rows; r++) sum += c[r * cols + q] * a[r * depth + k];
            Assert.Equal(sum, transposed[q * depth + k], 1e-12 * (rows + 1));
        }
    }

    [Fact]
    public void The_float_layer_matches_the_double_layer()
    {
        int batch = 5;
        int[] labels = Enumerable.Range(0, batch).Select(_ => _random.Next(BatchChain.Classes)).ToArray();
        double[] w = Numeric.RandomVector(_random, BatchChain.Classes * BatchChain.Inputs), b = Numeric.RandomVector(_random, BatchChain.Classes);
        double[] x = Numeric.RandomVector(_random, batch * BatchChain.Inputs);
        double[] dW = new double[w.Length], dB = new double[b.Length], dX = new double[x.Length];
        double value = BatchChain.InputLossBackward(w, b, x, labels, dW, dB, dX);
        float[] wf = Array.ConvertAll(w, v => (float)v), bf = Array.ConvertAll(b, v => (float)v), xf = Array.ConvertAll(x, v => (float)v);
        float[] dWf = new float[w.Length], dBf = new float[b.Length], dXf = new float[x.Length];
        float valueF = BatchChain.FloatLossBackward(wf, bf, xf, labels, dWf, dBf, dXf);
        Assert.Equal(value, valueF, 1e-5);
        foreach (var (d, f) in new[] { (dW, dWf), (dB, dBf), (dX, dXf) })
        {
            for (int i = 0; i < d.Length; i++) Assert.Equal(d[i], f[i], 1e-5);
        }
    }

    [Fact]
    public void The_Pullback_consumes_the_outputs_gradient_and_the_Backward_leaves_it()
    {
        double[] w = Numeric.RandomVector(_random, 6), b = Numeric.RandomVector(_random, 2), x = Numeric.RandomVector(_random, 9), y = new double[6];
        double[] dY = Numeric.RandomVector(_random, 6), copy = (double[])dY.Clone();
        double[] dW1 = new double[6], dW2 = new double[6];
        Layers.DenseBatch(w, b, x, y);
        Layers.DenseBatchBackward(w, b, x, y, dW1, null, default, dY);
        Assert.Equal(copy, dY);
        Layers.DenseBatchPullback(w, b, x, y, dW2, null, default, dY);
        Assert.All(dY, v => Assert.Equal(0.0, v));
        Assert.Equal(dW1, dW2);
    }

    [Theory]
    [InlineData(7, 6, 0, 2)]
    [InlineData(6, 7, 3, 2)]
    [InlineData(6, 6, 3, 3)]
    public void Shapes_that_do_not_make_a_batch_are_refused(int weights, int x, int y, int biases)
    {
        Assert.Throws<ArgumentException>(() => Layers.DenseBatch(new double[weights], new double[biases], new double[x], new double[y]));
    }

    [Fact]
    public void The_batched_cross_entropy_is_the_mean_of_the_rows_and_its_gradient_exact()
    {
        int batch = 4, classes = 5;
        int[] labels = { 0, 4, 2, 2 };
        double[] logits = Numeric.RandomVector(_random, batch * classes, 3);
        double mean = Enumerable.Range(0, batch).Average(r => Losses.SoftmaxCrossEntropy(logits.AsSpan(r * classes, classes), labels[r]));
        Assert.Equal(mean, Losses.SoftmaxCrossEntropyBatch(logits, labels), 1e-14);
        Numeric.AssertGradient(
            v => Losses.SoftmaxCrossEntropyBatch(v, labels),
            (v, d) => Losses.SoftmaxCrossEntropyBatchBackward(v, labels, d),
            logits);
        Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropyBatch(new double[7], labels));
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SoftmaxCrossEntropyBatch(logits, new[] { 0, 5, 1, 1 }));
    }
}
