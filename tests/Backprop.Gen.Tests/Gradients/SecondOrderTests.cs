using System;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>Second order (issue 7): HessianVector forward over reverse, against finite differences of the gradient.</summary>
public class SecondOrderTests
{
    private static string SecondOrder(string source) => source
        .Replace("[Differentiable]", "[Differentiable(Modes = DifferentiationModes.SecondOrder)]")
        .Replace("[Differentiable(\"w\")]", "[Differentiable(\"w\", Modes = DifferentiationModes.SecondOrder)]");

    private static readonly Lazy<Assembly> Straight = new(() => TestCompiler.CompileAndLoad(SecondOrder(ConstructSources.StraightLine).Replace("public static partial class Floats", "public static partial class FloatsUnused")));
    private static readonly Lazy<Assembly> Flow = new(() => TestCompiler.CompileAndLoad(SecondOrder(ConstructSources.ControlFlow)));
    private static readonly Lazy<Assembly> Layers = new(() => TestCompiler.CompileAndLoad(SecondOrder(OutputTests.Source)));
    private static readonly Lazy<Assembly> Reference = new(() => TestCompiler.CompileAndLoad("""
        using System;
        using Backprop;

        namespace Reference;

        public static partial class Powers
        {
            [Differentiable(Modes = DifferentiationModes.SecondOrder)]
            public static double Square(double x) => x * x;

            [Differentiable(Modes = DifferentiationModes.SecondOrder)]
            public static double Fourth(double x)
            {
                double y = Square(x);
                return y * y;
            }

            [Differentiable(Modes = DifferentiationModes.SecondOrder)]
            public static double Rosenbrock(double x, double y) => (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
        }
        """));

    [Theory]
    [InlineData("Unary")]
    [InlineData("Sigmoid")]
    [InlineData("SelfUse")]
    [InlineData("UsesConstants")]
    [InlineData("Functions1")]
    public void Functions_of_one_variable(string method) =>
        HessianHarness.Check(Straight.Value, "Samples.Straight", method, r => new object?[] { RandomScalar(r) });

    [Theory]
    [InlineData("Reassign")]
    [InlineData("Nested")]
    [InlineData("ParameterReassigned")]
    public void Functions_of_two_variables(string method) =>
        HessianHarness.Check(Straight.Value, "Samples.Straight", method, r => new object?[] { RandomScalar(r), RandomScalar(r) });

    [Fact]
    public void Magnitude_sign_and_remainder_functions() =>
        HessianHarness.Check(Straight.Value, "Samples.Straight", "Functions3", r => new object?[] { RandomScalar(r) + 0.05, RandomScalar(r) + 0.6 });

    [Fact]
    public void Arrays() =>
        HessianHarness.Check(Straight.Value, "Samples.Straight", "ArrayReads", r => new object?[] { RandomArray(r, 4), RandomArray(r, 4), 1 });

    [Theory]
    [InlineData("Branch")]
    [InlineData("Ternary")]
    [InlineData("EarlyReturn")]
    public void Branches(string method) =>
        HessianHarness.Check(Flow.Value, "Samples.Flow", method, r => new object?[] { RandomScalar(r, 1.5), RandomScalar(r, 1.5) }, points: 6);

    [Fact]
    public void Loops_with_saved_values()
    {
        HessianHarness.Check(Flow.Value, "Samples.Flow", "Rnn", r => new object?[] { RandomScalar(r), RandomScalar(r), RandomScalar(r), 5 });
        HessianHarness.Check(Flow.Value, "Samples.Flow", "BranchInLoop", r => new object?[] { RandomArray(r, 5), RandomScalar(r) });
        HessianHarness.Check(Flow.Value, "Samples.Flow", "WhileLoop", r => new object?[] { 0.2 + r.NextDouble(), 2 + 3 * r.NextDouble() });
        HessianHarness.Check(Flow.Value, "Samples.Flow", "IndexWalk", r => new object?[] { RandomArray(r, 7), RandomScalar(r) });
    }

