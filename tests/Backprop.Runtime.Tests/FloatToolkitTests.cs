using System;
using System.Linq;
using Backprop.Nn;
using Xunit;

namespace Backprop.Runtime.Tests;

/// <summary>
/// The float layers and losses: each value and each gradient agrees with the double overload's on the same inputs,
/// to float precision. (The double overloads are checked against finite differences elsewhere.)
/// </summary>
public class FloatToolkitTests
{
    private readonly Random _random = new(11);

    private static float[] F(double[] x) => x.Select(v => (float)v).ToArray();

    private static double[] D(float[] x) => x.Select(v => (double)v).ToArray();

    /// <summary>A double array holding exactly the float values, so both overloads see the same inputs.</summary>
    private double[] Vector(int n) => D(F(Numeric.RandomVector(_random, n)));

    private static void Close(double[] expected, float[] actual, double tolerance = 2e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * scale, $"[{i}]: {actual[i]} against {expected[i]}");
    }

    [Fact]
    public void Dense_and_activation_layers()
    {
        double[] w = Vector(12), b = Vector(3), x = Vector(4), dY = Vector(3);
        double[] dW = new double[12], dB = new double[3], dX = new double[4], y = new double[3];
        Layers.DenseBackward(w, b, x, y, dW, dB, dX, dY);
        float[] fdW = new float[12], fdB = new float[3], fdX = new float[4], fy = new float[3];
        Layers.DenseBackward(F(w), F(b), F(x), fy, fdW, fdB, fdX, F(dY));
        Close(y, fy);
        Close(dW, fdW);
        Close(dB, fdB);
        Close(dX, fdX);

        foreach (string activation in new[] { "Relu", "Tanh", "Sigmoid" })
        {
            double[] input = Vector(6), dOut = Vector(6), output = new double[6], dIn = new double[6];
            float[] fOutput = new float[6], fdIn = new float[6];
            switch (activation)
            {
                case "Relu":
                    Layers.ReluBackward(input, output, dIn, dOut);
                    Layers.ReluBackward(F(input), fOutput, fdIn, F(dOut));
                    break;
                case "Tanh":
                    Layers.TanhBackward(input, output, dIn, dOut);
                    Layers.TanhBackward(F(input), fOutput, fdIn, F(dOut));
                    break;
                default:
                    Layers.SigmoidBackward(input, output, dIn, dOut);
                    Layers.SigmoidBackward(F(input), fOutput, fdIn, F(dOut));
                    break;
            }

            Close(output, fOutput);
            Close(dIn, fdIn);
        }
    }

    [Fact]
    public void Convolution_and_pooling()
    {
        double[] kernel = Vector(3 * 2 * 9), bias = Vector(3), x = Vector(2 * 6 * 6);
        int outputs = 3 * Layers.OutputSize(6, 3, 2, 1) * Layers.OutputSize(6, 3, 2, 1);
        double[] dY = Vector(outputs), y = new double[outputs], dKernel = new double[kernel.Length], dBias = new double[3], dX = new double[x.Length];
        Layers.Conv2dBackward(kernel, bias, x, y, 2, 6, 6, 3, 2, 1, dKernel, dBias, dX, dY);
        float[] fy = new float[outputs], fdKernel = new float[kernel.Length], fdBias = new float[3], fdX = new float[x.Length];
        Layers.Conv2dBackward(F(kernel), F(bias), F(x), fy, 2, 6, 6, 3, 2, 1, fdKernel, fdBias, fdX, F(dY));
        Close(y, fy);
        Close(dKernel, fdKernel);
        Close(dBias, fdBias);
        Close(dX, fdX);

        double[] pooledGradient = Vector(2 * 3 * 3), pooled = new double[18], dInput = new double[x.Length];
        Layers.MaxPool2dBackward(x, pooled, 2, 6, 6, 2, 2, dInput, pooledGradient);
        float[] fPooled = new float[18], fdInput = new float[x.Length];
        Layers.MaxPool2dBackward(F(x), fPooled, 2, 6, 6, 2, 2, fdInput, F(pooledGradient));
        Close(pooled, fPooled);
        Close(dInput, fdInput);
        float[] forward = new float[18];
        Layers.MaxPool2d(F(x), forward, 2, 6, 6, 2, 2);
        Assert.Equal(fPooled, forward);
    }

    [Fact]
    public void Softmax_family()
    {
        double[] z = Vector(5), dZ = new double[5];
        float[] fdZ = new float[5];
        Close(new[] { Losses.LogSumExpBackward(z, dZ, 0.5) }, new[] { Losses.LogSumExpBackward(F(z), fdZ, 0.5f) });
        Close(dZ, fdZ);
        Assert.Equal(Losses.LogSumExp(F(z)), Losses.LogSumExpBackward(F(z), Span<float>.Empty));

        dZ = new double[5];
        fdZ = new float[5];
        Close(new[] { Losses.SoftmaxCrossEntropyBackward(z, 3, dZ) }, new[] { Losses.SoftmaxCrossEntropyBackward(F(z), 3, fdZ) });
        Close(dZ, fdZ);
        Assert.Equal(Losses.SoftmaxCrossEntropy(F(z), 3), Losses.SoftmaxCrossEntropyBackward(F(z), 3, Span<float>.Empty));

        double[] p = new double[5], dP = Vector(5);
        dZ = new double[5];
        float[] fp = new float[5];
        fdZ = new float[5];
        Losses.SoftmaxBackward(z, p, dZ, dP);
        Losses.SoftmaxBackward(F(z), fp, fdZ, F(dP));
        Close(p, fp);
        Close(dZ, fdZ);
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SoftmaxCrossEntropy(new float[3], 3));
    }

    [Fact]
    public void Generated_losses()
    {
        double[] prediction = Vector(4), target = Vector(4);
        double[] dPrediction = new double[4], dTarget = new double[4];
        float[] fdPrediction = new float[4], fdTarget = new float[4];
        Close(new[] { Losses.MeanSquaredErrorBackward(prediction, target, dPrediction, dTarget) },
            new[] { Losses.MeanSquaredErrorBackward(F(prediction), F(target), fdPrediction, fdTarget) });
        Close(dPrediction, fdPrediction);
        Close(dTarget, fdTarget);

        double[] probabilities = { 0.2, 0.5, 0.3 }, dProbabilities = new double[3];
        float[] fdProbabilities = new float[3];
        Close(new[] { Losses.CrossEntropyBackward(probabilities, 1, dProbabilities) },
            new[] { Losses.CrossEntropyBackward(F(probabilities), 1, fdProbabilities) });
        Close(dProbabilities, fdProbabilities);

        foreach (double logit in new[] { -3.0, -0.4, 0.7, 5.0 })
        {
            double dLogit = 0;
            float fdLogit = 0;
            Close(new[] { Losses.BinaryCrossEntropyWithLogitsBackward(logit, 1.0, ref dLogit) },
                new[] { Losses.BinaryCrossEntropyWithLogitsBackward((float)logit, 1f, ref fdLogit) });
            Close(new[] { dLogit }, new[] { fdLogit });
        }
    }
}
