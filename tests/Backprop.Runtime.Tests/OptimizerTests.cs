using System;
using System.Linq;
using Backprop.Nn;
using Xunit;

namespace Backprop.Runtime.Tests;

/// <summary>A convex bowl with a known minimum, as a static function and as a model class.</summary>
public sealed partial class Bowl
{
    public static readonly double[] Centre = { 1.5, -2.0, 0.25, 3.0 };
    public static readonly double[] Curvature = { 0.5, 3.0, 1.0, 2.0 };

    /// <summary>The position, a model parameter.</summary>
    public double[] X = new double[4];

    /// <summary>An offset, a scalar model parameter, with its own minimum at 0.7.</summary>
    public double Offset;

    /// <summary><c>Σ aᵢ (xᵢ − cᵢ)² + (offset − 0.7)²</c>.</summary>
    [Differentiable]
    public double Value()
    {
        double sum = (Offset - 0.7) * (Offset - 0.7);
        for (int i = 0; i < X.Length; i++) sum += Curvature[i] * (X[i] - Centre[i]) * (X[i] - Centre[i]);
        return sum;
    }

    /// <summary>The same bowl over a plain buffer.</summary>
    [Differentiable]
    public static double At(double[] x)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += Curvature[i] * (x[i] - Centre[i]) * (x[i] - Centre[i]);
        return sum;
    }
}

public class OptimizerTests
{
    public static readonly TheoryData<string> Names = new() { "sgd", "momentum", "nesterov", "adam", "adamw" };

