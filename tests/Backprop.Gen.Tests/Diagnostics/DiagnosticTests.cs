using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Backprop.Gen.Tests.Diagnostics;

/// <summary>
/// One test per diagnostic: the source marks the expected span with <c>[|…|]</c>, and the generator must report
/// exactly that ID there, and generate nothing for the method it reports.
/// </summary>
public class DiagnosticTests
{
    private const string Prelude = "using System;\nusing System.Linq;\nusing System.Threading.Tasks;\nusing Backprop;\n";

    public static IEnumerable<object[]> Cases() => new (string Id, string Source)[]
    {
        ("BPG0001", "public static class [|Net|] { [Differentiable] public static double F(double x) => x * x; }"),
        ("BPG0001", "public class [|Outer|] { public static partial class Net { [Differentiable] public static double F(double x) => x * x; } }"),
        ("BPG0002", "public static partial class Net { [Differentiable] public static [|int|] F(double x) => (int)x; }"),
        ("BPG0003", "public static partial class Net { [Differentiable([|\"q\"|])] public static double F(double x) => x * x; }"),
        ("BPG0004", "public static partial class Net { [Differentiable(\"x\", [|\"n\"|])] public static double F(double x, int n) => x * n; }"),
        ("BPG0005", "public static partial class Net { [Differentiable] public static double F([|ref double[] x|]) => x[0] * x[0]; }"),
        ("BPG0005", "public static partial class Net { [Differentiable] public static double F(double x, [|out int n|]) { n = 1; return x * x; } }"),
        ("BPG0005", "public static partial class Net { [Differentiable(Modes = DifferentiationModes.SecondOrder)] public static double F(double x, [|out double y|]) { y = x; return x * x; } }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static double G(double x, out double y) { y = x * x; return x; } [Differentiable] public static double F(double x) { double v = G(x, [|out double y|]); return v * y; } }"),
        ("BPG0006", "public static partial class Net { [Differentiable] public static double F<[|T|]>(double x) => x * x; }"),
        ("BPG0006", "public static partial class Net { [Differentiable] public static double F<[|T|]>(double x, T k) where T : System.Numerics.INumber<T> => x * x; }"),
        ("BPG0007", "public static partial class Net { [Differentiable] public static extern double [|F|](double x); }"),
        ("BPG0008", "public static partial class Net { [Differentiable] public static [|async|] Task<double> F(double x) { await Task.Yield(); return x; } }"),
        ("BPG0010", "[|file|] static partial class Net { [Differentiable] public static double F(double x) => x * x; }"),
        ("BPG0011", "public static partial class Net { public static double F(double x) { [[|Differentiable|]] static double Sq(double y) => y * y; return Sq(x); } }"),
        ("BPG0011", "public partial class Net { public double V { [[|Differentiable|]] get => 2.0; } }"),
        ("BPG0011", "public partial class Net { [[|Differentiable|]] public static double operator +(Net a, Net b) => 1.0; }"),
        ("BPG0011", "public static partial class Net { public static Func<double, double> F = [[|Differentiable|]] (double z) => z * z; }"),
        ("BPG0012", "public struct V2 { public readonly double X, Y; } public static partial class Net { [Differentiable] public static double F([|V2 p|], double k) => k * p.X; }"),
        ("BPG0012", "public static partial class Net { [Differentiable] public static double F([|System.Numerics.Plane p|], double k) => k * p.D; }"),
        ("BPG0012", "public struct WithP { public System.Numerics.Plane P; public double K; } public static partial class Net { [Differentiable] public static double F([|WithP w|], double k) => w.P.D * w.K * k; }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static double F(System.Numerics.Complex z) { var w = z; [|w++|]; return w.Real; } }"),
        ("BPG0012", "public static partial class Net { [Differentiable] public static double F([|(System.Numerics.Plane P, double K) p|], double k) => p.P.D * p.K * k; }"),
        ("BPG0012", "public struct V2 { private double _x; public double X => _x; public V2(double x) { _x = x; } } public static partial class Net { [Differentiable] public static double F([|V2 p|], double k) => k * p.X; }"),
        ("BPG0012", "public struct V2 { public double X { get; private set; } } public static partial class Net { [Differentiable] public static double F([|V2 p|], double k) => k * p.X; }"),
        ("BPG0012", "public readonly struct U2 { public readonly double X, Y; public U2(double x, double y) { double n = Math.Sqrt(x * x + y * y); X = x / n; Y = y / n; } } public static partial class Net { [Differentiable] public static double F([|U2 p|], double k) => k * p.X; }"),
        ("BPG0012", "public readonly struct S2 { public double X { get; } public double Y { get; } public S2(double x, double y) { X = y; Y = y; } } public static partial class Net { [Differentiable] public static double F([|S2 p|], double k) => k * p.X; }"),
        ("BPG0012", "public readonly struct N2 { public double X { get; } public double Y { get; } public N2(float x, double y) { X = x; Y = y; } } public static partial class Net { [Differentiable] public static double F([|N2 p|], double k) => k * p.X; }"),
        ("BPG0012", "public readonly struct D2 { public double X { get; } public double Y { get; } public D2(double X, double Y) { X = X; Y = Y; } } public static partial class Net { [Differentiable] public static double F([|D2 p|], double k) => k * p.X; }"),
        ("BPG0012", "public static partial class Net { [Differentiable] public static double F([|System.Numerics.Plane[] p|], double k) => k * p[0].D; }"),
        ("BPG0102", "public struct V2 { public double X, Y; } public static partial class Net { static double Sum(V2[] q) => q[0].X; [Differentiable] public static double F(V2[] pts, double k) => k * Sum([|pts|]); }"),
        // Nested differentiation: the inner method must have a HessianVector, the caller may not be second order, the call
        // must stand where the compiler can type it, in the contract's form.
        ("BPG0102", "public static partial class Net { [Differentiable] public static double P(double x) => x * x; [Differentiable] public static double F(double x) { double g = 0; [|PBackward(x, ref g)|]; return g; } }"),
        ("BPG0102", "public static partial class Net { [Differentiable(Modes = DifferentiationModes.SecondOrder)] public static double P(double x) => x * x; [Differentiable(Modes = DifferentiationModes.SecondOrder)] public static double F(double x) { double g = 0; [|PBackward(x, ref g)|]; return g; } }"),
        ("BPG0102", "public static partial class Net { [Differentiable(Modes = DifferentiationModes.SecondOrder)] public static double P(double x) => x * x; [Differentiable] public static double F(double x) { double g = 0; double v = 1 + [|PBackward(x, ref g)|]; return v * g; } }"),
        ("BPG0102", "public static partial class Net { [Differentiable(Modes = DifferentiationModes.SecondOrder)] public static double P(double x) => x * x; [Differentiable] public static double F(double x) { [|PTangent(x, out double t)|]; return t; } }"),
        ("BPG0102", "public static partial class Net { [Differentiable(Modes = DifferentiationModes.SecondOrder)] public static double P(this double x) => x * x; [Differentiable] public static double F(double x) { double g = 0; [|PBackward(x, ref g)|]; return g; } }"),
        ("BPG0013", "public static partial class Net { [Differentiable(nameof(x))] public static void [|F|](double[] x, double[] k, double[] y) { for (int i = 0; i < y.Length; i++) y[i] = k[i] * x[i]; } }"),
        ("BPG0101", "public static partial class Net { [Differentiable] public static double F(double x) { [|goto|] end; end: return x; } }"),
        ("BPG0101", "public static unsafe partial class Net { [Differentiable] public static double F(double[] a) { [|fixed|] (double* p = a) { return p[0]; } } }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static double F(double x) { Func<double, double> f = [|Math.Sin|]; return x; } }"),
        ("BPG0102", "public partial class Net { public Action<double[]>? Progress; [Differentiable] public double F(double[] w) { [|Progress?.Invoke(w)|]; return w[0]; } }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static double F(double x) { var v = [|System.Numerics.Complex.Tan(new System.Numerics.Complex(x, 1))|]; return v.Real; } }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static float F(System.Numerics.Quaternion q, float t) { var v = [|System.Numerics.Quaternion.Lerp(q, System.Numerics.Quaternion.Identity, t)|]; return v.X; } }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static float F(System.Numerics.Vector2 p) => [|System.Numerics.Vector2.Reflect(p, p)|].X; }"),
        ("BPG0102", "public struct V2 { public double X, Y; public double Norm() { double z = -X; if (X > 0) { if (Y > 0) [|return X;|] z = 2 * X; } return z; } } public static partial class Net { [Differentiable] public static double F(double x) { var v = new V2 { X = x, Y = 1 }; return v.Norm(); } }"),
        ("BPG0102", "public struct V2 { public double X, Y; } public static partial class Net { [Differentiable] public static double F(double x) { var v = new V2 { X = x, Y = 1 }; return x * [|v|].GetHashCode(); } }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static double F(double x) { var o = [|new { A = x }|]; return o.A; } }"),
        ("BPG0104", "public static partial class Net { static readonly double[] S = new double[1]; [Differentiable] public static double F(double x) { [|S[0] = x * x|]; return S[0] + x; } }"),
        ("BPG0108", "public static partial class Net { [Differentiable] public static double F(double x) => [|(double)((decimal)x * 1.2m)|] * x; }"),
        ("BPG0108", "public static partial class Net { [Differentiable] public static double F(double x) { decimal d = (decimal)x; d *= 2; return [|(double)d|] * x; } }"),
        ("BPG0108", "public static partial class Net { [Differentiable] public static double F(double x) { Half h = (Half)x; return [|(double)h|] + x; } }"),
        ("BPG0101", "public static partial class Net { [Differentiable] public static double F(double x) { [|try|] { x = x * 2; } catch (Exception) { } return x; } }"),
        ("BPG0101", "public static partial class Net { [Differentiable] public static double F(double x, int k) { switch (k) { case 1: if (x > 0) [|break;|] x = x * 2; break; } return x; } }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static double F(double x) { double y = x switch { [|var v|] when v > 0 => v, _ => 0.0 }; return y; } }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static double F(double x, int k) => 1 + [|k switch { 0 => x, 1 => 2.0 }|]; }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static double F(double x) { double Sum(double v) { double s = 0; for (int i = 0; i < 3; i++) { if (s > 9) [|return s;|] s += v; } return s; } return Sum(x); } }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static double F(double x) { double Sum(double v) { double s = 0; for (int i = 0; i < 3; i++) s += v; return s; } return x > 0 ? [|Sum(x)|] : 0; } }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static double F(double x) { double Fact(double v, int n) => n == 0 ? 1 : v * [|Fact(v, n - 1)|]; return Fact(x, 3); } }"),
        ("BPG0101", "public static partial class Net { [Differentiable] public static double F(double[] a) { [|ref double first = ref a[0]|]; return first; } }"),
        ("BPG0101", "public static partial class Net { [Differentiable] public static double F(double x) { [|lock|] (typeof(Net)) { x = x * 2; } return x; } }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static double F(double x) { Func<double, double> f = [|v => v * 2|]; return x; } }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static double F(double[] a) => ([|from v in a select v * 2|]).Sum(); }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static double F(double x) { Span<double> s = [|stackalloc double[2]|]; return x; } }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static double F(double x) { var t = [|(x, \"a\")|]; return t.Item1 * 2; } }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static double F(double x) { var t = (x, 2.0); return x * [|t|].GetHashCode(); } }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static double F(double x) => x is [|double d|] ? d * d : 0; }"),
        ("BPG0102", "public static partial class Net { [Differentiable(Modes = DifferentiationModes.Forward)] public static double G(ReadOnlySpan<double> x) => x[0] * x[1]; [Differentiable(Modes = DifferentiationModes.Forward)] public static double F(double[] a) => G([|a.AsSpan(1, 2)|]); }"),
("BPG0102", "public struct V2 { public double X, Y; } public static partial class Net { [Differentiable] public static V2 G(V2 p, double t) { for (int i = 0; i < 3; i++) { if (t > i) [|return p;|] } return new V2 { X = p.X * t, Y = p.Y }; } [Differentiable] public static double F(V2 p, double t) => G(p, t).X; }"),
                ("BPG0103", "public static partial class Net { [Differentiable] public static double F(double x, int i) { double y = x * [|i++|]; return y; } }"),
        ("BPG0104", "public static partial class Net { static double Field; [Differentiable] public static double F(double x) { [|Field = x|]; return x; } }"),
        ("BPG0105", "public static partial class Net { [Differentiable] public static void F(double[] x, double[] h) { [|h[0]|] += x[0]; } }"),
        ("BPG0105", "public static partial class Net { [Differentiable] public static void F(double[] x, double[] h) { double s = [|h[1]|]; h[0] = s * x[0]; } }"),
        ("BPG0002", "public static partial class Net { [Differentiable] public static [|void|] F(double[] x, [NoDerivative] double[] h) { h[0] = x[0]; } }"),
        ("BPG0106", "public static partial class Net { [Differentiable] public static double F(double[] x) { double[] h = [|x|]; return h[0]; } }"),
        ("BPG0107", "public static partial class Net { [Differentiable] public static void Tanh(double[] x, double[] y) { for (int i = 0; i < x.Length; i++) y[i] = Math.Tanh(x[i]); } [Differentiable] public static double F(double[] h) { double[] a = new double[h.Length]; Tanh(h, a); Tanh([|a|], a); return a[0]; } }"),
        ("BPG0201", "public static partial class Net { static double Helper(double v) => v * v; [Differentiable] public static double F(double x) => [|Helper(x)|] + x; }"),
        ("BPG0201", "public static partial class Net { [Differentiable] public static double F(double w) { double[] t = new double[3]; [|Array.Fill(t, w)|]; return t[0] * t[1]; } }"),
        ("BPG0201", "public static partial class Net { static void Copy(double[] from, double[] to) { } [Differentiable] public static double F(double[] x) { double[] t = new double[2]; [|Copy(x, t)|]; return t[0] * t[1]; } }"),
        ("BPG0102", "public sealed partial class Lin { public double[] W = new double[1]; [Differentiable] public void Forward(double[] x, double[] y) { y[0] = W[0] * x[0]; } } public sealed partial class Deep { public Lin[] Blocks = { new Lin() }; public double B; [Differentiable] public double F(double[] x) { double[] h = new double[1]; [|Blocks[0].Forward(x, h)|]; return h[0] + B; } }"),
        ("BPG0201", "public static partial class Net { [Differentiable] public static double F(double[] a) { double[] t = new double[2]; [|a.CopyTo(t, 0)|]; return t[0] * t[1]; } }"),
        ("BPG0202", "public static partial class Net { [Differentiable] public static double F(double[] a) => [|a.Sum()|]; }"),
        ("BPG0203", "public static partial class Net { [Differentiable] public static double F(double x) => x * x; public static double [|FBackward|](double x, double dX, double seed = 1) => x; }"),
        ("BPG0204", "public static class Lib { public static double G(double x) => x; } public static class D { [DerivativeOf(typeof(Lib), \"H\")] public static double [|HBackward|](double x, ref double dX, double seed = 1) => x; }"),
        ("BPG0205", "public static partial class Net { [Differentiable] public static double G(double w, [NoDerivative] double x) => w * x; [Differentiable] public static double F(double w, double x) => [|G(w, x)|]; }"),
        ("BPG0208", "public sealed partial class Layer { public double[] W = new double[2]; [Differentiable] public double G(double x) => W[0] * x; } public sealed partial class Model { public Layer Inner = new Layer(); public double B; [Differentiable] public double F(double x) => [|Inner.W|][0] * x + B; }"),
        ("BPG0209", "public sealed partial class Model { public double[] [|Clear|] = new double[2]; [Differentiable] public double F(double x) => Clear[0] * x; }"),
        ("BPG0210", "public static partial class Net { [Differentiable] public static double G(double x) => x * x; [Differentiable(Modes = DifferentiationModes.Forward)] public static double F(double x) => [|G(x)|] + x; }"),
        ("BPG0211", "public sealed partial class Model { public double[] W = new double[2]; [[|Differentiable(Modes = DifferentiationModes.SecondOrder)|]] public double F(double x) => W[0] * x; }"),
        ("BPG0212", "public static partial class Net { [Differentiable] public static double F(double[] x) { double[] c = new double[x.Length]; [|System.Numerics.Tensors.TensorPrimitives.Cosh<double>(x, c)|]; return c[0]; } }"),
        ("BPG0212", "public static partial class Net { [Differentiable(Modes = DifferentiationModes.SecondOrder)] public static double F(double[] x) => [|System.Numerics.Tensors.TensorPrimitives.Dot<double>(x, x)|]; }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static double F(double[] x) { double[] c = new double[2 * x.Length]; [|System.Numerics.Tensors.TensorPrimitives.Exp<double>(x, c.AsSpan(x.Length))|]; return c[3]; } }"),
        ("BPG0102", "public static partial class Net { [Differentiable] public static void Tanh(double[] x, Span<double> y) { for (int i = 0; i < x.Length; i++) y[i] = Math.Tanh(x[i]); } [Differentiable] public static double F(double[] x) { double[] c = new double[2 * x.Length]; [|Tanh(x, c.AsSpan(1))|]; return c[2]; } }"),
        ("BPG0107", "public static partial class Net { [Differentiable] public static double F(double[] x) { System.Numerics.Tensors.TensorPrimitives.Exp<double>([|x|], x); return x[0]; } }"),
        ("BPG0206", "public static class Lib { public static double G(double x) => x; } public class D { [DerivativeOf(typeof(Lib), nameof(Lib.G))] public double [|GBackward|](double x, ref double dX, double seed = 1) => x; }"),
    }.Select(c => new object[] { c.Id, c.Source });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reports_the_diagnostic_at_the_offending_span(string id, string marked)
    {
        (string source, TextSpan expected) = MarkedSource.Unmark(Prelude + marked);
        GeneratorRun run = TestCompiler.Generate(source);
        var diagnostics = run.GeneratorDiagnostics.Where(d => d.Id.StartsWith("BPG")).ToList();
        Assert.True(diagnostics.Count == 1, $"expected one {id}, got: {string.Join("; ", diagnostics)}\nin: {marked}");
        Diagnostic diagnostic = diagnostics[0];
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(expected, diagnostic.Location.SourceSpan);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.StartsWith("https://", diagnostic.Descriptor.HelpLinkUri);
        Assert.DoesNotContain(run.Sources.Keys, k => k.Contains(".F.Backward"));
    }

