using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Backprop.GradBench;

/// <summary>
/// <c>saddle</c>: the saddle point of <c>f(a, b) = a·a − b·b</c> by gradient descent over a of the maximum over b.
/// The inner argmax takes ∇_b f in the second letter's mode, the outer argmin ∇_a f at the inner optimum in the
/// first's (as GradBench's C++ tools do); r is the generated Backward, f one generated Tangent per coordinate.
/// </summary>
internal sealed partial class Saddle : IModule
{
    [Differentiable(Modes = DifferentiationModes.Reverse | DifferentiationModes.Forward)]
    public static double F(double a0, double a1, double b0, double b1) => (a0 * a0 + a1 * a1) - (b0 * b0 + b1 * b1);

    /// <summary>∇_a f (or ∇_b f) at (a, b) in reverse mode: one Backward.</summary>
    private static void GradientReverse(double[] a, double[] b, double[] g, bool ofA)
    {
        var (_, dA0, dA1, dB0, dB1) = FBackward(a[0], a[1], b[0], b[1]);
        (g[0], g[1]) = ofA ? (dA0, dA1) : (dB0, dB1);
    }

    /// <summary>∇_a f (or ∇_b f) at (a, b) in forward mode: one Tangent per coordinate.</summary>
    private static void GradientForward(double[] a, double[] b, double[] g, bool ofA)
    {
        double one = ofA ? 1 : 0, other = ofA ? 0 : 1;
        FTangent(a[0], a[1], b[0], b[1], one, 0, other, 0, out g[0]);
        FTangent(a[0], a[1], b[0], b[1], 0, one, 0, other, out g[1]);
    }

    public Evaluation Prepare(string function, JsonElement input)
    {
        double[] start = Json.Doubles(input.GetProperty("start"));
        if (start.Length != 2) throw new ArgumentException("saddle starts from two numbers");
        if (function is not ("rr" or "rf" or "fr" or "ff")) throw new KeyNotFoundException($"saddle has no function '{function}'");
        Action<double[], double[], double[], bool> outer = function[0] == 'r' ? GradientReverse : GradientForward;
        Action<double[], double[], double[], bool> inner = function[1] == 'r' ? GradientReverse : GradientForward;

        double[] InnerMax(double[] a, Action<double[], double[], double[], bool> mode) =>
            Descent.ArgMax(b => F(a[0], a[1], b[0], b[1]), (b, g) => mode(a, b, g, false), start);

        double[] result = new double[4];
        return new Evaluation(() =>
        {
            // R1(a) = f(a, argmax_b f(a, b)); its gradient is ∂f/∂a at the inner optimum.
            double[] a = Descent.ArgMin(
                a => { double[] b = InnerMax(a, inner); return F(a[0], a[1], b[0], b[1]); },
                (a, g) => outer(a, InnerMax(a, inner), g, true),
                start);
            double[] b = InnerMax(a, outer);
            (result[0], result[1], result[2], result[3]) = (a[0], a[1], b[0], b[1]);
        }, w => Json.Write(w, result));
    }
}
