using System;
using System.Numerics;
using Backprop;
using Backprop.Nn;
using BenchmarkDotNet.Attributes;

namespace Backprop.Bench.Workloads;

/// <summary>A 784-128-10 ReLU network with a softmax cross-entropy loss, written for the generator three ways.</summary>
public static partial class Mlp
{
    public const int In = 784, Hidden = 128, Out = 10;

    /// <summary>Inline loops, as a user would write it in one method.</summary>
    [Differentiable]
    public static double Loss(double[] w1, double[] b1, double[] w2, double[] b2, [NoDerivative] ReadOnlySpan<double> x, int label)
    {
        double[] h = new double[Hidden];
        for (int j = 0; j < Hidden; j++)
        {
            double s = b1[j];
            for (int i = 0; i < In; i++) s += w1[j * In + i] * x[i];
            h[j] = s > 0 ? s : 0;
        }

        double[] z = new double[Out];
        for (int k = 0; k < Out; k++)
        {
            double s = b2[k];
            for (int j = 0; j < Hidden; j++) s += w2[k * Hidden + j] * h[j];
            z[k] = s;
        }

        return Losses.SoftmaxCrossEntropy(z, label);
    }

    /// <summary>The same network as a chain of toolkit layers.</summary>
    [Differentiable]
    public static double LayeredLoss(double[] w1, double[] b1, double[] w2, double[] b2, [NoDerivative] ReadOnlySpan<double> x, int label)
    {
        double[] a = new double[Hidden];
        Layers.Dense(w1, b1, x, a);
        double[] h = new double[Hidden];
        Layers.Relu(a, h);
        double[] z = new double[Out];
        Layers.Dense(w2, b2, h, z);
        return Losses.SoftmaxCrossEntropy(z, label);
    }
}

/// <summary>Hand-written gradients of <see cref="Mlp.Loss"/>: plain scalar loops, and SIMD with <see cref="Vector{T}"/>.</summary>
public sealed class MlpByHand
{
    private readonly double[] _a = new double[Mlp.Hidden], _h = new double[Mlp.Hidden], _z = new double[Mlp.Out];
    private readonly double[] _dz = new double[Mlp.Out], _da = new double[Mlp.Hidden];

    public double Scalar(double[] w1, double[] b1, double[] w2, double[] b2, ReadOnlySpan<double> x, int label,
        double[] dW1, double[] dB1, double[] dW2, double[] dB2)
    {
        const int n = Mlp.In, m = Mlp.Hidden, o = Mlp.Out;
        for (int j = 0; j < m; j++)
        {
            double s = b1[j];
            for (int i = 0; i < n; i++) s += w1[j * n + i] * x[i];
            _a[j] = s;
            _h[j] = s > 0 ? s : 0;
        }

        for (int k = 0; k < o; k++)
        {
            double s = b2[k];
            for (int j = 0; j < m; j++) s += w2[k * m + j] * _h[j];
            _z[k] = s;
        }

        double loss = Softmax(label);
        for (int k = 0; k < o; k++)
        {
            double d = _dz[k];
            dB2[k] += d;
            for (int j = 0; j < m; j++) dW2[k * m + j] += d * _h[j];
        }

        for (int j = 0; j < m; j++)
        {
            double s = 0;
            for (int k = 0; k < o; k++) s += _dz[k] * w2[k * m + j];
            _da[j] = _a[j] > 0 ? s : 0;
        }

        for (int j = 0; j < m; j++)
        {
            double d = _da[j];
            dB1[j] += d;
            if (d != 0) for (int i = 0; i < n; i++) dW1[j * n + i] += d * x[i]; // a dead unit has no row to add
        }

        return loss;
    }

    public double Simd(double[] w1, double[] b1, double[] w2, double[] b2, ReadOnlySpan<double> x, int label,
        double[] dW1, double[] dB1, double[] dW2, double[] dB2)
    {
        const int n = Mlp.In, m = Mlp.Hidden, o = Mlp.Out;
        for (int j = 0; j < m; j++)
        {
            double s = b1[j] + Dot(w1.AsSpan(j * n, n), x);
            _a[j] = s;
            _h[j] = s > 0 ? s : 0;
        }

        for (int k = 0; k < o; k++) _z[k] = b2[k] + Dot(w2.AsSpan(k * m, m), _h);
        double loss = Softmax(label);
        Array.Clear(_da);
        for (int k = 0; k < o; k++)
        {
            dB2[k] += _dz[k];
            Axpy(_dz[k], _h, dW2.AsSpan(k * m, m));
            Axpy(_dz[k], w2.AsSpan(k * m, m), _da);
        }

        for (int j = 0; j < m; j++)
        {
            double d = _a[j] > 0 ? _da[j] : 0;
            dB1[j] += d;
            if (d != 0) Axpy(d, x, dW1.AsSpan(j * n, n));
        }

        return loss;
    }

