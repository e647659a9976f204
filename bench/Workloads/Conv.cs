using System;
using Backprop;
using Backprop.Nn;
using BenchmarkDotNet.Attributes;

namespace Backprop.Bench.Workloads;

/// <summary>The conv sample's network: conv 3×3 (8 channels, padding 1), ReLU, max-pool 2, dense 1568 → 10, softmax cross-entropy.</summary>
public static partial class ConvNet
{
    public const int Channels = 8, Side = 28, Pooled = 14, Features = Channels * Pooled * Pooled, Classes = 10;

    [Differentiable]
    public static double Loss(double[] kernel, double[] bias, double[] w, double[] b, [NoDerivative] ReadOnlySpan<double> image, int label)
    {
        double[] features = new double[Channels * Side * Side];
        Layers.Conv2d(kernel, bias, image, features, 1, Side, Side, 3, 1, 1);
        double[] active = new double[features.Length];
        Layers.Relu(features, active);
        double[] pooled = new double[Features];
        Layers.MaxPool2d(active, pooled, Channels, Side, Side, 2, 2);
        double[] logits = new double[Classes];
        Layers.Dense(w, b, pooled, logits);
        return Losses.SoftmaxCrossEntropy(logits, label);
    }
}

/// <summary>The conv net's gradient by hand, with preallocated buffers.</summary>
public sealed class ConvByHand
{
    private const int C = ConvNet.Channels, S = ConvNet.Side, P = ConvNet.Pooled, F = ConvNet.Features, K = ConvNet.Classes;
    private readonly double[] _pre = new double[C * S * S], _pooled = new double[F], _dPooled = new double[F], _z = new double[K], _dz = new double[K];
    private readonly int[] _winner = new int[F];

    public double Gradient(double[] kernel, double[] bias, double[] w, double[] b, ReadOnlySpan<double> image, int label,
        double[] dKernel, double[] dBias, double[] dW, double[] dB)
    {
        for (int o = 0; o < C; o++)
        {
            for (int r = 0; r < S; r++)
            {
                for (int c = 0; c < S; c++)
                {
                    double s = bias[o];
                    for (int u = 0; u < 3; u++)
                    {
                        int y = r + u - 1;
                        if (y < 0 || y >= S) continue;
                        for (int v = 0; v < 3; v++)
                        {
                            int x = c + v - 1;
                            if (x < 0 || x >= S) continue;
                            s += kernel[o * 9 + u * 3 + v] * image[y * S + x];
                        }
                    }

                    _pre[(o * S + r) * S + c] = s;
                }
            }
        }

        for (int o = 0; o < C; o++)
        {
            for (int r = 0; r < P; r++)
            {
                for (int c = 0; c < P; c++)
                {
                    int best = (o * S + 2 * r) * S + 2 * c;
                    double value = Math.Max(_pre[best], 0);
                    for (int u = 0; u < 2; u++)
                    {
                        for (int v = 0; v < 2; v++)
                        {
                            int at = (o * S + 2 * r + u) * S + 2 * c + v;
                            double a = Math.Max(_pre[at], 0);
                            if (a > value) (best, value) = (at, a);
                        }
                    }

                    _winner[(o * P + r) * P + c] = best;
                    _pooled[(o * P + r) * P + c] = value;
                }
            }
        }

        for (int k = 0; k < K; k++)
        {
            double s = b[k];
            for (int f = 0; f < F; f++) s += w[k * F + f] * _pooled[f];
            _z[k] = s;
        }

        double max = _z[0];
        for (int k = 1; k < K; k++) max = Math.Max(max, _z[k]);
        double sum = 0;
        for (int k = 0; k < K; k++) sum += Math.Exp(_z[k] - max);
        for (int k = 0; k < K; k++) _dz[k] = Math.Exp(_z[k] - max) / sum;
        _dz[label] -= 1;

        Array.Clear(_dPooled);
        // One pass per gradient: measured about 3% faster on the whole gradient than one fused pass over both.
        for (int k = 0; k < K; k++)
        {
            double d = _dz[k];
            dB[k] += d;
            for (int f = 0; f < F; f++) dW[k * F + f] += d * _pooled[f];
            for (int f = 0; f < F; f++) _dPooled[f] += d * w[k * F + f];
        }

        for (int f = 0; f < F; f++)
        {
            int at = _winner[f];
            if (_pre[at] <= 0) continue;
            double d = _dPooled[f];
            int o = at / (S * S), r = at / S % S, c = at % S;
            dBias[o] += d;
            for (int u = 0; u < 3; u++)
            {
                int y = r + u - 1;
                if (y < 0 || y >= S) continue;
                for (int v = 0; v < 3; v++)
                {
                    int x = c + v - 1;
                    if (x < 0 || x >= S) continue;
                    dKernel[o * 9 + u * 3 + v] += d * image[y * S + x];
                }
            }
        }

        return max + Math.Log(sum) - _z[label];
    }
}

[Workload("conv net")]
public class ConvBenchmark
{
    private readonly double[] _kernel = Data.Vector(ConvNet.Channels * 9, 1, 0.3), _bias = Data.Vector(ConvNet.Channels, 2, 0.1);
    private readonly double[] _w = Data.Vector(ConvNet.Classes * ConvNet.Features, 3, 0.05), _b = Data.Vector(ConvNet.Classes, 4, 0.1);
    private readonly double[] _image = Data.Vector(28 * 28, 5, 1, positive: true);
    private readonly double[] _dKernel = new double[ConvNet.Channels * 9], _dBias = new double[ConvNet.Channels];
    private readonly double[] _dW = new double[ConvNet.Classes * ConvNet.Features], _dB = new double[ConvNet.Classes];
    private readonly ConvByHand _byHand = new();

    private void Clear()
    {
        Array.Clear(_dKernel);
        Array.Clear(_dBias);
        Array.Clear(_dW);
        Array.Clear(_dB);
    }

    [Benchmark]
    public double Forward() => ConvNet.Loss(_kernel, _bias, _w, _b, _image, 7);

    [Benchmark]
    public double Generated()
    {
        Clear();
        return ConvNet.LossBackward(_kernel, _bias, _w, _b, _image, 7, _dKernel, _dBias, _dW, _dB);
    }

    [Benchmark(Baseline = true)]
    public double HandWritten()
    {
        Clear();
        return _byHand.Gradient(_kernel, _bias, _w, _b, _image, 7, _dKernel, _dBias, _dW, _dB);
    }

    public void Check()
    {
        Generated();
        double[] generated = Data.Concat(_dKernel, _dBias, _dW, _dB);
        HandWritten();
        Agreement.Compare("conv net", generated, Data.Concat(_dKernel, _dBias, _dW, _dB));
    }
}
