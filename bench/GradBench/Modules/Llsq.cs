using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Backprop.GradBench;

/// <summary>
/// <c>llsq</c>: linear least squares, <c>½ Σᵢ (sᵢ − Σⱼ xⱼ tᵢʲ)²</c> with <c>tᵢ = −1 + 2i/(n − 1)</c> and
/// <c>sᵢ = sign(tᵢ)</c>; <c>gradient</c> from the generated Backward.
/// </summary>
internal sealed partial class Llsq : IModule
{
    [Differentiable]
    public static double Primal(double[] x, int n)
    {
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double t = -1 + 2.0 * i / (n - 1);
            double fit = 0, power = 1;
            for (int j = 0; j < x.Length; j++)
            {
                fit += x[j] * power;
                power *= t;
            }

            double residual = Math.Sign(t) - fit;
            sum += residual * residual;
        }

        return 0.5 * sum;
    }

    public Evaluation Prepare(string function, JsonElement input)
    {
        double[] x = Json.Doubles(input.GetProperty("x"));
        int n = Json.Int(input, "n");
        double value = 0;
        double[] gradient = new double[x.Length];
        return function switch
        {
            "primal" => new Evaluation(() => value = Primal(x, n), w => w.WriteNumberValue(Json.Finite(value))),
            "gradient" => new Evaluation(() =>
            {
                Array.Clear(gradient);
                PrimalBackward(x, n, gradient);
            }, w => Json.Write(w, gradient)),
            _ => throw new KeyNotFoundException($"llsq has no function '{function}'"),
        };
    }
}
