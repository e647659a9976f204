using System;
using System.Numerics;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// System.Numerics vectors: built-in rules for their operators, constructors and common methods, in every mode, and a
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

    [Fact]
    public void A_float_vector_in_a_double_method() =>
        StructHarness.Check(Compiled.Value, Type, "Promoted", r => new object?[] { V3(r), (double)F(r) }, step: 1e-3, tolerance: 1e-2);
}
