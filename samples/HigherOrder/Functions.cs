using Backprop;

namespace HigherOrder;

/// <summary>The functions of the GradientTape examples, and Rosenbrock's valley, with first and second derivatives.</summary>
public static partial class Functions
{
    /// <summary>y = x².</summary>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static double Square(double x) => x * x;

    /// <summary>z = x⁴, through <see cref="Square"/> twice.</summary>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static double Fourth(double x)
    {
        double y = Square(x);
        return Square(y);
    }

    /// <summary>w = x⁸, by repeated squaring in a loop.</summary>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static double Eighth(double x)
    {
        double w = x;
        for (int i = 0; i < 3; i++) w = w * w;
        return w;
    }

    /// <summary>Rosenbrock's banana valley, f(x, y) = (1 − x)² + 100 (y − x²)², with its minimum at (1, 1).</summary>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static double Rosenbrock(double x, double y) => (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
}
