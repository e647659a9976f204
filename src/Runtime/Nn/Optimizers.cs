using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Backprop.Nn;

/// <summary>
/// The base of the optimizers: updates parameter buffers from their gradients, keeping any state (velocities,
/// moments) per buffer index. Use it three ways:
/// <list type="bullet">
/// <item>on raw buffers, <c>optimizer.Step(parameters, gradients)</c>, with the same buffers in the same order each step;</item>
/// <item>on a model class, <c>optimizer.Step(model, gradients)</c>, with the generated <c>Model.Gradients</c>;</item>
/// <item>one buffer at a time, through <see cref="IParameterUpdater"/>.</item>
/// </list>
/// Gradients are used as given: average a mini-batch (a seed of <c>1/batch</c>, or <c>MultiplyBy</c>) before the step.
/// </summary>
public abstract class Optimizer : IParameterUpdater
{
    private readonly List<object?> _state = new();

    /// <summary>Creates an optimizer with the given step size.</summary>
    /// <param name="learningRate">The step size; positive and finite.</param>
    protected Optimizer(double learningRate)
    {
        LearningRate = learningRate;
    }

    /// <summary>The step size. It may be changed between steps, for a schedule.</summary>
    public double LearningRate
    {
        get;
        set => field = value > 0 && double.IsFinite(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "The learning rate must be positive and finite.");
    }

    /// <summary>Updates every parameter buffer from its gradient: buffer <c>i</c> of one list goes with buffer <c>i</c> of the other.</summary>
    /// <param name="parameters">The parameter buffers, updated in place.</param>
    /// <param name="gradients">Their gradients, of the same lengths.</param>
    public void Step(IReadOnlyList<double[]> parameters, IReadOnlyList<double[]> gradients)
    {
        CheckLists(parameters?.Count, gradients?.Count);
        for (int i = 0; i < parameters!.Count; i++) Update(i, parameters[i], gradients![i]);
    }

    /// <inheritdoc cref="Step(IReadOnlyList{double[]}, IReadOnlyList{double[]})"/>
    public void Step(IReadOnlyList<float[]> parameters, IReadOnlyList<float[]> gradients)
    {
        CheckLists(parameters?.Count, gradients?.Count);
        for (int i = 0; i < parameters!.Count; i++) Update(i, parameters[i], gradients![i]);
    }

    /// <summary>Updates every parameter of a model class from the gradients its generated <c>Gradients</c> class holds.</summary>
    /// <typeparam name="TModel">The model class.</typeparam>
    /// <param name="model">The model, updated in place.</param>
    /// <param name="gradients">Its gradients.</param>
    public void Step<TModel>(TModel model, IGradients<TModel> gradients)
    {
        if (gradients is null) throw new ArgumentNullException(nameof(gradients));
        gradients.Apply(model, this);
    }

    /// <inheritdoc/>
    public void Update(int index, Span<double> parameter, ReadOnlySpan<double> gradient) => Update<double>(index, parameter, gradient);

    /// <inheritdoc/>
    public void Update(int index, Span<float> parameter, ReadOnlySpan<float> gradient) => Update<float>(index, parameter, gradient);

    /// <summary>Forgets all state (velocities, moments, step counts), as if no step had been taken.</summary>
    public void Reset() => _state.Clear();

    /// <summary>Updates one buffer; <paramref name="state"/> is this buffer's state, created by <see cref="CreateState{T}"/>.</summary>
    /// <typeparam name="T">double or float.</typeparam>
    /// <param name="parameter">The parameters, updated in place.</param>
    /// <param name="gradient">Their gradient, of the same length.</param>
    /// <param name="state">This buffer's state, or null if <see cref="CreateState{T}"/> made none.</param>
    protected abstract void Apply<T>(Span<T> parameter, ReadOnlySpan<T> gradient, object? state)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Creates the state of a buffer of <paramref name="length"/> elements, or null if the optimizer keeps none.</summary>
    /// <typeparam name="T">double or float.</typeparam>
    /// <param name="length">The buffer's length.</param>
    protected virtual object? CreateState<T>(int length)
        where T : unmanaged, IFloatingPointIeee754<T> => null;

    private void Update<T>(int index, Span<T> parameter, ReadOnlySpan<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (index < 0) throw new ArgumentOutOfRangeException(nameof(index), index, "The buffer index must not be negative.");
        if (gradient.Length != parameter.Length)
        {
            throw new ArgumentException($"Buffer {index}: the gradient has {gradient.Length} elements but the parameter has {parameter.Length}.", nameof(gradient));
        }

        while (_state.Count <= index) _state.Add(null);
        object? state = _state[index];
        if (state is null)
        {
            state = CreateState<T>(parameter.Length);
            _state[index] = state;
        }
        else if (state is not IBufferState<T> typed || typed.Length != parameter.Length)
        {
            throw new InvalidOperationException(
                $"Buffer {index} changed its length or element type since the last step. Pass the same buffers in the same order each step, or call Reset().");
        }

        Apply(parameter, gradient, state);
    }

