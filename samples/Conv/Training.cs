using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Backprop.Nn;

namespace Conv;

/// <summary>The MNIST subset, scaled to [0, 1].</summary>
internal sealed record Digits(double[] Pixels, byte[] Labels)
{
    public ReadOnlySpan<double> Image(int index) => Pixels.AsSpan(index * 784, 784);

    public static Digits Load(string folder)
    {
        IdxImages images = Idx.ReadImages(Path.Combine(folder, "mnist10k-images-idx3-ubyte.gz"));
        byte[] labels = Idx.ReadLabels(Path.Combine(folder, "mnist10k-labels-idx1-ubyte.gz"));
        if (images.Rows != 28 || images.Columns != 28 || labels.Length != images.Count || images.Count < 10000)
        {
            throw new InvalidDataException($"{folder}: expected 10,000 digits of 28×28 with as many labels.");
        }

        return new Digits(images.ToScaledDoubles(), labels);
    }
}

/// <summary>The static network's weights.</summary>
internal sealed record Parameters(double[] Kernel, double[] Bias, double[] W, double[] B)
{
    public double[][] All => new[] { Kernel, Bias, W, B };

    public static Parameters Create(int seed)
    {
        var random = new Random(seed);
        var p = new Parameters(new double[ConvNet.Channels * ConvNet.Kernel * ConvNet.Kernel], new double[ConvNet.Channels],
            new double[ConvNet.Classes * ConvNet.Features], new double[ConvNet.Classes]);
        Init.He(p.Kernel, ConvNet.Kernel * ConvNet.Kernel, random);
        Init.Xavier(p.W, ConvNet.Features, ConvNet.Classes, random);
        return p;
    }
}

/// <summary>Training with the generated gradients only.</summary>
internal static class Training
{
    private const int Train = 8000, Batch = 32;

    /// <summary>One epoch of Adam on the first 8,000 digits, the batch split over the cores; returns the mean loss.</summary>
    public static double Epoch(Parameters p, Digits data, int epoch, int seed, Adam? adam = null)
    {
        adam ??= Optimizers.GetValue(p, _ => new Adam(2e-3));
        int workers = Math.Max(1, Math.Min(Environment.ProcessorCount, 8));
        double[][][] gradients = Enumerable.Range(0, workers).Select(_ => p.All.Select(a => new double[a.Length]).ToArray()).ToArray();
        double total = 0;
        foreach (ReadOnlyMemory<int> batch in new MiniBatches(Train, Batch, seed).Epoch(epoch))
        {
            int[] indices = batch.ToArray();
            double[] losses = new double[workers];
            Parallel.For(0, workers, w =>
            {
                double[][] g = gradients[w];
                foreach (double[] a in g) Array.Clear(a);
                for (int n = w; n < indices.Length; n += workers)
                {
                    losses[w] += ConvNet.LossBackward(p.Kernel, p.Bias, p.W, p.B, data.Image(indices[n]), data.Labels[indices[n]], g[0], g[1], g[2], g[3], 1.0 / indices.Length);
                }
            });
            for (int w = 1; w < workers; w++)
            {
                for (int a = 0; a < 4; a++) for (int i = 0; i < gradients[0][a].Length; i++) gradients[0][a][i] += gradients[w][a][i];
            }

            adam.Step(p.All, gradients[0]);
            total += losses.Sum();
        }

        return total / Train;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Parameters, Adam> Optimizers = new();

    /// <summary>The share of digits <c>[from, to)</c> the network classifies right.</summary>
    public static double Accuracy(Parameters p, Digits data, int from, int to)
    {
        int correct = 0;
        Parallel.For(from, to, () => (Count: 0, Logits: new double[ConvNet.Classes]), (n, _, local) =>
        {
            ConvNet.Logits(p.Kernel, p.Bias, p.W, p.B, data.Image(n), local.Logits);
            int best = Array.IndexOf(local.Logits, local.Logits.Max());
            return (local.Count + (best == data.Labels[n] ? 1 : 0), local.Logits);
        }, local => System.Threading.Interlocked.Add(ref correct, local.Count));
        return (double)correct / (to - from);
    }

    /// <summary>
    /// Trains the model class and the static network from the same weights on the same batches, serially, and returns
    /// the largest difference between their weights afterwards.
    /// </summary>
    public static double CompareModelWithStatic(Digits data, int seed, int steps, int batch)
    {
        Parameters p = Parameters.Create(seed);
        var model = new ConvModel();
        p.Kernel.CopyTo(model.Conv.Kernel, 0);
        p.Bias.CopyTo(model.Conv.Bias, 0);
        p.W.CopyTo(model.Output.W, 0);
        p.B.CopyTo(model.Output.B, 0);

        var gradients = new ConvModel.Gradients(model);
        double[][] flat = p.All.Select(a => new double[a.Length]).ToArray();
        Adam forModel = new(2e-3), forStatic = new(2e-3);
        var batches = new MiniBatches(Train, batch, seed).Epoch(0).Take(steps);
        foreach (ReadOnlyMemory<int> indices in batches)
        {
            gradients.Clear();
            foreach (double[] a in flat) Array.Clear(a);
            foreach (int n in indices.Span)
            {
                model.LossBackward(data.Image(n), data.Labels[n], gradients, 1.0 / indices.Length);
                ConvNet.LossBackward(p.Kernel, p.Bias, p.W, p.B, data.Image(n), data.Labels[n], flat[0], flat[1], flat[2], flat[3], 1.0 / indices.Length);
            }

            forModel.Step(model, gradients);
            forStatic.Step(p.All, flat);
        }

        return new[] { (p.Kernel, model.Conv.Kernel), (p.Bias, model.Conv.Bias), (p.W, model.Output.W), (p.B, model.Output.B) }
            .Max(pair => pair.Item1.Zip(pair.Item2, (a, b) => Math.Abs(a - b)).Max());
    }
}
