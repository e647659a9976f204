using System;
using System.Linq;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// Struct members of model classes (issue 18): a field or auto-property holding a differentiable struct (a struct of
/// doubles declared in source, a record struct with a nested struct, a System.Numerics vector) is a parameter of the
/// model. Its gradient is the same struct in <c>Gradients</c>, added to leaf by leaf, and an optimizer gets it as one
/// buffer of its leaves.
/// </summary>
public class ModelStructMemberTests
{
    private const string Source = """
        using System;
        using System.Numerics;
        using Backprop;

        namespace Members;

        public struct V2
        {
            public double X, Y;
            public V2(double x, double y) { X = x; Y = y; }
            public static V2 operator +(V2 a, V2 b) => new V2(a.X + b.X, a.Y + b.Y);
            public static V2 operator -(V2 a, V2 b) => new V2(a.X - b.X, a.Y - b.Y);
            public static V2 operator *(double k, V2 a) => new V2(k * a.X, k * a.Y);
            public readonly double Dot(V2 o) => X * o.X + Y * o.Y;
        }

        public record struct Pose(V2 Position, double Angle);

        public sealed partial class Shift
        {
            public V2 By;
            [Differentiable] public void Forward(double[] x, double[] y) { y[0] = x[0] + By.X; y[1] = x[1] * By.Y; }
        }

        public sealed partial class Fit
        {
            public V2 Center = new V2(0.5, -0.3);
            public Pose Start { get; set; } = new Pose(new V2(0.2, 0.4), 0.7);
            public Vector3 Axis = new Vector3(0.1f, 0.2f, 0.3f);
            public Shift Layer = new() { By = new V2(1.1, 0.9) };
            public double[] W = { 0.6, -0.2 };
            [NoDerivative] public V2[] Anchors = { new V2(1, 2), new V2(-1, 0.5) };
            public readonly V2 Origin = new V2(0.25, 0.75);

            [Differentiable]
            public double Loss(V2 target, double t)
            {
                double[] x = new double[2];
                x[0] = Center.X + t * Start.Position.X;
                x[1] = Center.Y * Math.Cos(Start.Angle);
                double[] y = new double[2];
                Layer.Forward(x, y);
                V2 d = new V2(y[0], y[1]) - target + Anchors[1] - Origin;
                double a = Axis.X * Axis.Y + Axis.Z;
                return d.Dot(d) + W[0] * a * a + W[1] * Start.Position.Y * Center.X;
            }

            public double[] Parameters() => new[] { Center.X, Center.Y, Start.Position.X, Start.Position.Y, Start.Angle, Axis.X, Axis.Y, Axis.Z, Layer.By.X, Layer.By.Y, W[0], W[1] };

            public static double[] Of(Gradients g) => new[] { g.Center.X, g.Center.Y, g.Start.Position.X, g.Start.Position.Y, g.Start.Angle, g.Axis.X, g.Axis.Y, g.Axis.Z, g.Layer.By.X, g.Layer.By.Y, g.W[0], g.W[1] };

            public void Set(int i, double v)
            {
                switch (i)
                {
                    case 0: Center = Center with { X = v }; break;
                    case 1: Center = Center with { Y = v }; break;
                    case 2: Start = Start with { Position = Start.Position with { X = v } }; break;
                    case 3: Start = Start with { Position = Start.Position with { Y = v } }; break;
                    case 4: Start = Start with { Angle = v }; break;
                    case 5: Axis = Axis with { X = (float)v }; break;
                    case 6: Axis = Axis with { Y = (float)v }; break;
                    case 7: Axis = Axis with { Z = (float)v }; break;
                    case 8: Layer.By = Layer.By with { X = v }; break;
                    case 9: Layer.By = Layer.By with { Y = v }; break;
                    default: W[i - 10] = v; break;
                }
            }

            /// <summary>The analytic gradient of every parameter, and central differences (step h) of each.</summary>
            public static (double[] Analytic, double[] Numeric) Check(double h)
            {
                var model = new Fit();
                var g = new Gradients(model);
                V2 target = new V2(0.3, -1.2), dTarget = default;
                double dT = 0;
                model.LossBackward(target, 0.8, g, ref dTarget, ref dT);
                double[] p = model.Parameters();
                var numeric = new double[p.Length];
                for (int i = 0; i < p.Length; i++)
                {
                    var plus = new Fit();
                    plus.Set(i, p[i] + h);
                    var minus = new Fit();
                    minus.Set(i, p[i] - h);
                    // Axis is float: the step actually taken is the one the float could represent.
                    double step = plus.Parameters()[i] - minus.Parameters()[i];
                    numeric[i] = (plus.Loss(target, 0.8) - minus.Loss(target, 0.8)) / step;
                }

                return (Of(g), numeric);
            }
        }

        public sealed class Sgd : IParameterUpdater
        {
            public int Calls;
            public int[] Lengths = new int[8];
            public void Update(int index, Span<double> parameter, ReadOnlySpan<double> gradient)
            {
                Lengths[index] = parameter.Length;
                Calls++;
                for (int i = 0; i < parameter.Length; i++) parameter[i] -= 0.5 * gradient[i];
            }

            public void Update(int index, Span<float> parameter, ReadOnlySpan<float> gradient)
            {
                Lengths[index] = parameter.Length;
                Calls++;
                for (int i = 0; i < parameter.Length; i++) parameter[i] -= 0.5f * gradient[i];
            }
        }
        """;

