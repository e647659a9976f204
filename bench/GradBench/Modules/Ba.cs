using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Backprop.GradBench;

/// <summary>
/// <c>ba</c>: bundle adjustment. Each observation projects a 3-d point through a camera (Rodrigues rotation, centre,
/// focal length, principal point, two radial distortion terms) and weighs its error from the feature; each weight w
/// adds <c>1 − w²</c>. <c>jacobian</c> is the sparse Jacobian in CSR order: per observation the 2 × 15 block of its two
/// errors against its camera's 11 parameters, its point's 3 and its weight, then one entry per weight term.
/// </summary>
/// <remarks>
/// The block has 2 rows and 15 columns, so it comes from two reverse sweeps of the generated Backward (one per error,
/// seeded (1, 0) then (0, 1)) rather than 15 forward sweeps: each sweep costs a few forward passes either way, and two
/// are fewer than fifteen. The weight term's derivative comes from its own Backward.
/// </remarks>
internal sealed partial class Ba : IModule
{
    private const int CameraParameters = 11;

    /// <summary>
    /// The weighted reprojection error of point <paramref name="x"/> seen by camera <paramref name="cam"/>
    /// (r0 r1 r2, C0 C1 C2, f, u0 v0, k1 k2) at the feature (<paramref name="featX"/>, <paramref name="featY"/>).
    /// </summary>
    [Differentiable(nameof(cam), nameof(x), nameof(w))]
    public static (double X, double Y) ReprojectionError(ReadOnlySpan<double> cam, ReadOnlySpan<double> x, double w, double featX, double featY)
    {
        // The point relative to the camera's centre, rotated by the angle-axis vector r (Rodrigues).
        double x0 = x[0] - cam[3], x1 = x[1] - cam[4], x2 = x[2] - cam[5];
        double r0 = cam[0], r1 = cam[1], r2 = cam[2];
        double squaredTheta = r0 * r0 + r1 * r1 + r2 * r2;
        double c0, c1, c2;
        if (squaredTheta != 0)
        {
            double theta = Math.Sqrt(squaredTheta);
            double cos = Math.Cos(theta), sin = Math.Sin(theta);
            double inverse = 1.0 / theta;
            double w0 = r0 * inverse, w1 = r1 * inverse, w2 = r2 * inverse;
            double along = (w0 * x0 + w1 * x1 + w2 * x2) * (1.0 - cos);
            c0 = x0 * cos + (w1 * x2 - w2 * x1) * sin + w0 * along;
            c1 = x1 * cos + (w2 * x0 - w0 * x2) * sin + w1 * along;
            c2 = x2 * cos + (w0 * x1 - w1 * x0) * sin + w2 * along;
        }
        else
        {
            // Near zero rotation: the first-order term, x + r × x.
            c0 = x0 + (r1 * x2 - r2 * x1);
            c1 = x1 + (r2 * x0 - r0 * x2);
            c2 = x2 + (r0 * x1 - r1 * x0);
        }

        // Perspective division, radial distortion, focal length and principal point.
        double px = c0 / c2, py = c1 / c2;
        double squaredRadius = px * px + py * py;
        double distortion = 1.0 + cam[9] * squaredRadius + cam[10] * squaredRadius * squaredRadius;
        double projectedX = px * distortion * cam[6] + cam[7];
        double projectedY = py * distortion * cam[6] + cam[8];
        return (w * (projectedX - featX), w * (projectedY - featY));
    }

    /// <summary>The weight's error term, <c>1 − w²</c>.</summary>
    [Differentiable]
    public static double WeightError(double w) => 1 - w * w;

    /// <summary>The expanded input: n cameras, m points, p observations (camera i mod n sees point i mod m).</summary>
    private sealed record Problem(int N, int M, int P, double[] Cams, double[] X, double[] W, int[] Obs, double[] Feats);

    private static Problem Read(JsonElement input)
    {
        int n = Json.Int(input, "n"), m = Json.Int(input, "m"), p = Json.Int(input, "p");
        double[] cam = Json.Doubles(input.GetProperty("cam")), x = Json.Doubles(input.GetProperty("x")), feat = Json.Doubles(input.GetProperty("feat"));
        double w = input.GetProperty("w").GetDouble();
        if (n < 1 || m < 1 || p < 1 || cam.Length != CameraParameters || x.Length != 3 || feat.Length != 2)
        {
            throw new ArgumentException("ba wants n, m, p ≥ 1, 11 camera parameters, a 3-d point and a 2-d feature");
        }

        var cams = new double[CameraParameters * n];
        var points = new double[3 * m];
        var weights = new double[p];
        var obs = new int[2 * p];
        var feats = new double[2 * p];
        for (int i = 0; i < n; i++) cam.CopyTo(cams, i * CameraParameters);
        for (int i = 0; i < m; i++) x.CopyTo(points, i * 3);
        for (int i = 0; i < p; i++)
        {
            weights[i] = w;
            obs[2 * i] = i % n;
            obs[2 * i + 1] = i % m;
            feats[2 * i] = feat[0];
            feats[2 * i + 1] = feat[1];
        }

        return new Problem(n, m, p, cams, points, weights, obs, feats);
    }

