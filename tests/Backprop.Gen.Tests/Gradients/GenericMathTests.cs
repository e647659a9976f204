using System;
using System.Linq;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// Generic math: one method over <c>T : IFloatingPointIeee754&lt;T&gt;</c> gets generic derivatives, checked here as
/// double and as float methods (the harnesses close each generic method over the arguments' type) in reverse mode,
/// forward mode and second order (the Hessian harness works in double) against finite differences; calls between generic and plain methods; the seedless
/// and tuple overloads.
/// </summary>
public class GenericMathTests
{
    internal const string Source = """
        using System;
        using System.Numerics;
        using Backprop;

        namespace Samples
        {
            public static partial class Generic
            {
                private const DifferentiationModes All = DifferentiationModes.Reverse | DifferentiationModes.Forward | DifferentiationModes.SecondOrder;

                [Differentiable(Modes = All)]
                public static T Softplus<T>(T x) where T : IFloatingPointIeee754<T> => T.Log(T.One + T.Exp(x));

                // Branches, constants made with CreateChecked, the rules table's functions over T.
                [Differentiable(Modes = All)]
                public static T Poly<T>(T x, T w) where T : IFloatingPointIeee754<T>
                {
                    T y = T.CreateChecked(2.5) * x * x - w / (x * x + T.One);
                    if (y > T.Zero) y = T.Sin(y) * w;
                    else y -= T.Pi * T.Atan2(w, x);
                    return y + T.Tanh(w) - T.Max(x, w) + T.Sqrt(T.Abs(w) + T.CreateChecked(0.1));
                }

                // Arrays of T in a loop, an int converted to T, a compound assignment.
                [Differentiable(Modes = All)]
                public static T Weighted<T>(T[] xs, T w) where T : IBinaryFloatingPointIeee754<T>
                {
                    T s = T.Zero;
                    for (int i = 0; i < xs.Length; i++) s += xs[i] * w * T.CreateChecked(i + 1);
                    s /= T.CreateChecked(xs.Length);
                    return s * s;
                }

                // A layer over spans of T: writes its output.
                [Differentiable(Modes = All)]
                public static void Scale<T>(ReadOnlySpan<T> x, T k, Span<T> y) where T : IFloatingPointIeee754<T>
                {
                    for (int i = 0; i < x.Length; i++) y[i] = T.Exp(k * x[i]) - T.One;
                }

                // A generic method calling generic methods with its own T.
                [Differentiable(Modes = All)]
                public static T Composed<T>(T[] xs, T k) where T : IFloatingPointIeee754<T>
                {
                    T[] ys = new T[xs.Length];
                    Scale<T>(xs, k, ys);
                    T s = T.Zero;
                    for (int i = 0; i < ys.Length; i++) s += Softplus(ys[i]);
                    return s;
                }

                // Plain double and float methods calling the generic ones.
                [Differentiable(Modes = All)]
                public static double UsesDouble(double x, double w) => Softplus(x) * Poly(w, x);

                [Differentiable(Modes = All)]
                public static float UsesFloat(float[] xs, float k) => Composed(xs, k) * k;

                // Generic-math members without a rule (T.Sign, T.ILogB: ints) stay as written, called through T.
                [Differentiable(Modes = All)]
                public static T Signed<T>(T x) where T : IFloatingPointIeee754<T> => x * T.CreateChecked(T.Sign(x)) + T.CreateChecked(T.ILogB(x)) * x;

                // A tuple of T as the result.
                [Differentiable(Modes = All)]
                public static (T A, T B) Pair<T>(T x) where T : IFloatingPointIeee754<T> => (x * x, T.Sin(x));

                // Conversions between T and double carry the derivative, both ways.
                [Differentiable(Modes = All)]
                public static T Mixed<T>(T x, double d) where T : IFloatingPointIeee754<T>
                {
                    double back = double.CreateChecked(x * x);
                    return x * T.CreateChecked(d * back + Math.Sin(d));
                }
            }
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    private const string Type = "Samples.Generic";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_generic_scalar_method_in_every_mode(bool asFloat)
    {
        Func<Random, object?[]> scalar = r => new object?[] { Number(RandomScalar(r, 2), asFloat) };
        Check(Compiled.Value, Type, "Softplus", scalar, points: 4);
        ForwardHarness.Check(Compiled.Value, Type, "Softplus", scalar);
        if (!asFloat) HessianHarness.Check(Compiled.Value, Type, "Softplus", scalar);

        Func<Random, object?[]> pair = r => new object?[] { Number(RandomScalar(r, 2), asFloat), Number(RandomScalar(r, 2), asFloat) };
        Check(Compiled.Value, Type, "Poly", pair, points: 8);
        ForwardHarness.Check(Compiled.Value, Type, "Poly", pair, points: 8);
        if (!asFloat) HessianHarness.Check(Compiled.Value, Type, "Poly", pair, points: 4);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Arrays_spans_and_generic_callees(bool asFloat)
    {
        Func<Random, object?[]> weighted = r => new object?[] { Numbers(RandomArray(r, 5), asFloat), Number(RandomScalar(r), asFloat) };
        Check(Compiled.Value, Type, "Weighted", weighted, points: 3);
        ForwardHarness.Check(Compiled.Value, Type, "Weighted", weighted);
        if (!asFloat) HessianHarness.Check(Compiled.Value, Type, "Weighted", weighted);

        Func<Random, object?[]> composed = r => new object?[] { Numbers(RandomArray(r, 4), asFloat), Number(RandomScalar(r), asFloat) };
        Check(Compiled.Value, Type, "Composed", composed, points: 3);
        ForwardHarness.Check(Compiled.Value, Type, "Composed", composed);
        if (!asFloat) HessianHarness.Check(Compiled.Value, Type, "Composed", composed);
    }

    [Fact]
    public void Plain_methods_call_generic_ones_with_their_type()
    {
        Check(Compiled.Value, Type, "UsesDouble", r => new object?[] { RandomScalar(r, 2), RandomScalar(r, 2) }, points: 4);
        ForwardHarness.Check(Compiled.Value, Type, "UsesDouble", r => new object?[] { RandomScalar(r, 2), RandomScalar(r, 2) });
        HessianHarness.Check(Compiled.Value, Type, "UsesDouble", r => new object?[] { RandomScalar(r, 2), RandomScalar(r, 2) });
        Check(Compiled.Value, Type, "UsesFloat", r => new object?[] { Numbers(RandomArray(r, 3), true), (float)RandomScalar(r) }, points: 3);
        ForwardHarness.Check(Compiled.Value, Type, "UsesFloat", r => new object?[] { Numbers(RandomArray(r, 3), true), (float)RandomScalar(r) });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Conversions_between_T_and_double_carry_the_derivative(bool asFloat)
    {
        Func<Random, object?[]> mixed = r => new object?[] { Number(RandomScalar(r, 2), asFloat), RandomScalar(r, 2) };
        Check(Compiled.Value, Type, "Mixed", mixed, points: 4);
        ForwardHarness.Check(Compiled.Value, Type, "Mixed", mixed);
        if (!asFloat) HessianHarness.Check(Compiled.Value, Type, "Mixed", mixed);
    }

    [Fact]
    public void Members_without_a_rule_and_tuple_results()
    {
        Check(Compiled.Value, Type, "Signed", r => new object?[] { 0.3 + Math.Abs(RandomScalar(r, 3)) * (r.Next(2) == 0 ? 1 : -1) }, points: 6);
        Type declaring = Compiled.Value.GetType(Type, throwOnError: true)!;
        MethodInfo pair = Invoke.Backward(declaring, "Pair", new object?[] { 0.5 });
        object?[] first = { 0.5, 0.0, (1.0, 0.0) }, second = { 0.5, 0.0, (0.0, 1.0) };
        Assert.Equal((0.25, Math.Sin(0.5)), Invoke.Call(pair, first));
        Invoke.Call(pair, second);
        Assert.Equal(1.0, (double)first[1]!, 12);
        Assert.Equal(Math.Cos(0.5), (double)second[1]!, 12);
    }

    [Fact]
    public void The_seedless_and_tuple_overloads_use_seed_one()
    {
        Type declaring = Compiled.Value.GetType(Type, throwOnError: true)!;
        MethodInfo seedless = Invoke.Methods(declaring, "PolyBackward", new object?[] { 0.7, -0.3 }).Single(m => m.GetParameters().Length == 4);
        object?[] args = { 0.7, -0.3, 0.0, 0.0 };
        object? value = Invoke.Call(seedless, args);

        MethodInfo full = Invoke.Backward(declaring, "Poly", new object?[] { 0.7, -0.3 });
        object?[] seeded = { 0.7, -0.3, 0.0, 0.0, 1.0 };
        Assert.Equal(Invoke.Call(full, seeded), value);
        Assert.Equal(seeded[2], args[2]);
        Assert.Equal(seeded[3], args[3]);

        MethodInfo tuple = Invoke.Methods(declaring, "PolyBackward", new object?[] { 0.7f, -0.3f }).Single(m => m.GetParameters().Length == 2);
        var (v, dX, dW) = ((float, float, float))Invoke.Call(tuple, new object?[] { 0.7f, -0.3f })!;
        float dx = 0, dw = 0;
        MethodInfo floatFull = Invoke.Backward(declaring, "Poly", new object?[] { 0.7f, -0.3f });
        object?[] floatArgs = { 0.7f, -0.3f, dx, dw, 1f };
        Assert.Equal(Invoke.Call(floatFull, floatArgs), v);
        Assert.Equal(floatArgs[2], dX);
        Assert.Equal(floatArgs[3], dW);
    }

    private static object Number(double value, bool asFloat) => asFloat ? (object)(float)value : value;

    private static object Numbers(double[] values, bool asFloat) => asFloat ? Array.ConvertAll(values, v => (float)v) : values;
}
