using System;
using Backprop;
using BenchmarkDotNet.Attributes;

namespace Backprop.Bench.Workloads;

/// <summary>An RNN-style recurrence: <c>h ← tanh(w·h + u·xₜ + b)</c> for 100 steps, then <c>½ (h − y)²</c>.</summary>
public static partial class Recurrence
{
    [Differentiable]
    public static double Loss(double w, double u, double b, [NoDerivative] double[] x, [NoDerivative] double y)
    {
        double h = 0;
        for (int t = 0; t < x.Length; t++) h = Math.Tanh(w * h + u * x[t] + b);
        return 0.5 * (h - y) * (h - y);
    }

    /// <summary>Backpropagation through time by hand, keeping the states in a caller-provided buffer.</summary>
    public static double HandWritten(double w, double u, double b, double[] x, double y, double[] states, ref double dW, ref double dU, ref double dB)
    {
        double h = 0;
        for (int t = 0; t < x.Length; t++)
        {
            states[t] = h;
            h = Math.Tanh(w * h + u * x[t] + b);
        }

        double loss = 0.5 * (h - y) * (h - y);
        double dh = h - y;
        for (int t = x.Length - 1; t >= 0; t--)
        {
            double dz = dh * (1 - h * h);
            double previous = states[t];
            dW += dz * previous;
            dU += dz * x[t];
            dB += dz;
            dh = dz * w;
            h = previous;
        }

        return loss;
    }
}

[Workload("RNN, 100 steps")]
public class RnnBenchmark
{
    private readonly double[] _x = Data.Vector(100, 1);
    private readonly double[] _states = new double[100];

    [Benchmark]
    public double Forward() => Recurrence.Loss(0.5, 0.8, 0.1, _x, 0.3);

    [Benchmark]
    public double Generated()
    {
        double dW = 0, dU = 0, dB = 0;
        return Recurrence.LossBackward(0.5, 0.8, 0.1, _x, 0.3, ref dW, ref dU, ref dB) + dW + dU + dB;
    }

    [Benchmark(Baseline = true)]
    public double HandWritten()
    {
        double dW = 0, dU = 0, dB = 0;
        return Recurrence.HandWritten(0.5, 0.8, 0.1, _x, 0.3, _states, ref dW, ref dU, ref dB) + dW + dU + dB;
    }

    [Benchmark]
    public double FiniteDifferences() =>
        FiniteDifference.Gradient(p => Recurrence.Loss(p[0], p[1], p[2], _x, 0.3), new[] { 0.5, 0.8, 0.1 }, new double[3]);

    public void Check() => Agreement.Check("RNN", 3,
        d => Recurrence.LossBackward(0.5, 0.8, 0.1, _x, 0.3, ref d[0], ref d[1], ref d[2]),
        d => Recurrence.HandWritten(0.5, 0.8, 0.1, _x, 0.3, _states, ref d[0], ref d[1], ref d[2]));
}
