using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Backprop.GradBench.Tests;

/// <summary>
/// The tool as the eval sees it: one JSON line in, one out. Each module's derivative is checked against central
/// finite differences of its own primal, through the protocol; bad messages get <c>success: false</c>.
/// </summary>
public class ProtocolTests
{
    internal static JsonElement Ask(string message)
    {
        var tool = new Tool();
        using var output = new MemoryStream();
        tool.Respond(message, output);
        string line = Encoding.UTF8.GetString(output.ToArray());
        Assert.DoesNotContain('\n', line);
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    internal static JsonElement Evaluate(string module, string function, string input, int id = 7)
    {
        JsonElement response = Ask($$"""{"id":{{id}},"kind":"evaluate","module":"{{module}}","function":"{{function}}","input":{{input}},"description":"test"}""");
        Assert.Equal(id, response.GetProperty("id").GetInt32());
        Assert.True(response.GetProperty("success").GetBoolean(), response.ToString());
        Assert.True(response.GetProperty("timings").GetArrayLength() >= 1);
        return response.GetProperty("output");
    }

    internal static string Numbers(double[] values) => "[" + string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]";

    /// <summary>Row-major values as a JSON list of <paramref name="rows"/> lists.</summary>
    internal static string Rows(double[] values, int rows) =>
        "[" + string.Join(",", Enumerable.Range(0, rows).Select(r => Numbers(values[(r * values.Length / rows)..((r + 1) * values.Length / rows)]))) + "]";

    internal static double[] Array(JsonElement element) => element.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    internal static void AssertGradient(Func<double[], double> primal, double[] x, double[] analytic, double tolerance = 1e-6)
    {
        double[] numeric = Backprop.GradientCheck.NumericGradient(primal, x);
        var result = Backprop.GradientCheck.Compare(analytic, numeric);
        Assert.True(result.Passed(tolerance), result.ToString());
    }

