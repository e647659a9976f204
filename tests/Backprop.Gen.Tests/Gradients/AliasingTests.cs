using System;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// An adjoint buffer that shares memory with an array the derivative reads would be changed while the reverse sweep
/// still reads it. A Backward refuses it with an <see cref="ArgumentException"/> naming both, before it writes anything.
/// </summary>
public class AliasingTests
{
    private const string Source = """
        using System;
        using Backprop;

        namespace Alias;

        public static partial class A
        {
            [Differentiable]
            public static double SumSq(double[] a, double[] b)
            {
                double s = 0;
                for (int i = 0; i < a.Length; i++) s += a[i] * a[i] * b[i];
                return s;
            }

            [Differentiable]
            public static void Square(double[] x, double[] y)
            {
                for (int i = 0; i < x.Length; i++) y[i] = x[i] * x[i];
            }

            [Differentiable]
            public static double Trace(double[,] m, double[,] n)
            {
                double s = 0;
                for (int i = 0; i < m.GetLength(0); i++) s += m[i, i] * n[i, i];
                return s;
            }

            [Differentiable]
            public static double Norm(Span<double> x)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++) s += x[i] * x[i];
                return s;
            }
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    private static ArgumentException Throws(string method, int parameters, object?[] arguments) =>
        Assert.Throws<ArgumentException>(() => Invoke.Call(Invoke.Method(Compiled.Value, "Alias.A", method, parameters), arguments));

    [Fact]
    public void An_input_passed_as_its_own_adjoint_is_refused_and_left_unchanged()
    {
        double[] a = { 1, 2, 3 }, b = { 4, 5, 6 };
        ArgumentException error = Throws("SumSqBackward", 5, new object?[] { a, b, a, null, 1.0 });
        Assert.Equal("dA", error.ParamName);
        Assert.Contains("dA shares memory with a", error.Message);
        Assert.Equal(new double[] { 1, 2, 3 }, a);
    }

    [Fact]
    public void An_adjoint_that_is_another_input_is_refused()
    {
        double[] a = { 1, 2, 3 }, b = { 4, 5, 6 };
        ArgumentException error = Throws("SumSqBackward", 5, new object?[] { a, b, null, a, 1.0 });
        Assert.Contains("dB shares memory with a", error.Message);
    }

    [Fact]
    public void A_layer_input_adjoint_that_is_its_output_or_the_output_gradient_is_refused()
    {
        double[] x = { 1, 2, 3 }, y = new double[3], dY = { 1, 1, 1 };
        Assert.Contains("dX shares memory with y", Throws("SquareBackward", 4, new object?[] { x, y, y, dY }).Message);
        Assert.Contains("dX shares memory with dY", Throws("SquareBackward", 4, new object?[] { x, y, dY, dY }).Message);
        Assert.Contains("dY shares memory with x", Throws("SquareBackward", 4, new object?[] { x, y, null, x }).Message);
        Assert.Equal(new double[] { 1, 1, 1 }, dY);
    }

    [Fact]
    public void Two_dimensional_adjoints_are_checked_too()
    {
        var m = new double[2, 2];
        var n = new double[2, 2];
        Assert.Contains("dN shares memory with m", Throws("TraceBackward", 5, new object?[] { m, n, null, m, 1.0 }).Message);
    }

    [Fact]
    public void Overlapping_spans_are_refused_and_disjoint_ones_accepted()
    {
        MethodInfo backward = Invoke.Method(Compiled.Value, "Alias.A", "NormBackward", 3);
        var norm = (NormBackward)Delegate.CreateDelegate(typeof(NormBackward), backward);
        double[] buffer = { 1, 2, 3, 4, 5, 6 };
        ArgumentException error = Assert.Throws<ArgumentException>(() => norm(buffer.AsSpan(0, 3), buffer.AsSpan(2, 3), 1.0));
        Assert.Contains("dX shares memory with x", error.Message);

        Assert.Equal(14.0, norm(buffer.AsSpan(0, 3), buffer.AsSpan(3, 3), 1.0));
        Assert.Equal(new double[] { 1, 2, 3, 6, 9, 12 }, buffer); // dX = 2x, added to 4, 5, 6
    }

    private delegate double NormBackward(Span<double> x, Span<double> dX, double seed);
}
