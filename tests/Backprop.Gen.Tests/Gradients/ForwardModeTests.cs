using System;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>Forward mode (issue 7): every construct's Tangent against its Backward and against finite differences.</summary>
public class ForwardModeTests
{
    /// <summary>The construct sources, every method asking for forward and reverse mode.</summary>
    private static string BothModes(string source) => source
        .Replace("[Differentiable]", "[Differentiable(Modes = DifferentiationModes.Forward | DifferentiationModes.Reverse)]")
        .Replace("[Differentiable(\"w\")]", "[Differentiable(\"w\", Modes = DifferentiationModes.Forward | DifferentiationModes.Reverse)]");

    private static readonly Lazy<Assembly> Straight = new(() => TestCompiler.CompileAndLoad(BothModes(ConstructSources.StraightLine)));
    private static readonly Lazy<Assembly> Flow = new(() => TestCompiler.CompileAndLoad(BothModes(ConstructSources.ControlFlow)));
    private static readonly Lazy<Assembly> Layers = new(() => TestCompiler.CompileAndLoad(BothModes(OutputTests.Source)));

    [Theory]
    [InlineData("Unary")]
    [InlineData("Sigmoid")]
    [InlineData("SelfUse")]
    [InlineData("UsesConstants")]
    [InlineData("Functions1")]
    public void Straight_line_functions_of_one_variable(string method) =>
        ForwardHarness.Check(Straight.Value, "Samples.Straight", method, r => new object?[] { RandomScalar(r) });

    [Theory]
    [InlineData("Reassign")]
    [InlineData("Nested")]
    [InlineData("ParameterReassigned")]
    public void Straight_line_functions_of_two_variables(string method) =>
        ForwardHarness.Check(Straight.Value, "Samples.Straight", method, r => new object?[] { RandomScalar(r), RandomScalar(r) });

    [Fact]
    public void Two_argument_functions() =>
        ForwardHarness.Check(Straight.Value, "Samples.Straight", "Functions2", r => new object?[] { RandomScalar(r) + 0.05, RandomScalar(r) + 0.05 });

    [Fact]
    public void Magnitude_sign_and_remainder_functions() =>
        ForwardHarness.Check(Straight.Value, "Samples.Straight", "Functions3", r => new object?[] { RandomScalar(r) + 0.05, RandomScalar(r) + 0.6 });

    [Fact]
    public void Arrays_and_ints() =>
        ForwardHarness.Check(Straight.Value, "Samples.Straight", "ArrayReads", r => new object?[] { RandomArray(r, 4), RandomArray(r, 4), 1 });

    [Fact]
    public void Floats() =>
        ForwardHarness.Check(Straight.Value, "Samples.Floats", "Mix", r => new object?[] { (float)RandomScalar(r), (float)RandomScalar(r) });

    [Fact]
    public void Wrt_list() =>
        ForwardHarness.Check(Straight.Value, "Samples.Selection", "WrtOnly", r => new object?[] { RandomScalar(r), RandomScalar(r), RandomScalar(r) });

    [Theory]
    [InlineData("Branch")]
    [InlineData("Ternary")]
    [InlineData("EarlyReturn")]
    public void Branches(string method) =>
        ForwardHarness.Check(Flow.Value, "Samples.Flow", method, r => new object?[] { RandomScalar(r, 1.5), RandomScalar(r, 1.5) }, points: 10);

    [Theory]
    [InlineData("Dot", 5)]
    [InlineData("BreakContinue", 8)]
    [InlineData("ForEachLoop", 5)]
    [InlineData("Downward", 5)]
    [InlineData("LocalArray", 5)]
    [InlineData("Overwrite", 4)]
    [InlineData("IndexWalk", 7)]
    [InlineData("BranchInLoop", 6)]
    [InlineData("ReturnInLoop", 6)]
    public void Loops_over_arrays(string method, int length) =>
        ForwardHarness.Check(Flow.Value, "Samples.Flow", method, r => method is "Dot"
            ? new object?[] { RandomArray(r, length), RandomArray(r, length) }
            : method is "Downward" or "Overwrite"
                ? new object?[] { RandomArray(r, length) }
                : new object?[] { RandomArray(r, length, method == "ReturnInLoop" ? 3 : 1), method == "BreakContinue" ? 1 + r.NextDouble() : RandomScalar(r) });

    [Fact]
    public void Recurrence() =>
        ForwardHarness.Check(Flow.Value, "Samples.Flow", "Rnn", r => new object?[] { RandomScalar(r), RandomScalar(r), RandomScalar(r), 7 });

    [Fact]
    public void While_and_do_loops()
    {
        ForwardHarness.Check(Flow.Value, "Samples.Flow", "WhileLoop", r => new object?[] { 0.2 + r.NextDouble(), 2 + 3 * r.NextDouble() });
        ForwardHarness.Check(Flow.Value, "Samples.Flow", "DoLoop", r => new object?[] { RandomScalar(r) });
    }

    [Fact]
    public void Nested_loops_and_element_accumulation()
    {
        ForwardHarness.Check(Flow.Value, "Samples.Flow", "Nested", r => new object?[] { RandomArray(r, 12), RandomArray(r, 4), 3 });
        ForwardHarness.Check(Flow.Value, "Samples.Flow", "ArrayAccumulate", r => new object?[] { RandomArray(r, 4), RandomArray(r, 12) });
    }

    [Fact]
    public void Two_dimensional_arrays() =>
        ForwardHarness.Check(Flow.Value, "Samples.Flow", "Matrix", r => new object?[] { new double[,] { { 0.1, -0.4, 0.3 }, { 0.7, 0.2, -0.5 } }, RandomArray(r, 3) });

    [Fact]
    public void Layers_and_calls_through_Tangent_methods()
    {
        ForwardHarness.Check(Layers.Value, "Layers.L", "Loss", r => new object?[] { RandomArray(r, 12), RandomArray(r, 3), RandomArray(r, 6), RandomArray(r, 2), RandomArray(r, 4), r.Next(2) });
        ForwardHarness.Check(Layers.Value, "Layers.L", "UsesSplit", r => new object?[] { RandomArray(r, 6), RandomScalar(r) });
        ForwardHarness.Check(Layers.Value, "Layers.L", "Recurrent", r => new object?[] { RandomArray(r, 9), RandomArray(r, 3), RandomArray(r, 3), 4 });
    }

    [Fact]
    public void A_callee_without_the_mode_is_reported()
    {
        GeneratorRun run = TestCompiler.Generate("""
            using Backprop;
            public static partial class Net
            {
                [Differentiable] public static double Inner(double x) => x * x;
                [Differentiable(Modes = DifferentiationModes.Forward)] public static double Outer(double x) => Inner(x) + x;
            }
            """);
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "BPG0210" && d.GetMessage().Contains("InnerTangent"));
    }
}
