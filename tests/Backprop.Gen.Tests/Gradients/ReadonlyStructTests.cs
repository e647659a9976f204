using System;
using System.Linq;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// Readonly structs (get-only auto-properties, readonly fields) with a constructor that only assigns each field from its
/// own parameter: their adjoints, tangents and results are built through that constructor
/// (<c>dP = new Vec2(dP.X + …, dP.Y + …)</c>), as parameters, results, arrays and members of model classes.
/// </summary>
public class ReadonlyStructTests
{
    private const string Source = """
        using System;
        using System.Linq;
        using Backprop;

        namespace Shapes
        {
            public readonly struct Vec2
            {
                public double X { get; }
                public double Y { get; }
                public Vec2(double x, double y) { X = x; Y = y; }
                public static Vec2 operator +(Vec2 a, Vec2 b) => new(a.X + b.X, a.Y + b.Y);
                public static Vec2 operator *(double k, Vec2 a) => new(k * a.X, k * a.Y);
                public double Length => Math.Sqrt(X * X + Y * Y);
            }

            public readonly struct R3
            {
                public readonly double X, Y, Z;
                public R3(double z, double x, double y)
                {
                    this.Z = z;
                    this.X = x;
                    this.Y = y;
                }
            }

            // Structs inside structs, rebuilt level by level: a readonly one in a readonly one, one in a plain struct, and
            // a Complex in a plain struct.
            public readonly struct Particle
            {
                public Vec2 Pos { get; }
                public double Mass { get; }
                public Particle(Vec2 pos, double mass) { Pos = pos; Mass = mass; }
            }

            public struct Holder { public Vec2 P; public double W; }

            public struct Wave { public System.Numerics.Complex Amp; public double F; }

            public static partial class Paths
            {
                private const DifferentiationModes All = DifferentiationModes.Reverse | DifferentiationModes.Forward | DifferentiationModes.SecondOrder;

                [Differentiable(Modes = All)]
                public static double Fly(Vec2 p, Vec2 v, double dt)
                {
                    for (int i = 0; i < 3; i++) p = p + dt * v;
                    return p.Length * p.Y;
                }

                [Differentiable(Modes = All)]
                public static double Nested(Particle b, Holder h, double k) => b.Mass * b.Pos.X * k + h.P.Y * h.W * Math.Sin(b.Pos.Y * h.P.X);

                [Differentiable(Modes = DifferentiationModes.Reverse | DifferentiationModes.Forward)]
                public static Particle Move(Particle b, double t) => new Particle(new Vec2(b.Pos.X + t * b.Mass, b.Pos.Y * b.Pos.X), b.Mass * t);

                [Differentiable]
                public static double Ring(Wave w, double k) => (w.Amp * w.F).Imaginary * k + System.Numerics.Complex.Abs(w.Amp);

                public static double[] RingGradient(double re, double im, double f, double k)
                {
                    Wave dW = default;
                    double dK = 0;
                    RingBackward(new Wave { Amp = new System.Numerics.Complex(re, im), F = f }, k, ref dW, ref dK);
                    return new[] { dW.Amp.Real, dW.Amp.Imaginary, dW.F, dK };
                }

                public static double RingAt(double re, double im, double f, double k) => Ring(new Wave { Amp = new System.Numerics.Complex(re, im), F = f }, k);

                [Differentiable(Modes = DifferentiationModes.Reverse | DifferentiationModes.Forward)]
                public static R3 Spin(R3 a, double t) => new R3(a.Z * Math.Cos(t), a.X * t + a.Y, a.Y * a.Z);

                // An array of plain structs holding a readonly one: rebuilt element by element, level by level.
                [Differentiable]
                public static double Swarm(Holder[] hs, double k)
                {
                    double e = 0;
                    for (int i = 0; i < hs.Length; i++) e += hs[i].W * (hs[i].P.X * hs[i].P.X + k * hs[i].P.Y);
                    return e;
                }

                public static double SwarmValue(double[] x) => Swarm(Holders(x), x[6]);

                public static double[] SwarmGradient(double[] x)
                {
                    var dHs = new Holder[2];
                    double dK = 0;
                    SwarmBackward(Holders(x), x[6], dHs, ref dK);
                    return dHs.SelectMany(h => new[] { h.P.X, h.P.Y, h.W }).Append(dK).ToArray();
                }

                private static Holder[] Holders(double[] x) => Enumerable.Range(0, 2).Select(i => new Holder { P = new Vec2(x[3 * i], x[3 * i + 1]), W = x[3 * i + 2] }).ToArray();

                [Differentiable]
                public static double Energy(R3[] pts, double k)
                {
                    double e = 0;
                    for (int i = 0; i < pts.Length; i++) e += k * (pts[i].X * pts[i].Y - pts[i].Z * pts[i].Z);
                    return e;
                }

                // Flat views of Energy: three points (X, Y, Z each), then k.
                private static R3[] Points(double[] x) => Enumerable.Range(0, 3).Select(i => new R3(x[3 * i + 2], x[3 * i], x[3 * i + 1])).ToArray();

                public static double EnergyValue(double[] x) => Energy(Points(x), x[9]);

                public static double[] EnergyGradient(double[] x)
                {
                    var dPts = new R3[3];
                    double dK = 0;
                    EnergyBackward(Points(x), x[9], dPts, ref dK);
                    return dPts.SelectMany(p => new[] { p.X, p.Y, p.Z }).Append(dK).ToArray();
                }
            }

            public sealed partial class Body
            {
                public Vec2 Center = new(1.0, 2.0);
                public double K = 0.5;

                [Differentiable]
                public double Loss(double x) => K * Center.X * x + Center.Y * Center.Y;
            }

            // A Complex member: its gradient and its update are rebuilt through Complex's constructor.
            public sealed partial class Filter
            {
                public System.Numerics.Complex Pole = new(0.5, 0.3);
                public double Gain = 1.2;

                [Differentiable]
                public double Response(double w)
                {
                    var s = new System.Numerics.Complex(0, w);
                    System.Numerics.Complex h = Gain / (s - Pole);
                    return h.Magnitude * h.Magnitude + Pole.Real * w;
                }
            }

            // Arrays of structs as members: a plain struct holding a readonly one, and readonly structs, read by index
            // and in a foreach; their gradients are arrays of the same structs.
            public sealed partial class Cloud
            {
                public Holder[] Items = new Holder[2];
                public Vec2[] Anchors = new Vec2[2];
                public double K = 0.8;

                [Differentiable]
                public double Energy(double w)
                {
                    double e = 0;
                    for (int i = 0; i < Items.Length; i++) e += K * Items[i].P.X * Items[i].W * w + Items[i].P.Y * Items[i].P.Y;
                    foreach (Vec2 a in Anchors) e += a.X * a.Y * K;
                    return e + Anchors[1].X * Items[0].P.Y;
                }

                // Flat views: Items (P.X, P.Y, W each), Anchors (X, Y each), K, then w.
                public static Cloud Of(double[] x) => new Cloud
                {
                    Items = new[] { new Holder { P = new Vec2(x[0], x[1]), W = x[2] }, new Holder { P = new Vec2(x[3], x[4]), W = x[5] } },
                    Anchors = new[] { new Vec2(x[6], x[7]), new Vec2(x[8], x[9]) },
                    K = x[10],
                };

                public static double[] Flat(Cloud c) => new[] { c.Items[0].P.X, c.Items[0].P.Y, c.Items[0].W, c.Items[1].P.X, c.Items[1].P.Y, c.Items[1].W,
                    c.Anchors[0].X, c.Anchors[0].Y, c.Anchors[1].X, c.Anchors[1].Y, c.K };

                public static double Value(double[] x) => Of(x).Energy(x[11]);

                public static double[] Gradient(double[] x)
                {
                    Cloud c = Of(x);
                    var g = new Gradients(c);
                    double dW = 0;
                    c.EnergyBackward(x[11], g, ref dW);
                    return new[] { g.Items[0].P.X, g.Items[0].P.Y, g.Items[0].W, g.Items[1].P.X, g.Items[1].P.Y, g.Items[1].W,
                        g.Anchors[0].X, g.Anchors[0].Y, g.Anchors[1].X, g.Anchors[1].Y, g.K, dW };
                }

                // One optimizer step of 0.5 · (twice the gradient, accumulated, halved): the parameters after it.
                public static double[] Stepped(double[] x)
                {
                    Cloud c = Of(x);
                    var g = new Gradients(c);
                    double dW = 0;
                    c.EnergyBackward(x[11], g, ref dW);
                    g.Accumulate(g);
                    g.MultiplyBy(0.5);
                    ((IGradients<Cloud>)g).Apply(c, new Step());
                    return Flat(c);
                }
            }

            public sealed class Step : IParameterUpdater
            {
                public void Update(int index, Span<double> parameter, ReadOnlySpan<double> gradient)
                {
                    for (int i = 0; i < parameter.Length; i++) parameter[i] -= 0.5 * gradient[i];
                }

                public void Update(int index, Span<float> parameter, ReadOnlySpan<float> gradient) => throw new NotSupportedException();
            }
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    private static Type T(string name) => Compiled.Value.GetType("Shapes." + name, throwOnError: true)!;

    private static object Vec2(Random r) => Activator.CreateInstance(T("Vec2"), GradientHarness.RandomScalar(r), 1.5 + GradientHarness.RandomScalar(r))!;

    private static object R3(Random r) => Activator.CreateInstance(T("R3"), GradientHarness.RandomScalar(r), GradientHarness.RandomScalar(r), GradientHarness.RandomScalar(r))!;

    [Fact]
    public void Readonly_struct_parameters_in_every_mode() =>
        StructHarness.Check(Compiled.Value, "Shapes.Paths", "Fly", r => new object?[] { Vec2(r), Vec2(r), 0.1 + 0.1 * r.NextDouble() });

    [Fact]
    public void A_readonly_struct_result_built_through_a_reordered_constructor() =>
        StructHarness.Check(Compiled.Value, "Shapes.Paths", "Spin", r => new object?[] { R3(r), GradientHarness.RandomScalar(r) });

    private static object Particle(Random r) => Activator.CreateInstance(T("Particle"), Vec2(r), 1 + r.NextDouble())!;

    private static object Holder(Random r)
    {
        object holder = Activator.CreateInstance(T("Holder"))!;
        T("Holder").GetField("P")!.SetValue(holder, Vec2(r));
        T("Holder").GetField("W")!.SetValue(holder, GradientHarness.RandomScalar(r));
        return holder;
    }

    [Fact]
    public void Structs_inside_structs_are_rebuilt_level_by_level()
    {
        StructHarness.Check(Compiled.Value, "Shapes.Paths", "Nested", r => new object?[] { Particle(r), Holder(r), GradientHarness.RandomScalar(r) });
        StructHarness.Check(Compiled.Value, "Shapes.Paths", "Move", r => new object?[] { Particle(r), GradientHarness.RandomScalar(r) });
        string move = GeneratedMethods.Method(TestCompiler.Generate(Source).Source("Paths.Nested.Backward.g.cs"), "NestedBackward");
        Assert.Contains("dB = new global::Shapes.Particle(new global::Shapes.Vec2(dB.Pos.X + ", move);
        Assert.Contains("dH = dH with { P = new global::Shapes.Vec2(dH.P.X + ", move);
    }

    [Fact]
    public void A_complex_inside_a_struct()
    {
        MethodInfo value = T("Paths").GetMethod("RingAt")!, gradient = T("Paths").GetMethod("RingGradient")!;
        var random = new Random(7);
        for (int point = 0; point < 4; point++)
        {
            double[] x = Enumerable.Range(0, 4).Select(_ => GradientHarness.RandomScalar(random) + 0.2).ToArray();
            double[] numeric = Backprop.GradientCheck.NumericGradient(v => (double)value.Invoke(null, v.Cast<object>().ToArray())!, x);
            Assert.True(Backprop.GradientCheck.Compare((double[])gradient.Invoke(null, x.Cast<object>().ToArray())!, numeric).Passed(1e-6), $"point {point}");
        }
    }

    [Fact]
    public void An_array_of_structs_holding_a_readonly_struct()
    {
        Type paths = T("Paths");
        var random = new Random(6);
        double[] x = Enumerable.Range(0, 7).Select(_ => GradientHarness.RandomScalar(random)).ToArray();
        double[] numeric = Backprop.GradientCheck.NumericGradient(v => (double)paths.GetMethod("SwarmValue")!.Invoke(null, new object[] { v })!, x);
        Assert.True(Backprop.GradientCheck.Compare((double[])paths.GetMethod("SwarmGradient")!.Invoke(null, new object[] { x })!, numeric).Passed(1e-6));
    }

    [Fact]
    public void An_array_of_readonly_structs()
    {
        Type paths = T("Paths");
        var random = new Random(4);
        double[] x = Enumerable.Range(0, 10).Select(_ => GradientHarness.RandomScalar(random)).ToArray();
        double[] numeric = Backprop.GradientCheck.NumericGradient(v => (double)paths.GetMethod("EnergyValue")!.Invoke(null, new object[] { v })!, x);
        Assert.True(Backprop.GradientCheck.Compare((double[])paths.GetMethod("EnergyGradient")!.Invoke(null, new object[] { x })!, numeric).Passed(1e-6));
    }

    [Fact]
    public void A_readonly_struct_member_of_a_model_class()
    {
        Type body = T("Body");
        object model = Activator.CreateInstance(body)!;
        Type gradientsType = body.GetNestedType("Gradients")!;
        object gradients = Activator.CreateInstance(gradientsType, model)!;
        Invoke.Call(body.GetMethod("LossBackward")!, new object?[] { 3.0, gradients, 0.0, 1.0 }, model);
        object center = gradientsType.GetField("Center")!.GetValue(gradients)!;
        double Get(object v, string name) => (double)T("Vec2").GetProperty(name)!.GetValue(v)!;
        // Loss = K·Cx·x + Cy²: ∂/∂Cx = K·x = 1.5, ∂/∂Cy = 2·Cy = 4.
        Assert.Equal(1.5, Get(center, "X"), 12);
        Assert.Equal(4.0, Get(center, "Y"), 12);

        gradientsType.GetMethod("Accumulate")!.Invoke(gradients, new[] { gradients });
        gradientsType.GetMethod("MultiplyBy")!.Invoke(gradients, new object[] { 0.5 });
        center = gradientsType.GetField("Center")!.GetValue(gradients)!;
        Assert.Equal(1.5, Get(center, "X"), 12);

        Type contract = typeof(IGradients<>).MakeGenericType(body);
        contract.GetMethod("Apply")!.Invoke(gradients, new[] { model, Activator.CreateInstance(T("Step"))! });
        object moved = body.GetField("Center")!.GetValue(model)!;
        Assert.Equal(1.0 - 0.75, Get(moved, "X"), 12);
        Assert.Equal(2.0 - 2.0, Get(moved, "Y"), 12);
    }

    [Fact]
    public void A_complex_member_of_a_model_class()
    {
        Type filter = T("Filter");
        Type gradientsType = filter.GetNestedType("Gradients")!;
        double Response(System.Numerics.Complex pole, double gain)
        {
            object model = Activator.CreateInstance(filter)!;
            filter.GetField("Pole")!.SetValue(model, pole);
            filter.GetField("Gain")!.SetValue(model, gain);
            return (double)filter.GetMethod("Response")!.Invoke(model, new object[] { 0.8 })!;
        }

        object model = Activator.CreateInstance(filter)!;
        object gradients = Activator.CreateInstance(gradientsType, model)!;
        Invoke.Call(filter.GetMethod("ResponseBackward")!, new object?[] { 0.8, gradients, 0.0, 1.0 }, model);
        var pole = (System.Numerics.Complex)gradientsType.GetField("Pole")!.GetValue(gradients)!;
        double gain = (double)gradientsType.GetField("Gain")!.GetValue(gradients)!;
        const double h = 1e-6;
        double[] numeric =
        {
            (Response(new(0.5 + h, 0.3), 1.2) - Response(new(0.5 - h, 0.3), 1.2)) / (2 * h),
            (Response(new(0.5, 0.3 + h), 1.2) - Response(new(0.5, 0.3 - h), 1.2)) / (2 * h),
            (Response(new(0.5, 0.3), 1.2 + h) - Response(new(0.5, 0.3), 1.2 - h)) / (2 * h),
        };
        Assert.True(Backprop.GradientCheck.Compare(new[] { pole.Real, pole.Imaginary, gain }, numeric).Passed(1e-6));

        typeof(IGradients<>).MakeGenericType(filter).GetMethod("Apply")!.Invoke(gradients, new[] { model, Activator.CreateInstance(T("Step"))! });
        var moved = (System.Numerics.Complex)filter.GetField("Pole")!.GetValue(model)!;
        Assert.Equal(0.5 - 0.5 * pole.Real, moved.Real, 12);
        Assert.Equal(0.3 - 0.5 * pole.Imaginary, moved.Imaginary, 12);
    }

    [Fact]
    public void Arrays_of_structs_as_members_of_a_model_class()
    {
        Type cloud = T("Cloud");
        var random = new Random(11);
        double[] x = Enumerable.Range(0, 12).Select(_ => GradientHarness.RandomScalar(random)).ToArray();
        double[] numeric = Backprop.GradientCheck.NumericGradient(v => (double)cloud.GetMethod("Value")!.Invoke(null, new object[] { v })!, x);
        double[] gradient = (double[])cloud.GetMethod("Gradient")!.Invoke(null, new object[] { x })!;
        Assert.True(Backprop.GradientCheck.Compare(gradient, numeric).Passed(1e-6));
        double[] after = (double[])cloud.GetMethod("Stepped")!.Invoke(null, new object[] { x })!;
        for (int i = 0; i < 11; i++) Assert.Equal(x[i] - 0.5 * gradient[i], after[i], 12);
    }

    [Fact]
    public void Adjoints_are_rebuilt_through_the_constructor() =>
        Snapshot.Verify("ReadonlyStruct", GeneratedMethods.Method(TestCompiler.Generate(Source).Source("Paths.Spin.Backward.g.cs"), "SpinBackward"));
}