    private static readonly Lazy<GeneratorRun> Generated = new(() => TestCompiler.Generate(Source));
    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.Load(Generated.Value));

    private static Type T(string name) => Compiled.Value.GetType("Members." + name, throwOnError: true)!;

    [Fact]
    public void Struct_members_gradients_match_finite_differences()
    {
        var (analytic, numeric) = ((double[], double[]))T("Fit").GetMethod("Check")!.Invoke(null, new object[] { 1e-4 })!;
        // Axis is a float vector: its leaves are computed in float, so they get a float's tolerance.
        for (int i = 0; i < analytic.Length; i++)
        {
            double tolerance = i is >= 5 and <= 7 ? 2e-3 : 1e-6;
            Assert.True(Math.Abs(analytic[i] - numeric[i]) <= tolerance * Math.Max(1, Math.Abs(numeric[i])), $"parameter {i}: {analytic[i]} vs {numeric[i]}");
        }

        Assert.All(analytic, v => Assert.NotEqual(0, v)); // every leaf reached
    }

    [Fact]
    public void The_gradients_class_holds_the_struct_and_an_optimizer_gets_one_buffer_per_struct()
    {
        Type fit = T("Fit");
        object model = Activator.CreateInstance(fit)!;
        Type holder = fit.GetNestedType("Gradients")!;
        object gradients = Activator.CreateInstance(holder, model)!;
        Assert.Equal(T("V2"), holder.GetField("Center")!.FieldType);
        Assert.Equal(T("Pose"), holder.GetField("Start")!.FieldType);

        object target = Activator.CreateInstance(T("V2"), 0.3, -1.2)!;
        Invoke.Call(fit.GetMethod("LossBackward")!, new object?[] { target, 0.8, gradients, Activator.CreateInstance(T("V2")), 0.0, 1.0 }, model);
        double[] g = (double[])fit.GetMethod("Of")!.Invoke(null, new[] { gradients })!;
        double[] before = (double[])fit.GetMethod("Parameters")!.Invoke(model, null)!;

        Type contract = typeof(IGradients<>).MakeGenericType(fit);
        Assert.Equal(5, (int)contract.GetProperty("ParameterCount")!.GetValue(gradients)!); // Center, Start, Axis, Layer.By, W
        object sgd = Activator.CreateInstance(T("Sgd"))!;
        contract.GetMethod("Apply")!.Invoke(gradients, new[] { model, sgd });
        Assert.Equal(new[] { 2, 3, 3, 2, 2, 0, 0, 0 }, (int[])T("Sgd").GetField("Lengths")!.GetValue(sgd)!);
        double[] after = (double[])fit.GetMethod("Parameters")!.Invoke(model, null)!;
        for (int i = 0; i < g.Length; i++) Assert.Equal(before[i] - 0.5 * g[i], after[i], i is >= 5 and <= 7 ? 5 : 12);

        double[] Held() => (double[])fit.GetMethod("Of")!.Invoke(null, new[] { gradients })!;
        holder.GetMethod("Accumulate")!.Invoke(gradients, new[] { gradients });
        AssertClose(g.Select(v => 2 * v).ToArray(), Held());
        holder.GetMethod("MultiplyBy")!.Invoke(gradients, new object[] { 0.5 });
        AssertClose(g, Held());
        holder.GetMethod("Clear")!.Invoke(gradients, null);
        Assert.All(Held(), v => Assert.Equal(0, v));
    }

    [Fact]
    public void The_backward_reads_and_adds_into_the_members_leaf_by_leaf()
    {
        Assert.Empty(Generated.Value.GeneratorDiagnostics);
        string source = Generated.Value.Source("Members.Fit.Loss.Backward.g.cs");
        Snapshot.Verify("ModelStructMember", source);
        string backward = GeneratedMethods.Method(source, "LossBackward");
        Assert.Contains("Center.X + t * Start.Position.X", backward);   // read in place, no copy
        Assert.Contains("gradients.Center.X +=", backward);            // a field of fields: added to in place
        // A record struct's properties: gathered, then written back once with 'with'.
        Assert.Contains("gradients.Start = gradients.Start with { Position = gradients.Start.Position with {", backward);
        Assert.Contains("Anchors[1].X", backward);                      // [NoDerivative] and readonly members are constants
        Assert.Contains("Origin.X", backward);
    }

    [Theory]
    [InlineData("Center.X = t;", "Center.X = t", "BPG0104")]
    [InlineData("Center = new V2(t, t);", "Center = new V2(t, t)", "BPG0104")]
    [InlineData("Points[0] = new V2(t, t);", "Points[0] = new V2(t, t)", "BPG0104")]
    [InlineData("Z = new Complex(t, t);", "Z = new Complex(t, t)", "BPG0104")]
    public void Writing_a_struct_member_or_reading_an_unsupported_one_is_an_error_at_its_span(string statement, string span, string id)
    {
        string source = """
            using System.Numerics;
            using Backprop;

            public struct V2
            {
                public double X, Y;
                public V2(double x, double y) { X = x; Y = y; }
            }

            public sealed partial class M
            {
                public V2 Center;
                public V2[] Points = new V2[2];
                public Complex Z;
                [Differentiable] public double Loss(double t) { STATEMENT return Center.X * Center.Y * t; }
            }
            """.Replace("STATEMENT", statement);
        GeneratorRun run = TestCompiler.Generate(source);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        int at = source.IndexOf(span, source.IndexOf("[Differentiable]", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(new Microsoft.CodeAnalysis.Text.TextSpan(at, span.Length), diagnostic.Location.SourceSpan);
        if (id == "BPG0102") Assert.Contains("[NoDerivative]", diagnostic.GetMessage());
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        var result = GradientCheck.Compare(actual, expected);
        Assert.True(result.Passed(1e-6), result.ToString());
    }
}
