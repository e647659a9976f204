using System;
using Backprop;
using Backprop.Nn;
using BenchmarkDotNet.Attributes;

namespace Backprop.Bench.Workloads;

/// <summary>Log-sum-exp over 1,000 values, written out with loops for the generator.</summary>
public static partial class Lse
{
    /// <summary>
    /// The stable form, with the shift's gradient stopped as JAX's logsumexp does: the result does not depend on the
    /// shift, so this is exact, and the reverse sweep skips the loop that found the maximum.
    /// </summary>
    [Differentiable]
    public static double Value(double[] x)
    {
        double max = x[0];
        for (int i = 1; i < x.Length; i++) max = Math.Max(max, x[i]);
        double shift = Gradient.Stop(max);
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += Math.Exp(x[i] - shift);
        return shift + Math.Log(sum);
    }

    /// <summary>The same without the stop: the reverse sweep differentiates the maximum's loop too, exactly.</summary>
    [Differentiable]
    public static double Naive(double[] x)
    {
        double max = x[0];
        for (int i = 1; i < x.Length; i++) max = Math.Max(max, x[i]);
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += Math.Exp(x[i] - max);
        return max + Math.Log(sum);
    }

    /// <summary>By hand: the gradient is the softmax.</summary>
    public static double HandWritten(double[] x, double[] dX)
    {
        double max = x[0];
        for (int i = 1; i < x.Length; i++) max = Math.Max(max, x[i]);
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += Math.Exp(x[i] - max);
        double inverse = 1 / sum;
        for (int i = 0; i < x.Length; i++) dX[i] += Math.Exp(x[i] - max) * inverse;
        return max + Math.Log(sum);
    }
}

[Workload("log-sum-exp, 1000 values")]
public class LogSumExpBenchmark
{
    private readonly double[] _x = Data.Vector(1000, 1, 3);
    private readonly double[] _dX = new double[1000];

    [Benchmark]
    public double Forward() => Lse.Value(_x);

    [Benchmark]
    public double Generated()
    {
        Array.Clear(_dX);
        return Lse.ValueBackward(_x, _dX);
    }

    [Benchmark]
    public double GeneratedWithoutStop()
    {
        Array.Clear(_dX);
        return Lse.NaiveBackward(_x, _dX);
    }

    [Benchmark]
    public double ToolkitFused()
    {
        Array.Clear(_dX);
        return Losses.LogSumExpBackward(_x, _dX);
    }

    [Benchmark(Baseline = true)]
    public double HandWritten()
    {
        Array.Clear(_dX);
        return Lse.HandWritten(_x, _dX);
    }

    [Benchmark]
    public double FiniteDifferences() => FiniteDifference.Gradient(Lse.Value, _x, _dX);

    public void Check()
    {
        Agreement.Check("log-sum-exp", _x.Length, d => Lse.ValueBackward(_x, d), d => Lse.HandWritten(_x, d));
        Agreement.Check("log-sum-exp without the stop", _x.Length, d => Lse.NaiveBackward(_x, d), d => Lse.HandWritten(_x, d));
    }
}
