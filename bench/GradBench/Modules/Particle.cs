using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Backprop.GradBench;

/// <summary>
/// <c>particle</c>: nested differentiation. A particle starts at (0, 8) with velocity (0.75, 0) and falls through the
/// field of two charges, accelerated by minus the gradient of the potential (the inner derivative); where it reaches
/// the ground, the cost is the square of its x. Gradient descent on the charge's offset w needs the cost's derivative
/// through the whole simulation, inner derivatives included (the outer derivative). The function's letters name the
/// outer mode, then the inner: <c>rf</c> is a reverse-mode derivative (the generated Backward) of a simulation that
/// takes the potential's gradient in forward mode (two generated Tangent calls).
/// </summary>
internal sealed partial class Particle : IModule
{
    private const double Step = 0.1;

    /// <summary>The potential at (x, y) of the charges at (10, 0) and (10, 10 − w).</summary>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static double Potential(double x, double y, double w) =>
        1.0 / Math.Sqrt((10.0 - x) * (10.0 - x) + (0.0 - y) * (0.0 - y))
        + 1.0 / Math.Sqrt((10.0 - x) * (10.0 - x) + (10.0 - w - y) * (10.0 - w - y));

    /// <summary>The cost of offset w, the potential's gradient taken in reverse mode (its generated Backward).</summary>
    [Differentiable(Modes = DifferentiationModes.Reverse | DifferentiationModes.Forward)]
    public static double CostInnerReverse(double w)
    {
        double x = 0, y = 8, vx = 0.75, vy = 0;
        while (true)
        {
            double ax = 0, ay = 0, aw = 0;
            PotentialBackward(x, y, w, ref ax, ref ay, ref aw);
            x += Step * vx;
            y += Step * vy;
            if (y <= 0) break;
            vx += Step * -ax;
            vy += Step * -ay;
        }

        return Landing(x, y, vx, vy);
    }

    /// <summary>The cost of offset w, the potential's gradient taken in forward mode (two generated Tangents).</summary>
    [Differentiable(Modes = DifferentiationModes.Reverse | DifferentiationModes.Forward)]
    public static double CostInnerForward(double w)
    {
        double x = 0, y = 8, vx = 0.75, vy = 0;
        while (true)
        {
            PotentialTangent(x, y, w, 1, 0, 0, out double ax);
            PotentialTangent(x, y, w, 0, 1, 0, out double ay);
            x += Step * vx;
            y += Step * vy;
            if (y <= 0) break;
            vx += Step * -ax;
            vy += Step * -ay;
        }

        return Landing(x, y, vx, vy);
    }

    /// <summary>The square of x where the particle's straight path from (x, y) meets the ground.</summary>
    [Differentiable(Modes = DifferentiationModes.Reverse | DifferentiationModes.Forward)]
    private static double Landing(double x, double y, double vx, double vy)
    {
        double time = -y / vy;
        double landed = x + time * vx;
        return landed * landed;
    }

    public Evaluation Prepare(string function, JsonElement input)
    {
        double w0 = input.GetProperty("w").GetDouble();
        Func<double[], double> cost = function.EndsWith('r') ? w => CostInnerReverse(w[0]) : w => CostInnerForward(w[0]);
        Descent.Gradient gradient = function switch
        {
            "rr" => (w, g) => g[0] = CostInnerReverseBackward(w[0]).dW,
            "rf" => (w, g) => g[0] = CostInnerForwardBackward(w[0]).dW,
            "fr" => (w, g) => CostInnerReverseTangent(w[0], 1, out g[0]),
            "ff" => (w, g) => CostInnerForwardTangent(w[0], 1, out g[0]),
            _ => throw new KeyNotFoundException($"particle has no function '{function}'"),
        };
        double result = 0;
        return new Evaluation(() => result = Descent.ArgMin(cost, gradient, new[] { w0 })[0], w => w.WriteNumberValue(Json.Finite(result)));
    }
}
