using System;
using System.Threading.Tasks;
using Backprop.Nn;

namespace Mnist;

/// <summary>
/// The teaching version of the trainer (<c>--per-sample</c>): the network's parameters and the mini-batch training loop,
/// one image at a time, through the generated per-image <c>LossBackward</c> (double precision).
/// </summary>
internal sealed class PerSampleTrainer : ITrainer
{
    private readonly double[][] _parameters;
    private readonly Worker[] _workers;
    private readonly Optimizer _optimizer;
    private readonly int _seed;

    public PerSampleTrainer(int seed, double learningRate, int threads)
    {
        _seed = seed;
        var random = new Random(seed);
        W1 = new double[Network.Hidden * Network.Inputs];
        B1 = new double[Network.Hidden];
        W2 = new double[Network.Classes * Network.Hidden];
        B2 = new double[Network.Classes];
        Init.He(W1, Network.Inputs, random);
        Init.Xavier(W2, Network.Hidden, Network.Classes, random);
        _parameters = new[] { W1, B1, W2, B2 };
        _optimizer = new Adam(learningRate);
        _workers = new Worker[Math.Max(1, threads)];
        for (int i = 0; i < _workers.Length; i++) _workers[i] = new Worker(_parameters);
    }

    /// <summary>The optimizer's learning rate, for the schedule.</summary>
    public double LearningRate
    {
        get => _optimizer.LearningRate;
        set => _optimizer.LearningRate = value;
    }

    public double[] W1 { get; }

    public double[] B1 { get; }

    public double[] W2 { get; }

    public double[] B2 { get; }

    /// <summary>
    /// One optimizer step on a mini-batch: the batch is split between the workers, each gathers its share's gradient
    /// into its own buffers (Backward methods add to their adjoints), the shares are summed and averaged.
    /// Returns the batch's summed loss.
    /// </summary>
    public double Step(Dataset data, ReadOnlySpan<int> batch, int epoch)
    {
        int[] indices = batch.ToArray();
        int share = (indices.Length + _workers.Length - 1) / _workers.Length;
        Parallel.For(0, _workers.Length, w =>
        {
            Worker worker = _workers[w];
            worker.Clear();
            int end = Math.Min(indices.Length, (w + 1) * share);
            for (int n = w * share; n < end; n++)
            {
                int sample = indices[n];
                ReadOnlySpan<double> image = data.Image(sample);
                if (Shifts > 0)
                {
                    Augmentation.Shift(image, worker.Image, _seed, sample, epoch, Shifts);
                    image = worker.Image;
                }

                worker.Loss += Network.LossBackward(W1, B1, W2, B2, image, data.Labels[sample],
                    worker.Gradients[0], worker.Gradients[1], worker.Gradients[2], worker.Gradients[3], seed: 1.0 / indices.Length);
            }
        });

        double loss = 0;
        for (int w = 0; w < _workers.Length; w++)
        {
            loss += _workers[w].Loss;
            if (w == 0) continue;
            for (int p = 0; p < _parameters.Length; p++)
            {
                double[] total = _workers[0].Gradients[p], part = _workers[w].Gradients[p];
                for (int i = 0; i < total.Length; i++) total[i] += part[i];
            }
        }

        _optimizer.Step(_parameters, _workers[0].Gradients);
        return loss;
    }

    /// <inheritdoc/>
    public int Shifts { get; init; } = 2;

    /// <summary>The digit the network rates highest for image <paramref name="index"/>.</summary>
    public int Predict(Dataset data, int index, double[] logits)
    {
        Network.Logits(W1, B1, W2, B2, data.Image(index), logits);
        int best = 0;
        for (int k = 1; k < logits.Length; k++) if (logits[k] > logits[best]) best = k;
        return best;
    }

    /// <summary>The mean loss and the accuracy over samples <c>[from, to)</c>.</summary>
    public (double Loss, double Accuracy) Evaluate(Dataset data, int from, int to)
    {
        double loss = 0;
        int correct = 0;
        object gate = new();
        Parallel.For(from, to, () => (Loss: 0.0, Correct: 0, Logits: new double[Network.Classes]), (n, _, local) =>
        {
            if (Predict(data, n, local.Logits) == data.Labels[n]) local.Correct++;
            local.Loss += Losses.SoftmaxCrossEntropy(local.Logits, data.Labels[n]);
            return local;
        }, local =>
        {
            lock (gate)
            {
                loss += local.Loss;
                correct += local.Correct;
            }
        });
        return (loss / (to - from), (double)correct / (to - from));
    }

    private sealed class Worker(double[][] parameters)
    {
        public double[][] Gradients { get; } = Array.ConvertAll(parameters, p => new double[p.Length]);

        public double Loss { get; set; }

        public double[] Image { get; } = new double[Network.Inputs];

        public void Clear()
        {
            foreach (double[] gradient in Gradients) Array.Clear(gradient);
            Loss = 0;
        }
    }
}