    /// <summary>Writes softmax(z) − onehot(label) into _dz and returns the cross-entropy.</summary>
    private double Softmax(int label)
    {
        double max = _z[0];
        for (int k = 1; k < _z.Length; k++) max = Math.Max(max, _z[k]);
        double sum = 0;
        for (int k = 0; k < _z.Length; k++) sum += Math.Exp(_z[k] - max);
        for (int k = 0; k < _z.Length; k++) _dz[k] = Math.Exp(_z[k] - max) / sum;
        _dz[label] -= 1;
        return max + Math.Log(sum) - _z[label];
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = Vector<double>.Zero;
        int i = 0;
        for (; i <= a.Length - Vector<double>.Count; i += Vector<double>.Count) sum += new Vector<double>(a[i..]) * new Vector<double>(b[i..]);
        double total = Vector.Sum(sum);
        for (; i < a.Length; i++) total += a[i] * b[i];
        return total;
    }

    private static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        var scale = new Vector<double>(alpha);
        int i = 0;
        for (; i <= x.Length - Vector<double>.Count; i += Vector<double>.Count) (new Vector<double>(y[i..]) + scale * new Vector<double>(x[i..])).CopyTo(y[i..]);
        for (; i < x.Length; i++) y[i] += alpha * x[i];
    }
}

/// <summary>Shared set-up of the MLP workloads: weights, 64 images, gradient buffers.</summary>
public abstract class MlpBase
{
    protected readonly double[] W1 = Data.Vector(Mlp.Hidden * Mlp.In, 1, 0.05), B1 = Data.Vector(Mlp.Hidden, 2, 0.1);
    protected readonly double[] W2 = Data.Vector(Mlp.Out * Mlp.Hidden, 3, 0.1), B2 = Data.Vector(Mlp.Out, 4, 0.1);
    protected readonly double[] Images = Data.Vector(64 * Mlp.In, 5, 1, positive: true);
    protected readonly double[] DW1 = new double[Mlp.Hidden * Mlp.In], DB1 = new double[Mlp.Hidden];
    protected readonly double[] DW2 = new double[Mlp.Out * Mlp.Hidden], DB2 = new double[Mlp.Out];
    protected readonly MlpByHand ByHand = new();

    protected ReadOnlySpan<double> Image(int n) => Images.AsSpan(n * Mlp.In, Mlp.In);

    protected void Clear()
    {
        Array.Clear(DW1);
        Array.Clear(DB1);
        Array.Clear(DW2);
        Array.Clear(DB2);
    }

    protected double[] Gradient(Func<double> fill)
    {
        Clear();
        fill();
        return Data.Concat(DW1, DB1, DW2, DB2);
    }

    public void Check()
    {
        double[] hand = Gradient(() => ByHand.Scalar(W1, B1, W2, B2, Image(0), 3, DW1, DB1, DW2, DB2));
        Agreement.Compare("MLP generated", Gradient(() => Mlp.LossBackward(W1, B1, W2, B2, Image(0), 3, DW1, DB1, DW2, DB2)), hand);
        Agreement.Compare("MLP layered", Gradient(() => Mlp.LayeredLossBackward(W1, B1, W2, B2, Image(0), 3, DW1, DB1, DW2, DB2)), hand);
        Agreement.Compare("MLP SIMD", Gradient(() => ByHand.Simd(W1, B1, W2, B2, Image(0), 3, DW1, DB1, DW2, DB2)), hand);
    }
}

[Workload("MLP 784-128-10, one sample")]
public class MlpSingleBenchmark : MlpBase
{
    [Benchmark]
    public double Forward() => Mlp.Loss(W1, B1, W2, B2, Image(0), 3);

    [Benchmark]
    public double Generated()
    {
        Clear();
        return Mlp.LossBackward(W1, B1, W2, B2, Image(0), 3, DW1, DB1, DW2, DB2);
    }

    [Benchmark]
    public double GeneratedLayers()
    {
        Clear();
        return Mlp.LayeredLossBackward(W1, B1, W2, B2, Image(0), 3, DW1, DB1, DW2, DB2);
    }

    [Benchmark(Baseline = true)]
    public double HandWritten()
    {
        Clear();
        return ByHand.Scalar(W1, B1, W2, B2, Image(0), 3, DW1, DB1, DW2, DB2);
    }

    [Benchmark]
    public double HandWrittenSimd()
    {
        Clear();
        return ByHand.Simd(W1, B1, W2, B2, Image(0), 3, DW1, DB1, DW2, DB2);
    }
}

[Workload("MLP 784-128-10, batch of 64")]
public class MlpBatchBenchmark : MlpBase
{
    [Benchmark]
    public double Forward()
    {
        double loss = 0;
        for (int n = 0; n < 64; n++) loss += Mlp.Loss(W1, B1, W2, B2, Image(n), n % 10);
        return loss;
    }

    [Benchmark]
    public double Generated()
    {
        Clear();
        double loss = 0;
        for (int n = 0; n < 64; n++) loss += Mlp.LossBackward(W1, B1, W2, B2, Image(n), n % 10, DW1, DB1, DW2, DB2, 1.0 / 64);
        return loss;
    }

    [Benchmark(Baseline = true)]
    public double HandWritten()
    {
        Clear();
        double loss = 0;
        for (int n = 0; n < 64; n++) loss += ByHand.Scalar(W1, B1, W2, B2, Image(n), n % 10, DW1, DB1, DW2, DB2);
        return loss;
    }

    [Benchmark]
    public double HandWrittenSimd()
    {
        Clear();
        double loss = 0;
        for (int n = 0; n < 64; n++) loss += ByHand.Simd(W1, B1, W2, B2, Image(n), n % 10, DW1, DB1, DW2, DB2);
        return loss;
    }
}
