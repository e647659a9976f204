using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Backprop.GradBench;

/// <summary>
/// <c>kmeans</c>: <c>cost = Σᵢ minⱼ ‖Pᵢ − Cⱼ‖²</c>; <c>dir</c> = J·H⁻¹ with J the gradient with respect to the
/// centroids and H its Hessian, which is diagonal: one generated Hessian-vector product along the all-ones direction
/// gives J and the diagonal H·1 together, taken of the cost written with each point's nearest centroid found first.
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

    /// <summary>
    /// The same cost written the other usual way: each point's nearest centroid first (<see cref="Nearest"/>, plain
    /// code: which centroid wins carries no derivative), then the sum of squared distances to it. Its value is
    /// <see cref="Cost"/>'s and so are its derivatives, wherever no point is as near to two centroids (the minimum's
    /// derivative is its winner's); its second-order sweep then works over n·d values instead of n·k·d distances.
    /// </summary>
    [Differentiable(Modes = DifferentiationModes.SecondOrder)]
    public static double AssignedCost([NoDerivative] double[] points, double[] centroids, int[] nearest, int d)
    {
        double cost = 0;
        for (int i = 0; i < nearest.Length; i++)
        {
            for (int c = 0; c < d; c++)
            {
                double difference = points[i * d + c] - centroids[nearest[i] * d + c];
                cost += difference * difference;
            }
        }

        return cost;
    }

    /// <summary>Each point's nearest centroid, the lowest index among equally near ones (as the reference breaks ties).</summary>
    public static void Nearest(double[] points, double[] centroids, int d, int[] nearest)
    {
        int k = centroids.Length / d;
        for (int i = 0; i < nearest.Length; i++)
        {
            ReadOnlySpan<double> point = points.AsSpan(i * d, d);
            double best = double.PositiveInfinity;
            for (int j = 0; j < k; j++)
            {
                ReadOnlySpan<double> centroid = centroids.AsSpan(j * d, d);
                double distance = 0;
                for (int c = 0; c < point.Length; c++)
                {
                    double difference = point[c] - centroid[c];
                    distance += difference * difference;
                }

                if (distance < best)
                {
                    best = distance;
                    nearest[i] = j;
                }
            }
        }
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
        int[] nearest = new int[n];
        return function switch
        {
            "cost" => new Evaluation(() => value = Cost(points, centroids, d), w => w.WriteNumberValue(Json.Finite(value))),
            "dir" => new Evaluation(() =>
            {
                Array.Clear(gradient);
                Array.Clear(diagonal);
                Nearest(points, centroids, d, nearest);
                AssignedCostHessianVector(points, centroids, nearest, d, ones, gradient, diagonal);
                for (int i = 0; i < direction.Length; i++) direction[i] = gradient[i] / diagonal[i];
            }, w => Json.WriteMatrix(w, direction, k)),
            _ => throw new KeyNotFoundException($"kmeans has no function '{function}'"),
        };
    }
}
