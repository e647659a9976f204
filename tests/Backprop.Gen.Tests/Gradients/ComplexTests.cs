using System;
using System.Linq;
using System.Numerics;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// System.Numerics.Complex as the pair (Real, Imaginary): parameters (<c>ref Complex dZ</c>), results (a Complex
/// seed), its operators with Complex and double operands and its functions, in reverse mode, forward mode and second
/// order against finite differences, and a Backward whose value is the primal's bit for bit.
/// </summary>
public class ComplexTests
{
    private const string Source = """
        using System;
        using System.Numerics;
        using Backprop;

        namespace Samples
        {
            public static partial class Waves
            {
                private const DifferentiationModes All = DifferentiationModes.Reverse | DifferentiationModes.Forward | DifferentiationModes.SecondOrder;

                [Differentiable(Modes = All)]
                public static double Response(Complex z, double w)
                {
                    Complex s = new Complex(0, w);
                    Complex h = (z * z + 1) / (s - z) + Complex.Exp(z * 0.5) - Complex.Log(z) * Complex.Conjugate(z);
                    Complex p = Complex.Pow(h, 1.5) + Complex.FromPolarCoordinates(w, z.Phase) + Complex.Sin(z) * Complex.Cos(s) / 2.0;
                    Complex q = 3 / (z + Complex.ImaginaryOne) - (-z) + w * z - 2.0;
                    return Complex.Abs(h) + p.Real * p.Imaginary - z.Magnitude + (2.0 - z).Imaginary + q.Real + double.Hypot(w, z.Real);
                }

                [Differentiable(Modes = All)]
                public static Complex Rotate(Complex z, double angle) => z * Complex.FromPolarCoordinates(1, angle) - Complex.ImaginaryOne;

                // Flat views for the test: (Re z, Im z, w).
                public static double Value(double[] x) => Response(new Complex(x[0], x[1]), x[2]);

                public static double[] Gradient(double[] x)
                {
                    Complex dZ = default;
                    double dW = 0;
                    ResponseBackward(new Complex(x[0], x[1]), x[2], ref dZ, ref dW);
                    return new[] { dZ.Real, dZ.Imaginary, dW };
                }

                public static double Directional(double[] x, double[] t)
                {
                    ResponseTangent(new Complex(x[0], x[1]), x[2], new Complex(t[0], t[1]), t[2], out double tangent);
                    return tangent;
                }

                public static double[] Hessian(double[] x, double[] v)
                {
                    Complex dZ = default, hZ = default;
                    double dW = 0, hW = 0;
                    ResponseHessianVector(new Complex(x[0], x[1]), x[2], new Complex(v[0], v[1]), v[2], ref dZ, ref dW, ref hZ, ref hW);
                    return new[] { hZ.Real, hZ.Imaginary, hW };
                }

                public static bool SameValue(double[] x) =>
                    BitConverter.DoubleToInt64Bits(Value(x)) == BitConverter.DoubleToInt64Bits(ResponseBackward(new Complex(x[0], x[1]), x[2], ref Unused, ref UnusedW));

                private static Complex Unused;
                private static double UnusedW;

                // The Jacobian row of Rotate's real part, from a seed (1, 0).
                public static double[] RotateRealRow(double[] x)
                {
                    Complex dZ = default;
                    double dA = 0;
                    RotateBackward(new Complex(x[0], x[1]), x[2], ref dZ, ref dA, new Complex(1, 0));
                    return new[] { dZ.Real, dZ.Imaginary, dA };
                }

                public static double RotateReal(double[] x) => Rotate(new Complex(x[0], x[1]), x[2]).Real;
            }

            public static partial class Roots
            {
                [Differentiable(Modes = DifferentiationModes.Reverse | DifferentiationModes.Forward | DifferentiationModes.SecondOrder)]
                public static double Root(Complex z, double w)
                {
                    Complex r = Complex.Sqrt(z * w);
                    // The last term's Sqrt sits in a conditional expression, where the rule has no statements to write.
                    return r.Real * 3 + r.Imaginary * r.Imaginary - r.Real * r.Imaginary + Complex.Sqrt(r).Imaginary + (w > 0 ? Complex.Sqrt(z * 2).Real : 0.0);
                }

                public static double Value(double[] x) => Root(new Complex(x[0], x[1]), x[2]);

                public static double[] Gradient(double[] x)
                {
                    Complex dZ = default;
                    double dW = 0;
                    RootBackward(new Complex(x[0], x[1]), x[2], ref dZ, ref dW);
                    return new[] { dZ.Real, dZ.Imaginary, dW };
                }

                public static double Directional(double[] x, double[] t)
                {
                    RootTangent(new Complex(x[0], x[1]), x[2], new Complex(t[0], t[1]), t[2], out double tangent);
                    return tangent;
                }

                public static double[] Hessian(double[] x, double[] v)
                {
                    Complex dZ = default, hZ = default;
                    double dW = 0, hW = 0;
                    RootHessianVector(new Complex(x[0], x[1]), x[2], new Complex(v[0], v[1]), v[2], ref dZ, ref dW, ref hZ, ref hW);
                    return new[] { hZ.Real, hZ.Imaginary, hW };
                }

                // The Backward's value and the library's Sqrt, bit for bit.
                public static bool SameRoot(double re, double im)
                {
                    Complex dZ = default;
                    double dW = 0;
                    Complex expected = Complex.Sqrt(new Complex(re, im));
                    Complex root = Complex.Sqrt(expected);
                    double value = expected.Real * 3 + expected.Imaginary * expected.Imaginary - expected.Real * expected.Imaginary + root.Imaginary
                        + Complex.Sqrt(new Complex(re, im) * 2).Real;
                    return BitConverter.DoubleToInt64Bits(value) == BitConverter.DoubleToInt64Bits(RootBackward(new Complex(re, im), 1.0, ref dZ, ref dW));
                }
            }
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    private static MethodInfo Method(string name) => Compiled.Value.GetType("Samples.Waves", throwOnError: true)!.GetMethod(name)!;

    [Fact]
    public void Every_mode_matches_finite_differences()
    {
        var random = new Random(8);
        for (int point = 0; point < 10; point++)
        {
            double[] x = { random.NextDouble() + 0.3, random.NextDouble() - 0.5, random.NextDouble() + 0.5 };
            double[] numeric = Backprop.GradientCheck.NumericGradient(v => (double)Method("Value").Invoke(null, new object[] { v })!, x);
            double[] analytic = (double[])Method("Gradient").Invoke(null, new object[] { x })!;
            Assert.True(Backprop.GradientCheck.Compare(analytic, numeric).Passed(1e-6), $"gradient at point {point}");

            double[] t = { random.NextDouble() - 0.5, random.NextDouble() - 0.5, random.NextDouble() - 0.5 };
            double expected = analytic.Zip(t, (a, b) => a * b).Sum();
            double tangent = (double)Method("Directional").Invoke(null, new object[] { x, t })!;
            Assert.True(Math.Abs(tangent - expected) < 1e-9 * (1 + Math.Abs(expected)), $"tangent at point {point}");

            const double h = 1e-5;
            double[] plus = (double[])Method("Gradient").Invoke(null, new object[] { x.Zip(t, (a, b) => a + h * b).ToArray() })!;
            double[] minus = (double[])Method("Gradient").Invoke(null, new object[] { x.Zip(t, (a, b) => a - h * b).ToArray() })!;
            double[] fd = plus.Zip(minus, (a, b) => (a - b) / (2 * h)).ToArray();
            Assert.True(Backprop.GradientCheck.Compare((double[])Method("Hessian").Invoke(null, new object[] { x, t })!, fd).Passed(1e-5), $"H·v at point {point}");

            Assert.True((bool)Method("SameValue").Invoke(null, new object[] { x })!, $"the Backward's value is the primal's bit for bit at point {point}");
        }
    }

    [Fact]
    public void Sqrt_matches_finite_differences_in_every_quadrant_and_on_the_real_axis()
    {
        MethodInfo Root(string name) => Compiled.Value.GetType("Samples.Roots", throwOnError: true)!.GetMethod(name)!;
        var random = new Random(21);
        for (int point = 0; point < 24; point++)
        {
            // Four quadrants, then the positive real axis (im = 0, where the library's constant zero would lose ∂/∂im).
            double re = (point % 2 == 0 ? 1 : -1) * (random.NextDouble() + 0.2), im = (point / 2 % 2 == 0 ? 1 : -1) * (random.NextDouble() + 0.2);
            if (point >= 16) (re, im) = (Math.Abs(re), 0.0);
            double[] x = { re, im, random.NextDouble() + 0.5 };
            double[] numeric = Backprop.GradientCheck.NumericGradient(v => (double)Root("Value").Invoke(null, new object[] { v })!, x);
            double[] analytic = (double[])Root("Gradient").Invoke(null, new object[] { x })!;
            Assert.True(Backprop.GradientCheck.Compare(analytic, numeric).Passed(1e-6), $"gradient at ({re}, {im})");

            double[] t = { random.NextDouble() - 0.5, random.NextDouble() - 0.5, random.NextDouble() - 0.5 };
            double expected = analytic.Zip(t, (a, b) => a * b).Sum();
            double tangent = (double)Root("Directional").Invoke(null, new object[] { x, t })!;
            Assert.True(Math.Abs(tangent - expected) < 1e-9 * (1 + Math.Abs(expected)), $"tangent at ({re}, {im})");

            const double h = 1e-5;
            double[] plus = (double[])Root("Gradient").Invoke(null, new object[] { x.Zip(t, (a, b) => a + h * b).ToArray() })!;
            double[] minus = (double[])Root("Gradient").Invoke(null, new object[] { x.Zip(t, (a, b) => a - h * b).ToArray() })!;
            double[] fd = plus.Zip(minus, (a, b) => (a - b) / (2 * h)).ToArray();
            Assert.True(Backprop.GradientCheck.Compare((double[])Root("Hessian").Invoke(null, new object[] { x, t })!, fd).Passed(1e-5), $"H·v at ({re}, {im})");
        }

        // The value is the library's bit for bit: both axes, both zeros, overflow scaling, subnormals, random points.
        double[] special = { 0.0, -0.0, 1, -1, 4, -2.5, 1e-300, -1e-300, 5e-324, 1e300, -1e300, 1.7e308, -1.7e308, double.PositiveInfinity, double.NegativeInfinity };
        foreach (double re in special)
        {
            foreach (double im in special) Assert.True((bool)Root("SameRoot").Invoke(null, new object[] { re, im })!, $"Sqrt({re}, {im})");
        }

        for (int i = 0; i < 2000; i++)
        {
            double re = (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-30, 30)), im = (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-30, 30));
            Assert.True((bool)Root("SameRoot").Invoke(null, new object[] { re, im })!, $"Sqrt({re}, {im})");
        }
    }

    [Fact]
    public void A_complex_result_takes_a_complex_seed()
    {
        double[] x = { 0.4, -1.1, 0.8 };
        double[] numeric = Backprop.GradientCheck.NumericGradient(v => (double)Method("RotateReal").Invoke(null, new object[] { v })!, x);
        Assert.True(Backprop.GradientCheck.Compare((double[])Method("RotateRealRow").Invoke(null, new object[] { x })!, numeric).Passed(1e-6));
    }

    [Fact]
    public void Adjoints_are_written_back_through_the_constructor()
    {
        string backward = GeneratedMethods.Method(TestCompiler.Generate(Source).Source("Waves.Response.Backward.g.cs"), "ResponseBackward");
        Assert.Contains("dZ = new global::System.Numerics.Complex(dZ.Real + ", backward);
        Assert.DoesNotContain(" with {", backward);
    }
}