    /// <summary>Whether an update of this length runs with <see cref="Vector{T}"/> (float and double, on hardware that has it).</summary>
    private protected static bool Vectorized<T>(int length)
        where T : unmanaged => Vector.IsHardwareAccelerated && Vector<T>.IsSupported && length >= Vector<T>.Count;

    private static void CheckLists(int? parameters, int? gradients)
    {
        if (parameters is null) throw new ArgumentNullException("parameters");
        if (gradients is null) throw new ArgumentNullException("gradients");
        if (parameters != gradients) throw new ArgumentException($"There are {parameters} parameter buffers but {gradients} gradient buffers.", "gradients");
    }

    /// <summary>Per-buffer state: its length, so that a changed buffer is caught.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    protected interface IBufferState<T>
    {
        /// <summary>The length of the buffer this state belongs to.</summary>
        int Length { get; }
    }
}

/// <summary>Plain stochastic gradient descent: <c>θ ← θ − η (g + λθ)</c>.</summary>
/// <param name="learningRate">The step size η.</param>
/// <param name="weightDecay">The L2 penalty λ (0 for none).</param>
public sealed class Sgd(double learningRate, double weightDecay = 0) : Optimizer(learningRate)
{
    /// <summary>The L2 penalty λ.</summary>
    public double WeightDecay { get; } = weightDecay >= 0 ? weightDecay : throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay must not be negative.");

    /// <inheritdoc/>
    protected override void Apply<T>(Span<T> parameter, ReadOnlySpan<T> gradient, object? state)
    {
        T rate = T.CreateChecked(LearningRate), decay = T.CreateChecked(WeightDecay);
        int i = 0;
        if (Vectorized<T>(parameter.Length))
        {
            // The same arithmetic, a vector of elements at a time: bit for bit the scalar loop's results.
            ref T p0 = ref MemoryMarshal.GetReference(parameter);
            ref T g0 = ref MemoryMarshal.GetReference(gradient);
            Vector<T> r = new(rate), d = new(decay);
            for (; i <= parameter.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                Vector<T> p = Vector.LoadUnsafe(ref p0, (nuint)i);
                (p - r * (Vector.LoadUnsafe(ref g0, (nuint)i) + d * p)).StoreUnsafe(ref p0, (nuint)i);
            }
        }

        for (; i < parameter.Length; i++) parameter[i] -= rate * (gradient[i] + decay * parameter[i]);
    }
}

/// <summary>
/// Gradient descent with momentum: <c>v ← μv + g + λθ</c>, then <c>θ ← θ − ηv</c>, or with Nesterov's look-ahead
/// <c>θ ← θ − η(g + λθ + μv)</c>.
/// </summary>
/// <param name="learningRate">The step size η.</param>
/// <param name="momentum">The momentum μ, in [0, 1).</param>
/// <param name="nesterov">Whether to use Nesterov's variant.</param>
/// <param name="weightDecay">The L2 penalty λ (0 for none).</param>
public sealed class Momentum(double learningRate, double momentum = 0.9, bool nesterov = false, double weightDecay = 0) : Optimizer(learningRate)
{
    /// <summary>The momentum μ.</summary>
    public double Coefficient { get; } = momentum is >= 0 and < 1 ? momentum : throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be in [0, 1).");

    /// <summary>Whether Nesterov's variant is used.</summary>
    public bool Nesterov { get; } = nesterov;

    /// <summary>The L2 penalty λ.</summary>
    public double WeightDecay { get; } = weightDecay >= 0 ? weightDecay : throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay must not be negative.");

    /// <inheritdoc/>
    protected override object? CreateState<T>(int length) => new Velocity<T>(new T[length]);

    /// <inheritdoc/>
    protected override void Apply<T>(Span<T> parameter, ReadOnlySpan<T> gradient, object? state)
    {
        T[] velocity = ((Velocity<T>)state!).Values;
        T rate = T.CreateChecked(LearningRate), mu = T.CreateChecked(Coefficient), decay = T.CreateChecked(WeightDecay);
        int i = 0;
        if (Vectorized<T>(parameter.Length))
        {
            ref T p0 = ref MemoryMarshal.GetReference(parameter);
            ref T g0 = ref MemoryMarshal.GetReference(gradient);
            ref T v0 = ref MemoryMarshal.GetArrayDataReference(velocity);
            Vector<T> r = new(rate), m = new(mu), d = new(decay);
            for (; i <= parameter.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                nuint at = (nuint)i;
                Vector<T> p = Vector.LoadUnsafe(ref p0, at);
                Vector<T> g = Vector.LoadUnsafe(ref g0, at) + d * p;
                Vector<T> v = m * Vector.LoadUnsafe(ref v0, at) + g;
                v.StoreUnsafe(ref v0, at);
                (p - r * (Nesterov ? g + m * v : v)).StoreUnsafe(ref p0, at);
            }
        }

        for (; i < parameter.Length; i++)
        {
            T g = gradient[i] + decay * parameter[i];
            velocity[i] = mu * velocity[i] + g;
            parameter[i] -= rate * (Nesterov ? g + mu * velocity[i] : velocity[i]);
        }
    }

