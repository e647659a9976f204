using System;
using System.Linq;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// <c>out</c> and <c>ref</c> parameters of floating types and of structs (field by field), as docs/contract.md designs them: <c>out double y</c> is an output whose
/// incoming gradient the Backward takes by value (<c>double dY</c>); <c>ref double z</c> is both, its adjoint bringing the
/// gradient of the final value and taking back that of the value passed in. Forward mode gives <c>out double tY</c>
/// and <c>ref double tZ</c>. Checked against finite differences in reverse and forward mode.
/// </summary>
public class OutRefParameterTests
{
    private const string Source = """
        using System;
        using System.Linq;
        using System.Numerics;
        using Backprop;

        namespace Samples
        {
            public record struct V2(double X, double Y);

            public struct P3 { public double X, Y, Z; }

            public static partial class Outs
            {
                private const DifferentiationModes Both = DifferentiationModes.Reverse | DifferentiationModes.Forward;

                // Two out results of a void method.
                [Differentiable(Modes = Both)]
                public static void Polar(double x, double y, out double r, out double theta)
                {
                    r = Math.Sqrt(x * x + y * y);
                    theta = Math.Atan2(y, x);
                }

                // A ref accumulator read and written in a loop, with an early return and a result.
                [Differentiable(Modes = Both)]
                public static double Accumulate(double[] v, double w, ref double total)
                {
                    for (int i = 0; i < v.Length; i++) total += w * v[i] * total;
                    if (total > 100) return total;
                    total = Math.Sin(total);
                    return w * total;
                }

                // Generic math with an out result, and a [NoDerivative] out written back without an adjoint.
                [Differentiable(Modes = Both)]
                public static T Split<T>(T x, out T cube, [NoDerivative] out T count) where T : IFloatingPointIeee754<T>
                {
                    cube = x * x * x;
                    count = T.One;
                    return T.Sin(x) * cube;
                }

                // Struct outputs, field by field: an out record struct and a ref struct updated in a loop.
                [Differentiable(Modes = Both)]
                public static double Rotate(V2 p, double t, out V2 q)
                {
                    q = new V2(p.X * Math.Cos(t) - p.Y * Math.Sin(t), p.X * Math.Sin(t) + p.Y * Math.Cos(t));
                    return q.X * q.Y;
                }

                [Differentiable(Modes = Both)]
                public static void Push(ref P3 s, double k)
                {
                    for (int i = 0; i < 2; i++) { s.X += k * s.Y; s.Y = s.Y * s.Z; }
                    s.Z = Math.Exp(s.Z * k);
                }

                // (p.X, p.Y, t): the loss 2·result + 1.5·q.X − 0.5·q.Y.
                public static double RotateLoss(double[] a)
                {
                    double r = Rotate(new V2(a[0], a[1]), a[2], out V2 q);
                    return 2 * r + 1.5 * q.X - 0.5 * q.Y;
                }

                public static double[] RotateGradient(double[] a, out double[] values)
                {
                    V2 dP = default;
                    double dT = 0;
                    double r = RotateBackward(new V2(a[0], a[1]), a[2], out V2 q, ref dP, ref dT, new V2(1.5, -0.5), 2.0);
                    values = new[] { r, q.X, q.Y };
                    return new[] { dP.X, dP.Y, dT };
                }

                public static double RotateDirectional(double[] a, double[] t)
                {
                    RotateTangent(new V2(a[0], a[1]), a[2], out _, new V2(t[0], t[1]), t[2], out V2 tQ, out double tangent);
                    return 2 * tangent + 1.5 * tQ.X - 0.5 * tQ.Y;
                }

                // (s.X, s.Y, s.Z, k): the loss s.X + 2·s.Y − s.Z of the final s.
                public static double PushLoss(double[] a)
                {
                    var s = new P3 { X = a[0], Y = a[1], Z = a[2] };
                    Push(ref s, a[3]);
                    return s.X + 2 * s.Y - s.Z;
                }

                public static double[] PushGradient(double[] a, out double[] values)
                {
                    var s = new P3 { X = a[0], Y = a[1], Z = a[2] };
                    var dS = new P3 { X = 1, Y = 2, Z = -1 };
                    double dK = 0;
                    PushBackward(ref s, a[3], ref dS, ref dK);
                    values = new[] { s.X, s.Y, s.Z };
                    return new[] { dS.X, dS.Y, dS.Z, dK };
                }

                public static double PushDirectional(double[] a, double[] t)
                {
                    var s = new P3 { X = a[0], Y = a[1], Z = a[2] };
                    var tS = new P3 { X = t[0], Y = t[1], Z = t[2] };
                    PushTangent(ref s, a[3], ref tS, t[3]);
                    return tS.X + 2 * tS.Y - tS.Z;
                }

                // Flat views: the outputs weighed by fixed gradients, so one scalar checks every partial derivative.
                public static double PolarLoss(double[] p)
                {
                    Polar(p[0], p[1], out double r, out double theta);
                    return 2 * r + 3 * theta;
                }

                public static double[] PolarGradient(double[] p, out double[] values)
                {
                    double dX = 0, dY = 0;
                    PolarBackward(p[0], p[1], out double r, out double theta, ref dX, ref dY, 2.0, 3.0);
                    values = new[] { r, theta };
                    return new[] { dX, dY };
                }

                public static double PolarDirectional(double[] p, double[] t)
                {
                    PolarTangent(p[0], p[1], out _, out _, t[0], t[1], out double tR, out double tTheta);
                    return 2 * tR + 3 * tTheta;
                }

                // (v0, v1, v2, w, total): the loss 2·result + 1.5·total's final value.
                public static double AccumulateLoss(double[] p)
                {
                    double total = p[4];
                    double value = Accumulate(p[..3], p[3], ref total);
                    return 2 * value + 1.5 * total;
                }

                public static double[] AccumulateGradient(double[] p, out double[] values)
                {
                    double total = p[4], dW = 0, dTotal = 1.5;
                    var dV = new double[3];
                    double value = AccumulateBackward(p[..3], p[3], ref total, dV, ref dW, ref dTotal, 2.0);
                    values = new[] { value, total };
                    return dV.Append(dW).Append(dTotal).ToArray();
                }

                public static double AccumulateDirectional(double[] p, double[] t)
                {
                    double total = p[4], tTotal = t[4];
                    AccumulateTangent(p[..3], p[3], ref total, t[..3], t[3], ref tTotal, out double tangent);
                    return 2 * tangent + 1.5 * tTotal;
                }

                public static double SplitLoss(double[] p) => Split(p[0], out double cube, out _) + 0.5 * cube;

                public static double[] SplitGradient(double[] p, out double[] values)
                {
                    double dX = 0;
                    double value = SplitBackward(p[0], out double cube, out double count, ref dX, 0.5);
                    values = new[] { value, cube, count };
                    return new[] { dX };
                }

                public static double SplitDirectional(double[] p, double[] t)
                {
                    double value = SplitTangent(p[0], out double cube, out _, t[0], out double tCube, out double tangent);
                    return tangent + 0.5 * tCube;
                }
            }
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    private static MethodInfo Method(string name) => Compiled.Value.GetType("Samples.Outs", throwOnError: true)!.GetMethod(name)!;

    [Theory]
    [InlineData("Polar", 2, new[] { 0 }, 1)]
    [InlineData("Accumulate", 5, new[] { 0, 1, 2 }, 2)]
    [InlineData("Split", 1, new int[0], 3)]
    [InlineData("Rotate", 3, new int[0], 4)]
    [InlineData("Push", 4, new int[0], 5)]
    public void Matches_finite_differences_in_reverse_and_forward_mode(string name, int size, int[] unused, int seed)
    {
        _ = unused;
        var random = new Random(seed);
        for (int point = 0; point < 5; point++)
        {
            double[] p = Enumerable.Range(0, size).Select(_ => GradientHarness.RandomScalar(random) + (name == "Polar" ? 0.5 : 0)).ToArray();
            double Loss(double[] q) => (double)Method(name + "Loss").Invoke(null, new object[] { q })!;
            double[] numeric = Backprop.GradientCheck.NumericGradient(Loss, p);
            object?[] arguments = { p, null };
            double[] analytic = (double[])Method(name + "Gradient").Invoke(null, arguments)!;
            Assert.True(Backprop.GradientCheck.Compare(analytic, numeric).Passed(1e-6), $"{name}: gradient at point {point}");

            double[] t = Enumerable.Range(0, size).Select(_ => GradientHarness.RandomScalar(random)).ToArray();
            double expected = analytic.Zip(t, (a, b) => a * b).Sum();
            double tangent = (double)Method(name + "Directional").Invoke(null, new object[] { p, t })!;
            Assert.True(Math.Abs(tangent - expected) < 1e-9 * (1 + Math.Abs(expected)), $"{name}: tangent at point {point}");
        }
    }

    [Fact]
    public void The_derivatives_write_the_outputs_as_the_method_does()
    {
        double[] p = { 0.6, -0.8, 0.3, 0.7, 0.4 };
        object?[] polar = { p, null };
        Method("PolarGradient").Invoke(null, polar);
        Assert.Equal(new[] { 1.0, Math.Atan2(-0.8, 0.6) }, (double[])polar[1]!);

        object?[] accumulate = { p, null };
        Method("AccumulateGradient").Invoke(null, accumulate);
        double total = 0.4, w = 0.7;
        foreach (double v in new[] { 0.6, -0.8, 0.3 }) total += w * v * total;
        total = Math.Sin(total);
        Assert.Equal(new[] { w * total, total }, (double[])accumulate[1]!);

        object?[] push = { new[] { 0.3, 0.8, -0.2, 0.6 }, null };
        Method("PushGradient").Invoke(null, push);
        double x = 0.3, y = 0.8, z = -0.2;
        for (int i = 0; i < 2; i++) { x += 0.6 * y; y *= z; }
        Assert.Equal(new[] { x, y, Math.Exp(z * 0.6) }, (double[])push[1]!);

        object?[] split = { new[] { 0.9 }, null };
        Method("SplitGradient").Invoke(null, split);
        Assert.Equal(new[] { Math.Sin(0.9) * (0.9 * 0.9 * 0.9), 0.9 * 0.9 * 0.9, 1.0 }, (double[])split[1]!);
    }

    [Fact]
    public void Out_gradients_come_by_value_and_ref_gradients_are_replaced()
    {
        GeneratorRun run = TestCompiler.Generate(Source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationProblems);
        string polar = run.Source("Outs.Polar.Backward.g.cs");
        Assert.Contains("PolarBackward(double x, double y, out double r, out double theta, ref double dX, ref double dY, double dR, double dTheta)", polar);
        Assert.Contains("PolarTangent(double x, double y, out double r, out double theta, double tX, double tY, out double tR, out double tTheta)", polar);
        string accumulate = run.Source("Outs.Accumulate.Backward.g.cs");
        Assert.Contains("ref double total, double[]? dV, ref double dW, ref double dTotal, double seed = 1.0)", accumulate);
        Assert.Contains("dTotal = _d_total;", accumulate);
        Assert.DoesNotContain("AccumulatePullback", accumulate);
        Assert.DoesNotContain("AccumulateRecord", accumulate);
        Snapshot.Verify("OutParameters", GeneratedMethods.Method(polar, "PolarBackward"));
    }
}
