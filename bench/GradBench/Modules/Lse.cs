using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Backprop.GradBench;

/// <summary><c>lse</c>: <c>A + log Σ exp(xᵢ − A)</c> with <c>A = max x</c>; <c>gradient</c> (the softmax) from the generated Backward.</summary>
internal sealed partial class Lse : IModule
{
    [Differentiable]
    public static double LogSumExp(double[] x)
    {
        double a = x[0];
        for (int i = 1; i < x.Length; i++)
        {
            if (x[i] > a) a = x[i];
        }

        // The shift only keeps exp in range: the value does not depend on it, so neither does the gradient.
        a = Gradient.Stop(a);
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += Math.Exp(x[i] - a);
        return a + Math.Log(sum);
    }

    public Evaluation Prepare(string function, JsonElement input)
    {
        double[] x = Json.Doubles(input.GetProperty("x"));
        double value = 0;
        double[] gradient = new double[x.Length];
        return function switch
        {
            "primal" => new Evaluation(() => value = LogSumExp(x), w => w.WriteNumberValue(Json.Finite(value))),
            "gradient" => new Evaluation(() =>
            {
                Array.Clear(gradient);
                LogSumExpBackward(x, gradient);
            }, w => Json.Write(w, gradient)),
            _ => throw new KeyNotFoundException($"lse has no function '{function}'"),
        };
    }
}
