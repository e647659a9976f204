using System;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>Model classes (issue 8): instance methods differentiated over the object's fields, layers nested inside.</summary>
public class ModelTests
{
    private const string Source = """
        using System;
        using System.Linq;
        using Backprop;

        namespace Models;

        public sealed partial class Dense
        {
            public double[] W;
            public double[] B;
            [NoDerivative] public int Inputs;

            public Dense(int inputs, int outputs, Random random)
            {
                Inputs = inputs;
                W = new double[inputs * outputs];
                B = new double[outputs];
                for (int i = 0; i < W.Length; i++) W[i] = (random.NextDouble() * 2 - 1) / Math.Sqrt(inputs);
                for (int i = 0; i < B.Length; i++) B[i] = random.NextDouble() * 0.1;
            }

            [Differentiable]
            public void Forward(double[] x, double[] h)
            {
                for (int j = 0; j < B.Length; j++)
                {
                    double s = B[j];
                    for (int i = 0; i < Inputs; i++) s += W[j * Inputs + i] * x[i];
                    h[j] = s;
                }
            }
        }

        public sealed partial class Mlp
        {
            public Dense Hidden;
            public Dense Output;
            public double Temperature = 1.3;
            public double Scale { get; set; } = 0.9;
            [NoDerivative] public int Classes;

            public Mlp(int inputs, int hidden, int classes, int seed)
            {
                var random = new Random(seed);
                Hidden = new Dense(inputs, hidden, random);
                Output = new Dense(hidden, classes, random);
                Classes = classes;
            }

            [Differentiable]
            public double Loss([NoDerivative] double[] x, int label)
            {
                double[] z = new double[Hidden.B.Length];
                double[] a = new double[Hidden.B.Length];
                double[] logits = new double[Classes];
                Hidden.Forward(x, z);
                for (int i = 0; i < z.Length; i++) a[i] = Math.Tanh(z[i] * Scale);
                Output.Forward(a, logits);
                double max = logits[0];
                for (int k = 1; k < Classes; k++) if (logits[k] > max) max = logits[k];
                double sum = 0;
                for (int k = 0; k < Classes; k++) sum += Math.Exp((logits[k] - max) / Temperature);
                return Math.Log(sum) - (logits[label] - max) / Temperature;
            }

            [Differentiable]
            public double BatchLoss([NoDerivative] double[] xs, [NoDerivative] int[] labels)
            {
                int inputs = Hidden.Inputs;
                double[] x = new double[inputs];
                double total = 0;
                for (int n = 0; n < labels.Length; n++)
                {
                    for (int i = 0; i < inputs; i++) x[i] = xs[n * inputs + i];
                    total += Loss(x, labels[n]);
                }

                return total / labels.Length;
            }

            [Differentiable]
            public double WithInput(double[] x, [NoDerivative] double[] data, int label) => Loss(data, label) + 0.01 * x[0] * x[1] * Temperature;
        }

        public static class Training
        {
            public static double[] Flatten(Mlp model) => model.Hidden.W.Concat(model.Hidden.B).Concat(model.Output.W).Concat(model.Output.B)
                .Append(model.Temperature).Append(model.Scale).ToArray();

            public static void Unflatten(Mlp model, double[] p)
            {
                int k = 0;
                foreach (double[] a in new[] { model.Hidden.W, model.Hidden.B, model.Output.W, model.Output.B })
                    for (int i = 0; i < a.Length; i++) a[i] = p[k++];
                model.Temperature = p[k++];
                model.Scale = p[k];
            }

            public static double[] Flatten(Mlp.Gradients g) => g.Hidden.W.Concat(g.Hidden.B).Concat(g.Output.W).Concat(g.Output.B)
                .Append(g.Temperature).Append(g.Scale).ToArray();
        }

        public sealed class Sgd : IParameterUpdater
        {
            public double Rate = 0.5;
            public int Calls;
            public void Update(int index, Span<double> parameter, ReadOnlySpan<double> gradient)
            {
                Calls++;
                for (int i = 0; i < parameter.Length; i++) parameter[i] -= Rate * gradient[i];
            }

            public void Update(int index, Span<float> parameter, ReadOnlySpan<float> gradient) => throw new InvalidOperationException();
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    private static Type T(string name) => Compiled.Value.GetType("Models." + name, throwOnError: true)!;

    private static object NewModel(int seed = 3) => Activator.CreateInstance(T("Mlp"), 4, 5, 3, seed)!;

    private static object NewGradients(object model) => Activator.CreateInstance(T("Mlp").GetNestedType("Gradients")!, model)!;

    private static double[] Flatten(object value) => (double[])T("Training").GetMethods().Single(m => m.Name == "Flatten" && m.GetParameters()[0].ParameterType == value.GetType()).Invoke(null, new[] { value })!;

    [Fact]
    public void Every_member_gradient_matches_finite_differences()
    {
        object model = NewModel();
        double[] x = { 0.3, -0.7, 0.2, 0.9 };
        object gradients = NewGradients(model);
        MethodInfo loss = T("Mlp").GetMethod("Loss")!;
        MethodInfo backward = T("Mlp").GetMethod("LossBackward")!;
        double value = (double)Invoke.Call(backward, new object?[] { x, 2, gradients, 1.0 }, model)!;
        Assert.Equal((double)Invoke.Call(loss, new object?[] { x, 2 }, model)!, value);

        MethodInfo unflatten = T("Training").GetMethod("Unflatten")!;
        double[] p0 = Flatten(model);
        double F(double[] p)
        {
            object m = NewModel();
            unflatten.Invoke(null, new[] { m, p });
            return (double)Invoke.Call(loss, new object?[] { x, 2 }, m)!;
        }

        var result = GradientCheck.Compare(Flatten(gradients), GradientCheck.NumericGradient(F, p0));
        Assert.True(result.Passed(1e-6), result.ToString());
    }

    [Fact]
    public void Mini_batch_gradients_accumulate_and_threads_sum_to_the_serial_result()
    {
        object model = NewModel(5);
        var random = new Random(11);
        const int batch = 8;
        double[] xs = Enumerable.Range(0, batch * 4).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        int[] labels = Enumerable.Range(0, batch).Select(i => i % 3).ToArray();
        MethodInfo loss = T("Mlp").GetMethod("Loss")!;
        MethodInfo lossBackward = T("Mlp").GetMethod("LossBackward")!;

        // The batch method's gradient equals the mean of per-sample gradients gathered in one holder.
        object batchGradients = NewGradients(model);
        Invoke.Call(T("Mlp").GetMethod("BatchLossBackward")!, new object?[] { xs, labels, batchGradients, 1.0 }, model);
        object serial = NewGradients(model);
        for (int n = 0; n < batch; n++)
        {
            Invoke.Call(lossBackward, new object?[] { xs.Skip(n * 4).Take(4).ToArray(), labels[n], serial, 1.0 / batch }, model);
        }

        AssertClose(Flatten(serial), Flatten(batchGradients));

        // Data parallel: one holder per thread, then summed with Add.
        object[] perThread = { NewGradients(model), NewGradients(model) };
        Parallel.For(0, 2, t =>
        {
            for (int n = t; n < batch; n += 2)
            {
                Invoke.Call(lossBackward, new object?[] { xs.Skip(n * 4).Take(4).ToArray(), labels[n], perThread[t], 1.0 / batch }, model);
            }
        });
        T("Mlp").GetNestedType("Gradients")!.GetMethod("Accumulate")!.Invoke(perThread[0], new[] { perThread[1] });
        AssertClose(Flatten(serial), Flatten(perThread[0]));
    }

    [Fact]
    public void Gradients_clear_scale_and_hand_every_buffer_to_an_optimizer()
    {
        object model = NewModel();
        object gradients = NewGradients(model);
        Type type = gradients.GetType();
        Invoke.Call(T("Mlp").GetMethod("LossBackward")!, new object?[] { new[] { 0.1, 0.2, 0.3, 0.4 }, 1, gradients, 1.0 }, model);
        double[] before = Flatten(model);
        double[] g = Flatten(gradients);
        Type contract = typeof(IGradients<>).MakeGenericType(T("Mlp"));
        Assert.Equal(6, (int)contract.GetProperty("ParameterCount")!.GetValue(gradients)!);

        object sgd = Activator.CreateInstance(T("Sgd"))!;
        contract.GetMethod("Apply")!.Invoke(gradients, new[] { model, sgd });
        Assert.Equal(6, (int)T("Sgd").GetField("Calls")!.GetValue(sgd)!);
        AssertClose(before.Zip(g, (p, d) => p - 0.5 * d).ToArray(), Flatten(model));

        type.GetMethod("MultiplyBy")!.Invoke(gradients, new object[] { 2.0 });
        AssertClose(g.Select(v => 2 * v).ToArray(), Flatten(gradients));
        type.GetMethod("Clear")!.Invoke(gradients, null);
        Assert.All(Flatten(gradients), v => Assert.Equal(0, v));
    }

    [Fact]
    public void A_model_method_with_a_differentiable_parameter()
    {
        object model = NewModel();
        object gradients = NewGradients(model);
        double[] x = { 0.3, -0.7, 0.2, 0.9 };
        double[] dX = new double[4];
        double[] data = { 0.5, 0.1, -0.4, 0.2 };
        Invoke.Call(T("Mlp").GetMethod("WithInputBackward")!, new object?[] { x, data, 1, gradients, dX, 1.0 }, model);
        MethodInfo primal = T("Mlp").GetMethod("WithInput")!;
        double[] numeric = GradientCheck.NumericGradient(p => (double)Invoke.Call(primal, new object?[] { p, data, 1 }, model)!, x);
        AssertClose(numeric, dX);
    }

    [Fact]
    public void Reading_a_layers_values_directly_is_an_error()
    {
        GeneratorRun run = TestCompiler.Generate(Source.Replace("double max = logits[0];", "double max = logits[0] + Hidden.W[0];"));
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "BPG0208");
    }

    [Fact]
    public void Members_an_optimizer_could_not_write_back_are_constants()
    {
        // A positional record's properties are init-only, a readonly scalar cannot be assigned, and a struct's
        // members would only be updated on a copy: none is a parameter, and the generated code compiles cleanly.
        GeneratorRun run = TestCompiler.Generate("""
            using System;
            using Backprop;

            public partial record Scaled(double K)
            {
                public double[] W = new double[2];
                public readonly double Fixed = 3;
                public double Init { get; init; } = 2;
                [Differentiable] public double F(double x) => K * W[0] * x + Fixed * Init * W[1];
            }

            public partial struct Point
            {
                public double A;
                [Differentiable] public double G(double x) => A * x * x;
            }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationProblems);
        string gradients = run.Source("Scaled.Gradients.g.cs");
        Assert.Contains("public double[] W;", gradients);
        Assert.DoesNotContain("public double K;", gradients);
        Assert.DoesNotContain("Fixed", gradients);
        Assert.DoesNotContain("Init", gradients);
        Assert.DoesNotContain(run.Sources.Keys, k => k.Contains("Point.Gradients"));
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        var result = GradientCheck.Compare(actual, expected, 1e-9);
        Assert.True(result.Passed(1e-9), result.ToString());
    }
}
