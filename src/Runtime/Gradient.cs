namespace Backprop;

/// <summary>Intrinsics that <see cref="DifferentiableAttribute">[Differentiable]</see> code can call to shape its derivative.</summary>
public static class Gradient
{
    /// <summary>
    /// Returns <paramref name="x"/> unchanged, but no derivative flows through it: the generator treats the result as
    /// a constant (JAX's <c>stop_gradient</c>). Use it where the exact derivative is known to vanish, such as the
    /// shift in <c>m + ln Σ e^(xᵢ − m)</c> with <c>m = max x</c>: the result does not depend on <c>m</c>, so stopping
    /// its gradient is exact, and the reverse sweep skips the loop that found the maximum.
    /// </summary>
    /// <param name="x">The value.</param>
    public static double Stop(double x) => x;

    /// <inheritdoc cref="Stop(double)"/>
    public static float Stop(float x) => x;
}
