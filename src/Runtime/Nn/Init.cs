using System;
using System.Numerics;

namespace Backprop.Nn;

/// <summary>
/// Weight initialisation with a caller-seeded <see cref="Random"/>, so that a run is reproducible:
/// Xavier/Glorot for tanh and sigmoid layers, He/Kaiming for ReLU layers. Pass a two-dimensional array as
/// <c>ModelSpans.AsSpan(w)</c>.
/// </summary>
public static class Init
{
    /// <summary>Xavier/Glorot uniform: <c>U(−a, a)</c> with <c>a = √(6 / (fanIn + fanOut))</c>.</summary>
    /// <param name="weights">Filled in place.</param>
    /// <param name="fanIn">Inputs per unit.</param>
    /// <param name="fanOut">Outputs per unit.</param>
    /// <param name="random">The seeded source, for example <c>new Random(42)</c>.</param>
    public static void Xavier(Span<double> weights, int fanIn, int fanOut, Random random) => Uniform(weights, Math.Sqrt(6.0 / CheckFans(fanIn, fanOut, random)), random);

    /// <inheritdoc cref="Xavier(Span{double}, int, int, Random)"/>
    public static void Xavier(Span<float> weights, int fanIn, int fanOut, Random random) => Uniform(weights, Math.Sqrt(6.0 / CheckFans(fanIn, fanOut, random)), random);

    /// <summary>He/Kaiming normal: <c>N(0, 2 / fanIn)</c>, for layers followed by a ReLU.</summary>
    /// <param name="weights">Filled in place.</param>
    /// <param name="fanIn">Inputs per unit.</param>
    /// <param name="random">The seeded source.</param>
    public static void He(Span<double> weights, int fanIn, Random random) => Gaussian(weights, Math.Sqrt(2.0 / CheckFans(fanIn, 0, random)), random);

    /// <inheritdoc cref="He(Span{double}, int, Random)"/>
    public static void He(Span<float> weights, int fanIn, Random random) => Gaussian(weights, Math.Sqrt(2.0 / CheckFans(fanIn, 0, random)), random);

    /// <summary>A standard normal draw (Box–Muller).</summary>
    /// <param name="random">The seeded source.</param>
    public static double Normal(Random random)
    {
        if (random is null) throw new ArgumentNullException(nameof(random));
        double u = 1 - random.NextDouble(); // in (0, 1], so the log is finite
        double v = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }

    // Drawn in double and rounded once to the weights' type, so a float network starts where its double twin does.
    private static void Uniform<T>(Span<T> weights, double a, Random random) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < weights.Length; i++) weights[i] = T.CreateChecked((2 * random.NextDouble() - 1) * a);
    }

    private static void Gaussian<T>(Span<T> weights, double sigma, Random random) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < weights.Length; i++) weights[i] = T.CreateChecked(sigma * Normal(random));
    }

    private static int CheckFans(int fanIn, int fanOut, Random random)
    {
        if (random is null) throw new ArgumentNullException(nameof(random));
        if (fanIn <= 0) throw new ArgumentOutOfRangeException(nameof(fanIn), fanIn, "fanIn must be positive.");
        if (fanOut < 0) throw new ArgumentOutOfRangeException(nameof(fanOut), fanOut, "fanOut must not be negative.");
        return fanIn + fanOut;
    }
}
