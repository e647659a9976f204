using System;
using Backprop;
using Backprop.Nn;
using BenchmarkDotNet.Attributes;

namespace Backprop.Bench.Workloads;

/// <summary>The main job's network over a batch, as a user writes it with the batched layers (float).</summary>
public static partial class BatchMlp
{
    public const int Batch = 64;

    [Differentiable]
    public static float Loss(float[] w1, float[] b1, float[] w2, float[] b2, [NoDerivative] ReadOnlySpan<float> images, ReadOnlySpan<int> labels)
    {
        float[] hidden = new float[labels.Length * Mlp.Hidden];
        Layers.DenseBatch(w1, b1, images, hidden);
        float[] active = new float[labels.Length * Mlp.Hidden];
        Layers.Relu(hidden, active);
        float[] logits = new float[labels.Length * Mlp.Out];
        Layers.DenseBatch(w2, b2, active, logits);
        return Losses.SoftmaxCrossEntropyBatch(logits, labels);
    }
}

/// <summary>
/// The best hand-written version of the same training step: the toolkit's matrix kernels called directly on
/// preallocated buffers, the ReLU applied in place and its mask applied to the gradient in place, the softmax's
/// gradient fused with the loss, no pooling and no checks beyond the kernels' own.
/// </summary>
public sealed class BatchMlpByHand
{
    private readonly float[] _hidden = new float[BatchMlp.Batch * Mlp.Hidden], _dHidden = new float[BatchMlp.Batch * Mlp.Hidden];
    private readonly float[] _logits = new float[BatchMlp.Batch * Mlp.Out], _dLogits = new float[BatchMlp.Batch * Mlp.Out];

    public float Step(float[] w1, float[] b1, float[] w2, float[] b2, ReadOnlySpan<float> images, ReadOnlySpan<int> labels,
        float[] dW1, float[] dB1, float[] dW2, float[] dB2)
    {
        Layers.DenseBatch(w1, b1, images, _hidden);
        for (int i = 0; i < _hidden.Length; i++) _hidden[i] = _hidden[i] > 0 ? _hidden[i] : 0;
        Layers.DenseBatch(w2, b2, _hidden, _logits);
        Array.Clear(_dLogits);
        float loss = Losses.SoftmaxCrossEntropyBatchBackward(_logits, labels, _dLogits);
        Array.Clear(_dHidden);
        Layers.DenseBatchPullback(w2, b2, _hidden, _logits, dW2, dB2, _dHidden, _dLogits);
        for (int i = 0; i < _dHidden.Length; i++) if (_hidden[i] <= 0) _dHidden[i] = 0;
        Layers.DenseBatchPullback(w1, b1, images, _hidden, dW1, dB1, default, _dHidden);
        return loss;
    }
}

[Workload("MLP training step, batch of 64, float (forward, backward, Adam)")]
public class TrainingStepBenchmark
{
    private readonly float[] _w1 = Floats(Data.Vector(Mlp.Hidden * Mlp.In, 1, 0.05)), _b1 = Floats(Data.Vector(Mlp.Hidden, 2, 0.1));
    private readonly float[] _w2 = Floats(Data.Vector(Mlp.Out * Mlp.Hidden, 3, 0.1)), _b2 = Floats(Data.Vector(Mlp.Out, 4, 0.1));
    private readonly float[] _images = Floats(Data.Vector(BatchMlp.Batch * Mlp.In, 5, 1, positive: true));
    private readonly int[] _labels = new int[BatchMlp.Batch];
    private readonly float[] _dW1 = new float[Mlp.Hidden * Mlp.In], _dB1 = new float[Mlp.Hidden], _dW2 = new float[Mlp.Out * Mlp.Hidden], _dB2 = new float[Mlp.Out];
    private readonly BatchMlpByHand _byHand = new();
    private readonly Adam _adam = new(1e-4);

    public TrainingStepBenchmark()
    {
        for (int n = 0; n < _labels.Length; n++) _labels[n] = n % Mlp.Out;
    }

    private static float[] Floats(double[] values) => Array.ConvertAll(values, v => (float)v);

    private float[][] Parameters => _parameters ??= new[] { _w1, _b1, _w2, _b2 };

    private float[][] Gradients => _gradients ??= new[] { _dW1, _dB1, _dW2, _dB2 };

    private float[][]? _parameters, _gradients;

    private void Clear()
    {
        Array.Clear(_dW1);
        Array.Clear(_dB1);
        Array.Clear(_dW2);
        Array.Clear(_dB2);
    }

    public void Check()
    {
        Clear();
        BatchMlp.LossBackward(_w1, _b1, _w2, _b2, _images, _labels, _dW1, _dB1, _dW2, _dB2);
        double[] generated = Data.Concat(Array.ConvertAll(_dW1, v => (double)v), Array.ConvertAll(_dB1, v => (double)v),
            Array.ConvertAll(_dW2, v => (double)v), Array.ConvertAll(_dB2, v => (double)v));
        Clear();
        _byHand.Step(_w1, _b1, _w2, _b2, _images, _labels, _dW1, _dB1, _dW2, _dB2);
        double[] hand = Data.Concat(Array.ConvertAll(_dW1, v => (double)v), Array.ConvertAll(_dB1, v => (double)v),
            Array.ConvertAll(_dW2, v => (double)v), Array.ConvertAll(_dB2, v => (double)v));
        Agreement.Compare("MLP training step", generated, hand);
    }

    [Benchmark]
    public float Forward() => BatchMlp.Loss(_w1, _b1, _w2, _b2, _images, _labels);

    [Benchmark]
    public float Generated()
    {
        Clear();
        float loss = BatchMlp.LossBackward(_w1, _b1, _w2, _b2, _images, _labels, _dW1, _dB1, _dW2, _dB2);
        _adam.Step(Parameters, Gradients);
        return loss;
    }

    [Benchmark(Baseline = true)]
    public float HandWritten()
    {
        Clear();
        float loss = _byHand.Step(_w1, _b1, _w2, _b2, _images, _labels, _dW1, _dB1, _dW2, _dB2);
        _adam.Step(Parameters, Gradients);
        return loss;
    }
}