    public Evaluation Prepare(string function, JsonElement input)
    {
        Problem problem = Read(input);
        return function switch
        {
            "objective" => Objective(problem),
            "jacobian" => Jacobian(problem),
            _ => throw new KeyNotFoundException($"ba has no function '{function}'"),
        };
    }

    private static Evaluation Objective(Problem b)
    {
        var reprojection = new double[2 * b.P];
        var weightErrors = new double[b.P];
        return new Evaluation(() =>
        {
            for (int i = 0; i < b.P; i++)
            {
                int camera = b.Obs[2 * i], point = b.Obs[2 * i + 1];
                (reprojection[2 * i], reprojection[2 * i + 1]) = ReprojectionError(b.Cams.AsSpan(camera * CameraParameters, CameraParameters),
                    b.X.AsSpan(point * 3, 3), b.W[i], b.Feats[2 * i], b.Feats[2 * i + 1]);
            }

            for (int i = 0; i < b.P; i++) weightErrors[i] = WeightError(b.W[i]);
        }, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("reproj_error");
            w.WritePropertyName("elements");
            Json.Write(w, reprojection.AsSpan(0, 2));
            w.WriteNumber("repeated", b.P);
            w.WriteEndObject();
            w.WriteStartObject("w_err");
            w.WriteNumber("element", Json.Finite(weightErrors[0]));
            w.WriteNumber("repeated", b.P);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private static Evaluation Jacobian(Problem b)
    {
        const int block = CameraParameters + 3 + 1;
        // CSR: 2p rows of 15 entries, then p rows of one.
        var rows = new int[3 * b.P + 1];
        var cols = new int[2 * block * b.P + b.P];
        var vals = new double[cols.Length];
        return new Evaluation(() =>
        {
            Span<double> dCam = stackalloc double[CameraParameters];
            Span<double> dX = stackalloc double[3];
            int entry = 0;
            for (int i = 0; i < b.P; i++)
            {
                int camera = b.Obs[2 * i], point = b.Obs[2 * i + 1];
                ReadOnlySpan<double> cam = b.Cams.AsSpan(camera * CameraParameters, CameraParameters);
                ReadOnlySpan<double> x = b.X.AsSpan(point * 3, 3);
                for (int row = 0; row < 2; row++)
                {
                    dCam.Clear();
                    dX.Clear();
                    double dW = 0;
                    ReprojectionErrorBackward(cam, x, b.W[i], b.Feats[2 * i], b.Feats[2 * i + 1], dCam, dX, ref dW, row == 0 ? (1, 0) : (0, 1));
                    rows[2 * i + row + 1] = rows[2 * i + row] + block;
                    for (int c = 0; c < CameraParameters; c++)
                    {
                        cols[entry] = CameraParameters * camera + c;
                        vals[entry++] = dCam[c];
                    }

                    for (int c = 0; c < 3; c++)
                    {
                        cols[entry] = CameraParameters * b.N + 3 * point + c;
                        vals[entry++] = dX[c];
                    }

                    cols[entry] = CameraParameters * b.N + 3 * b.M + i;
                    vals[entry++] = dW;
                }
            }

            for (int i = 0; i < b.P; i++)
            {
                double dW = 0;
                WeightErrorBackward(b.W[i], ref dW);
                rows[2 * b.P + i + 1] = rows[2 * b.P + i] + 1;
                cols[entry] = CameraParameters * b.N + 3 * b.M + i;
                vals[entry++] = dW;
            }
        }, w =>
        {
            // GradBench compares the first 30 entries (observation 0's block) and the last of each array (fewer where
            // a tiny problem has fewer rows).
            int shown = Math.Min(2 * block, rows.Length - 1);
            w.WriteStartObject();
            w.WriteStartArray("rows");
            for (int i = 0; i < shown; i++) w.WriteNumberValue(rows[i]);
            w.WriteNumberValue(rows[^1]);
            w.WriteEndArray();
            w.WriteStartArray("cols");
            for (int i = 0; i < shown; i++) w.WriteNumberValue(cols[i]);
            w.WriteNumberValue(cols[^1]);
            w.WriteEndArray();
            w.WriteStartArray("vals");
            for (int i = 0; i < shown; i++) w.WriteNumberValue(Json.Finite(vals[i]));
            w.WriteNumberValue(Json.Finite(vals[^1]));
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }
}