    private sealed record Velocity<T>(T[] Values) : IBufferState<T>
    {
        public int Length => Values.Length;
    }
}

/// <summary>
/// Adam (Kingma and Ba, 2015) with bias correction: <c>m ← β₁m + (1−β₁)g</c>, <c>v ← β₂v + (1−β₂)g²</c>,
/// <c>θ ← θ − η m̂ / (√v̂ + ε)</c>. A positive <paramref name="weightDecay"/> makes it AdamW: <c>θ ← θ − ηλθ</c>,
/// decoupled from the moments. Each buffer counts its own steps.
/// </summary>
/// <param name="learningRate">The step size η.</param>
/// <param name="beta1">The decay β₁ of the first moment, in [0, 1).</param>
/// <param name="beta2">The decay β₂ of the second moment, in [0, 1).</param>
/// <param name="epsilon">The ε that keeps the division finite.</param>
/// <param name="weightDecay">The decoupled weight decay λ (0 for plain Adam).</param>
public sealed class Adam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0) : Optimizer(learningRate)
{
    /// <summary>The decay β₁ of the first moment.</summary>
    public double Beta1 { get; } = beta1 is >= 0 and < 1 ? beta1 : throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");

    /// <summary>The decay β₂ of the second moment.</summary>
    public double Beta2 { get; } = beta2 is >= 0 and < 1 ? beta2 : throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");

    /// <summary>The ε added to the root of the second moment.</summary>
    public double Epsilon { get; } = epsilon > 0 ? epsilon : throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive.");

    /// <summary>The decoupled weight decay λ.</summary>
    public double WeightDecay { get; } = weightDecay >= 0 ? weightDecay : throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay must not be negative.");

    /// <inheritdoc/>
    protected override object? CreateState<T>(int length) => new Moments<T>(new T[length], new T[length]);

    /// <inheritdoc/>
    protected override void Apply<T>(Span<T> parameter, ReadOnlySpan<T> gradient, object? state)
    {
        var moments = (Moments<T>)state!;
        moments.Steps++;
        double correction1 = 1 - Math.Pow(Beta1, moments.Steps), correction2 = 1 - Math.Pow(Beta2, moments.Steps);
        T b1 = T.CreateChecked(Beta1), b2 = T.CreateChecked(Beta2), one = T.One;
        T step = T.CreateChecked(LearningRate / correction1);
        T root2 = T.CreateChecked(Math.Sqrt(correction2));
        T eps = T.CreateChecked(Epsilon), shrink = T.CreateChecked(LearningRate * WeightDecay);
        T[] m = moments.First, v = moments.Second;
        int i = 0;
        if (Vectorized<T>(parameter.Length))
        {
            // One fused pass over parameter, gradient and both moments, a vector at a time (bit for bit the scalar loop).
            ref T p0 = ref MemoryMarshal.GetReference(parameter);
            ref T g0 = ref MemoryMarshal.GetReference(gradient);
            ref T m0 = ref MemoryMarshal.GetArrayDataReference(m);
            ref T v0 = ref MemoryMarshal.GetArrayDataReference(v);
            Vector<T> vb1 = new(b1), vb2 = new(b2), c1 = new(one - b1), c2 = new(one - b2), vStep = new(step), vRoot = new(root2), vEps = new(eps), vShrink = new(shrink);
            for (; i <= parameter.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                nuint at = (nuint)i;
                Vector<T> g = Vector.LoadUnsafe(ref g0, at);
                Vector<T> first = vb1 * Vector.LoadUnsafe(ref m0, at) + c1 * g;
                Vector<T> second = vb2 * Vector.LoadUnsafe(ref v0, at) + c2 * g * g;
                first.StoreUnsafe(ref m0, at);
                second.StoreUnsafe(ref v0, at);
                Vector<T> p = Vector.LoadUnsafe(ref p0, at);
                (p - (vStep * first / (Vector.SquareRoot(second) / vRoot + vEps) + vShrink * p)).StoreUnsafe(ref p0, at);
            }
        }

        for (; i < parameter.Length; i++)
        {
            T g = gradient[i];
            m[i] = b1 * m[i] + (one - b1) * g;
            v[i] = b2 * v[i] + (one - b2) * g * g;
            parameter[i] -= step * m[i] / (T.Sqrt(v[i]) / root2 + eps) + shrink * parameter[i];
        }
    }

    private sealed class Moments<T>(T[] first, T[] second) : IBufferState<T>
    {
        public T[] First { get; } = first;

        public T[] Second { get; } = second;

        public int Steps { get; set; }

        public int Length => First.Length;
    }
}
