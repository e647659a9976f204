using System;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// Differentiable structs declared in source: parameters (ref V2 dP), locals, nested structs, record structs,
/// constructors, operators, methods and properties inlined, in reverse mode, forward mode and second order, against
/// finite differences.
/// </summary>
public class StructTests
{
    internal const string Source = """
        using System;
        using Backprop;

        namespace Samples
        {
            public struct V2
            {
                public double X, Y;
                public V2(double x, double y) { X = x; Y = y; }
                public static V2 operator +(V2 a, V2 b) => new V2(a.X + b.X, a.Y + b.Y);
                public static V2 operator -(V2 a, V2 b) => new V2(a.X - b.X, a.Y - b.Y);
                public static V2 operator -(V2 a) => new V2(-a.X, -a.Y);
                public static V2 operator *(double k, V2 a) => new V2(k * a.X, k * a.Y);
                public static double operator *(V2 a, V2 b) => a.X * b.X + a.Y * b.Y;
                public readonly double Dot(V2 o) => X * o.X + Y * o.Y;
                public readonly double Length => Math.Sqrt(X * X + Y * Y);
                public readonly V2 Normalized() { double n = Length; return new V2(X / n, Y / n); }
                public static V2 Rotate(V2 p, double t) => new V2(p.X * Math.Cos(t) - p.Y * Math.Sin(t), p.X * Math.Sin(t) + p.Y * Math.Cos(t));
            }

            public record struct Body(V2 Pos, V2 Vel, double Mass);

            public struct F3
            {
                public float X, Y, Z;
                public F3(float x, float y, float z) { X = x; Y = y; Z = z; }
                public static F3 operator +(F3 a, F3 b) => new F3(a.X + b.X, a.Y + b.Y, a.Z + b.Z);
            }

            public struct Chained
            {
                public double A, B;
                public Chained(double a) : this(a, 2 * a) { }
                public Chained(double a, double b) { A = a; B = a * b; }
            }

            public static partial class Structs
            {
                private const DifferentiationModes All = DifferentiationModes.Reverse | DifferentiationModes.Forward | DifferentiationModes.SecondOrder;

                [Differentiable(Modes = All)]
                public static double Energy(V2 p, double k) => k * (p.X * p.X + p.Y * p.Y);

                // A projectile with drag: struct locals updated in a loop through operators.
                [Differentiable(Modes = All)]
                public static double Range(V2 v0, double drag, int steps)
                {
                    V2 p = default;
                    V2 v = v0;
                    var g = new V2(0, -9.81);
                    double dt = 0.01;
                    for (int i = 0; i < steps; i++)
                    {
                        V2 a = g - drag * v.Length * v;
                        v = v + dt * a;
                        p += dt * v;
                    }

                    return p.X + p.Dot(p) * 0.001;
                }

                // Record structs: nested structs behind properties, 'with', a written parameter.
                [Differentiable(Modes = All)]
                public static double Step(Body b, double t)
                {
                    Body n = b with { Pos = b.Pos + t * b.Vel };
                    b.Mass = b.Mass * 2;
                    return n.Pos.Length * b.Mass + n.Vel * n.Pos;
                }

                // Methods returning structs, a unary operator, field writes, a struct declared without a value, branches.
                [Differentiable(Modes = All)]
                public static double Turn(V2 p, double t, double w)
                {
                    V2 q;
                    q.X = w * p.Y;
                    q.Y = -p.X;
                    V2 r = V2.Rotate(q, t).Normalized();
                    if (r.X > 0) r = -r;
                    else r.Y *= w;
                    return r.X * p.X + r.Y + (q - r).Length;
                }

                // Swapping through a struct assignment reads the old values.
                [Differentiable(Modes = All)]
                public static double Swap(V2 p)
                {
                    V2 s = p;
                    s = new V2(s.Y * s.Y, s.X);
                    return s.X * 3 + s.Y * s.Y;
                }

                // Chained constructors and an object initializer.
                [Differentiable(Modes = All)]
                public static double Build(double a, double c)
                {
                    var k = new Chained(a);
                    var v = new V2 { X = c, Y = k.B };
                    return k.A * v.X + v.Y * v.Y;
                }

                // float structs.
                [Differentiable(Modes = All)]
                public static float Floats(F3 a, float s)
                {
                    F3 b = a + new F3(s, s * s, 1);
                    return b.X * b.Y + b.Z * s;
                }

                private static (double S, double C) SinCos(double t) => (Math.Sin(t), Math.Cos(t));

                private static (int Index, double Best) Pick(double a, double b) => a > b ? (0, a) : (1, b);

                // Tuples: literals, tuple locals with and without names, deconstruction into new and existing locals
                // (a swap), a discard, a tuple holding a struct, a method returning a tuple, an int element.
                [Differentiable(Modes = All)]
                public static double Tuples(double x, double y)
                {
                    var t = (x * y, 2.0);
                    (double s, double c) = (Math.Sin(x), Math.Cos(y));
                    var (a, b) = SinCos(x * y);
                    (a, b) = (b, a * s);
                    (double u, V2 v) = (t.Item1 + t.Item2, new V2(c, s));
                    (t.Item1, _) = (t.Item1 * a, 0.0);
                    (int index, double best) = Pick(u, v.X);
                    return t.Item1 * a + b * c + u * v.X + v.Y + best * (index + 1);
                }

                // A tuple parameter: its adjoint is a tuple too.
                [Differentiable(Modes = All)]
                public static double TupleParameter((double A, double B) p, double k) => k * p.A * p.B + p.B;

                // Struct results: the seed is a struct, one incoming gradient per field.
                [Differentiable(Modes = All)]
                public static V2 Rotated(V2 p, double t)
                {
                    if (t > 10) return p;
                    return V2.Rotate(p, t);
                }

                // A record struct result with nested structs, from a loop.
                [Differentiable(Modes = All)]
                public static Body Advance(Body b, double dt, int steps)
                {
                    for (int i = 0; i < steps; i++) b = b with { Pos = b.Pos + dt * b.Vel, Vel = b.Vel - dt * b.Pos.Length * b.Pos };
                    return b;
                }

                // A method using another's struct result (inlined: its body is one expression).
                [Differentiable(Modes = All)]
                public static V2 Scaled(V2 p, double k) => k * p + V2.Rotate(p, k);

                [Differentiable(Modes = All)]
                public static double UsesRotated(V2 p, double t) => Scaled(p, t).X * Scaled(p, 2 * t).Y;

                // A tuple result.
                [Differentiable(Modes = All)]
                public static (double Lo, double Hi) Bounds(double x, double w) => (x - w * w, x + Math.Exp(w));

                // A constant struct.
                [Differentiable]
                public static double Held([NoDerivative] V2 anchor, V2 p) => (p - anchor).Length;
            }
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    private const string Type = "Samples.Structs";

    private static object V2(Random r) => Activator.CreateInstance(Compiled.Value.GetType("Samples.V2", throwOnError: true)!, r.NextDouble() * 2 - 1, r.NextDouble() * 2 - 1)!;

    private static double S(Random r) => r.NextDouble() * 2 - 1;

    [Fact]
    public void A_struct_parameter_gets_a_struct_adjoint() => StructHarness.Check(Compiled.Value, Type, "Energy", r => new[] { V2(r), S(r) });

    [Fact]
    public void Struct_locals_in_a_loop_through_operators() =>
        StructHarness.Check(Compiled.Value, Type, "Range", r => new object?[] { V2(r), 0.05 + 0.05 * r.NextDouble(), 30 }, points: 3);

    [Fact]
    public void Record_structs_with_nested_structs_behind_properties()
    {
        Type body = Compiled.Value.GetType("Samples.Body", throwOnError: true)!;
        StructHarness.Check(Compiled.Value, Type, "Step", r => new object?[] { Activator.CreateInstance(body, V2(r), V2(r), 1 + r.NextDouble())!, S(r) });
    }

    [Fact]
    public void Methods_returning_structs_unary_operators_field_writes_and_branches() =>
        StructHarness.Check(Compiled.Value, Type, "Turn", r => new[] { V2(r), S(r), 0.5 + r.NextDouble() }, points: 8);

    [Fact]
    public void A_struct_assignment_reads_the_old_values() => StructHarness.Check(Compiled.Value, Type, "Swap", r => new[] { V2(r) });

    [Fact]
    public void Chained_constructors_and_object_initializers() => StructHarness.Check(Compiled.Value, Type, "Build", r => new object[] { S(r), S(r) });

    [Fact]
    public void Float_structs()
    {
        Type f3 = Compiled.Value.GetType("Samples.F3", throwOnError: true)!;
        var random = new Random(4);
        for (int i = 0; i < 3; i++)
        {
            object a = Activator.CreateInstance(f3, (float)S(random), (float)S(random), (float)S(random))!;
            float s = (float)S(random);
            object?[] arguments = { a, s, Activator.CreateInstance(f3)!, 0f, 1f };
            float value = (float)Invoke.Call(Invoke.Method(Compiled.Value, Type, "FloatsBackward", 5), arguments)!;
            float ax = (float)f3.GetField("X")!.GetValue(a)!, ay = (float)f3.GetField("Y")!.GetValue(a)!, az = (float)f3.GetField("Z")!.GetValue(a)!;
            Assert.Equal((ax + s) * (ay + s * s) + (az + 1) * s, value, 4);
            // ∂/∂s = (ay + s²) + (ax + s)·2s + (az + 1)
            Assert.Equal((ay + s * s) + (ax + s) * 2 * s + (az + 1), (float)arguments[3]!, 4);
            Assert.Equal(ay + s * s, (float)f3.GetField("X")!.GetValue(arguments[2])!, 4);
        }
    }

    [Fact]
    public void Tuples_inside_a_method() => StructHarness.Check(Compiled.Value, Type, "Tuples", r => new object[] { S(r), S(r) }, points: 6);

    [Fact]
    public void A_tuple_parameter_gets_a_tuple_adjoint()
    {
        StructHarness.Check(Compiled.Value, Type, "TupleParameter", r => new object[] { (S(r), S(r)), S(r) });
        var arguments = new object?[] { (2.0, 3.0), 0.5, (0.0, 0.0), 0.0, 1.0 };
        Invoke.Call(Invoke.Method(Compiled.Value, Type, "TupleParameterBackward", 5), arguments);
        Assert.Equal((0.5 * 3, 0.5 * 2 + 1), ((double, double))arguments[2]!);
    }

    [Fact]
    public void Struct_results_take_a_struct_seed()
    {
        StructHarness.Check(Compiled.Value, Type, "Rotated", r => new[] { V2(r), S(r) });
        Type body = Compiled.Value.GetType("Samples.Body", throwOnError: true)!;
        StructHarness.Check(Compiled.Value, Type, "Advance", r => new object?[] { Activator.CreateInstance(body, V2(r), V2(r), 1.0)!, 0.05, 4 }, points: 2);
        StructHarness.Check(Compiled.Value, Type, "UsesRotated", r => new[] { V2(r), S(r) });
        StructHarness.Check(Compiled.Value, Type, "Bounds", r => new object[] { S(r), S(r) });
        // No tuple overload for a struct result, and the seed has no default.
        MethodInfo backward = Invoke.Method(Compiled.Value, Type, "RotatedBackward", 5);
        Assert.False(backward.GetParameters()[4].HasDefaultValue);
        Assert.Single(Compiled.Value.GetType(Type)!.GetMethods(), m => m.Name == "RotatedBackward");
    }

    [Fact]
    public void A_NoDerivative_struct_is_a_constant() => StructHarness.Check(Compiled.Value, Type, "Held", r => new[] { V2(r), V2(r) });
}
