using System;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// switch statements and switch expressions (constant, relational, and/or/not patterns, when clauses, on active and
/// inactive values), in reverse mode, forward mode and second order, against finite differences.
/// </summary>
public class SwitchTests
{
    internal const string Source = """
        using System;
        using Backprop;

        namespace Samples
        {
            public enum Activation { Tanh, Relu, Softplus, Identity }

            public static partial class Switches
            {
                private const DifferentiationModes All = DifferentiationModes.Reverse | DifferentiationModes.Forward | DifferentiationModes.SecondOrder;

                // A switch expression on an inactive enum, as the whole body.
                [Differentiable(Modes = All)]
                public static double Activate(double x, [NoDerivative] Activation kind) => kind switch
                {
                    Activation.Tanh => Math.Tanh(x),
                    Activation.Relu => x > 0 ? x : 0,
                    Activation.Softplus => Math.Log(1 + Math.Exp(x)),
                    _ => x,
                };

                // Relational and 'and' patterns on the active value itself.
                [Differentiable(Modes = All)]
                public static double Piecewise(double x, double w)
                {
                    double y = x switch
                    {
                        < -1 => -w * x,
                        >= -1 and < 1 => w * x * x,
                        _ => Math.Exp(x) * w,
                    };
                    return y * 2;
                }

                // A switch statement: stacked labels, a 'when' clause, a default in the middle, a return in a section.
                [Differentiable(Modes = All)]
                public static double Statement(double x, double w, int k)
                {
                    double r = w;
                    switch (k)
                    {
                        case 0:
                        case 1:
                            r = x * x * w;
                            break;
                        default:
                            r = x + w;
                            break;
                        case > 5 when x > 0:
                            r = Math.Sin(x) * w;
                            break;
                        case 4:
                            return x * w * w;
                    }

                    return r * x;
                }

                // Inside a loop: the arm taken in each iteration is recorded and replayed; 'not' and 'or' patterns.
                [Differentiable(Modes = All)]
                public static double Loop(double[] w, double x)
                {
                    double s = 0;
                    for (int i = 0; i < w.Length; i++)
                    {
                        switch (i % 3)
                        {
                            case 0 or 1:
                                s += w[i] * x;
                                break;
                            case not 0:
                                s = s * w[i];
                                break;
                        }
                    }

                    return s;
                }

                // A switch expression inside a larger expression, and assigned to an existing local.
                [Differentiable(Modes = All)]
                public static double Inner(double x, int k)
                {
                    double y = 1 + (k switch { 0 => x * x, 1 => 3 * x, _ => 1.0 });
                    y = (k + 1) switch { 1 => y * x, _ => y + x };
                    return y;
                }

                // An arm that calls another differentiable method.
                [Differentiable(Modes = All)]
                public static double Calls(double x, int k)
                {
                    double y = k switch { 0 => Square(x), _ => Square(x + 1) * x };
                    return y;
                }

                [Differentiable(Modes = All)]
                public static double Square(double x) => x * x;

                // No catch-all arm: an unmatched value throws as C# does.
                [Differentiable]
                public static double Partial(double x, int k)
                {
                    #pragma warning disable CS8509
                    double y = k switch { 0 => x, 1 => x * x };
                    #pragma warning restore CS8509
                    return y;
                }
            }
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    private const string Type = "Samples.Switches";

    [Fact]
    public void A_switch_expression_on_an_inactive_enum()
    {
        for (int kind = 0; kind < 4; kind++)
        {
            object activation = Enum.ToObject(Compiled.Value.GetType("Samples.Activation", throwOnError: true)!, kind);
            Check(Compiled.Value, Type, "Activate", r => new object?[] { RandomScalar(r, 2), activation }, points: 4);
            ForwardHarness.Check(Compiled.Value, Type, "Activate", r => new object?[] { RandomScalar(r, 2), activation });
            HessianHarness.Check(Compiled.Value, Type, "Activate", r => new object?[] { RandomScalar(r, 2), activation });
        }
    }

    [Fact]
    public void Relational_patterns_on_the_active_value()
    {
        Check(Compiled.Value, Type, "Piecewise", r => new object?[] { RandomScalar(r, 3), RandomScalar(r) }, points: 12);
        ForwardHarness.Check(Compiled.Value, Type, "Piecewise", r => new object?[] { RandomScalar(r, 3), RandomScalar(r) }, points: 12);
        HessianHarness.Check(Compiled.Value, Type, "Piecewise", r => new object?[] { RandomScalar(r, 3), RandomScalar(r) }, points: 6);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(6)]
    public void A_switch_statement_takes_the_section_C_sharp_takes(int k)
    {
        // x > 0.1 so that case > 5 when x > 0 is taken for k = 6 at every point.
        Check(Compiled.Value, Type, "Statement", r => new object?[] { Math.Abs(RandomScalar(r)) + 0.1, RandomScalar(r), k }, points: 4);
        ForwardHarness.Check(Compiled.Value, Type, "Statement", r => new object?[] { Math.Abs(RandomScalar(r)) + 0.1, RandomScalar(r), k });
        HessianHarness.Check(Compiled.Value, Type, "Statement", r => new object?[] { Math.Abs(RandomScalar(r)) + 0.1, RandomScalar(r), k });
    }

    [Fact]
    public void The_section_taken_in_each_iteration_is_replayed()
    {
        Check(Compiled.Value, Type, "Loop", r => new object?[] { RandomArray(r, 7), RandomScalar(r) }, points: 5);
        ForwardHarness.Check(Compiled.Value, Type, "Loop", r => new object?[] { RandomArray(r, 7), RandomScalar(r) });
        HessianHarness.Check(Compiled.Value, Type, "Loop", r => new object?[] { RandomArray(r, 7), RandomScalar(r) });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Switch_expressions_inside_expressions_and_with_calls(int k)
    {
        Check(Compiled.Value, Type, "Inner", r => new object?[] { RandomScalar(r), k }, points: 4);
        ForwardHarness.Check(Compiled.Value, Type, "Inner", r => new object?[] { RandomScalar(r), k });
        Check(Compiled.Value, Type, "Calls", r => new object?[] { RandomScalar(r), k }, points: 4);
        ForwardHarness.Check(Compiled.Value, Type, "Calls", r => new object?[] { RandomScalar(r), k });
        HessianHarness.Check(Compiled.Value, Type, "Calls", r => new object?[] { RandomScalar(r), k });
    }

    [Fact]
    public void An_unmatched_switch_expression_throws_as_the_primal_does()
    {
        Check(Compiled.Value, Type, "Partial", r => new object?[] { RandomScalar(r), 1 }, points: 3);
        // The tuple overload: (x, k) in, (value, dX) out.
        MethodInfo backward = Invoke.Method(Compiled.Value, Type, "PartialBackward", 2);
        Assert.Throws<System.Runtime.CompilerServices.SwitchExpressionException>(() => Invoke.Call(backward, new object?[] { 0.5, 7 }));
    }
}
