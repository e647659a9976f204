using System;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// Nested calls run each forward pass once: a generated caller records its callee's tape in its forward sweep and
/// replays it in its reverse, so neither a chain of layers nor a recursion runs a callee's forward pass again. A
/// callee marked <c>Checkpoint = true</c> keeps nothing and is run again instead. The tests count how often each body
/// runs (through a plain counter the bodies call, which carries no derivative).
/// </summary>
public class SplitModeTests
{
    private static readonly string Source = """
        using System;
        using Backprop;

        namespace Split;

        public static class Counter
        {
            [ThreadStatic] public static int Logits, Checkpointed, Recursive, Helper;
            public static void Tick(string which)
            {
                switch (which)
                {
                    case "logits": Logits++; break;
                    case "checkpointed": Checkpointed++; break;
                    case "recursive": Recursive++; break;
                    default: Helper++; break;
                }
            }
        }

        public static partial class N
        {
            [Differentiable]
            public static void Logits(double[] w, double[] x, double[] z)
            {
                Counter.Tick("logits");
                double[] h = new double[3];
                for (int j = 0; j < 3; j++)
                {
                    double s = 0;
                    for (int i = 0; i < x.Length; i++) s += w[j * x.Length + i] * x[i];
                    h[j] = Math.Tanh(s);
                }

                for (int k = 0; k < z.Length; k++) z[k] = h[k % 3] * h[(k + 1) % 3];
            }

            [Differentiable(Checkpoint = true)]
            public static void Checkpointed(double[] w, double[] x, double[] z)
            {
                Counter.Tick("checkpointed");
                for (int k = 0; k < z.Length; k++) z[k] = Math.Sin(w[k] * x[k % x.Length]);
            }

            [Differentiable]
            public static double Helper(double a, double b)
            {
                Counter.Tick("helper");
                return Math.Exp(a * b) / (1 + a * a);
            }

            [Differentiable]
            public static double Loss(double[] w, double[] x)
            {
                double[] z = new double[4];
                Logits(w, x, z);
                double[] c = new double[4];
                Checkpointed(w, x, c);
                double s = 0;
                for (int k = 0; k < 4; k++) s += z[k] * z[k] + c[k] + Helper(z[k], c[k]);
                return s;
            }

            // A recursion: depth n costs n + 1 forward passes, not (n + 1)(n + 2) / 2.
            [Differentiable]
            public static double Recursive(double x, int n)
            {
                Counter.Tick("recursive");
                return n == 0 ? x : Math.Sin(Recursive(x * 1.01, n - 1)) + 0.1 * x;
            }

            // A determinant by minors whose recursion relinks two integer lists (r[i] is the row after row i) and puts
            // them back: each call's reverse must see the lists as its forward did, in both modes.
        MINORS
            [Differentiable]
            public static double Det(double[] a)
            {
                int n = 4;
                int[] r = new int[n + 1];
                int[] c = new int[n + 1];
                for (int i = 0; i < n; i++)
                {
                    r[i] = i + 1;
                    c[i] = i + 1;
                }

                return CheckpointedMinor(a, n, n, r, c) + 0.5 * RecordedMinor(a, n, n, r, c);
            }
        }
        """.Replace("MINORS", Minor("CheckpointedMinor", "[Differentiable(Checkpoint = true)]") + Minor("RecordedMinor", "[Differentiable]"));

    /// <summary>The determinant by relinked minors, once checkpointed and once recorded: the same body under two names.</summary>
    private static string Minor(string name, string attribute) => """
            ATTRIBUTE
            public static double NAME(double[] a, int n, int m, int[] r, int[] c)
            {
                int r0 = r[n];
                int cj = c[n];
                if (m == 1) return a[r0 * n + cj];
                double det = 0, sign = 1;
                r[n] = r[r0];
                int previous = n;
                for (int j = 0; j < m; j++)
                {
                    double entry = a[r0 * n + cj];
                    c[previous] = c[cj];
                    det += sign * entry * NAME(a, n, m - 1, r, c);
                    c[previous] = cj;
                    previous = cj;
                    cj = c[cj];
                    sign = -sign;
                }

                r[n] = r0;
                return det;
            }

        """.Replace("NAME", name).Replace("ATTRIBUTE", attribute);

