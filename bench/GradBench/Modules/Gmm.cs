using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Backprop.GradBench;

/// <summary>
/// <c>gmm</c>: the log-likelihood of a Gaussian mixture with a Wishart prior, the precision of component k given by a
/// lower-triangular <c>Q_k</c> (diagonal <c>exp(q_k)</c>, strict lower part <c>l_k</c> column by column);
/// <c>jacobian</c> is its gradient with respect to alpha, mu, q and l, from the generated Backward.
/// </summary>
internal sealed partial class Gmm : IModule
{
    [Differentiable(nameof(alpha), nameof(mu), nameof(q), nameof(l))]
    public static double Objective(double[] alpha, double[] mu, double[] q, double[] l, double[] x, int d, double gamma, int m, double constant)
    {
        int k = alpha.Length, n = x.Length / d, triangle = d * (d - 1) / 2;

        // Each component's Q once: its diagonal exp(q) and the sum of q (the log-determinant).
        double[] diagonal = new double[k * d];
        double[] sumQ = new double[k];
        for (int c = 0; c < k; c++)
        {
            for (int j = 0; j < d; j++)
            {
                diagonal[c * d + j] = Math.Exp(q[c * d + j]);
                sumQ[c] += q[c * d + j];
            }
        }

        double[] beta = new double[k];
        double[] centred = new double[d];
        double[] product = new double[d];
        double likelihood = 0;
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < k; c++)
            {
                for (int j = 0; j < d; j++)
                {
                    centred[j] = x[i * d + j] - mu[c * d + j];
                    product[j] = diagonal[c * d + j] * centred[j];
                }

                // Q·(x − mu): the strict lower part of Q is l, column by column.
                for (int s = 0; s < d; s++)
                {
                    int column = c * triangle + s * (d - 1) - s * (s - 1) / 2 - s - 1;
                    for (int r = s + 1; r < d; r++) product[r] += l[column + r] * centred[s];
                }

                double norm = 0;
                for (int j = 0; j < d; j++) norm += product[j] * product[j];
                beta[c] = alpha[c] + sumQ[c] - 0.5 * norm;
            }

            likelihood += Lse.LogSumExp(beta);
        }

        double prior = 0;
        for (int c = 0; c < k; c++)
        {
            double squares = 0;
            for (int j = 0; j < d; j++) squares += diagonal[c * d + j] * diagonal[c * d + j];
            for (int j = 0; j < triangle; j++) squares += l[c * triangle + j] * l[c * triangle + j];
            prior += -0.5 * gamma * gamma * squares + m * sumQ[c];
        }

        return constant + likelihood - n * Lse.LogSumExp(alpha) + prior;
    }

    /// <summary>The terms without parameters: <c>−n·d/2·log 2π + k·(N·d·(log γ − ½ log 2) − log Γ_d(N/2))</c>, N = d + m + 1.</summary>
    public static double Constant(int n, int d, int k, int m, double gamma)
    {
        int big = d + m + 1;
        double multiGamma = d * (d - 1) / 4.0 * Math.Log(Math.PI);
        for (int j = 1; j <= d; j++) multiGamma += LogGamma(big / 2.0 + (1 - j) / 2.0);
        return -n * d / 2.0 * Math.Log(2 * Math.PI) + k * (big * d * (Math.Log(gamma) - 0.5 * Math.Log(2)) - multiGamma);
    }

    /// <summary>ln Γ(z) for z &gt; 0 (Lanczos, g = 7, n = 9: about 15 digits).</summary>
    public static double LogGamma(double z)
    {
        if (z < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * z)) - LogGamma(1 - z);
        ReadOnlySpan<double> c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
        z -= 1;
        double a = c[0];
        double t = z + 7.5;
        for (int i = 1; i < 9; i++) a += c[i] / (z + i);
        return 0.5 * Math.Log(2 * Math.PI) + (z + 0.5) * Math.Log(t) - t + Math.Log(a);
    }

    public Evaluation Prepare(string function, JsonElement input)
    {
        int d = Json.Int(input, "d"), k = Json.Int(input, "k"), n = Json.Int(input, "n"), m = Json.Int(input, "m");
        double gamma = input.GetProperty("gamma").GetDouble();
        double[] alpha = Json.Doubles(input.GetProperty("alpha"));
        double[] mu = Json.Matrix(input.GetProperty("mu")).Values, q = Json.Matrix(input.GetProperty("q")).Values;
        double[] l = Json.Matrix(input.GetProperty("l")).Values, x = Json.Matrix(input.GetProperty("x")).Values;
        if (alpha.Length != k || mu.Length != k * d || q.Length != k * d || l.Length != k * (d * (d - 1) / 2) || x.Length != n * d)
        {
            throw new ArgumentException("the arrays do not have the shapes d, k and n say");
        }

        double constant = Constant(n, d, k, m, gamma);
        double value = 0;
        double[] dAlpha = new double[alpha.Length], dMu = new double[mu.Length], dQ = new double[q.Length], dL = new double[l.Length];
        return function switch
        {
            "objective" => new Evaluation(() => value = Objective(alpha, mu, q, l, x, d, gamma, m, constant), w => w.WriteNumberValue(Json.Finite(value))),
            "jacobian" => new Evaluation(() =>
            {
                Array.Clear(dAlpha);
                Array.Clear(dMu);
                Array.Clear(dQ);
                Array.Clear(dL);
                ObjectiveBackward(alpha, mu, q, l, x, d, gamma, m, constant, dAlpha, dMu, dQ, dL);
            }, w =>
            {
                w.WriteStartObject();
                w.WritePropertyName("alpha");
                Json.Write(w, dAlpha);
                w.WritePropertyName("mu");
                Json.WriteMatrix(w, dMu, k);
                w.WritePropertyName("q");
                Json.WriteMatrix(w, dQ, k);
                w.WritePropertyName("l");
                Json.WriteMatrix(w, dL, k);
                w.WriteEndObject();
            }),
            _ => throw new KeyNotFoundException($"gmm has no function '{function}'"),
        };
    }
}