    [Fact]
    public void Local_arrays_and_accumulation()
    {
        HessianHarness.Check(Flow.Value, "Samples.Flow", "LocalArray", r => new object?[] { RandomArray(r, 5), RandomScalar(r) });
        HessianHarness.Check(Flow.Value, "Samples.Flow", "ArrayAccumulate", r => new object?[] { RandomArray(r, 4), RandomArray(r, 12) });
        HessianHarness.Check(Flow.Value, "Samples.Flow", "Overwrite", r => new object?[] { RandomArray(r, 4) });
        HessianHarness.Check(Flow.Value, "Samples.Flow", "Nested", r => new object?[] { RandomArray(r, 12), RandomArray(r, 4), 3 });
    }

    [Fact]
    public void Calls_and_layers()
    {
        HessianHarness.Check(Layers.Value, "Layers.L", "Loss", r => new object?[] { RandomArray(r, 12), RandomArray(r, 3), RandomArray(r, 6), RandomArray(r, 2), RandomArray(r, 4), r.Next(2) });
        HessianHarness.Check(Layers.Value, "Layers.L", "Recurrent", r => new object?[] { RandomArray(r, 9), RandomArray(r, 3), RandomArray(r, 3), 3 });
    }

    [Fact]
    public void The_GradientTape_examples()
    {
        MethodInfo square = Invoke.Method(Reference.Value, "Reference.Powers", "SquareHessian", 1);
        var (value, gradient, hessian) = ((double, double[], double[,]))Invoke.Call(square, new object?[] { 5.0 })!;
        Assert.Equal(25, value);
        Assert.Equal(10, gradient[0]);
        Assert.Equal(2, hessian[0, 0]);

        var (_, g4, h4) = ((double, double[], double[,]))Invoke.Call(Invoke.Method(Reference.Value, "Reference.Powers", "FourthHessian", 1), new object?[] { 5.0 })!;
        Assert.Equal(500, g4[0], 9);
        Assert.Equal(300, h4[0, 0], 9);   // 12 x² at 5
    }

    [Fact]
    public void Rosenbrock_Hessian_is_exact_and_symmetric()
    {
        var (_, gradient, hessian) = ((double, double[], double[,]))Invoke.Call(Invoke.Method(Reference.Value, "Reference.Powers", "RosenbrockHessian", 2), new object?[] { 0.5, 1.5 })!;
        // f = (1 − x)² + 100 (y − x²)²: ∂²f/∂x² = 2 − 400 (y − x²) + 800 x², ∂²f/∂x∂y = −400 x, ∂²f/∂y² = 200.
        Assert.Equal(2 - 400 * (1.5 - 0.25) + 800 * 0.25, hessian[0, 0], 9);
        Assert.Equal(-400 * 0.5, hessian[0, 1], 9);
        Assert.Equal(hessian[0, 1], hessian[1, 0], 12);
        Assert.Equal(200, hessian[1, 1], 9);
        Assert.Equal(-2 * 0.5 - 400 * 0.5 * (1.5 - 0.25), gradient[0], 9);
    }

    [Fact]
    public void A_method_mixing_float_and_double_parameters_gets_each_derivative_in_its_own_type()
    {
        Assembly assembly = TestCompiler.CompileAndLoad("""
            using System;
            using Backprop;

            namespace Mixed;

            public static partial class M
            {
                [Differentiable(Modes = DifferentiationModes.SecondOrder)]
                public static double F(float x, double y) => x * x * y + Math.Sin(y);
            }
            """);
        // The tuple overload: (double Value, float dX, double dY).
        object tuple = Invoke.Call(Invoke.Method(assembly, "Mixed.M", "FBackward", 2), new object?[] { 1.5f, 0.5 })!;
        var (value, dX, dY) = ((double, float, double))tuple;
        Assert.Equal(1.5 * 1.5 * 0.5 + Math.Sin(0.5), value, 6);
        Assert.Equal(2 * 1.5f * 0.5f, dX, 5);
        Assert.Equal(1.5 * 1.5 + Math.Cos(0.5), dY, 6);

        var (_, gradient, hessian) = ((double, double[], double[,]))Invoke.Call(Invoke.Method(assembly, "Mixed.M", "FHessian", 2), new object?[] { 1.5f, 0.5 })!;
        Assert.Equal(dY, gradient[1], 6);
        Assert.Equal(2 * 0.5, hessian[0, 0], 5);
        Assert.Equal(2 * 1.5, hessian[0, 1], 5);
        Assert.Equal(hessian[0, 1], hessian[1, 0], 5);
        Assert.Equal(-Math.Sin(0.5), hessian[1, 1], 5);
    }
}