    [Fact]
    public void A_method_without_differentiable_parameters_is_a_warning_and_still_generates()
    {
        (string source, TextSpan expected) = MarkedSource.Unmark(Prelude + "public static partial class Net { [Differentiable] public static double [|F|](int n) => n * 0.5; }");
        GeneratorRun run = TestCompiler.Generate(source);
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("BPG0009", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal(expected, diagnostic.Location.SourceSpan);
        Assert.Contains(run.Sources.Keys, k => k.EndsWith("Net.F.Backward.g.cs"));
    }

    [Fact]
    public void Values_that_carry_no_derivative_may_be_tuples_strings_and_patterns()
    {
        GeneratorRun run = TestCompiler.Generate(Prelude + """
            public static partial class Net
            {
                [Differentiable]
                public static double F(double x, [NoDerivative] double y, object tag)
                {
                    var pair = (y, 2.0);
                    string note = $"x = {x}";
                    if (tag is string) note += "!";
                    return x * pair.Item1 * pair.Item2 + note.Length;
                }
            }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationProblems);
    }

    [Fact]
    public void A_jagged_array_parameter_is_named_in_the_warning()
    {
        GeneratorRun run = TestCompiler.Generate(Prelude + "public static partial class Net { [Differentiable] public static double F(double[][] w) => w[0][1] * w[1][0]; }");
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("BPG0009", diagnostic.Id);
        Assert.Contains("'double[][] w' is not a differentiable type", diagnostic.GetMessage());
    }

    [Fact]
    public void A_callee_compiled_without_the_generator_is_reported_at_the_call()
    {
        // A library compiled without Backprop.Gen: its [Differentiable] method has no Backward.
        var library = TestCompiler.Compilation(new[] { Prelude + "public static class Lib { [Differentiable] public static double G(double x) => x * x; }" }, "Lib");
        using var stream = new System.IO.MemoryStream();
        Assert.True(library.Emit(stream).Success);
        var reference = MetadataReference.CreateFromImage(stream.ToArray());

        (string source, TextSpan expected) = MarkedSource.Unmark(Prelude + "public static partial class Net { [Differentiable] public static double F(double x) => [|Lib.G(x)|]; }");
        var compilation = TestCompiler.Compilation(new[] { source }, extra: new[] { reference });
        GeneratorRun run = TestCompiler.Generate(compilation);
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("BPG0207", diagnostic.Id);
        Assert.Equal(expected, diagnostic.Location.SourceSpan);
    }

    [Fact]
    public void An_error_in_one_method_leaves_the_others_generated()
    {
        GeneratorRun run = TestCompiler.Generate(Prelude + """
            public static partial class Net
            {
                [Differentiable] public static double Good(double x) => x * x;
                [Differentiable] public static double Bad(double x) { goto end; end: return x; }
                [Differentiable] public static double AlsoGood(double x) => Math.Exp(x);
            }
            """);
        Assert.Equal("BPG0101", Assert.Single(run.GeneratorDiagnostics).Id);
        Assert.Contains(run.Sources.Keys, k => k.EndsWith("Net.Good.Backward.g.cs"));
        Assert.Contains(run.Sources.Keys, k => k.EndsWith("Net.AlsoGood.Backward.g.cs"));
        Assert.DoesNotContain(run.Sources.Keys, k => k.EndsWith("Net.Bad.Backward.g.cs"));
    }

    [Fact]
    public void A_method_that_does_not_compile_gets_the_compiler_error_alone()
    {
        // Math.Hypot does not exist: CS0117 says so, and no BPG error about the broken expression adds to the noise.
        GeneratorRun run = TestCompiler.Generate(Prelude + """
            public static partial class Net
            {
                [Differentiable] public static double F(double x) => Math.Sqrt(x) + Math.Hypot(x, 1);
            }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Contains(run.Output.GetDiagnostics(), d => d.Id == "CS0117");
        Assert.DoesNotContain(run.Sources.Keys, k => k.EndsWith("Net.F.Backward.g.cs"));
    }

    [Fact]
    public void Inactive_calls_and_expressions_need_no_derivative()
    {
        GeneratorRun run = TestCompiler.Generate(Prelude + """
            public static partial class Net
            {
                static int Factorial(int n) => n <= 1 ? 1 : n * Factorial(n - 1);
                static double Helper(int n) => Math.Sqrt(n);
                [Differentiable]
                public static double F(double x, int n, [NoDerivative] double[] data)
                {
                    if (data.Length == 0) throw new ArgumentException($"no data for {n}", nameof(data));
                    return x * Factorial(n) + Helper(n) + Math.Sqrt(2.0) + data.Sum() + Helper(data.Length) * x;
                }
            }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationProblems);
    }
}
