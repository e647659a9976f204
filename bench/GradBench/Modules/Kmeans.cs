using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Backprop.GradBench;

/// <summary>
/// <c>kmeans</c>: <c>cost = Σᵢ minⱼ ‖Pᵢ − Cⱼ‖²</c>; <c>dir</c> = J·H⁻¹ with J the gradient with respect to the
/// centroids and H its Hessian, which is diagonal: one generated Hessian-vector product along the all-ones direction
/// gives J and the diagonal H·1 together.
/// </summary>
internal sealed partial class Kmeans : IModule
{
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static double Cost([NoDerivative] double[] points, double[] centroids, int d)
    {
        int n = points.Length / d, k = centroids.Length / d;
        double cost = 0;
        for (int i = 0; i < n; i++)
        {
            double best = double.PositiveInfinity;
            for (int j = 0; j < k; j++)
            {
                double distance = 0;
                for (int c = 0; c < d; c++)
                {
                    double difference = points[i * d + c] - centroids[j * d + c];
                    distance += difference * difference;
                }

                // Ties go to the lowest j, as the reference does.
                if (distance < best) best = distance;
            }

            cost += best;
        }

        return cost;
    }

    public Evaluation Prepare(string function, JsonElement input)
    {
        (double[] points, int n, int d) = Json.Matrix(input.GetProperty("points"));
        (double[] centroids, int k, int dc) = Json.Matrix(input.GetProperty("centroids"));
        if (dc != d) throw new ArgumentException($"the centroids have {dc} coordinates, the points {d}");
        double value = 0;
        double[] ones = new double[centroids.Length];
        Array.Fill(ones, 1.0);
        double[] gradient = new double[centroids.Length], diagonal = new double[centroids.Length], direction = new double[centroids.Length];
        return function switch
        {
            "cost" => new Evaluation(() => value = Cost(points, centroids, d), w => w.WriteNumberValue(Json.Finite(value))),
            "dir" => new Evaluation(() =>
            {
                Array.Clear(gradient);
                Array.Clear(diagonal);
                CostHessianVector(points, centroids, d, ones, gradient, diagonal);
                for (int i = 0; i < direction.Length; i++) direction[i] = gradient[i] / diagonal[i];
            }, w => Json.WriteMatrix(w, direction, k)),
            _ => throw new KeyNotFoundException($"kmeans has no function '{function}'"),
        };
    }
}