    private static Optimizer Create(string name) => name switch
    {
        "sgd" => new Sgd(0.1),
        "momentum" => new Momentum(0.05),
        "nesterov" => new Momentum(0.05, 0.9, nesterov: true),
        "adam" => new Adam(0.1),
        "adamw" => new Adam(0.1, weightDecay: 1e-9),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_optimizer_finds_the_minimum_of_a_convex_bowl(string name)
    {
        Optimizer optimizer = Create(name);
        double[] x = new double[4];
        double[] gradient = new double[4];
        double start = Bowl.At(x);
        for (int step = 0; step < 3000; step++)
        {
            Array.Clear(gradient);
            Bowl.AtBackward(x, gradient);
            optimizer.Step(new[] { x }, new[] { gradient });
            if (step % 100 == 99) optimizer.LearningRate *= 0.8; // Adam needs a decaying rate to settle
        }

        for (int i = 0; i < x.Length; i++) Assert.Equal(Bowl.Centre[i], x[i], 4);
        Assert.True(Bowl.At(x) < 1e-8 * start);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Model_classes_step_through_their_generated_gradients(string name)
    {
        Optimizer optimizer = Create(name);
        var bowl = new Bowl();
        var gradients = new Bowl.Gradients(bowl);
        for (int step = 0; step < 3000; step++)
        {
            gradients.Clear();
            bowl.ValueBackward(gradients);
            optimizer.Step(bowl, gradients);
            if (step % 100 == 99) optimizer.LearningRate *= 0.8;
        }

        for (int i = 0; i < 4; i++) Assert.Equal(Bowl.Centre[i], bowl.X[i], 4);
        Assert.Equal(0.7, bowl.Offset, 4);
    }

    [Fact]
    public void Single_precision_buffers_are_updated_like_double_ones()
    {
        var single = new Adam(0.01);
        var twin = new Adam(0.01);
        float[] p = { 1, -1, 0.5f };
        double[] q = { 1, -1, 0.5 };
        for (int step = 0; step < 50; step++)
        {
            float[] g = p.Select(v => 2 * v).ToArray();
            double[] h = q.Select(v => 2 * v).ToArray();
            single.Step(new[] { p }, new[] { g });
            twin.Step(new[] { q }, new[] { h });
        }

        for (int i = 0; i < p.Length; i++) Assert.Equal(q[i], p[i], 4);
    }

    [Fact]
    public void Sgd_and_adam_take_their_textbook_first_steps()
    {
        double[] p = { 1.0 }, g = { 0.5 };
        new Sgd(0.1, weightDecay: 0.2).Step(new[] { p }, new[] { g });
        Assert.Equal(1.0 - 0.1 * (0.5 + 0.2 * 1.0), p[0], 15);

        // Adam's first step is −η·sign(g) (bias-corrected m̂ = g, v̂ = g²), up to ε.
        double[] a = { 1.0 };
        new Adam(0.01).Step(new[] { a }, new[] { new[] { 0.5 } });
        Assert.Equal(0.99, a[0], 9);

        // Momentum accumulates: v = g, then v = μg + g.
        double[] m = { 0.0 };
        var momentum = new Momentum(0.1, 0.5);
        momentum.Step(new[] { m }, new[] { new[] { 1.0 } });
        momentum.Step(new[] { m }, new[] { new[] { 1.0 } });
        Assert.Equal(-0.1 - 0.1 * 1.5, m[0], 15);
    }

    [Fact]
    public void Bad_arguments_and_changed_buffers_are_clear_errors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta1: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Momentum(0.1, -0.1));
        var adam = new Adam();
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.LearningRate = double.NaN);
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => adam.Step(new[] { new double[3] }, new[] { new double[2] })).ParamName);
        Assert.Throws<ArgumentException>(() => adam.Step(new[] { new double[3] }, Array.Empty<double[]>()));
        adam.Step(new[] { new double[3] }, new[] { new double[3] });
        var changed = Assert.Throws<InvalidOperationException>(() => adam.Step(new[] { new double[4] }, new[] { new double[4] }));
        Assert.Contains("Reset()", changed.Message);
        adam.Reset();
        adam.Step(new[] { new double[4] }, new[] { new double[4] });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(37)]
    public void The_vectorized_updates_equal_the_textbook_loops_bit_for_bit(int length)
    {
        // Three steps of each optimizer against the formulas written out element by element, in double and float.
        var random = new Random(length);
        double[] start = Enumerable.Range(0, length).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[][] gradients = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, length).Select(_ => random.NextDouble() - 0.5).ToArray()).ToArray();
        const double rate = 0.01, decay = 0.1, mu = 0.9, b1 = 0.9, b2 = 0.999, eps = 1e-8;

        double[] sgd = (double[])start.Clone(), momentum = (double[])start.Clone(), nesterov = (double[])start.Clone(), adam = (double[])start.Clone();
        double[] velocity = new double[length], velocityN = new double[length], m = new double[length], v = new double[length];
        var optimizers = new Optimizer[] { new Sgd(rate, decay), new Momentum(rate, mu, false, decay), new Momentum(rate, mu, true, decay), new Adam(rate, b1, b2, eps, decay) };
        double[][] actual = optimizers.Select(_ => (double[])start.Clone()).ToArray();
        float[][] actualF = optimizers.Select(_ => Array.ConvertAll(start, x => (float)x)).ToArray();
        for (int step = 1; step <= 3; step++)
        {
            double[] g = gradients[step - 1];
            for (int i = 0; i < length; i++)
            {
                sgd[i] -= rate * (g[i] + decay * sgd[i]);
                double gm = g[i] + decay * momentum[i];
                velocity[i] = mu * velocity[i] + gm;
                momentum[i] -= rate * velocity[i];
                double gn = g[i] + decay * nesterov[i];
                velocityN[i] = mu * velocityN[i] + gn;
                nesterov[i] -= rate * (gn + mu * velocityN[i]);
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                adam[i] -= rate / (1 - Math.Pow(b1, step)) * m[i] / (Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(b2, step)) + eps) + rate * decay * adam[i];
            }

            for (int o = 0; o < optimizers.Length; o++)
            {
                optimizers[o].Update(0, actual[o], g);
                optimizers[o].Update(1, actualF[o], Array.ConvertAll(g, x => (float)x));
            }
        }

        double[][] expected = { sgd, momentum, nesterov, adam };
        for (int o = 0; o < optimizers.Length; o++)
        {
            Assert.Equal(expected[o], actual[o]);
            for (int i = 0; i < length; i++) Assert.Equal(expected[o][i], actualF[o][i], 1e-5);
        }
    }
}
