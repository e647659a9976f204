using System;
using System.Linq;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary><c>in</c> parameters differentiate as by-value ones; the generated methods keep <c>in</c> on them.</summary>
public class InParameterTests
{
    private const string Source = """
        using System;
        using Backprop;

        namespace Samples
        {
            public static partial class Ins
            {
                private const DifferentiationModes All = DifferentiationModes.Reverse | DifferentiationModes.Forward | DifferentiationModes.SecondOrder;

                [Differentiable(Modes = All)]
                public static double F(in double w, double x, in double[] a) => w * w * x + a[0] * w + G(w, a);

                [Differentiable(Modes = All)]
                public static double G(in double w, in double[] a) => Math.Sin(w) * a[1] * a[0];
            }
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    [Fact]
    public void In_parameters_get_the_adjoints_of_by_value_ones()
    {
        Check(Compiled.Value, "Samples.Ins", "F", r => new object?[] { RandomScalar(r), RandomScalar(r), RandomArray(r, 2) }, points: 5);
        ForwardHarness.Check(Compiled.Value, "Samples.Ins", "F", r => new object?[] { RandomScalar(r), RandomScalar(r), RandomArray(r, 2) });
        HessianHarness.Check(Compiled.Value, "Samples.Ins", "F", r => new object?[] { RandomScalar(r), RandomScalar(r), RandomArray(r, 2) });
    }

    [Fact]
    public void The_generated_methods_keep_in_on_the_primal_parameters()
    {
        Type type = Compiled.Value.GetType("Samples.Ins", throwOnError: true)!;
        foreach (string name in new[] { "FBackward", "FTangent", "FHessianVector" })
        {
            ParameterInfo[] parameters = type.GetMethods().Where(m => m.Name == name).OrderByDescending(m => m.GetParameters().Length).First().GetParameters();
            Assert.True(parameters[0].IsIn, name + ": w keeps in");
            Assert.False(parameters[1].IsIn, name + ": x stays by value");
            Assert.True(parameters[2].IsIn, name + ": a keeps in");
        }

        ParameterInfo dW = type.GetMethod("FBackward")!.GetParameters().Single(p => p.Name == "dW");
        Assert.True(dW.ParameterType.IsByRef && !dW.IsIn, "dW is ref double");
    }
}
