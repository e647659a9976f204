using System;

namespace Backprop;

/// <summary>
/// Receives a model's parameters with their gradients, one buffer at a time and always in the same order, so that an
/// optimizer can keep its state (momenta, moments) per buffer index. Generated <c>Gradients</c> classes
/// call it from <see cref="IGradients{TModel}.Apply"/>; a scalar member comes as a span of one element.
/// </summary>
public interface IParameterUpdater
{
    /// <summary>Updates one double-precision parameter buffer from its gradient.</summary>
    /// <param name="index">The buffer's position in the model's fixed order.</param>
    /// <param name="parameter">The parameter values, updated in place.</param>
    /// <param name="gradient">Its gradient.</param>
    void Update(int index, Span<double> parameter, ReadOnlySpan<double> gradient);

    /// <summary>Updates one single-precision parameter buffer from its gradient.</summary>
    /// <param name="index">The buffer's position in the model's fixed order.</param>
    /// <param name="parameter">The parameter values, updated in place.</param>
    /// <param name="gradient">Its gradient.</param>
    void Update(int index, Span<float> parameter, ReadOnlySpan<float> gradient);
}

/// <summary>
/// The gradient holder the generator emits for a model class (<c>Model.Gradients</c>): one member per differentiable
/// member of the model, with the same name and shape. It needs no reflection to clear, sum, or hand its buffers to an
/// optimizer.
/// </summary>
/// <typeparam name="TModel">The model class.</typeparam>
public interface IGradients<in TModel>
{
    /// <summary>The number of parameter buffers <see cref="Apply"/> visits.</summary>
    int ParameterCount { get; }

    /// <summary>Sets every gradient to zero.</summary>
    void Clear();

    /// <summary>Hands each of the model's parameter buffers, with its gradient, to <paramref name="updater"/>, in a fixed order.</summary>
    void Apply(TModel model, IParameterUpdater updater);
}

/// <summary>Helpers the generated <c>Gradients</c> classes use to hand multi-dimensional arrays to optimizers.</summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Advanced)]
public static class ModelSpans
{
    /// <summary>The elements of a two-dimensional array as one span, in row-major order.</summary>
    public static Span<T> AsSpan<T>(T[,] array) =>
        array.Length == 0
            ? Span<T>.Empty
            : System.Runtime.InteropServices.MemoryMarshal.CreateSpan(
                ref System.Runtime.CompilerServices.Unsafe.As<byte, T>(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(array)),
                array.Length);
}
