using System;
using System.Linq;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// Arrays and spans of differentiable structs as parameters (<c>V2[] pts</c> → <c>V2[] dPts</c>): reverse mode,
/// forward mode and second order against finite differences, through plain structs and record structs (whose
/// properties are written back with <c>with</c>), arrays and spans, <c>foreach</c>, and a null adjoint meaning "not wanted".
/// </summary>
public class StructArrayTests
{
    internal const string Source = """
        using System;
        using System.Linq;
        using Backprop;

        namespace Samples
        {
            public struct V2
            {
                public double X, Y;
                public V2(double x, double y) { X = x; Y = y; }
                public static V2 operator -(V2 a, V2 b) => new V2(a.X - b.X, a.Y - b.Y);
                public readonly double Length => Math.Sqrt(X * X + Y * Y);
            }

            public record struct Body(V2 Pos, double Mass);

            public static partial class Arrays
            {
                private const DifferentiationModes All = DifferentiationModes.Reverse | DifferentiationModes.Forward | DifferentiationModes.SecondOrder;

                // A chain of springs: elements read whole, through an operator and a property, and field by field.
                [Differentiable(Modes = All)]
                public static double Energy(V2[] pts, double k)
                {
                    double e = 0;
                    for (int i = 0; i + 1 < pts.Length; i++)
                    {
                        V2 step = pts[i + 1] - pts[i];
                        double d = step.Length - 1;
                        e += k * d * d;
                    }

                    return e + pts[0].X * pts[pts.Length - 1].Y;
                }

                // A span of record structs (properties on every path), with a branch on an element's field.
                [Differentiable(Modes = All)]
                public static double Weighted(ReadOnlySpan<Body> bodies, double g)
                {
                    double e = 0;
                    for (int i = 0; i < bodies.Length; i++)
                    {
                        Body b = bodies[i];
                        e += b.Pos.Y > 0 ? b.Mass * g * b.Pos.Y : Math.Sin(b.Pos.X) * b.Mass;
                    }

                    return e * g;
                }

                // foreach over an array of structs, twice, the second time with var.
                [Differentiable(Modes = All)]
                public static double Spread(V2[] pts, double k)
                {
                    double sx = 0, sy = 0;
                    foreach (V2 p in pts)
                    {
                        sx += p.X;
                        sy += p.Y * k;
                    }

                    double s = 0;
                    foreach (var p in pts) s += (p.X - sx / pts.Length) * (p.X - sx / pts.Length) + Math.Tanh(p.Y * sy);
                    return s;
                }

                public static double SpreadValue(double[] f) => Spread(Points(f[..^1]), f[^1]);

                public static double[] SpreadGradient(double[] f)
                {
                    var d = new V2[f.Length / 2];
                    double dK = 0;
                    SpreadBackward(Points(f[..^1]), f[^1], d, ref dK);
                    return Flat(d).Append(dK).ToArray();
                }

                public static double SpreadDirectional(double[] f, double[] t)
                {
                    SpreadTangent(Points(f[..^1]), f[^1], Points(t[..^1]), t[^1], out double tangent);
                    return tangent;
                }

                public static double[] SpreadHessian(double[] f, double[] v)
                {
                    var d = new V2[f.Length / 2];
                    var h = new V2[f.Length / 2];
                    double dK = 0, hK = 0;
                    SpreadHessianVector(Points(f[..^1]), f[^1], Points(v[..^1]), v[^1], d, ref dK, h, ref hK);
                    return Flat(h).Append(hK).ToArray();
                }

                // A wrt list may name an array of structs (and leave another one out).
                [Differentiable("pts")]
                public static double Chosen(V2[] pts, double k, V2[] other) => pts[0].X * k + other[0].Y * pts[1].Y;

                public static double[] ChosenGradient(double[] f)
                {
                    var d = new V2[2];
                    ChosenBackward(Points(f[..4]), 3, Points(f[4..]), d);
                    return Flat(d);
                }

                public static double ChosenValue(double[] f) => Chosen(Points(f[..4]), 3, Points(f[4..]));

                public static V2[] Points(double[] f) => Enumerable.Range(0, f.Length / 2).Select(i => new V2(f[2 * i], f[2 * i + 1])).ToArray();

                public static Body[] Bodies(double[] f) => Enumerable.Range(0, f.Length / 3).Select(i => new Body(new V2(f[3 * i], f[3 * i + 1]), f[3 * i + 2])).ToArray();

                public static double[] Flat(V2[] p) => p.SelectMany(v => new[] { v.X, v.Y }).ToArray();

                public static double[] Flat(Body[] p) => p.SelectMany(b => new[] { b.Pos.X, b.Pos.Y, b.Mass }).ToArray();

                // Every mode through flat arrays, for the test: value, gradient, directional derivative, Hessian-vector product.
                public static double EnergyValue(double[] f) => Energy(Points(f[..^1]), f[^1]);

                public static double[] EnergyGradient(double[] f)
                {
                    var d = new V2[f.Length / 2];
                    double dK = 0;
                    EnergyBackward(Points(f[..^1]), f[^1], d, ref dK, 1.5);
                    return Flat(d).Append(dK).Select(v => v / 1.5).ToArray();
                }

                public static double EnergyDirectional(double[] f, double[] t)
                {
                    EnergyTangent(Points(f[..^1]), f[^1], Points(t[..^1]), t[^1], out double tangent);
                    return tangent;
                }

                public static double[] EnergyHessian(double[] f, double[] v)
                {
                    var d = new V2[f.Length / 2];
                    var h = new V2[f.Length / 2];
                    double dK = 0, hK = 0;
                    EnergyHessianVector(Points(f[..^1]), f[^1], Points(v[..^1]), v[^1], d, ref dK, h, ref hK);
                    return Flat(h).Append(hK).ToArray();
                }

                public static double WeightedValue(double[] f) => Weighted(Bodies(f[..^1]), f[^1]);

                public static double[] WeightedGradient(double[] f)
                {
                    var d = new Body[f.Length / 3];
                    double dG = 0;
                    WeightedBackward(Bodies(f[..^1]), f[^1], d, ref dG);
                    return Flat(d).Append(dG).ToArray();
                }

                public static double WeightedDirectional(double[] f, double[] t)
                {
                    WeightedTangent(Bodies(f[..^1]), f[^1], Bodies(t[..^1]), t[^1], out double tangent);
                    return tangent;
                }

                public static double[] WeightedHessian(double[] f, double[] v)
                {
                    var d = new Body[f.Length / 3];
                    var h = new Body[f.Length / 3];
                    double dG = 0, hG = 0;
                    WeightedHessianVector(Bodies(f[..^1]), f[^1], Bodies(v[..^1]), v[^1], d, ref dG, h, ref hG);
                    return Flat(h).Append(hG).ToArray();
                }

                // The gradient of k alone: the array's adjoint left out (null) means "not wanted".
                public static double EnergyOnlyK(double[] f)
                {
                    double dK = 0;
                    EnergyBackward(Points(f[..^1]), f[^1], null, ref dK);
                    return dK;
                }
            }
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    private static Func<double[], T> Function<T>(string name)
    {
        MethodInfo method = Compiled.Value.GetType("Samples.Arrays", throwOnError: true)!.GetMethod(name)!;
        return f => (T)method.Invoke(null, new object[] { f })!;
    }

    private static Func<double[], double[], T> Function2<T>(string name)
    {
        MethodInfo method = Compiled.Value.GetType("Samples.Arrays", throwOnError: true)!.GetMethod(name)!;
        return (f, g) => (T)method.Invoke(null, new object[] { f, g })!;
    }

    [Theory]
    [InlineData("Energy", 9)]    // four points and k
    [InlineData("Weighted", 13)] // four bodies and g
    [InlineData("Spread", 11)]   // five points and k
    public void Every_mode_matches_finite_differences(string name, int size)
    {
        var value = Function<double>(name + "Value");
        var gradient = Function<double[]>(name + "Gradient");
        var directional = Function2<double>(name + "Directional");
        var hessian = Function2<double[]>(name + "Hessian");
        var random = new Random(11);
        for (int point = 0; point < 5; point++)
        {
            double[] x = Enumerable.Range(0, size).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            double[] numeric = Backprop.GradientCheck.NumericGradient(value, x);
            double[] analytic = gradient(x);
            Assert.True(Backprop.GradientCheck.Compare(analytic, numeric).Passed(1e-6), $"{name} gradient at point {point}");

            double[] t = Enumerable.Range(0, size).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            double expected = analytic.Zip(t, (a, b) => a * b).Sum();
            Assert.True(Math.Abs(directional(x, t) - expected) < 1e-9 * (1 + Math.Abs(expected)), $"{name} tangent at point {point}");

            // H·v against central differences of the gradient along v.
            const double h = 1e-5;
            double[] plus = gradient(x.Zip(t, (a, b) => a + h * b).ToArray()), minus = gradient(x.Zip(t, (a, b) => a - h * b).ToArray());
            double[] fd = plus.Zip(minus, (a, b) => (a - b) / (2 * h)).ToArray();
            Assert.True(Backprop.GradientCheck.Compare(hessian(x, t), fd).Passed(1e-5), $"{name} Hessian-vector product at point {point}");
        }
    }

    [Fact]
    public void A_wrt_list_names_an_array_of_structs()
    {
        double[] x = { 0.3, -0.2, 0.7, 1.1, 0.4, -0.9 };
        double[] numeric = Backprop.GradientCheck.NumericGradient(f => Function<double>("ChosenValue")(f.Concat(x[4..]).ToArray()), x[..4]);
        Assert.True(Backprop.GradientCheck.Compare(Function<double[]>("ChosenGradient")(x), numeric).Passed(1e-6));
    }

    [Fact]
    public void A_null_adjoint_array_means_not_wanted()
    {
        double[] x = { 0.1, 0.2, 1.3, -0.4, 2.2, 0.5, 0.3, 0.9, 1.7 };
        Assert.Equal(Function<double[]>("EnergyGradient")(x)[^1], Function<double>("EnergyOnlyK")(x), 12);
    }

    [Fact]
    public void The_backward_adds_the_fields_by_name_and_copies_each_field_once()
    {
        string text = TestCompiler.Generate(Source).Source("Arrays.Energy.Backward.g.cs");
        string backward = GeneratedMethods.Method(text, "EnergyBackward");
        Assert.Contains("pts_X[_item] = pts[_item].X;", backward);
        Assert.Contains("dPts[_item_1].X += dPts_X[_item_1];", backward);
        Assert.DoesNotContain("dPts_X != null", backward);
        string weighted = GeneratedMethods.Method(TestCompiler.Generate(Source).Source("Arrays.Weighted.Backward.g.cs"), "WeightedBackward");
        Assert.Contains("dBodies[_item_1] = dBodies[_item_1] with { Pos = dBodies[_item_1].Pos with {", weighted);
    }

    [Fact]
    public void A_tangent_or_direction_array_of_another_length_is_an_argument_exception()
    {
        Type arrays = Compiled.Value.GetType("Samples.Arrays", throwOnError: true)!;
        MethodInfo tangent = arrays.GetMethods().Single(m => m.Name == "SpreadTangent");
        object?[] Args(int? tangentLength)
        {
            Type v2 = Compiled.Value.GetType("Samples.V2", throwOnError: true)!;
            Array pts = Array.CreateInstance(v2, 3);
            Array? tPts = tangentLength is { } length ? Array.CreateInstance(v2, length) : null;
            return new object?[] { pts, 0.5, tPts, 1.0, null };
        }

        var error = Assert.Throws<TargetInvocationException>(() => tangent.Invoke(null, Args(2)));
        ArgumentException argument = Assert.IsType<ArgumentException>(error.InnerException);
        Assert.Contains("tPts", argument.Message);
        Assert.Contains("pts", argument.Message);
        tangent.Invoke(null, Args(3));        // the right length is fine
        tangent.Invoke(null, Args(null));     // a null tangent means zero
        Assert.Throws<TargetInvocationException>(() => tangent.Invoke(null, Args(4)));
    }
}
