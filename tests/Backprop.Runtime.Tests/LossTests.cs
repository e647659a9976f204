using System;
using System.Linq;
using Backprop.Nn;
using Xunit;

namespace Backprop.Runtime.Tests;

/// <summary>The losses and the softmax: values, stability, and their (fused or generated) gradients.</summary>
public class LossTests
{
    private readonly Random _random = new(11);

    [Fact]
    public void LogSumExp_gradient_is_the_softmax_and_matches_finite_differences()
    {
        for (int trial = 0; trial < 10; trial++)
        {
            double[] x = Numeric.RandomVector(_random, 1 + trial, 4);
            Numeric.AssertGradient(v => Losses.LogSumExp(v), (v, d) => Losses.LogSumExpBackward(v, d), x);
            double[] probabilities = new double[x.Length];
            Losses.Softmax(x, probabilities);
            double[] gradient = new double[x.Length];
            Losses.LogSumExpBackward(x, gradient);
            Assert.Equal(probabilities, gradient, (a, b) => Math.Abs(a - b) < 1e-14);
        }
    }

    [Fact]
    public void LogSumExp_neither_overflows_nor_underflows()
    {
        Assert.Equal(1000 + Math.Log(2), Losses.LogSumExp(new[] { 1000.0, 1000.0 }), 12);
        Assert.Equal(-1000 + Math.Log(2), Losses.LogSumExp(new[] { -1000.0, -1000.0 }), 12);
        double[] d = new double[2];
        Losses.LogSumExpBackward(new[] { 1000.0, 1000.0 }, d, 2.0);
        Assert.Equal(new[] { 1.0, 1.0 }, d);
        Assert.Throws<ArgumentException>(() => Losses.LogSumExp(ReadOnlySpan<double>.Empty));
    }

    [Fact]
    public void Softmax_backward_is_the_vector_jacobian_product()
    {
        for (int trial = 0; trial < 10; trial++)
        {
            int n = 2 + trial;
            double[] logits = Numeric.RandomVector(_random, n, 3), dP = Numeric.RandomVector(_random, n);
            double Projected(double[] z)
            {
                double[] p = new double[n];
                Losses.Softmax(z, p);
                return p.Zip(dP, (a, b) => a * b).Sum();
            }

            Numeric.AssertGradient(Projected, (z, d) => Losses.SoftmaxBackward(z, new double[n], d, dP), logits);
            double[] written = new double[n], expected = new double[n];
            double[] before = (double[])dP.Clone();
            Losses.SoftmaxBackward(logits, written, new double[n], dP);
            Losses.Softmax(logits, expected);
            Assert.Equal(expected, written);
            Assert.Equal(before, dP); // an output's adjoint is read, not changed
            Assert.Equal(1.0, written.Sum(), 12);
        }
    }

    [Fact]
    public void Softmax_cross_entropy_is_the_cross_entropy_of_the_softmax_and_its_fused_gradient_is_exact()
    {
        for (int trial = 0; trial < 10; trial++)
        {
            int n = 2 + trial, label = _random.Next(n);
            double[] logits = Numeric.RandomVector(_random, n, 3);
            double[] p = new double[n];
            Losses.Softmax(logits, p);
            Assert.Equal(Losses.CrossEntropy(p, label), Losses.SoftmaxCrossEntropy(logits, label), 12);
            Numeric.AssertGradient(z => Losses.SoftmaxCrossEntropy(z, label), (z, d) => Losses.SoftmaxCrossEntropyBackward(z, label, d), logits);
        }

        Assert.Equal(0.0, Losses.SoftmaxCrossEntropy(new[] { 0.0, 800.0 }, 1), 12);
        Assert.Equal(800.0, Losses.SoftmaxCrossEntropy(new[] { 0.0, 800.0 }, 0), 12);
    }

    [Fact]
    public void Generated_losses_match_finite_differences()
    {
        for (int trial = 0; trial < 10; trial++)
        {
            int n = 1 + trial;
            double[] x = Numeric.RandomVector(_random, 2 * n, 2);
            Numeric.AssertGradient(
                v => Losses.MeanSquaredError(v[..n], v[n..]),
                (v, d) =>
                {
                    double[] dPrediction = new double[n], dTarget = new double[n];
                    Losses.MeanSquaredErrorBackward(v[..n], v[n..], dPrediction, dTarget);
                    for (int i = 0; i < n; i++) (d[i], d[n + i]) = (d[i] + dPrediction[i], d[n + i] + dTarget[i]);
                },
                x);

            double[] p = Enumerable.Range(0, n).Select(_ => 0.05 + 0.9 * _random.NextDouble()).ToArray();
            int label = _random.Next(n);
            Numeric.AssertGradient(q => Losses.CrossEntropy(q, label), (q, d) => Losses.CrossEntropyBackward(q, label, d), p);

            double target = _random.NextDouble(), logit = x[0] * 5;
            double bce = Losses.BinaryCrossEntropyWithLogits(logit, target);
            var (value, dLogit) = Losses.BinaryCrossEntropyWithLogitsBackward(logit, target);
            Assert.Equal(bce, value);
            double s = Activations.Sigmoid(logit);
            Assert.Equal(-(target * Math.Log(s) + (1 - target) * Math.Log(1 - s)), value, 10);
            Assert.Equal(s - target, dLogit, 10);
        }
    }

    [Fact]
    public void Wrong_lengths_and_labels_are_clear_errors()
    {
        double[] logits = { 1, 2, 3 };
        var e = Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropyBackward(logits, 1, new double[2]));
        Assert.Equal("dLogits", e.ParamName);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SoftmaxCrossEntropy(logits, 3));
        Assert.Equal("label", range.ParamName);
        Assert.Equal("probabilities", Assert.Throws<ArgumentException>(() => Losses.Softmax(logits, new double[4])).ParamName);
        Assert.Equal("dX", Assert.Throws<ArgumentException>(() => Losses.LogSumExpBackward(logits, new double[1])).ParamName);
        Assert.Equal("dPrediction", Assert.Throws<ArgumentException>(() => Losses.MeanSquaredErrorBackward(logits, logits, new double[1], null)).ParamName);
    }

    [Fact]
    public void Empty_adjoints_mean_not_wanted()
    {
        double[] logits = { 1, 2, 3 };
        Assert.Equal(Losses.SoftmaxCrossEntropy(logits, 2), Losses.SoftmaxCrossEntropyBackward(logits, 2, Span<double>.Empty));
        Assert.Equal(Losses.LogSumExp(logits), Losses.LogSumExpBackward(logits, Span<double>.Empty));
    }
}
