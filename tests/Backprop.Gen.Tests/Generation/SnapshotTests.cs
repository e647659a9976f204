using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;

namespace Backprop.Gen.Tests.Generation;

/// <summary>The generated code itself, as snapshots, with the structural promises of docs/how-it-works.md checked on top.</summary>
public class SnapshotTests
{
    private const string Prelude = "using System;\nusing Backprop;\n\nnamespace Snapshots;\n\n";

    private static string Generate(string code, string method)
    {
        GeneratorRun run = TestCompiler.Generate(Prelude + code);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationProblems);
        return run.Source("." + method + ".Backward.g.cs");
    }

    [Fact]
    public void Sigmoid_neuron_reuses_its_result()
    {
        string source = Generate("""
            public static partial class Net
            {
                [Differentiable]
                public static double Neuron(double w, double x) { double z = w * x + 0.5; return 1 / (1 + Math.Exp(-z)); }
            }
            """, "Neuron");
        Snapshot.Verify("Neuron", source);
        string backward = GeneratedMethods.Method(source, "NeuronBackward");
        Assert.Contains("_result * (1.0 - _result)", backward); // σ' = σ(1 − σ), from the saved result
        Assert.DoesNotContain("ValueStack", source);             // straight-line code saves and allocates nothing
        Assert.DoesNotContain("new ", backward.Split("// forward sweep")[1]);
        // For generated callers: the record keeps the result the reverse sweep reads, and the replay reads it back.
        Assert.Contains("_tape._result = _result;", GeneratedMethods.Method(source, "NeuronRecord"));
        Assert.Contains("double _result = _tape._result;", GeneratedMethods.Method(source, "NeuronReplay"));
    }

    [Fact]
    public void Dot_product_loop_saves_nothing()
    {
        string source = Generate("""
            public static partial class Net
            {
                [Differentiable]
                public static double Dot(double[] a, double[] b)
                {
                    double s = 0;
                    for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
                    return s;
                }
            }
            """, "Dot");
        Snapshot.Verify("Dot", source);
        source = GeneratedMethods.Method(source, "DotBackward");
        Assert.DoesNotContain("ValueStack", source);
        Assert.DoesNotContain("_trips", source);
        // The reverse needs no stored counter: independent accumulations, one vectorized row per wanted gradient (the
        // forward keeps its loop).
        Assert.Contains("if (dA != null)", source);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(source, @"^\s*for \(int i = 0; i < a\.Length; i\+\+\)", System.Text.RegularExpressions.RegexOptions.Multiline));
        Assert.Contains("global::Backprop.CompilerServices.Kernels.AddScaled(dA, 0, _d_s, b, 0, a.Length);", source);
        Assert.Contains("global::Backprop.CompilerServices.Kernels.AddScaled(dB, 0, _d_s, a, 0, a.Length);", source);
    }

    [Fact]
    public void Recurrence_saves_exactly_h_per_step()
    {
        string source = Generate("""
            public static partial class Net
            {
                [Differentiable]
                public static double Rnn(double w, double x, double b, int n)
                {
                    double h = x;
                    for (int i = 0; i < n; i++) h = Math.Tanh(w * h + b);
                    return h;
                }
            }
            """, "Rnn");
        Snapshot.Verify("Rnn", source);
        source = GeneratedMethods.Method(source, "RnnBackward");
        // One save per step, in an array indexed by the loop counter (a stack would keep a count in memory).
        Assert.Equal(new[] { "_saved_h" }, Regex.Matches(source, @"double\[\] (_saved_\w+) = ").Select(m => m.Groups[1].Value));
        Assert.DoesNotContain("ValueStack", source);
        Assert.Single(Regex.Matches(source, @"_saved_h\[i\] = h;"));
        Assert.Single(Regex.Matches(source, @"h = _saved_h\[i\];"));
        Assert.Contains("(1.0 - h * h)", source); // tanh' = 1 − tanh², from the result
    }

    [Fact]
    public void A_layer_reads_the_incoming_gradient_of_an_output_it_writes_once()
    {
        string source = Generate("""
            public static partial class Net
            {
                [Differentiable]
                public static void Conv1d(double[] kernel, ReadOnlySpan<double> x, Span<double> y, int channels)
                {
                    int width = x.Length - kernel.Length / channels + 1;
                    for (int o = 0; o < channels; o++)
                    {
                        for (int c = 0; c < width; c++)
                        {
                            double sum = 0;
                            for (int k = 0; k < kernel.Length / channels; k++) sum += kernel[o * (kernel.Length / channels) + k] * x[c + k];
                            y[o * width + c] = Math.Tanh(sum);
                        }
                    }
                }
            }
            """, "Conv1d");
        Snapshot.Verify("WriteOnceLayer", source);
        // No pooled copy of dY: the reverse reads the caller's gradient, as a person would. The Backward leaves it (no
        // zeroing after each read); the Pullback, for generated callers, consumes each element as it reads it.
        string backward = GeneratedMethods.Method(source, "Conv1dBackward"), pullback = GeneratedMethods.Method(source, "Conv1dPullback");
        Assert.Contains("global::System.ReadOnlySpan<double> _d_y = global::Backprop.CompilerServices.Buffers.ReadOnly(dY, y.Length);", backward);
        Assert.Contains("global::System.Span<double> _d_y = global::Backprop.CompilerServices.Buffers.Consume(dY, y.Length);", pullback);
        Assert.DoesNotContain("RentCopy", source);
        Assert.DoesNotMatch(@"_d_y\[[^\]]*\] = 0", backward);
        Assert.Matches(@"_d_y\[[^\]]*\] = 0", pullback);
    }

    [Fact]
    public void Branches_loops_and_local_arrays()
    {
        string source = Generate("""
            public static partial class Net
            {
                [Differentiable]
                public static double Layer(double[] w, double[] b, [NoDerivative] double[] x)
                {
                    int n = b.Length;
                    double[] h = new double[n];
                    for (int j = 0; j < n; j++)
                    {
                        double sum = b[j];
                        for (int i = 0; i < x.Length; i++) sum += w[j * x.Length + i] * x[i];
                        h[j] = sum > 0 ? sum : 0.01 * sum;
                    }

                    double loss = 0;
                    foreach (double v in h) loss += v * v;
                    return loss;
                }
            }
            """, "Layer");
        Snapshot.Verify("Layer", source);
        Assert.Contains("Buffers.Grow", source);
        Assert.DoesNotContain("dX", source); // x is [NoDerivative]: no adjoint
        Assert.Contains("h = global::Backprop.CompilerServices.Buffers.RentZeroed<double>(n);", source); // h lives only as long as the call
        Assert.Contains("global::Backprop.CompilerServices.Buffers.Return(h);", source);
        Assert.DoesNotContain("!= 0.0)", source); // 0 · ∞ is NaN everywhere: no loop is skipped on a zero adjoint
    }

    [Fact]
    public void Early_return_and_branches()
    {
        string source = Generate("""
            public static partial class Net
            {
                [Differentiable]
                public static double Piecewise(double x, double y)
                {
                    if (x < 0) return y * y;
                    double t = Math.Sqrt(x) * y;
                    return t > 1 ? Math.Log(t) : t - 1;
                }
            }
            """, "Piecewise");
        Snapshot.Verify("Piecewise", source);
        Assert.DoesNotContain("_returned", source); // the rest moved into the else branch: no flag needed
    }

    [Fact]
    public void A_switch_reads_as_the_if_else_chain_it_means()
    {
        string source = Generate("""
            public enum Activation { Tanh, Relu, Identity }

            public static partial class Net
            {
                [Differentiable]
                public static double Activate(double x, [NoDerivative] Activation kind, int k)
                {
                    double y = kind switch
                    {
                        Activation.Tanh => Math.Tanh(x),
                        Activation.Relu => x > 0 ? x : 0,
                        _ => x,
                    };
                    switch (k)
                    {
                        case 0:
                        case 1:
                            y = y * y;
                            break;
                        case > 5:
                            y = Math.Sin(y);
                            break;
                    }

                    return y;
                }
            }
            """, "Activate");
        Snapshot.Verify("Switch", source);
        string backward = GeneratedMethods.Method(source, "ActivateBackward");
        Assert.Contains("// Activation.Tanh =>", backward); // each reverse block names its arm
        Assert.Contains("// case 0: case 1:", backward);
        Assert.Contains("kind == global::Snapshots.Activation.Tanh", backward);
    }

    [Fact]
    public void A_struct_reads_as_its_fields()
    {
        string source = Generate("""
            public struct V2
            {
                public double X, Y;
                public V2(double x, double y) { X = x; Y = y; }
                public static V2 operator +(V2 a, V2 b) => new V2(a.X + b.X, a.Y + b.Y);
                public static V2 operator *(double k, V2 a) => new V2(k * a.X, k * a.Y);
                public readonly double Length => Math.Sqrt(X * X + Y * Y);
            }

            public static partial class Net
            {
                [Differentiable]
                public static double Drift(V2 p, V2 v, double t)
                {
                    V2 q = p + t * v;
                    return q.Length;
                }
            }
            """, "Drift");
        Snapshot.Verify("Struct", source);
        string backward = GeneratedMethods.Method(source, "DriftBackward");
        Assert.Contains("ref global::Snapshots.V2 dP, ref global::Snapshots.V2 dV, ref double dT", backward);
        Assert.Contains("double q_X = p.X + t * v.X;", backward); // one local per field, named after it
        Assert.Contains("dP.X +=", backward); // the adjoint's fields, by name
        Assert.DoesNotContain("new ", backward); // no allocation, no boxing
    }

    [Fact]
    public void Calls_and_float_methods()
    {
        GeneratorRun run = TestCompiler.Generate(Prelude + """
            public static partial class Net
            {
                [Differentiable]
                public static float Softplus(float x) => MathF.Log(1f + MathF.Exp(x));

                [Differentiable]
                public static float Power(float x, int n)
                {
                    float r = 1f;
                    for (int i = 0; i < n; i++) r *= x;
                    return r;
                }

                [Differentiable]
                public static float Loss(float[] w, float b, [NoDerivative] float[] x) => Softplus(w[0] * x[0] + w[1] * x[1] + b) - 0.5f * Power(b, 3);
            }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationProblems);
        string loss = run.Source(".Loss.Backward.g.cs");
        Snapshot.Verify("FloatCall", loss);
        // A callee with a loop runs once: recorded in the forward sweep, replayed in the reverse.
        Assert.Contains("PowerRecord(", GeneratedMethods.Method(loss, "LossBackward"));
        Assert.Contains("PowerReplay(", GeneratedMethods.Method(loss, "LossBackward"));
        // A one-expression callee is inlined: its arithmetic, no tape.
        Assert.DoesNotContain("SoftplusRecord", loss);
        Assert.DoesNotContain("SoftplusReplay", loss);
        Assert.DoesNotContain("SoftplusBackward", loss);
        Assert.Contains("global::System.MathF.Exp(", GeneratedMethods.Method(loss, "LossBackward"));
        Assert.Contains("float seed = 1f", loss);
        Assert.Contains("global::System.MathF.Exp", run.Source(".Softplus.Backward.g.cs"));
    }

    /// <summary>Every sample's [Differentiable] code, compiled as the sample compiles it, has a snapshot.</summary>
    [Fact]
    public void Sample_methods()
    {
        string samples = Path.Combine(RepositoryRoot.Path, "samples");
        var problems = new System.Collections.Generic.List<string>();
        foreach (string directory in Directory.GetDirectories(samples).OrderBy(d => d, System.StringComparer.Ordinal))
        {
            var files = Directory.GetFiles(directory, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar) && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar))
                .OrderBy(f => f, System.StringComparer.Ordinal)
                .ToList();
            // The whole sample compiles together: its [Differentiable] methods may use its other types (a struct).
            if (!files.Any(f => File.ReadAllText(f).Contains("[Differentiable"))) continue;
            GeneratorRun run = TestCompiler.Generate(TestCompiler.Compilation(files.Select(File.ReadAllText)));
            Assert.Empty(run.GeneratorDiagnostics);
            string name = Path.GetFileName(directory);
            foreach (var (hint, text) in run.Sources.OrderBy(s => s.Key, System.StringComparer.Ordinal))
            {
                if (Snapshot.Check("Sample." + name + "." + hint.Replace(".Backward.g.cs", "").Replace(".g.cs", ""), text) is { } problem) problems.Add(problem);
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void An_array_allocated_in_each_iteration_is_rented_and_given_back_when_the_reverse_is_done_with_it()
    {
        // The determinant by minors (taped, as LoopArrayTests checks its gradient): one minor per column, each kept for
        // the reverse sweep of the recursive call.
        GeneratorRun run = TestCompiler.Generate(Gradients.LoopArrayTests.Source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationProblems);
        string source = run.Source(".Det.Backward.g.cs");
        foreach (string method in new[] { "DetBackward", "DetRecord" })
        {
            Assert.Contains("minor = global::Backprop.CompilerServices.Buffers.RentZeroed<double>(m * m);", GeneratedMethods.Method(source, method));
        }

        // Given back just before the pop that restores the previous column's minor, in the Backward and the Replay.
        foreach (string method in new[] { "DetBackward", "DetReplay" })
        {
            string reverse = GeneratedMethods.Method(source, method);
            Assert.Matches(@"Buffers\.Return\(minor\);\s*minor = _saved_minor\.Pop\(\);", reverse);
        }
    }

    [Fact]
    public void A_local_array_that_may_escape_is_allocated_as_written()
    {
        // Handed to a method the generator cannot see into, the array might be kept: it is not pooled.
        string source = Generate("""
            public static partial class Net
            {
                [Differentiable]
                public static double Kept(double[] w)
                {
                    double[] t = new double[w.Length];
                    double[] u = new double[w.Length];
                    Keeper.Keep(u);
                    double s = 0;
                    for (int i = 0; i < w.Length; i++)
                    {
                        t[i] = w[i] * w[i];
                        s += t[i] * u.Length;
                    }

                    return s;
                }
            }

            public static class Keeper
            {
                public static double[]? Last;
                public static void Keep(double[] a) => Last = a;
            }
            """, "Kept");
        Assert.Contains("double[] u = new double[w.Length];", source);
        Assert.Contains("t = global::Backprop.CompilerServices.Buffers.RentZeroed<double>(w.Length);", source);
        Assert.DoesNotContain("Return(u)", source);
    }
}
