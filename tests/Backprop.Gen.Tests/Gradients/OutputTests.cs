using System;
using System.Linq;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>Methods that write output arrays (layers): their vector–Jacobian products, and losses composed of them.</summary>
public class OutputTests
{
    internal const string Source = """
        using System;
        using Backprop;

        namespace Layers;

        public static partial class L
        {
            [Differentiable]
            public static void Dense(double[] w, double[] b, double[] x, double[] h)
            {
                int m = x.Length;
                for (int j = 0; j < b.Length; j++)
                {
                    double s = b[j];
                    for (int i = 0; i < m; i++) s += w[j * m + i] * x[i];
                    h[j] = s;
                }
            }

            [Differentiable]
            public static void Tanh(double[] x, double[] y)
            {
                for (int i = 0; i < x.Length; i++) y[i] = Math.Tanh(x[i]);
            }

            [Differentiable]
            public static void Softmax(double[] z, double[] p)
            {
                double max = z[0];
                for (int i = 1; i < z.Length; i++) if (z[i] > max) max = z[i];
                double sum = 0;
                for (int i = 0; i < z.Length; i++)
                {
                    p[i] = Math.Exp(z[i] - max);
                    sum += p[i];
                }

                for (int i = 0; i < z.Length; i++) p[i] = p[i] / sum;
            }

            [Differentiable]
            public static double Loss(double[] w1, double[] b1, double[] w2, double[] b2, [NoDerivative] double[] x, int label)
            {
                double[] h = new double[b1.Length];
                double[] a = new double[b1.Length];
                double[] z = new double[b2.Length];
                double[] p = new double[b2.Length];
                Dense(w1, b1, x, h);
                Tanh(h, a);
                Dense(w2, b2, a, z);
                Softmax(z, p);
                return -Math.Log(p[label]);
            }

            // A layer that returns a value too, and writes two outputs.
            [Differentiable]
            public static double Split(double[] x, double[] even, double[] odd)
            {
                double total = 0;
                for (int i = 0; i < even.Length; i++)
                {
                    even[i] = x[2 * i] * x[2 * i];
                    odd[i] = Math.Sin(x[2 * i + 1]) * even[i];
                    total += odd[i];
                }

                return total;
            }

            [Differentiable]
            public static double UsesSplit(double[] x, double w)
            {
                double[] e = new double[x.Length / 2];
                double[] o = new double[x.Length / 2];
                double t = Split(x, e, o);
                double s = t * w;
                for (int i = 0; i < e.Length; i++) s += e[i] * o[i] * w;
                return s;
            }

            // An output written through a parameter by a nested layer call: the caller's output too.
            [Differentiable]
            public static void TwoLayers(double[] w, double[] b, double[] x, double[] y)
            {
                double[] h = new double[b.Length];
                Dense(w, b, x, h);
                Tanh(h, y);
            }

            // Calls inside a loop reuse one local array: each call's output is saved and restored whole.
            [Differentiable]
            public static double Recurrent(double[] w, double[] b, double[] x, int steps)
            {
                double[] state = new double[b.Length];
                double[] next = new double[b.Length];
                for (int i = 0; i < b.Length; i++) state[i] = x[i];
                for (int t = 0; t < steps; t++)
                {
                    Dense(w, b, state, next);
                    Tanh(next, state);
                }

                double s = 0;
                for (int i = 0; i < state.Length; i++) s += state[i] * state[i];
                return s;
            }
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    [Fact]
    public void A_loss_composed_of_layer_calls_matches_finite_differences() =>
        Check(Compiled.Value, "Layers.L", "Loss", r => new object?[] { RandomArray(r, 12), RandomArray(r, 3), RandomArray(r, 6), RandomArray(r, 2), RandomArray(r, 4), r.Next(2) });

    [Fact]
    public void A_layer_with_a_value_and_two_outputs() =>
        Check(Compiled.Value, "Layers.L", "UsesSplit", r => new object?[] { RandomArray(r, 6), RandomScalar(r) });

    [Fact]
    public void Layer_calls_in_a_loop_over_reused_arrays() =>
        Check(Compiled.Value, "Layers.L", "Recurrent", r => new object?[] { RandomArray(r, 9), RandomArray(r, 3), RandomArray(r, 3), 4 });

    [Theory]
    [InlineData("Dense")]
    [InlineData("Tanh")]
    [InlineData("Softmax")]
    [InlineData("TwoLayers")]
    public void Dot_product_identity_with_finite_difference_jvps(string layer)
    {
        var random = new Random(7);
        (object[] inputs, int outputLength) = LayerArguments(layer, random);
        MethodInfo primal = Invoke.Method(Compiled.Value, "Layers.L", layer, inputs.Length + 1);
        MethodInfo backward = Invoke.Method(Compiled.Value, "Layers.L", layer + "Backward", 2 * (inputs.Length + 1));
        double[] Run(object[] x)
        {
            double[] y = new double[outputLength];
            Invoke.Call(primal, x.Select(a => ((double[])a).Clone()).Append(y).ToArray());
            return y;
        }

        // u: a direction in the inputs; v: a cotangent on the output.
        double[][] u = inputs.Select(a => RandomArray(random, ((double[])a).Length)).ToArray();
        double[] v = RandomArray(random, outputLength);
        double[] jvp = Jvp(Run, inputs, u);
        double[][] adjoints = inputs.Select(a => new double[((double[])a).Length]).ToArray();
        double[] output = new double[outputLength];
        double[] vCopy = (double[])v.Clone();
        Invoke.Call(backward, inputs.Cast<object?>().Append(output).Concat(adjoints).Append(vCopy).ToArray());

        double left = jvp.Zip(v, (a, b) => a * b).Sum();
        double right = u.Zip(adjoints, (du, dx) => du.Zip(dx, (a, b) => a * b).Sum()).Sum();
        Assert.True(GradientCheck.RelativeError(left, right) < 1e-7, $"<J·u, v> = {left} but <u, Jᵀ·v> = {right}");
        Assert.Equal(v, vCopy);          // the output's adjoint is an input: left unchanged
        Assert.Equal(Run(inputs), output); // and the Backward writes the outputs' forward values
    }

    private static (object[] Inputs, int OutputLength) LayerArguments(string layer, Random random) => layer switch
    {
        "Dense" => (new object[] { RandomArray(random, 12), RandomArray(random, 3), RandomArray(random, 4) }, 3),
        "TwoLayers" => (new object[] { RandomArray(random, 12), RandomArray(random, 3), RandomArray(random, 4) }, 3),
        _ => (new object[] { RandomArray(random, 5, 2) }, 5),
    };

    /// <summary>J·u by central differences along u.</summary>
    private static double[] Jvp(Func<object[], double[]> f, object[] x, double[][] u)
    {
        const double h = 1e-5;
        object[] Shift(double sign) => x.Select((a, k) => (object)((double[])a).Zip(u[k], (xi, ui) => xi + sign * h * ui).ToArray()).ToArray();
        double[] plus = f(Shift(1)), minus = f(Shift(-1));
        return plus.Zip(minus, (p, m) => (p - m) / (2 * h)).ToArray();
    }

    [Fact]
    public void A_null_output_adjoint_means_no_incoming_gradient()
    {
        MethodInfo backward = Invoke.Method(Compiled.Value, "Layers.L", "DenseBackward", 8);
        double[] dW = new double[12], dB = new double[3], dX = new double[4], h = new double[3];
        Invoke.Call(backward, new object?[] { RandomArray(new Random(1), 12), RandomArray(new Random(2), 3), RandomArray(new Random(3), 4), h, dW, dB, dX, null });
        Assert.All(dW.Concat(dB).Concat(dX), g => Assert.Equal(0, g));
        Assert.Contains(h, value => value != 0);
    }

    [Fact]
    public void Output_adjoints_are_marked_for_callers_in_other_assemblies()
    {
        MethodInfo backward = Invoke.Method(Compiled.Value, "Layers.L", "DenseBackward", 8);
        var marked = backward.GetParameters().Where(p => p.GetCustomAttributes().Any(a => a.GetType().Name == "OutputAdjointAttribute")).Select(p => p.Name);
        Assert.Equal(new[] { "dH" }, marked);
        Assert.Equal(typeof(void), backward.ReturnType);
    }

    [Theory]
    [InlineData("Dense", new[] { 12, 3, 4 }, 3)]
    [InlineData("Tanh", new[] { 5 }, 5)]
    [InlineData("Softmax", new[] { 6 }, 6)]
    public void A_pullback_adds_what_the_backward_adds_whatever_the_output_holds(string layer, int[] inputSizes, int outputSize)
    {
        // Split mode: a caller runs the layer forward, then calls its Pullback in the reverse sweep. The Pullback must not
        // depend on the output's contents on entry (the caller may have reused the array since), and must agree with the Backward.
        // The Backward leaves the incoming gradient; the Pullback consumes it (these layers store every element: all zero).
        int arity = 2 * inputSizes.Length + 2;
        MethodInfo backward = Invoke.Method(Compiled.Value, "Layers.L", layer + "Backward", arity);
        MethodInfo pullback = Invoke.Method(Compiled.Value, "Layers.L", layer + "Pullback", arity);
        var random = new Random(7);
        double[][] inputs = inputSizes.Select(n => RandomArray(random, n)).ToArray();
        double[] incoming = RandomArray(random, outputSize);

        (double[][] Adjoints, double[] Left) Run(MethodInfo method, double fill)
        {
            double[] output = Enumerable.Repeat(fill, outputSize).ToArray();
            double[][] adjoints = inputSizes.Select(n => new double[n]).ToArray();
            double[] dOutput = (double[])incoming.Clone();
            Invoke.Call(method, inputs.Cast<object?>().Append(output).Concat(adjoints).Append(dOutput).ToArray());
            return (adjoints, dOutput);
        }

        (double[][] expected, double[] left) = Run(backward, 0);
        Assert.Contains(expected.SelectMany(a => a), g => g != 0);
        Assert.Equal(incoming, left);
        foreach (double fill in new[] { 0, double.NaN, 1e300 })
        {
            (double[][] actual, double[] consumed) = Run(pullback, fill);
            for (int k = 0; k < expected.Length; k++) Assert.Equal(expected[k], actual[k]);
            Assert.All(consumed, g => Assert.Equal(0, g));
        }
    }

    [Fact]
    public void Generated_callers_run_a_generated_layer_once_and_replay_its_tape()
    {
        string generated = GeneratedMethods.Method(TestCompiler.Generate(Source).Source(".L.Loss.Backward.g.cs"), "LossBackward");
        Assert.Contains("DenseRecord(", generated);
        Assert.Contains("DenseReplay(", generated);
        Assert.DoesNotContain("DenseBackward(", generated);
        Assert.DoesNotContain("DensePullback(", generated);
    }

    [Fact]
    public void Two_dimensional_outputs_overwritten_and_reused()
    {
        // A 2-D output written twice inside the layer (its final values must survive the reverse sweep), and a local
        // 2-D array a caller overwrites with a second call while an earlier statement still needs its old contents.
        Assembly assembly = TestCompiler.CompileAndLoad("""
            using System;
            using Backprop;

