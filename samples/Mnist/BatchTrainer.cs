using System;
using System.Diagnostics;
using System.Numerics;
using System.Threading;
using Backprop.Nn;

namespace Mnist;

/// <summary>
/// The main job's trainer: each mini-batch goes through the network written over the whole batch
/// (<see cref="Network.BatchLoss(float[], float[], float[], float[], ReadOnlySpan{float}, ReadOnlySpan{int})"/>) and its generated
/// <c>BatchLossBackward</c>, in <c>float</c> or <c>double</c>. With several threads, the batch is cut into pieces that
/// the threads take as they come, each gathering its pieces' gradient into its own buffers; the buffers are added up
/// before the optimizer step.
/// </summary>
/// <typeparam name="T"><c>float</c> or <c>double</c>.</typeparam>
internal sealed class BatchTrainer<T> : ITrainer, IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[][] _parameters;
    private readonly Worker[] _workers;
    private readonly Piece[] _pieces;
    private readonly int _pieceSize;
    private readonly Optimizer _optimizer;
    private readonly int _seed;

    // The step in progress: its size, how many pieces it has, the last piece taken, and how many are not done.
    private int _count, _active, _next, _remaining, _generation;
    private volatile bool _stopping;

    // Whether the helpers join in: measured, not assumed (a busy neighbour can make a team slower than one thread).
    private readonly Pace _pace;

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

        // With one thread the batch is one piece. With more, it is cut into pieces of at least 8 images that the
        // threads take as they come: a thread that does not get a core (a busy neighbour) leaves its pieces to the
        // others instead of holding up the step.
        int pieces = threads <= 1 ? 1 : Math.Max(1, Math.Min(batch / 8, threads));
        _pieceSize = (batch + pieces - 1) / pieces;
        _pieces = new Piece[pieces];
        for (int i = 0; i < pieces; i++) _pieces[i] = new Piece(_pieceSize);
        _workers = new Worker[Math.Max(1, threads)];
        for (int i = 0; i < _workers.Length; i++) _workers[i] = new Worker(_parameters);
        _pace = new Pace(_workers.Length > 1);
        for (int i = 1; i < _workers.Length; i++)
        {
            Worker helper = _workers[i];
            new Thread(() => Help(helper)) { IsBackground = true, Name = "MNIST helper " + i }.Start();
        }
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
        long started = Stopwatch.GetTimestamp();
        int count = batch.Length;
        _count = count;
        _active = (count + _pieceSize - 1) / _pieceSize;
        for (int p = 0; p < _active; p++)
        {
            int from = p * _pieceSize;
            _pieces[p].Take(data, batch.Slice(from, Math.Min(_pieceSize, count - from)), epoch, _seed, Shifts);
        }

        // Wake the helpers (when the team is faster), then take pieces here too until none is left, and wait for the
        // pieces taken elsewhere.
        foreach (Worker worker in _workers) worker.Used = false;
        _next = -1;
        _remaining = _active;
        bool team = _pace.Team;
        bool woken = team && WakeHelpers();
        Work(_workers[0]);
        var spin = new SpinWait();
        while (Volatile.Read(ref _remaining) > 0) spin.SpinOnce();

        double loss = 0;
        for (int p = 0; p < _active; p++) loss += _pieces[p].Loss;
        Worker first = _workers[0];
        for (int w = 1; w < _workers.Length; w++)
        {
            if (!_workers[w].Used) continue;
            if (!first.Used)
            {
                first.Clear();
                first.Used = true;
            }

            for (int p = 0; p < _parameters.Length; p++) Add(first.Gradients[p], _workers[w].Gradients[p]);
        }

        if (!first.Used) first.Clear(); // an empty batch: no gradient
        if (typeof(T) == typeof(float)) _optimizer.Step((float[][])(object)_parameters, (float[][])(object)first.Gradients);
        else _optimizer.Step((double[][])(object)_parameters, (double[][])(object)first.Gradients);
        // (A step that had to wake a sleeping helper pays for it once: not a fair measure of the team.)
        if (count > 0 && !woken) _pace.Record(team, (double)(Stopwatch.GetTimestamp() - started) / count);
        return loss;
    }

    /// <summary>Stops the helper threads.</summary>
    public void Dispose()
    {
        _stopping = true;
        WakeHelpers();
    }

    /// <summary>Starts a step for the helpers; returns whether one of them was asleep and had to be woken.</summary>
    private bool WakeHelpers()
    {
        Interlocked.Increment(ref _generation);
        bool woken = false;
        for (int i = 1; i < _workers.Length; i++)
        {
            if (Volatile.Read(ref _workers[i].Sleeping) != 1) continue;
            _workers[i].Wake.Release();
            woken = true;
        }

        return woken;
    }

    /// <summary>Takes pieces of the current batch until none is left, each into this worker's gradient buffers.</summary>
    private void Work(Worker worker)
    {
        int piece;
        while ((piece = Interlocked.Increment(ref _next)) < _active)
        {
            if (!worker.Used)
            {
                worker.Clear();
                worker.Used = true;
            }

            _pieces[piece].Run(_parameters, worker.Gradients, _count);
            Interlocked.Decrement(ref _remaining);
        }
    }

    /// <summary>
    /// A helper thread: waits for a step, spinning briefly (steps follow each other within a fraction of a
    /// millisecond) and then asleep (between epochs, or while the trainer works alone), and takes pieces of it.
    /// </summary>
    private void Help(Worker worker)
    {
        int seen = 0;
        while (!_stopping)
        {
            var spin = new SpinWait();
            long since = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _generation) == seen)
            {
                // Steps come a fraction of a millisecond apart: spin (yielding to anyone who wants the core) for 2 ms.
                if (Stopwatch.GetElapsedTime(since).TotalMilliseconds < 2)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                    continue;
                }

                Interlocked.Exchange(ref worker.Sleeping, 1);
                if (Volatile.Read(ref _generation) == seen) worker.Wake.Wait();
                Interlocked.Exchange(ref worker.Sleeping, 0);
                spin.Reset();
                since = Stopwatch.GetTimestamp();
            }

            seen = Volatile.Read(ref _generation);
            if (!_stopping) Work(worker);
        }
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

    /// <summary>A thread's gradient buffers, gathered over the pieces it takes in one step.</summary>
    private sealed class Worker(T[][] parameters)
    {
        public T[][] Gradients { get; } = Array.ConvertAll(parameters, p => new T[p.Length]);

        /// <summary>Whether this worker took a piece in the current step.</summary>
        public bool Used { get; set; }

        /// <summary>Released to wake a helper thread that went to sleep.</summary>
        public SemaphoreSlim Wake { get; } = new(0);

        /// <summary>1 while a helper thread sleeps on <see cref="Wake"/>.</summary>
        public int Sleeping;

        public void Clear()
        {
            foreach (T[] gradient in Gradients) Array.Clear(gradient);
        }
    }

    /// <summary>A piece of a batch: its images (shifted) and labels, and its loss.</summary>
    private sealed class Piece(int capacity)
    {
        private readonly T[] _images = new T[capacity * Network.Inputs];
        private readonly int[] _labels = new int[capacity];
        private int _count;

        /// <summary>This piece's summed loss after <see cref="Run"/>.</summary>
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

        /// <summary>Adds this piece's gradient of the batch's mean loss to <paramref name="gradients"/>.</summary>
        public void Run(T[][] parameters, T[][] gradients, int batch)
        {
            ReadOnlySpan<T> images = _images.AsSpan(0, _count * Network.Inputs);
            ReadOnlySpan<int> labels = _labels.AsSpan(0, _count);
            // The batch's loss is the mean over its images: a piece of n images weighs n / batch.
            double weight = (double)_count / batch;
            double mean;
            if (typeof(T) == typeof(float))
            {
                float[][] p = (float[][])(object)parameters, g = (float[][])(object)gradients;
                mean = Network.BatchLossBackward(p[0], p[1], p[2], p[3], Cast<float>(images), labels, g[0], g[1], g[2], g[3], (float)weight);
            }
            else
            {
                double[][] p = (double[][])(object)parameters, g = (double[][])(object)gradients;
                mean = Network.BatchLossBackward(p[0], p[1], p[2], p[3], Cast<double>(images), labels, g[0], g[1], g[2], g[3], weight);
            }

            Loss = mean * _count;
        }
    }

    /// <summary>
    /// Chooses between working alone and as a team from the measured time per image of each: mostly the faster one,
    /// with a trial of up to 8 steps of the other now and then, so that a change in the machine's load is noticed. A
    /// trial ends at once when its first steps are clearly slower (half as fast again), and a trial that confirms the
    /// choice doubles the wait before the next one (from 128 steps up to 8,192); one that changes it starts the waits
    /// over. So the losing way costs little once the choice is clear, as when a busy neighbour holds the other core.
    /// </summary>
    private sealed class Pace(bool canTeam)
    {
        private const int WarmUp = 4, TrialSteps = 8, FirstWait = 128, LongestWait = 8192;
        private double _alone = double.NaN, _together = double.NaN;
        private int _steps, _wait = FirstWait, _untilTrial = FirstWait, _trialLeft;
        private bool _faster;

        /// <summary>Whether the next step runs as a team.</summary>
        public bool Team => canTeam && (_steps < WarmUp ? _steps % 2 == 0 : _trialLeft > 0 ? !_faster : _faster);

        public void Record(bool team, double ticksPerImage)
        {
            _steps++;
            ref double average = ref team ? ref _together : ref _alone;
            average = double.IsNaN(average) ? ticksPerImage : 0.95 * average + 0.05 * ticksPerImage;
            if (_steps < WarmUp) return;
            if (_steps == WarmUp)
            {
                _faster = _together < _alone;
                return;
            }

            if (_trialLeft > 0)
            {
                // A trial step of the other way: stop the trial if it is clearly slower.
                double usual = _faster ? _together : _alone;
                _trialLeft = ticksPerImage > 1.5 * usual ? 0 : _trialLeft - 1;
                if (_trialLeft > 0) return;
                bool before = _faster;
                Choose();
                _wait = _faster == before ? Math.Min(2 * _wait, LongestWait) : FirstWait;
                _untilTrial = _wait;
                return;
            }

            Choose();
            if (--_untilTrial == 0) _trialLeft = TrialSteps;
        }

        /// <summary>The choice changes only for a clear difference (5 %), so that noise does not flip it back and forth.</summary>
        private void Choose()
        {
            if (_together < 0.95 * _alone) _faster = true;
            else if (_alone < 0.95 * _together) _faster = false;
        }
    }
}
