using System;
using System.Numerics;
using System.Threading.Tasks;
using Backprop.Nn;

namespace Mnist;

/// <summary>
/// The main job's trainer: each mini-batch goes through the network written over the whole batch
/// (<see cref="Network.BatchLoss(float[], float[], float[], float[], ReadOnlySpan{float}, ReadOnlySpan{int})"/>) and its generated
/// <c>BatchLossBackward</c>, in <c>float</c> or <c>double</c>. With several threads, the batch is split into shares,
/// each share's gradient is gathered into its own buffers, and the shares are added up before the optimizer step.
/// </summary>
/// <typeparam name="T"><c>float</c> or <c>double</c>.</typeparam>
internal sealed class BatchTrainer<T> : ITrainer
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[][] _parameters;
    private readonly Worker[] _workers;
    private readonly Optimizer _optimizer;
    private readonly int _seed;

    public BatchTrainer(int seed, double learningRate, int threads, int batch)
    {
        _seed = seed;
        var random = new Random(seed);
        var w1 = new T[Network.Hidden * Network.Inputs];
        var b1 = new T[Network.Hidden];
        var w2 = new T[Network.Classes * Network.Hidden];
        var b2 = new T[Network.Classes];
        Initialize(w1, w2, random);
        _parameters = new[] { w1, b1, w2, b2 };
        _optimizer = new Adam(learningRate);
        int shares = Math.Max(1, Math.Min(threads, batch));
        _workers = new Worker[shares];
        for (int i = 0; i < shares; i++) _workers[i] = new Worker(_parameters, (batch + shares - 1) / shares);
    }

    /// <inheritdoc/>
    public double LearningRate
    {
        get => _optimizer.LearningRate;
        set => _optimizer.LearningRate = value;
    }

    /// <inheritdoc/>
    public int Shifts { get; init; } = 2;

    /// <inheritdoc/>
    public double Step(Dataset data, ReadOnlySpan<int> batch, int epoch)
    {
        int count = batch.Length, shares = Math.Min(_workers.Length, count);
        int share = (count + shares - 1) / shares;
        for (int w = 0; w < shares; w++)
        {
            int from = w * share, to = Math.Min(count, from + share);
            _workers[w].Take(data, batch.Slice(from, Math.Max(0, to - from)), epoch, _seed, Shifts);
        }

        // The batch's loss is the mean over its images: a share of n images weighs n / count.
        if (shares == 1)
        {
            _workers[0].Run(_parameters, count);
        }
        else
        {
            Parallel.For(0, shares, w => _workers[w].Run(_parameters, count));
        }

        double loss = 0;
        for (int w = 0; w < shares; w++)
        {
            loss += _workers[w].Loss;
            if (w == 0) continue;
            for (int p = 0; p < _parameters.Length; p++) Add(_workers[0].Gradients[p], _workers[w].Gradients[p]);
        }

        if (typeof(T) == typeof(float)) _optimizer.Step((float[][])(object)_parameters, (float[][])(object)_workers[0].Gradients);
        else _optimizer.Step((double[][])(object)_parameters, (double[][])(object)_workers[0].Gradients);
        return loss;
    }

    /// <inheritdoc/>
    public (double Loss, double Accuracy) Evaluate(Dataset data, int from, int to)
    {
        const int chunk = 500;
        T[] pixels = data.Pixels<T>();
        var hidden = new T[chunk * Network.Hidden];
        var logits = new T[chunk * Network.Classes];
        double loss = 0;
        int correct = 0;
        for (int start = from; start < to; start += chunk)
        {
            int n = Math.Min(chunk, to - start);
            ReadOnlySpan<T> images = pixels.AsSpan(start * Network.Inputs, n * Network.Inputs);
            Logits(images, hidden.AsSpan(0, n * Network.Hidden), logits.AsSpan(0, n * Network.Classes));
            for (int r = 0; r < n; r++)
            {
                Span<T> row = logits.AsSpan(r * Network.Classes, Network.Classes);
                int label = data.Labels[start + r];
                int best = 0;
                for (int k = 1; k < row.Length; k++) if (row[k] > row[best]) best = k;
                if (best == label) correct++;
                loss += double.CreateChecked(CrossEntropy(row, label));
            }
        }

        return (loss / (to - from), (double)correct / (to - from));
    }

    /// <summary>The network's forward pass over a batch, for evaluation: dense, ReLU (in place), dense.</summary>
    private void Logits(ReadOnlySpan<T> images, Span<T> hidden, Span<T> logits)
    {
        if (typeof(T) == typeof(float))
        {
            float[][] p = (float[][])(object)_parameters;
            Layers.DenseBatch(p[0], p[1], Cast<float>(images), Cast<float>(hidden));
            Layers.Relu(Cast<float>(hidden), Cast<float>(hidden));
            Layers.DenseBatch(p[2], p[3], Cast<float>(hidden), Cast<float>(logits));
        }
        else
        {
            double[][] p = (double[][])(object)_parameters;
            Layers.DenseBatch(p[0], p[1], Cast<double>(images), Cast<double>(hidden));
            Layers.Relu(Cast<double>(hidden), Cast<double>(hidden));
            Layers.DenseBatch(p[2], p[3], Cast<double>(hidden), Cast<double>(logits));
        }
    }

    private static T CrossEntropy(ReadOnlySpan<T> row, int label) => typeof(T) == typeof(float)
        ? T.CreateChecked(Losses.SoftmaxCrossEntropy(Cast<float>(row), label))
        : T.CreateChecked(Losses.SoftmaxCrossEntropy(Cast<double>(row), label));

    private static void Initialize(T[] w1, T[] w2, Random random)
    {
        if (typeof(T) == typeof(float))
        {
            Init.He((float[])(object)w1, Network.Inputs, random);
            Init.Xavier((float[])(object)w2, Network.Hidden, Network.Classes, random);
        }
        else
        {
            Init.He((double[])(object)w1, Network.Inputs, random);
            Init.Xavier((double[])(object)w2, Network.Hidden, Network.Classes, random);
        }
    }

    private static void Add(T[] total, T[] part)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= total.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                (new Vector<T>(total, i) + new Vector<T>(part, i)).CopyTo(total, i);
            }
        }

        for (; i < total.Length; i++) total[i] += part[i];
    }

    private static ReadOnlySpan<TTo> Cast<TTo>(ReadOnlySpan<T> span)
        where TTo : unmanaged => System.Runtime.InteropServices.MemoryMarshal.Cast<T, TTo>(span);

    private static Span<TTo> Cast<TTo>(Span<T> span)
        where TTo : unmanaged => System.Runtime.InteropServices.MemoryMarshal.Cast<T, TTo>(span);

    /// <summary>One share of a batch: its images (shifted) and labels, and its own gradient buffers.</summary>
    private sealed class Worker(T[][] parameters, int capacity)
    {
        private readonly T[] _images = new T[capacity * Network.Inputs];
        private readonly int[] _labels = new int[capacity];
        private int _count;

        public T[][] Gradients { get; } = Array.ConvertAll(parameters, p => new T[p.Length]);

        /// <summary>This share's summed loss after <see cref="Run"/>.</summary>
        public double Loss { get; private set; }

        public void Take(Dataset data, ReadOnlySpan<int> samples, int epoch, int seed, int shifts)
        {
            T[] pixels = data.Pixels<T>();
            _count = samples.Length;
            for (int n = 0; n < samples.Length; n++)
            {
                int sample = samples[n];
                ReadOnlySpan<T> image = pixels.AsSpan(sample * Network.Inputs, Network.Inputs);
                Span<T> into = _images.AsSpan(n * Network.Inputs, Network.Inputs);
                if (shifts > 0) Augmentation.Shift(image, into, seed, sample, epoch, shifts);
                else image.CopyTo(into);
                _labels[n] = data.Labels[sample];
            }
        }

        /// <summary>Gathers this share's gradient of the batch's mean loss into <see cref="Gradients"/> (cleared first).</summary>
        public void Run(T[][] parameters, int batch)
        {
            foreach (T[] gradient in Gradients) Array.Clear(gradient);
            if (_count == 0)
            {
                Loss = 0;
                return;
            }

            ReadOnlySpan<T> images = _images.AsSpan(0, _count * Network.Inputs);
            ReadOnlySpan<int> labels = _labels.AsSpan(0, _count);
            double weight = (double)_count / batch;
            double mean;
            if (typeof(T) == typeof(float))
            {
                float[][] p = (float[][])(object)parameters, g = (float[][])(object)Gradients;
                mean = Network.BatchLossBackward(p[0], p[1], p[2], p[3], Cast<float>(images), labels, g[0], g[1], g[2], g[3], (float)weight);
            }
            else
            {
                double[][] p = (double[][])(object)parameters, g = (double[][])(object)Gradients;
                mean = Network.BatchLossBackward(p[0], p[1], p[2], p[3], Cast<double>(images), labels, g[0], g[1], g[2], g[3], weight);
            }

            Loss = mean * _count;
        }
    }
}
