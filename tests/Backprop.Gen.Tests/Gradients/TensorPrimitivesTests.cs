using System;
using System.Linq;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// <c>TensorPrimitives</c> span operations inside [Differentiable] methods: each supported operation (every overload,
/// spans and scalars) is checked against central finite differences with <c>GradientCheck</c>, in reverse mode and in
/// forward mode, over double and float. The generated forward pass keeps the user's SIMD call. (The calls over double
/// name their type argument: the tests compile as C# 13, where an array does not infer a span's element type.)
/// </summary>
public class TensorPrimitivesTests
{
    private const string Source = """
        using System;
        using System.Numerics.Tensors;
        using Backprop;

        namespace Tp;

        public static partial class Ops
        {
            private const DifferentiationModes Both = DifferentiationModes.Reverse | DifferentiationModes.Forward;

            [Differentiable(Modes = Both)] public static double Dot(double[] x, double[] y) => TensorPrimitives.Dot<double>(x, y);
            [Differentiable(Modes = Both)] public static double Sum(double[] x) => TensorPrimitives.Sum<double>(x) * TensorPrimitives.Sum<double>(x);
            [Differentiable(Modes = Both)] public static double SumOfSquares(double[] x) => TensorPrimitives.SumOfSquares<double>(x);
            [Differentiable(Modes = Both)] public static double SumOfMagnitudes(double[] x, double[] c)
            {
                double[] p = new double[x.Length];
                TensorPrimitives.Multiply<double>(x, c, p);
                return TensorPrimitives.SumOfMagnitudes<double>(p);
            }
            [Differentiable(Modes = Both)] public static double Norm(double[] x) => TensorPrimitives.Norm<double>(x);
            [Differentiable(Modes = Both)] public static double Distance(double[] x, double[] y) => TensorPrimitives.Distance<double>(x, y);
            [Differentiable(Modes = Both)] public static double MaxMin(double[] x) => TensorPrimitives.Max<double>(x) * TensorPrimitives.Min<double>(x);

            [Differentiable(Modes = Both)] public static double Unary(double[] x, double[] c)
            {
                double[] a = new double[x.Length], b = new double[x.Length], e = new double[x.Length], t = new double[x.Length];
                double[] s = new double[x.Length], m = new double[x.Length], n = new double[x.Length];
                TensorPrimitives.Negate<double>(x, a);
                TensorPrimitives.Abs<double>(a, b);
                TensorPrimitives.Exp<double>(b, e);
                TensorPrimitives.Tanh<double>(x, t);
                TensorPrimitives.Sigmoid<double>(t, s);
                TensorPrimitives.SoftMax<double>(x, m);
                TensorPrimitives.MultiplyAdd<double>(e, s, m, n);
                return TensorPrimitives.Dot<double>(n, c);
            }

            [Differentiable(Modes = Both)] public static double Positive(double[] x, double[] c)
            {
                double[] l = new double[x.Length], q = new double[x.Length], r = new double[x.Length], d = new double[x.Length];
                TensorPrimitives.Log<double>(x, l);
                TensorPrimitives.Sqrt<double>(x, q);
                TensorPrimitives.Reciprocal<double>(x, r);
                TensorPrimitives.Divide<double>(l, x, d);
                return TensorPrimitives.Dot<double>(l, c) + TensorPrimitives.Dot<double>(q, c) * TensorPrimitives.Sum<double>(r) + TensorPrimitives.Dot<double>(d, d);
            }

            [Differentiable(Modes = Both)] public static double Binary(double[] x, double[] y, double[] c)
            {
                double[] s = new double[x.Length], d = new double[x.Length], p = new double[x.Length], hi = new double[x.Length], lo = new double[x.Length];
                TensorPrimitives.Add<double>(x, y, s);
                TensorPrimitives.Subtract<double>(x, c, d);
                TensorPrimitives.Multiply<double>(s, d, p);
                TensorPrimitives.Max<double>(p, y, hi);
                TensorPrimitives.Min<double>(hi, x, lo);
                double[] f = new double[x.Length];
                TensorPrimitives.FusedMultiplyAdd<double>(lo, c, s, f);
                return TensorPrimitives.Dot<double>(f, c);
            }

            [Differentiable(Modes = Both)] public static double Scalars(double[] x, double a, double b, double[] c)
            {
                double[] s = new double[x.Length], d = new double[x.Length], e = new double[x.Length], p = new double[x.Length];
                double[] q = new double[x.Length], r = new double[x.Length], m = new double[x.Length], f = new double[x.Length];
                TensorPrimitives.Add<double>(x, a, s);
                TensorPrimitives.Subtract<double>(s, b, d);
                TensorPrimitives.Subtract<double>(a, d, e);
                TensorPrimitives.Multiply<double>(e, b, p);
                TensorPrimitives.Divide<double>(p, a, q);
                TensorPrimitives.Divide<double>(b, c, r);
                TensorPrimitives.MultiplyAdd<double>(q, a, r, m);
                TensorPrimitives.MultiplyAdd<double>(m, c, b, f);
                double[] g = new double[x.Length], h = new double[x.Length];
                TensorPrimitives.FusedMultiplyAdd<double>(f, a, x, g);
                TensorPrimitives.FusedMultiplyAdd<double>(g, x, b, h);
                return TensorPrimitives.Dot<double>(h, c);
            }

            /// <summary>A dense layer whose rows are dot products of slices: each slice's adjoint is the same slice.</summary>
            [Differentiable] public static double Dense(double[] w, double[] x)
            {
                int n = x.Length;
                double[] y = new double[w.Length / n];
                for (int j = 0; j < y.Length; j++) y[j] = Math.Tanh(TensorPrimitives.Dot<double>(w.AsSpan(j * n, n), x));
                return TensorPrimitives.SumOfSquares<double>(y);
            }

            [Differentiable(Modes = Both)] public static float Floats(float[] x, float[] y, float a)
            {
                float[] e = new float[x.Length], t = new float[x.Length], p = new float[x.Length];
                TensorPrimitives.Exp(x, e);
                TensorPrimitives.Tanh(y, t);
                TensorPrimitives.Multiply(e, a, p);
                return TensorPrimitives.Dot(p, t) + TensorPrimitives.Norm(x) + TensorPrimitives.Sum(y);
            }
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.CompileAndLoad(Source));

    private static Func<Random, object?[]> Arrays(int count, int length = 5, double low = -1, double high = 1) => random =>
        Enumerable.Range(0, count).Select(_ => (object?)Enumerable.Range(0, length).Select(_ => low + (high - low) * random.NextDouble()).ToArray()).ToArray();

    [Theory]
    [InlineData("Dot", 2)]
    [InlineData("Sum", 1)]
    [InlineData("SumOfSquares", 1)]
    [InlineData("SumOfMagnitudes", 2)]
    [InlineData("Norm", 1)]
    [InlineData("Distance", 2)]
    [InlineData("MaxMin", 1)]
    [InlineData("Unary", 2)]
    [InlineData("Binary", 3)]
    public void Operation_matches_finite_differences_in_both_modes(string method, int arrays)
    {
        Check(Compiled.Value, "Tp.Ops", method, Arrays(arrays), points: 4);
        ForwardHarness.Check(Compiled.Value, "Tp.Ops", method, Arrays(arrays));
    }

    [Fact]
    public void Operations_of_positive_inputs_match_finite_differences()
    {
        Check(Compiled.Value, "Tp.Ops", "Positive", Arrays(2, low: 0.5, high: 2), points: 4);
        ForwardHarness.Check(Compiled.Value, "Tp.Ops", "Positive", Arrays(2, low: 0.5, high: 2));
    }

    [Fact]
    public void Overloads_with_scalar_operands_match_finite_differences()
    {
        static object?[] Point(Random random) => new object?[]
        {
            RandomArray(random, 5), 0.5 + random.NextDouble(), 0.5 + random.NextDouble(), Enumerable.Range(0, 5).Select(_ => 0.5 + random.NextDouble()).ToArray(),
        };
        Check(Compiled.Value, "Tp.Ops", "Scalars", Point, points: 4);
        ForwardHarness.Check(Compiled.Value, "Tp.Ops", "Scalars", Point);
    }

    [Fact]
    public void Slices_of_a_weight_matrix_get_their_own_gradient_rows()
    {
        Check(Compiled.Value, "Tp.Ops", "Dense", random => new object?[] { RandomArray(random, 12), RandomArray(random, 4) }, points: 4);
    }

    [Fact]
    public void Float_operations_use_the_float_overloads_and_match_finite_differences()
    {
        static object?[] Point(Random random) => new object?[]
        {
            Enumerable.Range(0, 6).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray(),
            Enumerable.Range(0, 6).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray(),
            (float)(random.NextDouble() + 0.5),
        };
        Check(Compiled.Value, "Tp.Ops", "Floats", Point, points: 4);
        ForwardHarness.Check(Compiled.Value, "Tp.Ops", "Floats", Point);
    }

    [Fact]
    public void The_forward_pass_keeps_the_simd_call_and_the_reverse_calls_the_rules()
    {
        GeneratorRun run = TestCompiler.Generate(Source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationProblems);
        string dense = GeneratedMethods.Method(run.Source(".Dense.Backward.g.cs"), "DenseBackward");
        Assert.Contains("global::System.Numerics.Tensors.TensorPrimitives.Dot<double>(global::System.MemoryExtensions.AsSpan<double>(w, j * n, n), x)", dense);
        Assert.Contains("TensorPrimitivesDerivatives.DotPullback<double>(global::System.MemoryExtensions.AsSpan<double>(w, j * n, n), x, global::Backprop.CompilerServices.Buffers.Slice(dW, j * n, n)", dense);
        string floats = run.Source(".Floats.Backward.g.cs");
        Assert.Contains("TensorPrimitivesDerivatives.ExpPullback<float>(x, e, dX, _d_e)", floats);
        Assert.Contains("TensorPrimitivesDerivatives.ExpTangent<float>(", floats);
    }

    [Fact]
    public void A_rule_refuses_a_destination_that_overlaps_its_input()
    {
        double[] x = { 1, 2, 3 };
        var error = Assert.Throws<ArgumentException>(() =>
            Backprop.CompilerServices.TensorPrimitivesDerivatives.ExpBackward<double>(x, x, new double[3], new double[3]));
        Assert.Equal("destination", error.ParamName);
    }

    [Fact]
    public void A_pullback_consumes_the_destinations_gradient_and_a_backward_leaves_it()
    {
        double[] x = { 0.5, -1, 2 }, y = new double[3], dX = new double[3], dY = { 1, 2, 3 };
        Backprop.CompilerServices.TensorPrimitivesDerivatives.TanhBackward<double>(x, y, dX, dY);
        Assert.Equal(new double[] { 1, 2, 3 }, dY);
        for (int i = 0; i < 3; i++) Assert.Equal((i + 1) * (1 - Math.Tanh(x[i]) * Math.Tanh(x[i])), dX[i], 12);
        Backprop.CompilerServices.TensorPrimitivesDerivatives.TanhPullback<double>(x, y, dX, dY);
        Assert.Equal(new double[3], dY);
    }
}

/// <summary>docs/supported.md's TensorPrimitives table lists exactly the operations that have rules, each in every mode it claims.</summary>
public class TensorPrimitivesRulesTests
{
    [Fact]
    public void The_docs_table_lists_the_operations_with_rules()
    {
        string document = System.IO.File.ReadAllText(System.IO.Path.Combine(RepositoryRoot.Path, "docs", "supported.md")).Replace("\r\n", "\n");
        int begin = document.IndexOf("<!-- TensorPrimitives table", StringComparison.Ordinal);
        int end = document.IndexOf("<!-- end of TensorPrimitives table -->", StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "docs/supported.md lacks the TensorPrimitives table markers");
        var documented = document.Substring(begin, end - begin).Split('\n')
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .Select(line => line.Split('`')[1])
            .OrderBy(name => name, StringComparer.Ordinal).ToList();

        MethodInfo[] rules = typeof(Backprop.CompilerServices.TensorPrimitivesDerivatives).GetMethods(BindingFlags.Public | BindingFlags.Static);
        var operations = rules.Where(m => m.Name.EndsWith("Backward", StringComparison.Ordinal))
            .Select(m => m.Name[..^"Backward".Length]).Distinct().OrderBy(name => name, StringComparer.Ordinal).ToList();
        Assert.Equal(operations, documented);

        foreach (MethodInfo backward in rules.Where(m => m.Name.EndsWith("Backward", StringComparison.Ordinal)))
        {
            string operation = backward.Name[..^"Backward".Length];
            // The operation itself exists with the rule's primal parameters, and so do its Pullback and Tangent.
            int primalCount = backward.GetParameters().TakeWhile(p => !(p.Name!.Length > 1 && p.Name[0] == 'd' && char.IsUpper(p.Name[1]))).Count();
            Type[] primal = backward.GetParameters().Take(primalCount).Select(p => p.ParameterType).ToArray();
            Assert.Contains(typeof(System.Numerics.Tensors.TensorPrimitives).GetMethods(), m => m.Name == operation && m.IsGenericMethodDefinition
                && m.GetParameters().Select(p => p.ParameterType.ToString()).SequenceEqual(primal.Select(t => t.ToString())));
            Assert.Contains(rules, m => m.Name == operation + "Pullback" && m.GetParameters().Select(p => p.ParameterType.ToString())
                .SequenceEqual(backward.GetParameters().Select(p => p.ParameterType.ToString())));
            Assert.Contains(rules, m => m.Name == operation + "Tangent" && m.GetParameters().Take(primalCount).Select(p => p.ParameterType.ToString())
                .SequenceEqual(primal.Select(t => t.ToString())));
        }
    }
}
