using System;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// Local functions, static or capturing, and members over structs are inlined where they are called, in every mode:
/// expressions, and bodies with loops and branches (their statements go before the call).
/// </summary>
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
                public static V2 operator +(V2 a, V2 b) => new V2(a.X + b.X, a.Y + b.Y);
                public static V2 operator *(double k, V2 a) => new V2(k * a.X, k * a.Y);
                public readonly double Length => Math.Sqrt(X * X + Y * Y);

                // Guard clauses: returns before the end, a struct result from one of three paths.
                public readonly double Norm() { if (X == 0 && Y == 0) return 0; double s = X * X + Y * Y; return Math.Sqrt(s); }

                public readonly V2 Clamped(double r)
                {
                    double n = Norm();
                    if (n <= r) return this;
                    else
                    {
                        double k = r / n;
                        if (k < 0.1) { return new V2(0, 0); }
                    }

                    return new V2(X * r / n, Y * r / n);
                }

                // A struct method with a loop: inlined with its statements.
                public readonly double Power(int n)
                {
                    double r = 1;
                    for (int i = 0; i < n; i++) r *= X + 0.5 * Y;
                    return r;
                }
            }

            public static class Physics
            {
                // A method over structs with a loop and a branch, returning a struct: its statements are inlined where
                // it is called, its parameters become locals it may assign.
                public static V2 Fly(V2 p, V2 v, double drag, int steps)
                {
                    double dt = 0.1;
                    for (int i = 0; i < steps; i++)
                    {
                        V2 a = new V2(-drag * v.X, -9.8 - drag * v.Y);
                        if (v.Length > 5) a = 0.5 * a;
                        v = v + dt * a;
                        p = p + dt * v;
                    }

                    return p;
                }
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

                // Inlined statements: a struct method with a loop, a local function with a loop called twice (its
                // locals declared anew each time), and a simulation with a loop and a branch returning a struct.
                [Differentiable(Modes = All)]
                public static double Miss(double angle, double speed, double drag)
                {
                    V2 end = Physics.Fly(new V2(0, 0), new V2(speed * Math.Cos(angle), speed * Math.Sin(angle)), drag, 12);
                    double Squared(double d) { double s = 0; for (int k = 0; k < 2; k++) s += d * d * 0.5; return s; }
                    return Squared(end.X - 10) + Squared(end.Y) + new V2(drag, angle).Power(3);
                }

                // Members and a local function that return early, inlined as branches.
                [Differentiable(Modes = All)]
                public static double Guarded(V2 p, double r)
                {
                    static double Soft(double v, double lo) { if (v < lo) return lo + 0.1 * (v - lo); return v * v; }
                    V2 q = p.Clamped(r);
                    return Soft(q.X, 0.2) * Soft(q.Y, -0.3) + q.Norm();
                }

                // The same members where no statement can go first (a condition, a ?: branch): one conditional expression.
                [Differentiable(Modes = All)]
                public static double InCondition(double x, double y, double r)
                {
                    var q = new V2(x, y);
                    return q.Norm() > r ? r * q.Clamped(r).X : (y > 0 ? q.Norm() : -q.Norm() * q.Clamped(0.5 * r).Y);
                }

                // Flat view of Guarded for the harnesses: (p.X, p.Y, r).
                [Differentiable(Modes = All)]
                public static double GuardedAt(double x, double y, double r) => Guarded(new V2(x, y), r);

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
    public void Bodies_with_loops_and_branches_are_inlined_with_their_statements()
    {
        Func<Random, object?[]> point = r => new object?[] { 0.5 + 0.3 * RandomScalar(r), 8 + RandomScalar(r), 0.1 + 0.05 * RandomScalar(r) };
        Check(Compiled.Value, "Samples.Locals", "Miss", point, points: 5);
        ForwardHarness.Check(Compiled.Value, "Samples.Locals", "Miss", point);
        HessianHarness.Check(Compiled.Value, "Samples.Locals", "Miss", point);
    }

    [Fact]
    public void Members_that_return_early_are_inlined_as_branches()
    {
        // Points on each path: inside the radius, clamped, and clamped to zero (r / |p| below 0.1); Soft's two branches.
        double[][] points = { new[] { 0.5, 0.4, 2.0 }, new[] { 3.0, -4.0, 1.5 }, new[] { -0.2, 0.1, 0.05 }, new[] { 3.0, 4.0, 0.2 }, new[] { 0.1, 0.05, 0.3 } };
        foreach (double[] p in points)
        {
            object?[] at = { p[0], p[1], p[2] };
            GradientHarness.CheckAt(Compiled.Value, "Samples.Locals", "GuardedAt", at, new Random(1));
        }

        Func<Random, object?[]> point = r => new object?[] { 2 * RandomScalar(r), 2 * RandomScalar(r), 0.5 + RandomScalar(r) * 0.4 };
        ForwardHarness.Check(Compiled.Value, "Samples.Locals", "GuardedAt", point);
        HessianHarness.Check(Compiled.Value, "Samples.Locals", "GuardedAt", point);

        foreach (double[] p in points) GradientHarness.CheckAt(Compiled.Value, "Samples.Locals", "InCondition", new object?[] { p[0], p[1], p[2] }, new Random(2));
        ForwardHarness.Check(Compiled.Value, "Samples.Locals", "InCondition", point);
        HessianHarness.Check(Compiled.Value, "Samples.Locals", "InCondition", point);
    }

    [Fact]
    public void Local_functions_over_structs_calling_each_other()
    {
        Check(Compiled.Value, "Samples.Locals", "G", r => new object?[] { RandomScalar(r), RandomScalar(r) }, points: 5);
        ForwardHarness.Check(Compiled.Value, "Samples.Locals", "G", r => new object?[] { RandomScalar(r), RandomScalar(r) });
        HessianHarness.Check(Compiled.Value, "Samples.Locals", "G", r => new object?[] { RandomScalar(r), RandomScalar(r) });
    }
}
