using System;
using Backprop;
using BenchmarkDotNet.Attributes;

namespace Backprop.Bench.Workloads;

/// <summary>The 2-2-2 sigmoid network of the worked reference example (tests/…/ReferenceTests.cs), written once for the generator.</summary>
public static partial class TwoLayerNet
{
    [Differentiable]
    public static double Error(double[] w, [NoDerivative] double[] input, [NoDerivative] double[] target)
    {
        double h1 = 1 / (1 + Math.Exp(-(w[0] * input[0] + w[1] * input[1])));
        double h2 = 1 / (1 + Math.Exp(-(w[2] * input[0] + w[3] * input[1])));
        double o1 = 1 / (1 + Math.Exp(-(w[4] * h1 + w[5] * h2)));
        double o2 = 1 / (1 + Math.Exp(-(w[6] * h1 + w[7] * h2)));
        return 0.5 * ((target[0] - o1) * (target[0] - o1) + (target[1] - o2) * (target[1] - o2));
    }

    /// <summary>The gradient by hand: the textbook backpropagation of this network.</summary>
    public static double HandWritten(double[] w, double[] input, double[] target, double[] dW)
    {
        double h1 = 1 / (1 + Math.Exp(-(w[0] * input[0] + w[1] * input[1])));
        double h2 = 1 / (1 + Math.Exp(-(w[2] * input[0] + w[3] * input[1])));
        double o1 = 1 / (1 + Math.Exp(-(w[4] * h1 + w[5] * h2)));
        double o2 = 1 / (1 + Math.Exp(-(w[6] * h1 + w[7] * h2)));
        double d1 = (o1 - target[0]) * o1 * (1 - o1);
        double d2 = (o2 - target[1]) * o2 * (1 - o2);
        dW[4] += d1 * h1;
        dW[5] += d1 * h2;
        dW[6] += d2 * h1;
        dW[7] += d2 * h2;
        double e1 = (d1 * w[4] + d2 * w[6]) * h1 * (1 - h1);
        double e2 = (d1 * w[5] + d2 * w[7]) * h2 * (1 - h2);
        dW[0] += e1 * input[0];
        dW[1] += e1 * input[1];
        dW[2] += e2 * input[0];
        dW[3] += e2 * input[1];
        return 0.5 * ((target[0] - o1) * (target[0] - o1) + (target[1] - o2) * (target[1] - o2));
    }
}

[Workload("2-2-2 net")]
public class TwoLayerBenchmark
{
    private readonly double[] _w = { 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50 };
    private readonly double[] _input = { 0.05, 0.10 }, _target = { 0.01, 0.99 };
    private readonly double[] _dW = new double[8];

    [Benchmark]
    public double Forward() => TwoLayerNet.Error(_w, _input, _target);

    [Benchmark]
    public double Generated()
    {
        Array.Clear(_dW);
        return TwoLayerNet.ErrorBackward(_w, _input, _target, _dW);
    }

    [Benchmark(Baseline = true)]
    public double HandWritten()
    {
        Array.Clear(_dW);
        return TwoLayerNet.HandWritten(_w, _input, _target, _dW);
    }

    [Benchmark]
    public double FiniteDifferences() => FiniteDifference.Gradient(w => TwoLayerNet.Error(w, _input, _target), _w, _dW);

    public void Check() => Agreement.Check("2-2-2 net", _w.Length,
        d => TwoLayerNet.ErrorBackward(_w, _input, _target, d), d => TwoLayerNet.HandWritten(_w, _input, _target, d));
}
