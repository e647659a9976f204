using System;
using System.Linq;
using System.Text.Json;
using Xunit;
using static Backprop.GradBench.Tests.ProtocolTests;

namespace Backprop.GradBench.Tests;

/// <summary>lstm and ba through the protocol: each Jacobian against central finite differences of the primal.</summary>
public class LstmBaTests
{
    [Theory]
    [InlineData(1, 3, 4)]
    [InlineData(2, 4, 5)]
    public void Lstm_jacobian_matches_finite_differences(int layers, int b, int count)
    {
        var random = new Random(10 * layers + b);
        double[] R(int n) => Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] state = R(2 * layers * b);
        // A one-hot-ish sequence, as the eval's text is.
        double[] sequence = Enumerable.Range(0, count * b).Select(i => (i * 7 % 3) == 0 ? 1.0 : 0.0).ToArray();
        double[] parameters = R(8 * layers * b + 3 * b);
        string Input(double[] p) =>
            $$"""{"main_params":{{Rows(p[..(8 * layers * b)], 2 * layers)}},"extra_params":{{Rows(p[(8 * layers * b)..], 3)}},"state":{{Rows(state, 2 * layers)}},"sequence":{{Rows(sequence, count)}},"min_runs":1,"min_seconds":0}""";
        double[] jacobian = Array(Evaluate("lstm", "jacobian", Input(parameters)));
        Assert.Equal(parameters.Length, jacobian.Length);
        AssertGradient(p => Evaluate("lstm", "objective", Input(p)).GetDouble(), parameters, jacobian);
    }

    [Fact]
    public void Lstm_objective_leaves_its_state_input_alone_between_runs()
    {
        // Each run starts from the input's state: ten runs give the value of one.
        string input = """{"main_params":[[0.1,0.2,0.3,0.4],[0.5,0.6,0.7,0.8]],"extra_params":[[0.3],[0.2],[0.1]],"state":[[0.5],[0.25]],"sequence":[[1],[0],[1]],"min_runs":""";
        double once = Evaluate("lstm", "objective", input + "1,\"min_seconds\":0}").GetDouble();
        double tenth = Evaluate("lstm", "objective", input + "10,\"min_seconds\":0}").GetDouble();
        Assert.Equal(once, tenth);
    }

    [Theory]
    [InlineData(0.3, -0.2, 0.1)]
    [InlineData(0.0, 0.0, 0.0)] // no rotation: the first-order branch
    public void Ba_jacobian_blocks_match_finite_differences(double r0, double r1, double r2)
    {
        double[] cam = { r0, r1, r2, 0.1, -0.3, -5.0, 1.2, 0.05, -0.04, 0.01, -0.002 };
        double[] x = { 0.4, 0.6, 2.0 };
        const double w = 0.8;
        double[] feat = { 0.2, -0.1 };
        const int n = 2, m = 3, p = 16; // 2p ≥ 30: the first 30 rows are reprojection rows
        string input = $$"""{"n":{{n}},"m":{{m}},"p":{{p}},"cam":{{Numbers(cam)}},"x":{{Numbers(x)}},"w":{{w}},"feat":{{Numbers(feat)}},"min_runs":1,"min_seconds":0}""";
        JsonElement jacobian = Evaluate("ba", "jacobian", input);
        int[] rows = jacobian.GetProperty("rows").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        int[] cols = jacobian.GetProperty("cols").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        double[] vals = Array(jacobian.GetProperty("vals"));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => 15 * i).Append(31 * p), rows);
        int[] blockColumns = Enumerable.Range(0, 11).Concat(Enumerable.Range(11 * n, 3)).Append(11 * n + 3 * m).ToArray();
        Assert.Equal(blockColumns.Concat(blockColumns).Append(11 * n + 3 * m + p - 1), cols);
        Assert.Equal(-2 * w, vals[^1], 15);

        // Observation 0's two rows against finite differences of the error in cam, x and w.
        double[] all = cam.Concat(x).Append(w).ToArray();
        for (int row = 0; row < 2; row++)
        {
            int r = row;
            AssertGradient(v =>
            {
                var (ex, ey) = Ba.ReprojectionError(v.AsSpan(0, 11), v.AsSpan(11, 3), v[14], feat[0], feat[1]);
                return r == 0 ? ex : ey;
            }, all, vals[(15 * row)..(15 * row + 15)]);
        }

        JsonElement objective = Evaluate("ba", "objective", input);
        Assert.Equal(p, objective.GetProperty("reproj_error").GetProperty("repeated").GetInt32());
        Assert.Equal(1 - w * w, objective.GetProperty("w_err").GetProperty("element").GetDouble(), 15);
        Assert.Equal(Ba.ReprojectionError(cam, x, w, feat[0], feat[1]).X, Array(objective.GetProperty("reproj_error").GetProperty("elements"))[0]);
    }

    [Fact]
    public void Ba_rejects_a_camera_of_the_wrong_size()
    {
        JsonElement response = Ask("""{"id":3,"kind":"evaluate","module":"ba","function":"objective","input":{"n":1,"m":1,"p":1,"cam":[1,2],"x":[0,0,1],"w":1,"feat":[0,0],"min_runs":1,"min_seconds":0}}""");
        Assert.False(response.GetProperty("success").GetBoolean());
        Assert.Contains("11 camera parameters", response.GetProperty("error").GetString());
    }
}
