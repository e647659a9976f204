using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Backprop.GradBench;

/// <summary>
/// <c>det</c>: the determinant by expansion by minors along the first row, recursively (the algorithm is the
/// benchmark); <c>gradient</c> (the cofactors) from the generated Backward, through the recursion.
/// </summary>
internal sealed partial class Det : IModule
{
    [Differentiable(Checkpoint = true)]
    public static double Primal(double[] a, int ell)
    {
        if (ell == 1) return a[0];
        int m = ell - 1;
        double sum = 0;
        double sign = 1;
        for (int column = 0; column < ell; column++)
        {
            double[] minor = new double[m * m];
            for (int r = 1; r < ell; r++)
            {
                for (int c = 0, k = 0; c < ell; c++)
                {
                    if (c == column) continue;
                    minor[(r - 1) * m + k] = a[r * ell + c];
                    k++;
                }
            }

            sum += sign * a[column] * Primal(minor, m);
            sign = -sign;
        }

        return sum;
    }

    public Evaluation Prepare(string function, JsonElement input)
    {
        double[] a = Json.Doubles(input.GetProperty("A"));
        int ell = Json.Int(input, "ell");
        if (a.Length != ell * ell) throw new ArgumentException($"A has {a.Length} elements, not ell² = {ell * ell}");
        double value = 0;
        double[] gradient = new double[a.Length];
        return function switch
        {
            "primal" => new Evaluation(() => value = Primal(a, ell), w => w.WriteNumberValue(Json.Finite(value))),
            "gradient" => new Evaluation(() =>
            {
                Array.Clear(gradient);
                PrimalBackward(a, ell, gradient);
            }, w => Json.Write(w, gradient)),
            _ => throw new KeyNotFoundException($"det has no function '{function}'"),
        };
    }
}
