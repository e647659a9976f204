using System;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>Local functions, static or capturing, are inlined where they are called, in every mode.</summary>
public class LocalFunctionTests
{
    private const string Source = """
        using System;
        using Backprop;

        namespace Samples
        {
            public struct V2
            {
                public double X, Y;
                public V2(double x, double y) { X = x; Y = y; }
            }

            public static partial class Locals
            {
                private const DifferentiationModes All = DifferentiationModes.Reverse | DifferentiationModes.Forward | DifferentiationModes.SecondOrder;

                [Differentiable(Modes = All)]
                public static double F(double x, double[] w)
                {
                    double scale = x * 2;
                    double Softplus(double v) => Math.Log(1 + Math.Exp(v));
                    static double Square(double v) { double s = v * v; return s; }
                    double Scaled(double v) => scale * v;
                    double sum = 0;
                    for (int i = 0; i < w.Length; i++) sum += Softplus(w[i] * x) + Scaled(Square(w[i]));
                    return sum;
                }

                // A local function over structs, and one calling another.
                [Differentiable(Modes = All)]
                public static double G(double x, double y)
                {
                    V2 Mid(V2 a, V2 b) => new V2((a.X + b.X) / 2, (a.Y + b.Y) / 2);
                    double Norm(V2 p) => Math.Sqrt(p.X * p.X + p.Y * p.Y);
                    double Far(V2 a, V2 b) => Norm(Mid(a, b)) * 3;
                    return Far(new V2(x, y), new V2(y * y, 1));
                }
            }
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    [Fact]
    public void Static_and_capturing_local_functions()
    {
        Check(Compiled.Value, "Samples.Locals", "F", r => new object?[] { RandomScalar(r), RandomArray(r, 4) }, points: 5);
        ForwardHarness.Check(Compiled.Value, "Samples.Locals", "F", r => new object?[] { RandomScalar(r), RandomArray(r, 4) });
        HessianHarness.Check(Compiled.Value, "Samples.Locals", "F", r => new object?[] { RandomScalar(r), RandomArray(r, 4) });
    }

    [Fact]
    public void Local_functions_over_structs_calling_each_other()
    {
        Check(Compiled.Value, "Samples.Locals", "G", r => new object?[] { RandomScalar(r), RandomScalar(r) }, points: 5);
        ForwardHarness.Check(Compiled.Value, "Samples.Locals", "G", r => new object?[] { RandomScalar(r), RandomScalar(r) });
        HessianHarness.Check(Compiled.Value, "Samples.Locals", "G", r => new object?[] { RandomScalar(r), RandomScalar(r) });
    }
}
