using System.Linq;
using Xunit;
using static Backprop.GradBench.Tests.ProtocolTests;

namespace Backprop.GradBench.Tests;

/// <summary>
/// particle and saddle through the protocol, in the four mode pairs: GradBench compares them with constants (the
/// optimum its solver reaches), within <c>|a − b| / max(1, |a| + |b|) ≤ 1e-4</c>.
/// </summary>
public class NestedModuleTests
{
    [Theory]
    [InlineData("rr")]
    [InlineData("rf")]
    [InlineData("fr")]
    [InlineData("ff")]
    public void Particle_finds_the_charge_offset_that_lands_at_the_origin(string function)
    {
        double w = Evaluate("particle", function, """{"w":0.0,"min_runs":1,"min_seconds":0}""").GetDouble();
        Assert.Equal(0.2071918746486117, w, 1e-6);
    }

    [Fact]
    public void The_four_particle_modes_agree_closely()
    {
        // Outer reverse and outer forward differentiate the same simulation: the solver takes the same steps.
        double[] results = new[] { "rr", "rf", "fr", "ff" }.Select(f => Evaluate("particle", f, """{"w":0.0,"min_runs":1,"min_seconds":0}""").GetDouble()).ToArray();
        Assert.All(results, r => Assert.Equal(results[0], r, 1e-12));
    }

    [Theory]
    [InlineData("rr")]
    [InlineData("rf")]
    [InlineData("fr")]
    [InlineData("ff")]
    public void Saddle_reaches_the_saddle_point(string function)
    {
        double[] point = Array(Evaluate("saddle", function, """{"start":[1.0,1.0],"min_runs":1,"min_seconds":0}"""));
        Assert.Equal(4, point.Length);
        Assert.All(point, p => Assert.Equal(8.246324826140356e-06, p, 1e-9));
    }
}