    [Fact]
    public void Start_define_and_other_messages_are_answered_with_their_id()
    {
        Assert.Equal("backprop-gen", Ask("""{"id":0,"kind":"start","eval":"llsq","config":{}}""").GetProperty("tool").GetString());
        Assert.True(Ask("""{"id":1,"kind":"define","module":"lse"}""").GetProperty("success").GetBoolean());
        JsonElement unknown = Ask("""{"id":2,"kind":"define","module":"nosuch"}""");
        Assert.False(unknown.GetProperty("success").GetBoolean());
        Assert.Contains("nosuch", unknown.GetProperty("error").GetString());
        JsonElement analysis = Ask("""{"id":3,"kind":"analysis","of":2,"valid":true}""");
        Assert.Equal(3, analysis.GetProperty("id").GetInt32());
        Assert.Single(analysis.EnumerateObject());
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{"id":4,"kind":"evaluate","module":"llsq","function":"primal","input":{"x":"oops","n":16}}""")]
    [InlineData("""{"id":4,"kind":"evaluate","module":"llsq","function":"nosuch","input":{"x":[1],"n":16}}""")]
    [InlineData("""{"id":4,"kind":"evaluate","module":"det","function":"primal","input":{"A":[1,2,3],"ell":2}}""")]
    [InlineData("""{"id":4,"kind":"evaluate","module":"llsq","function":"primal","input":{"x":[1e300],"n":16}}""")]
    public void A_bad_message_gets_success_false_and_an_error(string message)
    {
        JsonElement response = Ask(message);
        Assert.False(response.GetProperty("success").GetBoolean());
        Assert.False(string.IsNullOrEmpty(response.GetProperty("error").GetString()));
    }

    [Fact]
    public void Hello_squares_and_doubles()
    {
        Assert.Equal(4.0, Ask("""{"id":1,"kind":"evaluate","module":"hello","function":"square","input":2}""").GetProperty("output").GetDouble());
        Assert.Equal(16.0, Ask("""{"id":1,"kind":"evaluate","module":"hello","function":"double","input":8.0}""").GetProperty("output").GetDouble());
    }

    [Fact]
    public void The_timing_rule_runs_at_least_min_runs_times()
    {
        JsonElement response = Ask("""{"id":5,"kind":"evaluate","module":"llsq","function":"primal","input":{"x":[0.5,0.1],"n":16,"min_runs":7,"min_seconds":0}}""");
        Assert.Equal(7, response.GetProperty("timings").GetArrayLength());
        Assert.All(response.GetProperty("timings").EnumerateArray(), t => Assert.Equal("evaluate", t.GetProperty("name").GetString()));
    }

    /// <summary>A module's gradient at a random point against finite differences of its primal; returns (point, gradient).</summary>
    private static (double[] X, double[] Gradient) CheckGradient(string module, int size, int seed, Func<double[], string> input)
    {
        var random = new Random(seed);
        double[] x = Enumerable.Range(0, size).Select(_ => random.NextDouble()).ToArray();
        double[] gradient = Array(Evaluate(module, "gradient", input(x)));
        AssertGradient(v => Evaluate(module, "primal", input(v)).GetDouble(), x, gradient);
        return (x, gradient);
    }

    [Fact]
    public void Llsq_gradient_matches_finite_differences() =>
        CheckGradient("llsq", 6, 3, x => $$"""{"x":{{Numbers(x)}},"n":32,"min_runs":1,"min_seconds":0}""");

    [Fact]
    public void Lse_gradient_is_the_softmax()
    {
        double[] gradient = CheckGradient("lse", 9, 4, x => $$"""{"x":{{Numbers(x)}},"min_runs":1,"min_seconds":0}""").Gradient;
        Assert.Equal(1.0, gradient.Sum(), 12);
    }

    [Fact]
    public void Ode_gradient_of_the_last_output_matches_finite_differences()
    {
        var random = new Random(5);
        double[] x = Enumerable.Range(0, 5).Select(_ => random.NextDouble()).ToArray();
        double[] gradient = Array(Evaluate("ode", "gradient", $$"""{"x":{{Numbers(x)}},"s":4,"min_runs":1,"min_seconds":0}"""));
        AssertGradient(v => Array(Evaluate("ode", "primal", $$"""{"x":{{Numbers(v)}},"s":4,"min_runs":1,"min_seconds":0}"""))[^1], x, gradient);
    }

    [Fact]
    public void Kmeans_dir_is_each_centroid_minus_the_mean_of_its_points()
    {
        // J·H⁻¹ from one generated Hessian-vector product: for a centroid, C − mean of the points closest to it.
        var random = new Random(7);
        const int n = 30, k = 4, d = 3;
        double[][] points = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => random.NextDouble()).ToArray()).ToArray();
        double[][] centroids = points[^k..].Select(p => p.ToArray()).ToArray();
        string input = $$"""{"points":[{{string.Join(",", points.Select(Numbers))}}],"centroids":[{{string.Join(",", centroids.Select(Numbers))}}],"min_runs":1,"min_seconds":0}""";
        double[][] dir = Evaluate("kmeans", "dir", input).EnumerateArray().Select(Array).ToArray();
        double Distance(double[] p, double[] c) => p.Zip(c, (a, b) => (a - b) * (a - b)).Sum();
        for (int j = 0; j < k; j++)
        {
            var mine = points.Where(p => Enumerable.Range(0, k).OrderBy(m => Distance(p, centroids[m])).ThenBy(m => m).First() == j).ToList();
            for (int c = 0; c < d; c++) Assert.Equal(centroids[j][c] - mine.Average(p => p[c]), dir[j][c], 12);
        }

        double cost = Evaluate("kmeans", "cost", input).GetDouble();
        Assert.Equal(points.Sum(p => centroids.Min(c => Distance(p, c))), cost, 12);
    }

    [Theory]
    [InlineData(3, 2, 1)]
    [InlineData(1, 3, 0)]
    public void Gmm_jacobian_matches_finite_differences(int d, int k, int m)
    {
        var random = new Random(8 + d);
        const int n = 6;
        int triangle = d * (d - 1) / 2;
        double[] R(int count) => Enumerable.Range(0, count).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] x = R(n * d);
        double[] parameters = R(k + 2 * k * d + k * triangle);
        string Input(double[] p) => $$"""{"d":{{d}},"k":{{k}},"n":{{n}},"m":{{m}},"gamma":1.0,"x":{{Rows(x, n)}},"alpha":{{Numbers(p[..k])}},"mu":{{Rows(p[k..(k + k * d)], k)}},"q":{{Rows(p[(k + k * d)..(k + 2 * k * d)], k)}},"l":{{Rows(p[(k + 2 * k * d)..], k)}},"min_runs":1,"min_seconds":0}""";
        JsonElement jacobian = Evaluate("gmm", "jacobian", Input(parameters));
        Assert.Equal(new[] { "alpha", "mu", "q", "l" }, jacobian.EnumerateObject().Select(p => p.Name).ToArray());
        double[] analytic = Array(jacobian.GetProperty("alpha"))
            .Concat(jacobian.GetProperty("mu").EnumerateArray().SelectMany(Array))
            .Concat(jacobian.GetProperty("q").EnumerateArray().SelectMany(Array))
            .Concat(jacobian.GetProperty("l").EnumerateArray().SelectMany(Array)).ToArray();
        Assert.Equal(k, jacobian.GetProperty("l").GetArrayLength());
        AssertGradient(p => Evaluate("gmm", "objective", Input(p)).GetDouble(), parameters, analytic);
    }

    [Theory]
    [InlineData(0.5, 0.57236494292470008)] // ln √π
    [InlineData(1.0, 0.0)]
    [InlineData(5.0, 3.1780538303479458)] // ln 24
    [InlineData(33.5, 83.30242550295004)] // Python's math.lgamma
    [InlineData(7.25, 7.0521854507385395)]
    public void The_gmm_prior_s_log_gamma_is_accurate(double z, double expected) =>
        Assert.Equal(expected, Gmm.LogGamma(z), 1e-12 * (1 + Math.Abs(expected)));

    [Fact]
    public void Det_gradient_is_the_cofactor_matrix()
    {
        var (a, gradient) = CheckGradient("det", 16, 6, x => $$"""{"A":{{Numbers(x)}},"ell":4,"min_runs":1,"min_seconds":0}""");
        // The determinant is linear in each row: Σⱼ A₀ⱼ·C₀ⱼ is the determinant itself.
        double det = Evaluate("det", "primal", $$"""{"A":{{Numbers(a)}},"ell":4,"min_runs":1,"min_seconds":0}""").GetDouble();
        Assert.Equal(det, Enumerable.Range(0, 4).Sum(j => a[j] * gradient[j]), 12);
    }
}
