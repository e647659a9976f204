using System;
using System.Linq;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>The worked reference numbers, which come from outside this project: the 2-2-2 sigmoid network, the 3-input XOR network, the apple/tax graph, powers and the bowl.</summary>
public class ReferenceTests
{
    private const string Source = """
        using System;
        using Backprop;

        namespace Reference;

        public static partial class TwoLayer
        {
            [Differentiable]
            public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

            // w = w1..w8: h1 = σ(w1 i1 + w2 i2), h2 = σ(w3 i1 + w4 i2), o1 = σ(w5 h1 + w6 h2), o2 = σ(w7 h1 + w8 h2).
            [Differentiable]
            public static double Error(double[] w, [NoDerivative] double[] input, [NoDerivative] double[] target)
            {
                double h1 = Sigmoid(w[0] * input[0] + w[1] * input[1]);
                double h2 = Sigmoid(w[2] * input[0] + w[3] * input[1]);
                double o1 = Sigmoid(w[4] * h1 + w[5] * h2);
                double o2 = Sigmoid(w[6] * h1 + w[7] * h2);
                return 0.5 * ((target[0] - o1) * (target[0] - o1) + (target[1] - o2) * (target[1] - o2));
            }
        }

        public static partial class Xor
        {
            [Differentiable]
            public static double Output(double[] g1, double[] g2, double[] v, [NoDerivative] double x1, [NoDerivative] double x2)
            {
                double a = 1 / (1 + Math.Exp(-(g1[0] * x1 + g1[1] * x2 + g1[2])));
                double b = 1 / (1 + Math.Exp(-(g2[0] * x1 + g2[1] * x2 + g2[2])));
                return 1 / (1 + Math.Exp(-(v[0] * a + v[1] * b + v[2])));
            }

            [Differentiable]
            public static double Cost(double[] g1, double[] g2, double[] v, [NoDerivative] double x1, [NoDerivative] double x2, [NoDerivative] double y)
            {
                double f = Output(g1, g2, v, x1, x2);
                return 0.5 * (y - f) * (y - f);
            }
        }

        public static partial class Shop
        {
            [Differentiable]
            public static double Price(double apple, double count, double tax) => apple * count * tax;

            [Differentiable]
            public static double Basket(double apple, double appleCount, double orange, double orangeCount, double tax)
            {
                double apples = apple * appleCount;
                double oranges = orange * orangeCount;
                double total = apples + oranges;
                return total * tax;
            }
        }

        public static partial class Powers
        {
            [Differentiable]
            public static double Square(double x) => x * x;

            [Differentiable]
            public static double Fourth(double x)
            {
                double y = x * x;
                return y * y;
            }

            [Differentiable]
            public static double Eighth(double x)
            {
                double y = x * x;
                y = y * y;
                return y * y;
            }

            [Differentiable]
            public static double Bowl(double x0, double x1) => x0 * x0 + x1 * x1;
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    private static MethodInfo Method(string type, string name, int parameters) =>
        Invoke.Method(Compiled.Value, "Reference." + type, name, parameters);

    [Fact]
    public void Two_layer_sigmoid_network_one_step()
    {
        double[] w = { 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50 };
        double[] input = { 0.05, 0.10 };
        double[] target = { 0.01, 0.99 };
        double[] dW = new double[8];
        MethodInfo backward = Method("TwoLayer", "ErrorBackward", 5);

        double error = (double)Invoke.Call(backward, new object?[] { w, input, target, dW, 1.0 })!;
        Assert.Equal(0.2397, error, 4);

        double[] updated = w.Zip(dW, (wi, gi) => wi - 0.5 * gi).ToArray();
        double[] expected = { 0.1499, 0.1999, 0.2499, 0.2998, 0.3143, 0.3640, 0.4722, 0.5224 };
        for (int i = 0; i < 8; i++) Assert.Equal(expected[i], updated[i], 4);

        double after = (double)Invoke.Call(Method("TwoLayer", "Error", 3), new object?[] { updated, input, target })!;
        Assert.Equal(0.2326, after, 4);
    }

    [Fact]
    public void Xor_network_forward_outputs_and_one_step()
    {
        double[] g1 = { 2, -2, 0 }, g2 = { 1, 3, -1 }, v = { 3, -2, -1 };
        MethodInfo output = Method("Xor", "Output", 5);
        double[] expected = { 0.491, 0.083, 0.655, 0.197 };
        var inputs = new[] { (0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0) };
        for (int k = 0; k < 4; k++)
        {
            double f = (double)Invoke.Call(output, new object?[] { g1, g2, v, inputs[k].Item1, inputs[k].Item2 })!;
            Assert.Equal(expected[k], f, 3);
        }

        double[] dG1 = new double[3], dG2 = new double[3], dV = new double[3];
        Invoke.Call(Method("Xor", "CostBackward", 10), new object?[] { g1, g2, v, 1.0, 0.0, 0.0, dG1, dG2, dV, 1.0 });
        double[] Step(double[] p, double[] d) => p.Zip(d, (a, b) => a - b).ToArray();
        AssertClose(new[] { 2.870, -2.074, -1.148 }, Step(v, dV), 3);
        AssertClose(new[] { 1.953, -2.0, -0.047 }, Step(g1, dG1), 3);
        AssertClose(new[] { 1.074, 3.0, -0.926 }, Step(g2, dG2), 3);
    }

    [Fact]
    public void Apple_and_tax_graph()
    {
        var (value, dApple, dCount, dTax) = ((double, double, double, double))Invoke.Call(Method("Shop", "PriceBackward", 3), new object?[] { 100.0, 2.0, 1.1 })!;
        Assert.Equal(220, value, 10);
        Assert.Equal(2.2, dApple, 10);
        Assert.Equal(110, dCount, 10);
        Assert.Equal(200, dTax, 10);
    }

    [Fact]
    public void Apple_orange_and_tax_graph()
    {
        var result = ((double, double, double, double, double, double))Invoke.Call(Method("Shop", "BasketBackward", 5),
            new object?[] { 100.0, 2.0, 150.0, 3.0, 1.1 })!;
        Assert.Equal(715, result.Item1, 10);
        Assert.Equal(2.2, result.Item2, 10);
        Assert.Equal(110, result.Item3, 10);
        Assert.Equal(3.3, result.Item4, 10);
        Assert.Equal(165, result.Item5, 10);
        Assert.Equal(650, result.Item6, 10);
    }

    [Theory]
    [InlineData("Square", 10)]
    [InlineData("Fourth", 500)]
    [InlineData("Eighth", 625000)]
    public void Powers_at_five(string name, double expected)
    {
        var (_, dX) = ((double, double))Invoke.Call(Method("Powers", name + "Backward", 1), new object?[] { 5.0 })!;
        Assert.Equal(expected, dX, 9);
    }

    [Fact]
    public void Bowl_gradient_and_descent()
    {
        MethodInfo backward = Method("Powers", "BowlBackward", 2);
        var (_, g0, g1) = ((double, double, double))Invoke.Call(backward, new object?[] { 3.0, 4.0 })!;
        Assert.Equal(6, g0, 12);
        Assert.Equal(8, g1, 12);

        double x0 = -3, x1 = 4;
        for (int step = 0; step < 100; step++)
        {
            var (_, d0, d1) = ((double, double, double))Invoke.Call(backward, new object?[] { x0, x1 })!;
            x0 -= 0.1 * d0;
            x1 -= 0.1 * d1;
        }

        Assert.True(Math.Abs(x0) < 1e-8 && Math.Abs(x1) < 1e-8, $"ended at ({x0}, {x1})");
    }

    [Fact]
    public void Adjoints_accumulate_and_seed_scales()
    {
        MethodInfo backward = Method("Shop", "PriceBackward", 7);
        object?[] args = { 100.0, 2.0, 1.1, 1.0, 0.0, 0.0, 2.0 };
        Invoke.Call(backward, args);
        Assert.Equal(1.0 + 2 * 2.2, (double)args[3]!, 10); // added to what was there, scaled by seed
        Assert.Equal(2 * 110, (double)args[4]!, 10);
        Assert.Equal(2 * 200, (double)args[5]!, 10);
    }

    private static void AssertClose(double[] expected, double[] actual, int precision)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], precision);
    }
}