            namespace Grid;

            public static partial class G
            {
                [Differentiable]
                public static void Smooth(double[,] x, double[,] y)
                {
                    for (int i = 0; i < x.GetLength(0); i++)
                        for (int j = 0; j < x.GetLength(1); j++) y[i, j] = x[i, j] * x[i, j];
                    for (int i = 0; i < x.GetLength(0); i++)
                        for (int j = 0; j < x.GetLength(1); j++) y[i, j] = Math.Sin(y[i, j]) + x[i, (j + 1) % x.GetLength(1)];
                }

                [Differentiable]
                public static double Loss(double[,] x)
                {
                    double[,] o = new double[x.GetLength(0), x.GetLength(1)];
                    Smooth(x, o);
                    double s = 0;
                    for (int i = 0; i < x.GetLength(0); i++)
                        for (int j = 0; j < x.GetLength(1); j++) s += o[i, j] * o[i, j];
                    Smooth(x, o);
                    for (int i = 0; i < x.GetLength(0); i++)
                        for (int j = 0; j < x.GetLength(1); j++) s += Math.Cos(o[i, j]);
                    return s;
                }
            }
            """);
        var random = new Random(9);
        double[,] x = new double[2, 3];
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) x[i, j] = random.NextDouble() * 2 - 1;
        double[,] dX = new double[2, 3];
        Invoke.Call(Invoke.Method(assembly, "Grid.G", "LossBackward", 3), new object?[] { x, dX, 1.0 });
        MethodInfo loss = Invoke.Method(assembly, "Grid.G", "Loss", 1);
        double[] flat = x.Cast<double>().ToArray();
        double[] numeric = GradientCheck.NumericGradient(v =>
        {
            var m = new double[2, 3];
            for (int k = 0; k < 6; k++) m[k / 3, k % 3] = v[k];
            return (double)Invoke.Call(loss, new object?[] { m })!;
        }, flat);
        Assert.True(GradientCheck.Compare(dX.Cast<double>().ToArray(), numeric, 1e-7).Passed(1e-7));

        // The layer's Backward leaves the output with the forward's final values.
        double[,] y = new double[2, 3], fromBackward = new double[2, 3];
        Invoke.Call(Invoke.Method(assembly, "Grid.G", "Smooth", 2), new object?[] { x, y });
        Invoke.Call(Invoke.Method(assembly, "Grid.G", "SmoothBackward", 4), new object?[] { x, fromBackward, new double[2, 3], new double[2, 3] });
        Assert.Equal(y, fromBackward);
    }
}
