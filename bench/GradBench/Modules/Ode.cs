using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Backprop.GradBench;

/// <summary>
/// <c>ode</c>: <c>s</c> steps of classic Runge–Kutta on <c>t ∈ [0, 2]</c> from <c>y = 0</c> for
/// <c>y'₀ = x₀</c>, <c>y'ᵢ = xᵢ·yᵢ₋₁</c>; <c>primal</c> is the final <c>y</c>, <c>gradient</c> the gradient of its
/// last element with respect to <c>x</c>, from the generated Backward with that element's incoming gradient 1.
/// </summary>
internal sealed partial class Ode : IModule
{
    [Differentiable]
    public static void Primal(double[] x, int s, double[] y)
    {
        int n = x.Length;
        double h = 2.0 / s;
        double[] state = new double[n];
        double[] k1 = new double[n], k2 = new double[n], k3 = new double[n], k4 = new double[n], probe = new double[n];
        for (int step = 0; step < s; step++)
        {
            Slope(x, state, k1);
            for (int i = 0; i < n; i++) probe[i] = state[i] + h * 0.5 * k1[i];
            Slope(x, probe, k2);
            for (int i = 0; i < n; i++) probe[i] = state[i] + h * 0.5 * k2[i];
            Slope(x, probe, k3);
            for (int i = 0; i < n; i++) probe[i] = state[i] + h * k3[i];
            Slope(x, probe, k4);
            for (int i = 0; i < n; i++) state[i] += h * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) / 6;
        }

        for (int i = 0; i < n; i++) y[i] = state[i];
    }

    /// <summary>The right-hand side: <c>f(y)₀ = x₀</c>, <c>f(y)ᵢ = xᵢ·yᵢ₋₁</c>.</summary>
    [Differentiable]
    public static void Slope(double[] x, double[] y, double[] slope)
    {
        slope[0] = x[0];
        for (int i = 1; i < x.Length; i++) slope[i] = x[i] * y[i - 1];
    }

    public Evaluation Prepare(string function, JsonElement input)
    {
        double[] x = Json.Doubles(input.GetProperty("x"));
        int s = Json.Int(input, "s");
        double[] y = new double[x.Length];
        double[] gradient = new double[x.Length];
        double[] last = new double[x.Length];
        last[^1] = 1;
        return function switch
        {
            "primal" => new Evaluation(() => Primal(x, s, y), w => Json.Write(w, y)),
            "gradient" => new Evaluation(() =>
            {
                Array.Clear(gradient);
                PrimalBackward(x, s, y, gradient, last);
            }, w => Json.Write(w, gradient)),
            _ => throw new KeyNotFoundException($"ode has no function '{function}'"),
        };
    }
}
