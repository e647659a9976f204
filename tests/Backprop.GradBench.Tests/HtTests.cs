using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace Backprop.GradBench.Tests;

/// <summary>
/// <c>ht</c> over the protocol on a small synthetic hand (22 bones, as the pose parameters need, a dozen vertices): the
/// Jacobian from the generated Tangents against central finite differences of the objective, in both variants.
/// The golden tool's outputs on hand1 are in Fixtures/ht_golden.json (<see cref="GoldenTests"/>).
/// </summary>
public class HtTests
{
    private const int Vertices = 12, Triangles = 8, Correspondences = 7;

    /// <summary>A hand's bone tree: the wrist, four bones per finger, the forearm.</summary>
    private static readonly int[] Parents = [-1, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19, 0];

    private static JsonElement Evaluate(string function, string input) => ProtocolTests.Evaluate("ht", function, input);

    private static double[] Objective(string input) => Evaluate("objective", input).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    /// <summary>A random affine 4×4 matrix (a rotation from three angles, a translation), as lists of rows.</summary>
    private static double[][] Affine(Random random)
    {
        double a = random.NextDouble() * 6, b = random.NextDouble() * 6, c = random.NextDouble() * 6;
        double ca = Math.Cos(a), sa = Math.Sin(a), cb = Math.Cos(b), sb = Math.Sin(b), cc = Math.Cos(c), sc = Math.Sin(c);
        return
        [
            [ca * cb, ca * sb * sc - sa * cc, ca * sb * cc + sa * sc, random.NextDouble() - 0.5],
            [sa * cb, sa * sb * sc + ca * cc, sa * sb * cc - ca * sc, random.NextDouble() - 0.5],
            [-sb, cb * sc, cb * cc, random.NextDouble() - 0.5],
            [0, 0, 0, 1],
        ];
    }

    /// <summary>The input, as the eval sends it, for a synthetic hand; us empty in the simple variant.</summary>
    private static string Input(double[] theta, double[][] us, bool mirrored, int seed)
    {
        var random = new Random(seed);
        var model = new
        {
            bone_count = Parents.Length,
            bone_names = Enumerable.Range(0, Parents.Length).Select(b => $"bone{b}").ToArray(),
            parents = Parents,
            base_relatives = Parents.Select(_ => Affine(random)).ToArray(),
            inverse_base_absolutes = Parents.Select(_ => Affine(random)).ToArray(),
            base_positions = Enumerable.Range(0, Vertices).Select(_ => new[] { random.NextDouble() - 0.5, random.NextDouble() - 0.5, random.NextDouble() - 0.5, 1.0 }).ToArray(),
            // Each vertex follows three bones (weights summing to 1), the others with weight 0.
            weights = Enumerable.Range(0, Vertices).Select(_ =>
            {
                var row = new double[Parents.Length];
                for (int k = 0; k < 3; k++) row[random.Next(Parents.Length)] += random.NextDouble() + 0.1;
                double sum = row.Sum();
                return row.Select(w => w / sum).ToArray();
            }).ToArray(),
            triangles = Enumerable.Range(0, Triangles).Select(_ => new[] { random.Next(Vertices), random.Next(Vertices), random.Next(Vertices) }).ToArray(),
            is_mirrored = mirrored,
        };
        var data = new
        {
            correspondences = Enumerable.Range(0, Correspondences).Select(_ => random.Next(us.Length == 0 ? Vertices : Triangles)).ToArray(),
            points = Enumerable.Range(0, Correspondences).Select(_ => new[] { random.NextDouble(), random.NextDouble(), random.NextDouble() }).ToArray(),
            model,
        };
        return JsonSerializer.Serialize(new { theta, data, us, min_runs = 1, min_seconds = 0 });
    }

    private static double[] Theta(Random random) => Enumerable.Range(0, 26).Select(_ => random.NextDouble() - 0.5).ToArray();

    private static double[][] Us(Random random, bool complicated) =>
        complicated ? Enumerable.Range(0, Correspondences).Select(_ => new[] { random.NextDouble(), random.NextDouble() }).ToArray() : [];

    [Theory]
    [InlineData(true, false, 1)]
    [InlineData(true, true, 2)]
    [InlineData(false, false, 3)]
    [InlineData(false, true, 4)]
    public void The_jacobian_matches_finite_differences(bool complicated, bool mirrored, int seed)
    {
        var random = new Random(seed);
        double[] theta = Theta(random);
        double[][] us = Us(random, complicated);
        double[][] jacobian = Evaluate("jacobian", Input(theta, us, mirrored, seed)).EnumerateArray()
            .Select(row => row.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
        int offset = complicated ? 2 : 0;
        Assert.Equal(3 * Correspondences, jacobian.Length);
        Assert.All(jacobian, row => Assert.Equal(offset + 26, row.Length));

        // Column k from a central difference along direction k: theta[k], or (columns 0 and 1) us[i][k] of every i at
        // once, since row 3i + j reads only its own us[i].
        const double h = 1e-6;
        for (int column = 0; column < offset + 26; column++)
        {
            double[] Shifted(double step)
            {
                double[] t = (double[])theta.Clone();
                double[][] u = us.Select(row => (double[])row.Clone()).ToArray();
                if (column < offset) foreach (double[] row in u) row[column] += step;
                else t[column - offset] += step;
                return Objective(Input(t, u, mirrored, seed));
            }

            double[] plus = Shifted(h), minus = Shifted(-h);
            for (int r = 0; r < jacobian.Length; r++)
            {
                double numeric = (plus[r] - minus[r]) / (2 * h);
                Assert.True(Math.Abs(jacobian[r][column] - numeric) <= 1e-6 * (1 + Math.Abs(numeric)),
                    $"row {r}, column {column}: {jacobian[r][column]}, finite differences {numeric}");
            }
        }
    }

    [Fact]
    public void A_mirrored_hand_flips_x_before_the_global_move()
    {
        // No global rotation (below 1e-4: the identity), a translation: the mirrored hand's x is the other's negated.
        var random = new Random(5);
        double[] theta = Theta(random);
        theta[0] = theta[1] = theta[2] = 0;
        double[][] us = Us(random, true);
        double[] plain = Objective(Input(theta, us, false, 5)), mirrored = Objective(Input(theta, us, true, 5));
        using JsonDocument input = JsonDocument.Parse(Input(theta, us, false, 5));
        double[][] points = input.RootElement.GetProperty("data").GetProperty("points").EnumerateArray()
            .Select(p => p.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
        for (int i = 0; i < Correspondences; i++)
        {
            // err = p − (±x + t): the two add up to 2 (p − t) in x, and agree in y and z.
            Assert.Equal(2 * (points[i][0] - theta[3]), plain[3 * i] + mirrored[3 * i], 12);
            Assert.Equal(plain[3 * i + 1], mirrored[3 * i + 1], 12);
            Assert.Equal(plain[3 * i + 2], mirrored[3 * i + 2], 12);
        }
    }

    [Fact]
    public void A_correspondence_out_of_range_gets_success_false()
    {
        string input = Regex.Replace(Input(Theta(new Random(6)), [], false, 6), "\"correspondences\":\\[\\d+", "\"correspondences\":[99");
        string message = $$"""{"id":4,"kind":"evaluate","module":"ht","function":"objective","input":{{input}}}""";
        using var output = new MemoryStream();
        new Tool().Respond(message, output);
        using JsonDocument response = JsonDocument.Parse(Encoding.UTF8.GetString(output.ToArray()));
        Assert.False(response.RootElement.GetProperty("success").GetBoolean());
        Assert.Contains("correspondence 99", response.RootElement.GetProperty("error").GetString());
    }
}
