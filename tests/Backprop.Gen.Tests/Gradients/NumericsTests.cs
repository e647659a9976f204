using System;
using System.Numerics;
using System.Linq;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// System.Numerics vectors and quaternions: built-in rules for their operators, constructors and common methods, in every mode, and a
/// Backward whose value is the primal's bit for bit (the rules compute what the library computes, in its order).
/// </summary>
public class NumericsTests
{
    private const string Source = """
        using System;
        using System.Numerics;
        using Backprop;

        namespace Samples
        {
            public static partial class Vectors
            {
                private const DifferentiationModes All = DifferentiationModes.Reverse | DifferentiationModes.Forward | DifferentiationModes.SecondOrder;

                // A spring between two points, with most of the vector API on the way.
                [Differentiable(Modes = All)]
                public static float Spring(Vector3 a, Vector3 b, float k, float rest)
                {
                    Vector3 d = b - a;
                    float stretch = d.Length() - rest;
                    Vector3 n = Vector3.Normalize(d);
                    Vector3 c = Vector3.Cross(n, Vector3.UnitZ) * 2 + Vector3.Lerp(a, b, 0.25f) / 3f - (-a) * new Vector3(0.5f);
                    return 0.5f * k * stretch * stretch + Vector3.Dot(c, new Vector3(1, 2, 3)) + Vector3.Distance(a, -b)
                        + c.LengthSquared() * 0.01f + Vector3.DistanceSquared(a, Vector3.One) * 0.1f;
                }

                // Vector2 and Vector4, built from each other, in a loop, with Abs and SquareRoot.
                [Differentiable(Modes = All)]
                public static float Mixed(Vector2 p, Vector4 q, float s)
                {
                    var v = new Vector4(p, s, 1);
                    for (int i = 0; i < 3; i++) v = v * 0.5f + Vector4.Abs(q - v) * s;
                    Vector2 r = new Vector2(v.X, v.W) + Vector2.SquareRoot(new Vector2(q.Z * q.Z + 1, 2));
                    return r.Length() + Vector4.Dot(v, q);
                }

                // Quaternions: a rotation from an axis and an angle applied as q·v·q*, composed, inverted, divided.
                [Differentiable(Modes = All)]
                public static float Rotation(Quaternion q, Vector3 axis, float angle, Vector3 v)
                {
                    Quaternion r = Quaternion.CreateFromAxisAngle(axis, angle) * Quaternion.Normalize(q);
                    Quaternion p = r * new Quaternion(v, 0) * Quaternion.Conjugate(r);
                    Quaternion s = Quaternion.Concatenate(q, r) / (q + Quaternion.Identity) - Quaternion.Inverse(r) * 0.5f;
                    // Slerp on each of its paths: through acos (an orthogonal pair, where acos is well conditioned, so float
                    // finite differences stay accurate), with the sign flipped, and linear (parallel).
                    Quaternion n = Quaternion.Normalize(q), m = Quaternion.Normalize(r);
                    Quaternion e = Quaternion.Slerp(n, Quaternion.Normalize(new Quaternion(q.Y, -q.X, q.W, -q.Z)), 0.1f * angle + 0.3f)
                        + Quaternion.Slerp(m, -m, 0.25f) + Quaternion.Slerp(n, n, 0.4f);
                    return p.X + 2 * p.Y - p.Z + Quaternion.Dot(s, q) + r.Length() * s.LengthSquared() * 0.1f - (-s).W + Quaternion.Dot(e, new Quaternion(1, -2, 0.5f, 3));
                }

                // Transform by a quaternion (each vector size, and Vector3 to Vector4), Min, Max and Clamp.
                [Differentiable(Modes = All)]
                public static float Turned(Quaternion q, Vector3 v, Vector2 w, Vector4 u)
                {
                    Vector3 a = Vector3.Transform(v, q);
                    Vector2 b = Vector2.Transform(w, q);
                    Vector4 c = Vector4.Transform(u, q) + Vector4.Transform(v, q) * 0.5f;
                    Vector3 m = Vector3.Max(a, v) - Vector3.Min(a * 2, new Vector3(b, c.W));
                    Vector3 k = Vector3.Clamp(v * 2, a - Vector3.One, a + new Vector3(0.5f));
                    return a.X - 2 * a.Y + 3 * a.Z + b.X * b.Y + Vector4.Dot(c, u) + Vector2.Min(b, w).Y - Vector4.Max(c, u).Z + m.Length()
                        + Vector3.Dot(k, new Vector3(1, -2, 0.5f));
                }

                // A float vector in a double method: the arithmetic promotes as C# does.
                [Differentiable(Modes = All)]
                public static double Promoted(Vector3 p, double w) => w * p.X * p.Y + Math.Exp(p.Z) * w;
            }
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    private const string Type = "Samples.Vectors";

    private static float F(Random r) => (float)(r.NextDouble() * 2 - 1);

    private static Vector3 V3(Random r) => new(F(r), F(r), F(r));

    [Fact]
    public void The_vector_API_through_a_spring()
    {
        StructHarness.Check(Compiled.Value, Type, "Spring", r => new object?[] { V3(r), V3(r) + new Vector3(2, 0, 0), 1 + F(r), 0.5f + F(r) * 0.1f },
            step: 1e-3, tolerance: 2e-2);
        var random = new Random(2);
        for (int i = 0; i < 20; i++)
        {
            Vector3 a = V3(random), b = V3(random) + new Vector3(2, 0, 0);
            object?[] arguments = { a, b, 3f, 0.5f, default(Vector3), default(Vector3), 0f, 0f, 1f };
            float value = (float)Invoke.Call(Invoke.Method(Compiled.Value, Type, "SpringBackward", 9), arguments)!;
            Assert.Equal(BitConverter.SingleToInt32Bits((float)Invoke.Call(Invoke.Method(Compiled.Value, Type, "Spring", 4), new object?[] { a, b, 3f, 0.5f })!),
                BitConverter.SingleToInt32Bits(value));
        }
    }

    [Fact]
    public void Vector2_and_Vector4_in_a_loop() =>
        StructHarness.Check(Compiled.Value, Type, "Mixed", r => new object?[] { new Vector2(F(r), F(r)), new Vector4(F(r), F(r), F(r), F(r)), 0.5f + F(r) * 0.2f },
            step: 1e-3, tolerance: 2e-2);

    private static Quaternion Q(Random r) => new(F(r), F(r), F(r), 1 + F(r) * 0.5f);

    [Fact]
    public void Quaternions_in_every_mode_with_the_library_s_value()
    {
        StructHarness.Check(Compiled.Value, Type, "Rotation", r => new object?[] { Q(r), V3(r), F(r), V3(r) }, step: 1e-3, tolerance: 2e-2);
        var random = new Random(4);
        MethodInfo backward = Invoke.Method(Compiled.Value, Type, "RotationBackward", 9);
        MethodInfo primal = Invoke.Method(Compiled.Value, Type, "Rotation", 4);
        for (int i = 0; i < 50; i++)
        {
            object?[] inputs = { Q(random), V3(random), F(random), V3(random) };
            object?[] arguments = inputs.Concat(new object?[] { default(Quaternion), default(Vector3), 0f, default(Vector3), 1f }).ToArray();
            Assert.Equal(BitConverter.SingleToInt32Bits((float)Invoke.Call(primal, inputs)!), BitConverter.SingleToInt32Bits((float)Invoke.Call(backward, arguments)!));
        }
    }

    [Fact]
    public void Transform_by_a_quaternion_min_max_and_clamp_with_the_library_s_value()
    {
        static Vector2 V2(Random r) => new(F(r), F(r));
        static Vector4 V4(Random r) => new(F(r), F(r), F(r), F(r));
        StructHarness.Check(Compiled.Value, Type, "Turned", r => new object?[] { Q(r), V3(r), V2(r), V4(r) }, step: 1e-3, tolerance: 2e-2);
        var random = new Random(9);
        MethodInfo backward = Invoke.Method(Compiled.Value, Type, "TurnedBackward", 9);
        MethodInfo primal = Invoke.Method(Compiled.Value, Type, "Turned", 4);
        for (int i = 0; i < 200; i++)
        {
            object?[] inputs = { Q(random), V3(random), V2(random), V4(random) };
            object?[] arguments = inputs.Concat(new object?[] { default(Quaternion), default(Vector3), default(Vector2), default(Vector4), 1f }).ToArray();
            Assert.Equal(BitConverter.SingleToInt32Bits((float)Invoke.Call(primal, inputs)!), BitConverter.SingleToInt32Bits((float)Invoke.Call(backward, arguments)!));
        }
    }

    [Fact]
    public void Vector4_dot_products_add_pairwise_as_the_library_does()
    {
        // Vector4.Dot adds (x·x' + y·y') + (z·z' + w·w'), which differs from the sequential sum in about a third of cases.
        var random = new Random(6);
        MethodInfo backward = Invoke.Method(Compiled.Value, Type, "MixedBackward", 7);
        MethodInfo primal = Invoke.Method(Compiled.Value, Type, "Mixed", 3);
        for (int i = 0; i < 200; i++)
        {
            object?[] inputs = { new Vector2(F(random), F(random)), new Vector4(F(random), F(random), F(random), F(random)), 0.5f + F(random) * 0.2f };
            object?[] arguments = inputs.Concat(new object?[] { default(Vector2), default(Vector4), 0f, 1f }).ToArray();
            Assert.Equal(BitConverter.SingleToInt32Bits((float)Invoke.Call(primal, inputs)!), BitConverter.SingleToInt32Bits((float)Invoke.Call(backward, arguments)!));
        }
    }

    [Fact]
    public void A_float_vector_in_a_double_method() =>
        StructHarness.Check(Compiled.Value, Type, "Promoted", r => new object?[] { V3(r), (double)F(r) }, step: 1e-3, tolerance: 1e-2);
}