    private static readonly Lazy<GeneratorRun> Generated = new(() => TestCompiler.Generate(Source));
    private static readonly Lazy<Assembly> Compiled = new(() => TestCompiler.Load(Generated.Value));

    private static int Count(string field) => (int)Compiled.Value.GetType("Split.Counter")!.GetField(field)!.GetValue(null)!;

    private static void Reset()
    {
        foreach (string field in new[] { "Logits", "Checkpointed", "Recursive", "Helper" }) Compiled.Value.GetType("Split.Counter")!.GetField(field)!.SetValue(null, 0);
    }

    [Fact]
    public void A_callee_runs_its_forward_pass_once_and_a_checkpoint_twice()
    {
        double[] w = RandomArray(new Random(1), 12), x = RandomArray(new Random(2), 4);
        Reset();
        Invoke.Call(Invoke.Method(Compiled.Value, "Split.N", "LossBackward", 5), new object?[] { w, x, new double[12], new double[4], 1.0 });
        Assert.Equal(1, Count("Logits"));        // recorded in the forward sweep, replayed from its tape
        Assert.Equal(4, Count("Helper"));        // once per call, four calls
        Assert.Equal(2, Count("Checkpointed"));  // run again in the reverse sweep: it keeps nothing

        string backward = GeneratedMethods.Method(Generated.Value.Source(".N.Loss.Backward.g.cs"), "LossBackward");
        Assert.Contains("LogitsRecord(", backward);
        Assert.Contains("CheckpointedPullback(", backward);
        Assert.DoesNotContain("CheckpointedRecord(", backward);
        Assert.DoesNotContain("LogitsBackward(", backward);
    }

    [Fact]
    public void Recorded_and_checkpointed_callees_give_the_same_exact_gradient() =>
        Check(Compiled.Value, "Split.N", "Loss", r => new object?[] { RandomArray(r, 12), RandomArray(r, 4) });

    [Theory]
    [InlineData(10)]
    [InlineData(1000)]
    public void A_recursion_of_depth_n_runs_n_plus_one_forward_passes(int depth)
    {
        Reset();
        object?[] arguments = { 0.3, depth, 0.0, 1.0 };
        Invoke.Call(Invoke.Method(Compiled.Value, "Split.N", "RecursiveBackward", 4), arguments);
        Assert.Equal(depth + 1, Count("Recursive"));
    }

    [Fact]
    public void A_recursion_matches_finite_differences() =>
        Check(Compiled.Value, "Split.N", "Recursive", r => new object?[] { RandomScalar(r), 25 });

    [Fact]
    public void A_recursion_that_relinks_integer_arrays_matches_finite_differences_checkpointed_or_recorded()
    {
        Check(Compiled.Value, "Split.N", "Det", r => new object?[] { RandomArray(r, 16) });
        // A 4 × 4 matrix with a known determinant: the gradient is the cofactor matrix, 1.5 × for the sum.
        double[] a = { 2, 0, 0, 1, 0, 3, 0, 0, 0, 0, 4, 0, 1, 0, 0, 5 };
        double[] dA = new double[16];
        object? value = Invoke.Call(Invoke.Method(Compiled.Value, "Split.N", "DetBackward", 3), new object?[] { a, dA, 1.0 });
        Assert.Equal(1.5 * 108.0, (double)value!, 12); // det = 3·4·(2·5 − 1·1) = 108
        Assert.Equal(1.5 * 60.0, dA[0], 12);            // cofactor (0,0): 3·4·5
        Assert.Equal(1.5 * -12.0, dA[3], 12);           // cofactor (0,3): −(3·4·1)
    }

    [Fact]
    public void A_replay_without_its_record_is_a_clear_error()
    {
        MethodInfo replay = Invoke.Method(Compiled.Value, "Split.N", "HelperReplay", 6);
        var error = Assert.Throws<InvalidOperationException>(() => Invoke.Call(replay, new object?[] { 1.0, 2.0, null, 0.0, 0.0, 1.0 }));
        Assert.Contains("HelperRecord first", error.Message);
    }
}
