using System;
using System.Collections.Generic;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Generation;

/// <summary>What a correct generator must do with one corpus program.</summary>
internal abstract record CorpusExpectation;

/// <summary>
/// No generator diagnostic, no compilation problem, and the Backward of <c>Method</c> on <c>Type</c> matches
/// central finite differences at random points. With <c>Method</c> null only <see cref="Also"/> runs, for a gradient
/// that differs from the primal's on purpose (a stopped one) or that the harness cannot reach.
/// </summary>
internal sealed record Valid(string Type, string? Method, Func<Random, object?[]>? Arguments) : CorpusExpectation
{
    public double Tolerance { get; init; } = 1e-6;

    public int Points { get; init; } = 5;

    /// <summary>For an instance method: makes the receiver from its runtime type.</summary>
    public Func<Type, object>? Instance { get; init; }

    /// <summary>Extra checks on the loaded assembly (exact values, exceptions, null arguments).</summary>
    public Action<Assembly>? Also { get; init; }
}

/// <summary>The generator reports <c>Id</c> (any BPG error when null) as an error whose span's text equals or contains <c>Snippet</c>.</summary>
internal sealed record Rejected(string? Id, string Snippet) : CorpusExpectation;

/// <summary>
/// Either answer is right: a BPG error (its span containing <c>Snippet</c> when one is given), or everything
/// <c>IfValid</c> asks. Never a CS error in generated code, never a wrong gradient.
/// </summary>
internal sealed record ValidOrRejected(Valid IfValid, string? Snippet = null) : CorpusExpectation;

/// <summary>One corpus program: unusual but valid C#, as a user porting real code would write it.</summary>
internal sealed record CorpusCase(string Name, string Source, CorpusExpectation Expectation);

/// <summary>The corpus: small programs, each with what a correct generator must do with it.</summary>
internal static class CompilesCorpusSources
{
    public const string Prelude = "using System;\nusing Backprop;\n";

    private static double S(Random r, double scale = 1.0) => RandomScalar(r, scale);

    private static double[] A(Random r, int n, double scale = 1.0) => RandomArray(r, n, scale);

    private static float F(Random r) => (float)RandomScalar(r);

    private static Valid V(string type, string method, Func<Random, object?[]> arguments) => new(type, method, arguments);

    /// <summary>Calls a method of the loaded assembly, chosen by name and parameter count; ref arguments are written back.</summary>
    public static object? Call(Assembly assembly, string type, string method, object?[] arguments) =>
        Invoke.Call(Invoke.Method(assembly, type, method, arguments.Length), arguments);

    private static void Near(double expected, object? actual, string what) =>
        Assert.True(Math.Abs(expected - Convert.ToDouble(actual, System.Globalization.CultureInfo.InvariantCulture)) <= 1e-9 * Math.Max(1, Math.Abs(expected)),
            $"{what}: expected {expected:R}, got {actual}");

    private static void Throws<TException>(string what, Func<object?> call)
        where TException : Exception
    {
        try
        {
            call();
        }
        catch (TException)
        {
            return;
        }

        Assert.Fail($"{what}: no {typeof(TException).Name} was thrown");
    }

    /// <summary>
    /// Checks a layer whose parameters are all differentiable double[] (the one at <paramref name="output"/> its
    /// output): the Backward, given a random output adjoint w, against finite differences of Σ w·y in the inputs.
    /// </summary>
    private static void LayerCheck(Assembly assembly, string type, string method, double[][] args, int output, Random r)
    {
        int n = args.Length;
        double[] w = A(r, args[output].Length);
        var inputs = new List<(int Parameter, int Index)>();
        for (int p = 0; p < n; p++)
        {
            if (p == output) continue;
            for (int i = 0; i < args[p].Length; i++) inputs.Add((p, i));
        }

        double Loss(double[] point)
        {
            object?[] copy = new object?[n];
            for (int p = 0; p < n; p++) copy[p] = args[p].Clone();
            for (int c = 0; c < inputs.Count; c++) ((double[])copy[inputs[c].Parameter]!)[inputs[c].Index] = point[c];
            Call(assembly, type, method, copy);
            double sum = 0;
            for (int i = 0; i < w.Length; i++) sum += w[i] * ((double[])copy[output]!)[i];
            return sum;
        }

        object?[] backward = new object?[2 * n];
        for (int p = 0; p < n; p++)
        {
            backward[p] = args[p].Clone();
            backward[n + p] = p == output ? w.Clone() : new double[args[p].Length];
        }

        Call(assembly, type, method + "Backward", backward);
        double[] at = new double[inputs.Count];
        double[] analytic = new double[inputs.Count];
        for (int c = 0; c < inputs.Count; c++)
        {
            at[c] = args[inputs[c].Parameter][inputs[c].Index];
            analytic[c] = ((double[])backward[n + inputs[c].Parameter]!)[inputs[c].Index];
        }

        var result = Backprop.GradientCheck.Compare(analytic, Backprop.GradientCheck.NumericGradient(Loss, at));
        Assert.True(result.Passed(1e-6), $"{method}: {result}");
    }

    /// <summary>A lower-triangular n×n matrix (row-major) with a diagonal well away from zero.</summary>
    private static double[] Lower(Random r, int n)
    {
        double[] l = A(r, n * n);
        for (int i = 0; i < n; i++)
        {
            l[i * n + i] = 2 + r.NextDouble();
        }

        return l;
    }

    public static IReadOnlyList<CorpusCase> All { get; } = new CorpusCase[]
    {
        // ---------------------------------------------------------------- keywords as identifiers, with @
        new("At_locals_out_in_ref_double", """
            namespace C;
            public static partial class K
            {
                [Differentiable]
                public static double F(double x, double y)
                {
                    double @out = x * y;
                    double @in = @out + x;
                    double @ref = @in * @in;
                    double @double = @ref - y;
                    return @double * @out;
                }
            }
            """, V("C.K", "F", r => [S(r), S(r)])),

        new("At_parameters_params_base_event", """
            namespace C;
            public static partial class K
            {
                [Differentiable]
                public static double F(double @params, double @base, double @event) => @params * @base + Math.Sin(@event) * @params;
            }
            """, V("C.K", "F", r => [S(r), S(r), S(r)])),

        new("At_loop_counter_for_over_in_array", """
            namespace C;
            public static partial class K
            {
                [Differentiable]
                public static double F(double[] @in, double x)
                {
                    double @sum = 0;
                    for (int @for = 0; @for < @in.Length; @for++)
                    {
                        @sum += @in[@for] * @in[@for] * x;
                    }
                    return @sum;
                }
            }
            """, V("C.K", "F", r => [A(r, 4), S(r)])),

        new("At_layer_outputs_ref_out_called_from_loss", """
            namespace C;
            public static partial class K
            {
                [Differentiable]
                public static void Split(double[] @in, double[] @ref, double[] @out)
                {
                    for (int @for = 0; @for < @in.Length; @for++)
                    {
                        @ref[@for] = @in[@for] * @in[@for];
                        @out[@for] = Math.Sin(@in[@for]);
                    }
                }

                [Differentiable]
                public static double Loss(double[] @params, double @base)
                {
                    double[] @ref = new double[@params.Length];
                    double[] @out = new double[@params.Length];
                    Split(@params, @ref, @out);
                    double @double = 0;
                    for (int @for = 0; @for < @ref.Length; @for++)
                    {
                        @double += @ref[@for] * @out[@for] * @base;
                    }
                    return @double;
                }
            }
            """, V("C.K", "Loss", r => [A(r, 3), S(r)])),

        new("At_output_array_named_out_written_once", """
            namespace C;
            public static partial class K
            {
                [Differentiable]
                public static void Scale(double[] @in, double @by, double[] @out)
                {
                    for (int i = 0; i < @in.Length; i++) @out[i] = @in[i] * @by;
                }

                [Differentiable]
                public static double Loss(double[] @in, double @by)
                {
                    double[] @out = new double[@in.Length];
                    Scale(@in, @by, @out);
                    return @out[0] * @out[1] + @out[2];
                }
            }
            """, V("C.K", "Loss", r => [A(r, 3), S(r)])),

        new("At_names_in_wrt_list", """
            namespace C;
            public static partial class K
            {
                [Differentiable(nameof(@in))]
                public static double F(double @in, double @out) => @in * @out + @in * @in;
            }
            """, V("C.K", "F", r => [S(r), S(r)])),

        new("At_this_class_int_locals", """
            namespace C;
            public static partial class K
            {
                [Differentiable]
                public static double F(double x)
                {
                    double @this = x;
                    double @class = @this * 2;
                    int @int = 3;
                    return @class * @int * @this + @this;
                }
            }
            """, V("C.K", "F", r => [S(r)])),

        new("Parameters_named_dX_and_seed_clash_with_adjoints", """
            namespace C;
            public static partial class K
            {
                [Differentiable]
                public static double F(double x, double dX, double seed) => x * dX + seed * seed * x;
            }
            """, V("C.K", "F", r => [S(r), S(r), S(r)])),

        new("Locals_named_like_generated_names", """
            namespace C;
            public static partial class K
            {
                [Differentiable]
                public static double F(double x, double y)
                {
                    double dX = 0.5 * x;
                    double seed = dX * y;
                    double _d_x = seed + x;
                    double dY = _d_x * _d_x;
                    return dY * dX + y;
                }
            }
            """, V("C.K", "F", r => [S(r), S(r)])),

        new("Parameters_named_value_and_result", """
            namespace C;
            public static partial class K
            {
                [Differentiable]
                public static double F(double value, double _result) => value * _result + value * value;
            }
            """, V("C.K", "F", r => [S(r), S(r)])),

        new("Locals_named_like_renamed_temporaries", """
            namespace C;
            public static partial class K
            {
                [Differentiable]
                public static double F(double x)
                {
                    double y = x * 2;
                    double y_1 = y * y;
                    y = y_1 + x;
                    double _g0 = y * x;
                    double _t0 = _g0 + 1;
                    return _t0 * y;
                }
            }
            """, V("C.K", "F", r => [S(r)])),

        new("User_method_named_like_a_Math_function", """
            namespace C;
            public static partial class K
            {
                [Differentiable]
                public static double Exp(double v) => 1 + v + v * v / 2;

                [Differentiable]
                public static double F(double x) => Exp(x) * x + Math.Exp(x);
            }
            """, V("C.K", "F", r => [S(r)])),

        new("User_class_named_Math_beside_System_Math", """
            namespace C
            {
                public static class Math
                {
                    public static double Twice(double v) => 2 * v;
                }

                public static partial class K
                {
                    [Differentiable]
                    public static double F(double x) => System.Math.Sin(x) * System.Math.Exp(x) + System.Math.Sqrt(x * x + 1);
                }
            }
            """, V("C.K", "F", r => [S(r)])),

        new("User_Math_Sin_is_not_System_Math_Sin", """
            namespace C
            {
                public static class Math
                {
                    public static double Sin(double v) => v * v;
                }

                public static partial class K
                {
                    [Differentiable]
                    public static double F(double x) => Math.Sin(x) + x;
                }
            }
            """, new Rejected("BPG0201", "Math.Sin(x)")),

        // ---------------------------------------------------------------- every integral type
        new("Ulong_local_times_double", """
            namespace C;
            public static partial class I
            {
                [Differentiable]
                public static double F(double x)
                {
                    ulong k = 3;
                    return x * k;
                }
            }
            """, V("C.I", "F", r => [S(r)])),

        new("Long_loop_counter_and_long_bound", """
            namespace C;
            public static partial class I
            {
                [Differentiable]
                public static double F(double[] a, long n)
                {
                    double s = 0;
                    for (long i = 0; i < n; i++) s += a[i] * a[i];
                    return s;
                }
            }
            """, V("C.I", "F", r => [A(r, 5), 5L])),

        new("Uint_loop_counter_in_arithmetic", """
            namespace C;
            public static partial class I
            {
                [Differentiable]
                public static double F(double[] a, double x)
                {
                    double s = 0;
                    for (uint i = 0; i < (uint)a.Length; i++) s += a[i] * x * i;
                    return s;
                }
            }
            """, V("C.I", "F", r => [A(r, 4), S(r)])),

        new("Byte_loop_counter_horner", """
            namespace C;
            public static partial class I
            {
                [Differentiable]
                public static double F(double[] a, double x)
                {
                    double s = 0;
                    for (byte b = 0; b < 4; b++) s = s * x + a[b];
                    return s;
                }
            }
            """, V("C.I", "F", r => [A(r, 4), S(r)])),

        new("Sbyte_loop_counting_down", """
            namespace C;
            public static partial class I
            {
                [Differentiable]
                public static double F(double[] a, double x)
                {
                    double s = 0;
                    for (sbyte i = 3; i >= 0; i--) s += a[i] * (i + 1) * x;
                    return s * x;
                }
            }
            """, V("C.I", "F", r => [A(r, 4), S(r)])),

        new("Short_and_ushort_in_arithmetic", """
            namespace C;
            public static partial class I
            {
                [Differentiable]
                public static double F(double x, double y)
                {
                    short h = -2;
                    ushort u = 5;
                    double z = x * h + y * u;
                    return z * x + h * u * x * y;
                }
            }
            """, V("C.I", "F", r => [S(r), S(r)])),

        new("Nint_and_nuint_indices_and_arithmetic", """
            namespace C;
            public static partial class I
            {
                [Differentiable]
                public static double F(double[] a, double x)
                {
                    nint i = 1;
                    nuint j = 2;
                    return a[i] * a[j] + x * i + x * x * j;
                }
            }
            """, V("C.I", "F", r => [A(r, 3), S(r)])),

        new("Char_loop_counter_and_char_arithmetic", """
            namespace C;
            public static partial class I
            {
                [Differentiable]
                public static double F(double[] a, double x)
                {
                    double s = 0;
                    for (char c = 'a'; c <= 'c'; c++) s += a[c - 'a'] * (c - 'a' + 1);
                    char k = 'b';
                    return s * x + x * (k - 'a');
                }
            }
            """, V("C.I", "F", r => [A(r, 3), S(r)])),

        new("Ulong_local_passed_to_differentiable_helper", """
            namespace C;
            public static partial class I
            {
                [Differentiable]
                public static double Scale(double x, ulong k) => x * k;

                [Differentiable]
                public static double F(double x)
                {
                    ulong k = 3;
                    return Scale(x, k) * x;
                }
            }
            """, V("C.I", "F", r => [S(r)])),

        new("Ulong_local_passed_to_plain_helper", """
            namespace C;
            public static partial class I
            {
                static double Factor(ulong k) => Math.Sqrt(k);

                [Differentiable]
                public static double F(double x)
                {
                    ulong k = 3;
                    return x * Factor(k) + x * x;
                }
            }
            """, V("C.I", "F", r => [S(r)])),

        new("Long_index_arithmetic", """
            namespace C;
            public static partial class I
            {
                [Differentiable]
                public static double F(double[] a)
                {
                    double s = 0;
                    for (int i = 0; i < 3; i++)
                    {
                        long j = 2L * i + 1;
                        s += a[j] * a[j - 1];
                    }
                    return s;
                }
            }
            """, V("C.I", "F", r => [A(r, 6)])),

        new("Ulong_loop_counting_down_from_parameter", """
            namespace C;
            public static partial class I
            {
                [Differentiable]
                public static double F(double[] a, ulong n, double x)
                {
                    double s = 0;
                    for (ulong i = n; i > 0; i--) s = s * x + a[i - 1];
                    return s;
                }
            }
            """, V("C.I", "F", r => [A(r, 4), (ulong)4, S(r)])),

        new("Nuint_loop_counter", """
            namespace C;
            public static partial class I
            {
                [Differentiable]
                public static double F(double[] a)
                {
                    double s = 0;
                    for (nuint i = 0; i < (nuint)a.Length; i++) s += a[i] * a[i] * a[0];
                    return s;
                }
            }
            """, V("C.I", "F", r => [A(r, 4)])),

        new("Compound_assignments_with_integral_operands", """
            namespace C;
            public static partial class I
            {
                [Differentiable]
                public static double F(double x)
                {
                    double t = x;
                    long l = 3;
                    t *= l;
                    uint u = 2;
                    t /= u;
                    short s = -1;
                    t -= s * x;
                    byte b = 5;
                    t += b;
                    return t * x;
                }
            }
            """, V("C.I", "F", r => [S(r)])),

        new("Var_inferred_integral_locals", """
            namespace C;
            public static partial class I
            {
                [Differentiable]
                public static double F(double x)
                {
                    var k = 3UL;
                    var m = 2L;
                    var y = x * k - m * x * x;
                    return y;
                }
            }
            """, V("C.I", "F", r => [S(r)])),

        new("Negated_uint_promotes_to_long", """
            namespace C;
            public static partial class I
            {
                [Differentiable]
                public static double F(double x)
                {
                    uint u = 3;
                    long neg = -u;
                    return x * neg + x * x * -(long)u;
                }
            }
            """, V("C.I", "F", r => [S(r)])),

        new("Long_while_loop_counter", """
            namespace C;
            public static partial class I
            {
                [Differentiable]
                public static double F(double[] a, long n, double x)
                {
                    double s = 0;
                    long i = 0;
                    while (i < n)
                    {
                        s += a[i] * x;
                        i += 1;
                    }
                    return s * x;
                }
            }
            """, V("C.I", "F", r => [A(r, 3), 3L, S(r)])),

        // ---------------------------------------------------------------- local arrays with unusual lengths
        new("Local_array_with_long_length", """
            namespace C;
            public static partial class L
            {
                [Differentiable]
                public static double F(double[] a, double x)
                {
                    long n = a.Length;
                    double[] t = new double[n];
                    for (long i = 0; i < n; i++) t[i] = a[i] * a[i];
                    double s = 0;
                    for (long i = 0; i < n; i++) s += t[i] * x;
                    return s;
                }
            }
            """, V("C.L", "F", r => [A(r, 4), S(r)])),

        new("Local_array_with_uint_length", """
            namespace C;
            public static partial class L
            {
                [Differentiable]
                public static double F(double x)
                {
                    uint n = 3;
                    double[] t = new double[n];
                    for (int i = 0; i < t.Length; i++) t[i] = x * (i + 1);
                    return t[0] * t[1] * t[2];
                }
            }
            """, V("C.L", "F", r => [S(r)])),

        new("Local_array_with_byte_length", """
            namespace C;
            public static partial class L
            {
                [Differentiable]
                public static double F(double[] a)
                {
                    byte n = 4;
                    double[] t = new double[n];
                    for (byte i = 0; i < n; i++) t[i] = Math.Exp(a[i]);
                    double s = 0;
                    for (int i = 0; i < n; i++) s += t[i] * a[i];
                    return s;
                }
            }
            """, V("C.L", "F", r => [A(r, 4)])),

        new("Local_array_with_nint_length", """
            namespace C;
            public static partial class L
            {
                [Differentiable]
                public static double F(double[] a)
                {
                    nint n = a.Length;
                    double[] t = new double[n];
                    for (nint i = 0; i < n; i++) t[i] = a[i] * 3;
                    return t[0] * t[1] + t[2];
                }
            }
            """, V("C.L", "F", r => [A(r, 3)])),

        new("Local_array_with_ulong_length", """
            namespace C;
            public static partial class L
            {
                [Differentiable]
                public static double F(double[] a)
                {
                    ulong n = (ulong)a.Length;
                    double[] t = new double[n];
                    for (ulong i = 0; i < n; i++) t[i] = a[i] * a[i];
                    return t[0] + t[1] * t[2];
                }
            }
            """, V("C.L", "F", r => [A(r, 3)])),

        new("Local_array_with_LongLength", """
            namespace C;
            public static partial class L
            {
                [Differentiable]
                public static double F(double[] a, double x)
                {
                    double[] t = new double[a.LongLength];
                    for (long i = 0; i < a.LongLength; i++) t[i] = a[i] * x;
                    return t[0] * t[1];
                }
            }
            """, V("C.L", "F", r => [A(r, 2), S(r)])),

        new("Local_2D_array_with_long_sizes", """
            namespace C;
            public static partial class L
            {
                [Differentiable]
                public static double F(double[] a, double x)
                {
                    long r = 2, c = 3;
                    double[,] m = new double[r, c];
                    for (long i = 0; i < r; i++)
                        for (long j = 0; j < c; j++)
                            m[i, j] = a[i * c + j] * x;
                    double s = 0;
                    for (int i = 0; i < 2; i++)
                        for (int j = 0; j < 3; j++)
                            s += m[i, j] * m[i, j] * (j + 1);
                    return s;
                }
            }
            """, V("C.L", "F", r => [A(r, 6), S(r)])),

        // ---------------------------------------------------------------- nullable arrays
        new("Nullable_array_parameter_checked_for_null", """
            namespace C;
            public static partial class N
            {
                [Differentiable]
                public static double F(double x, double[]? v)
                {
                    double s = x * x;
                    if (v != null)
                    {
                        for (int i = 0; i < v.Length; i++) s += v[i] * x;
                    }
                    return s;
                }
            }
            """, V("C.N", "F", r => [S(r), A(r, 3)]) with
        {
            // Called with null (and a null adjoint): the value and dX of x * x alone.
            Also = assembly =>
            {
                object?[] arguments = { 0.75, null, 0.0, null, 1.0 };
                Near(0.5625, Call(assembly, "C.N", "FBackward", arguments), "value with v = null");
                Near(1.5, arguments[2], "dX with v = null");
            },
        }),

        new("Nullable_array_argument_null_from_caller", """
            namespace C;
            public static partial class N
            {
                [Differentiable]
                public static double F(double x, double[]? v)
                {
                    double s = x * x;
                    if (v != null)
                    {
                        for (int i = 0; i < v.Length; i++) s += v[i] * x;
                    }
                    return s;
                }

                [Differentiable]
                public static double G(double x, double[] a) => F(x, a) + F(x, null) * x;
            }
            """, V("C.N", "G", r => [S(r), A(r, 3)])),

        new("Nullable_array_with_null_forgiving", """
            namespace C;
            public static partial class N
            {
                [Differentiable]
                public static double F(double[]? v, double x) => v![0] * x + v[1] * v![1];
            }
            """, V("C.N", "F", r => [A(r, 2), S(r)])),

        new("Nullable_array_conditional_length", """
            namespace C;
            public static partial class N
            {
                [Differentiable]
                public static double F(double[]? v, double x, [NoDerivative] double[]? w)
                {
                    int n = v?.Length ?? 0;
                    double s = x * (w?.Length ?? 0);
                    for (int i = 0; i < n; i++) s += v![i] * v[i] * x;
                    return s;
                }
            }
            """, V("C.N", "F", r => [A(r, 3), S(r), null])),

        new("Nullable_array_is_not_null_pattern", """
            namespace C;
            public static partial class N
            {
                [Differentiable]
                public static double F(double x, double[]? v)
                {
                    double s = Math.Sin(x);
                    if (v is not null && v.Length > 1) s += v[1] * x;
                    return s;
                }
            }
            """, V("C.N", "F", r => [S(r), A(r, 2)])),

        new("NoDerivative_nullable_array_passed_null_by_caller", """
            namespace C;
            public static partial class N
            {
                [Differentiable]
                public static double Weighted(double x, [NoDerivative] double[]? w) => w is null ? x * x : x * w[0];

                [Differentiable]
                public static double F(double x, [NoDerivative] double[] w) => Weighted(x, null) + Weighted(x, w) * x;
            }
            """, V("C.N", "F", r => [S(r), A(r, 1)])),

        // ---------------------------------------------------------------- defaults and optional parameters
        new("Default_literal_and_default_of_double", """
            namespace C;
            public static partial class D
            {
                [Differentiable]
                public static double F(double x, double y)
                {
                    double z = default;
                    double w = default(double);
                    z += x * y;
                    w = w + y * y;
                    return z * w + z;
                }
            }
            """, V("C.D", "F", r => [S(r), S(r)])),

        new("Float_default_local_in_double_method", """
            namespace C;
            public static partial class D
            {
                [Differentiable]
                public static double F(double x)
                {
                    float f = default;
                    f += 1.5f;
                    return x * f + x * x;
                }
            }
            """, V("C.D", "F", r => [S(r)])),

        new("Optional_double_parameter_called_with_and_without", """
            namespace C;
            public static partial class D
            {
                [Differentiable]
                public static double Scaled(double x, double k = 2.0) => x * k * x;

                [Differentiable]
                public static double F(double x, double y) => Scaled(x) + Scaled(x, y) * y;
            }
            """, V("C.D", "F", r => [S(r), S(r)])),

        new("Optional_int_parameter_called_with_and_without", """
            namespace C;
            public static partial class D
            {
                [Differentiable]
                public static double Power(double x, int n = 3)
                {
                    double p = 1;
                    for (int i = 0; i < n; i++) p *= x;
                    return p;
                }

                [Differentiable]
                public static double F(double x) => Power(x) + Power(x, 2);
            }
            """, V("C.D", "F", r => [S(r)])),

        new("Optional_NoDerivative_parameter", """
            namespace C;
            public static partial class D
            {
                [Differentiable]
                public static double Shift(double x, [NoDerivative] double by = 0.5) => x * x + by * x;

                [Differentiable]
                public static double F(double x, double y) => Shift(x) + Shift(y, 1.5) * x;
            }
            """, V("C.D", "F", r => [S(r), S(r)])),

        new("Named_arguments_out_of_order", """
            namespace C;
            public static partial class D
            {
                [Differentiable]
                public static double Scaled(double x, double k = 2.0) => x * k * x;

                [Differentiable]
                public static double F(double x, double y) => Scaled(k: x, x: y) + Scaled(k: 3.0, x: x);
            }
            """, V("C.D", "F", r => [S(r), S(r)])),

        new("Params_array_parameter", """
            namespace C;
            public static partial class D
            {
                [Differentiable]
                public static double Sum(params double[] xs)
                {
                    double s = 0;
                    foreach (double v in xs) s += v * v;
                    return s;
                }
            }
            """, V("C.D", "Sum", r => [A(r, 4)])),

        new("Params_array_called_in_expanded_form", """
            namespace C;
            public static partial class D
            {
                [Differentiable]
                public static double Sum(params double[] xs)
                {
                    double s = 0;
                    foreach (double v in xs) s += v * v;
                    return s;
                }

                [Differentiable]
                public static double F(double x, double y) => Sum(x, y, x * y);
            }
            """, new ValidOrRejected(V("C.D", "F", r => [S(r), S(r)]), "Sum(x, y, x * y)")),

        // ---------------------------------------------------------------- array initializers with active elements
        new("Initializer_implicit_with_active_elements", """
            namespace C;
            public static partial class Z
            {
                [Differentiable]
                public static double F(double a, double b)
                {
                    double[] m = { a, b, a * b };
                    return m[0] * m[1] + m[2] * m[2];
                }
            }
            """, V("C.Z", "F", r => [S(r), S(r)])),

        new("Initializer_new_double_with_call_and_constant", """
            namespace C;
            public static partial class Z
            {
                [Differentiable]
                public static double F(double a, double b)
                {
                    double[] m = new double[] { a, Math.Sin(b), 2.0 };
                    double s = 0;
                    for (int i = 0; i < m.Length; i++) s += m[i] * m[i] * a;
                    return s;
                }
            }
            """, V("C.Z", "F", r => [S(r), S(r)])),

        new("Initializer_new_implicitly_typed", """
            namespace C;
            public static partial class Z
            {
                [Differentiable]
                public static double F(double a, double b)
                {
                    double[] m = new[] { a, b };
                    return m[0] * m[1] * m[1];
                }
            }
            """, V("C.Z", "F", r => [S(r), S(r)])),

        new("Initializer_2D_implicit", """
            namespace C;
            public static partial class Z
            {
                [Differentiable]
                public static double F(double a, double b)
                {
                    double[,] m = { { a, b }, { b, a } };
                    return m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0] + m[0, 1];
                }
            }
            """, V("C.Z", "F", r => [S(r), S(r)])),

        new("Initializer_2D_sized", """
            namespace C;
            public static partial class Z
            {
                [Differentiable]
                public static double F(double a, double b)
                {
                    double[,] m = new double[2, 2] { { a, 1 }, { b, a * b } };
                    double s = 0;
                    for (int i = 0; i < 2; i++)
                        for (int j = 0; j < 2; j++)
                            s += m[i, j] * (i + 2 * j + 1);
                    return s * a;
                }
            }
            """, V("C.Z", "F", r => [S(r), S(r)])),

        new("Initializer_float_array_in_float_method", """
            namespace C;
            public static partial class Z
            {
                [Differentiable]
                public static float F(float f)
                {
                    float[] m = { f, 2f * f, 1f };
                    return m[0] * m[1] + m[2] * f;
                }
            }
            """, V("C.Z", "F", r => [F(r)])),

        new("Initializer_with_integral_elements", """
            namespace C;
            public static partial class Z
            {
                [Differentiable]
                public static double F(double a)
                {
                    double[] m = { a, 2, (long)3, 'c' - 'a', (byte)4 };
                    double s = 0;
                    for (int i = 0; i < m.Length; i++) s += m[i] * a;
                    return s;
                }
            }
            """, V("C.Z", "F", r => [S(r)])),

        new("Collection_expression_with_active_elements", """
            namespace C;
            public static partial class Z
            {
                [Differentiable]
                public static double F(double a, double b)
                {
                    double[] m = [a, b, a * b];
                    return m[0] * m[1] + m[2];
                }
            }
            """, new ValidOrRejected(V("C.Z", "F", r => [S(r), S(r)]), "[a, b, a * b]")),

        new("Initializer_inline_as_call_argument", """
            namespace C;
            public static partial class Z
            {
                [Differentiable]
                public static double Dot(double[] u, double[] v)
                {
                    double s = 0;
                    for (int i = 0; i < u.Length; i++) s += u[i] * v[i];
                    return s;
                }

                [Differentiable]
                public static double F(double a, double b) => Dot(new double[] { a, b }, new[] { b, 2.0 });
            }
            """, new ValidOrRejected(V("C.Z", "F", r => [S(r), S(r)]), "new")),

        // ---------------------------------------------------------------- constants and read-backs
        new("Stop_of_plain_helper", """
            namespace C;
            public static partial class R
            {
                static double Plain(double v) => v * v + 1;

                [Differentiable]
                public static double F(double x) => x * Gradient.Stop(Plain(x)) + x;
            }
            """, new Valid("C.R", null, null)
        {
            // d/dx of x·stop(Plain(x)) + x is Plain(x) + 1, not what finite differences see.
            Also = assembly =>
            {
                object?[] arguments = { 0.5, 0.0, 1.0 };
                Near(0.5 * 1.25 + 0.5, Call(assembly, "C.R", "FBackward", arguments), "value");
                Near(2.25, arguments[1], "dX");
            },
        }),

        new("Stop_of_plain_helper_as_a_shift", """
            namespace C;
            public static partial class R
            {
                static double Plain(double v) => v * v;

                [Differentiable]
                public static double F(double x)
                {
                    double c = Gradient.Stop(Plain(x));
                    return Math.Exp(x - c) * Math.Exp(c);
                }
            }
            """, V("C.R", "F", r => [S(r)])),

        new("Layer_reads_back_an_output_it_wrote", """
            namespace C;
            public static partial class R
            {
                [Differentiable]
                public static void Scan(double[] x, double[] y)
                {
                    for (int i = 0; i < x.Length; i++)
                    {
                        double t = x[i];
                        if (i > 0) t += y[i - 1];
                        y[i] = t;
                    }
                }

                [Differentiable]
                public static double Loss(double[] x)
                {
                    double[] y = new double[x.Length];
                    Scan(x, y);
                    double s = 0;
                    for (int i = 0; i < y.Length; i++) s += y[i] * y[i] * (i + 1);
                    return s;
                }
            }
            """, V("C.R", "Loss", r => [A(r, 4)])),

        new("Layer_reads_back_an_output_it_wrote_alone", """
            namespace C;
            public static partial class R
            {
                [Differentiable]
                public static void Scan(double[] x, double[] y)
                {
                    for (int i = 0; i < x.Length; i++)
                    {
                        double t = x[i];
                        if (i > 0) t += y[i - 1];
                        y[i] = t;
                    }
                }
            }
            """, new Valid("C.R", null, null)
        {
            Also = assembly =>
            {
                var r = new Random(3);
                for (int k = 0; k < 3; k++) LayerCheck(assembly, "C.R", "Scan", [A(r, 4), new double[4]], 1, r);
            },
        }),

        new("Forward_substitution_layer_alone", """
            namespace C;
            public static partial class R
            {
                [Differentiable]
                public static void Solve(double[] l, double[] b, double[] x)
                {
                    int n = b.Length;
                    for (int i = 0; i < n; i++)
                    {
                        double s = b[i];
                        for (int j = 0; j < i; j++) s -= l[i * n + j] * x[j];
                        x[i] = s / l[i * n + i];
                    }
                }
            }
            """, new Valid("C.R", null, null)
        {
            Also = assembly =>
            {
                var r = new Random(4);
                for (int k = 0; k < 3; k++) LayerCheck(assembly, "C.R", "Solve", [Lower(r, 3), A(r, 3), new double[3]], 2, r);
            },
        }),

        new("Cumulative_sum_layer_alone", """
            namespace C;
            public static partial class R
            {
                [Differentiable]
                public static void CumSum(double[] a, double[] c)
                {
                    double acc = 0;
                    for (int i = 0; i < a.Length; i++)
                    {
                        acc += a[i];
                        c[i] = acc;
                    }
                }
            }
            """, new Valid("C.R", null, null)
        {
            Also = assembly =>
            {
                var r = new Random(5);
                for (int k = 0; k < 3; k++) LayerCheck(assembly, "C.R", "CumSum", [A(r, 5), new double[5]], 1, r);
            },
        }),

        new("Forward_substitution_layer", """
            namespace C;
            public static partial class R
            {
                [Differentiable]
                public static void Solve(double[] l, double[] b, double[] x)
                {
                    int n = b.Length;
                    for (int i = 0; i < n; i++)
                    {
                        double s = b[i];
                        for (int j = 0; j < i; j++) s -= l[i * n + j] * x[j];
                        x[i] = s / l[i * n + i];
                    }
                }

                [Differentiable]
                public static double Loss(double[] l, double[] b)
                {
                    double[] x = new double[b.Length];
                    Solve(l, b, x);
                    double s = 0;
                    for (int i = 0; i < x.Length; i++) s += x[i] * x[i] * (i + 1);
                    return s;
                }
            }
            """, V("C.R", "Loss", r => [Lower(r, 3), A(r, 3)])),

        new("Cumulative_sum_layer", """
            namespace C;
            public static partial class R
            {
                [Differentiable]
                public static void CumSum(double[] a, double[] c)
                {
                    double acc = 0;
                    for (int i = 0; i < a.Length; i++)
                    {
                        acc += a[i];
                        c[i] = acc;
                    }
                }

                [Differentiable]
                public static double Loss(double[] a)
                {
                    double[] c = new double[a.Length];
                    CumSum(a, c);
                    double s = 0;
                    for (int i = 0; i < c.Length; i++) s += c[i] * c[i];
                    return s;
                }
            }
            """, V("C.R", "Loss", r => [A(r, 5)])),

        new("Recurrence_reading_previous_output", """
            namespace C;
            public static partial class R
            {
                [Differentiable]
                public static void Run(double[] x, double[] y)
                {
                    y[0] = x[0];
                    for (int i = 1; i < x.Length; i++) y[i] = y[i - 1] * 0.5 + x[i] * y[i - 1];
                }

                [Differentiable]
                public static double Loss(double[] x)
                {
                    double[] y = new double[x.Length];
                    Run(x, y);
                    return y[x.Length - 1] + y[1] * y[2];
                }
            }
            """, V("C.R", "Loss", r => [A(r, 4)])),

        new("Layer_returning_a_scalar_too", """
            namespace C;
            public static partial class R
            {
                [Differentiable]
                public static double Prefix(double[] x, double[] y)
                {
                    double s = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        s += x[i];
                        y[i] = s * s;
                    }
                    return s;
                }

                [Differentiable]
                public static double Loss(double[] x)
                {
                    double[] y = new double[x.Length];
                    double t = Prefix(x, y);
                    return t * y[x.Length - 1] + y[0];
                }
            }
            """, V("C.R", "Loss", r => [A(r, 3)])),

        new("Plain_helpers_and_static_fields_are_constants", """
            namespace C;
            public static partial class R
            {
                static readonly double[] W = { 0.5, -1.0 };
                static double Bias = 0.25;
                static double Plain(int n) => Math.Sqrt(n);

                [Differentiable]
                public static double F(double x, int n) => x * W[0] + x * x * W[1] + Bias * x + x * Plain(n) + Plain(3);
            }
            """, V("C.R", "F", r => [S(r), 4])),

        // ---------------------------------------------------------------- nested and unusual containing types
        new("Nested_partial_class_in_block_namespace", """
            namespace C.Inner
            {
                public static partial class Outer
                {
                    public static partial class Nested
                    {
                        [Differentiable]
                        public static double F(double x, double y) => Math.Tanh(x * y) + x;
                    }
                }
            }
            """, V("C.Inner.Outer+Nested", "F", r => [S(r), S(r)])),

        new("Nested_block_namespaces_internal_class", """
            namespace A
            {
                namespace B
                {
                    internal static partial class M
                    {
                        [Differentiable]
                        internal static double F(double x) => x * Math.Exp(-x);
                    }
                }
            }
            """, V("A.B.M", "F", r => [S(r)])),

        new("Global_namespace_class", """
            public static partial class GlobalNet
            {
                [Differentiable]
                public static double F(double x, double y) => x * x * y;
            }
            """, V("GlobalNet", "F", r => [S(r), S(r)])),

        new("Partial_struct_static_and_instance", """
            namespace C;
            public partial struct S
            {
                public double K;

                public S(double k) { K = k; }

                [Differentiable]
                public static double Twice(double x) => 2 * x * x;

                [Differentiable]
                public double G(double x) => K * x * x + Twice(x);
            }
            """, V("C.S", "G", r => [S(r)]) with { Instance = t => Activator.CreateInstance(t, 1.5)! }),

        new("Partial_record_class_instance_method", """
            namespace C;
            public partial record class Rec(double Scale)
            {
                [Differentiable]
                public double F(double x) => Scale * x * x + Math.Cos(x);
            }
            """, V("C.Rec", "F", r => [S(r)]) with { Instance = t => Activator.CreateInstance(t, 2.0)! }),

        new("Readonly_partial_record_struct_instance_method", """
            namespace C;
            public readonly partial record struct P(double W)
            {
                [Differentiable]
                public double F(double x) => W * Math.Sin(x) * x;
            }
            """, V("C.P", "F", r => [S(r)]) with { Instance = t => Activator.CreateInstance(t, 0.7)! }),

        new("Internal_class_private_and_internal_methods", """
            namespace C;
            internal static partial class Hid
            {
                [Differentiable]
                private static double Sq(double x) => x * x;

                [Differentiable]
                internal static double F(double x, double y) => Sq(x) * y + Sq(y);
            }
            """, V("C.Hid", "F", r => [S(r), S(r)])),

        new("Instance_method_calls_private_instance_method", """
            namespace C;
            public sealed partial class Calc
            {
                private readonly int _n = 3;

                [Differentiable]
                private double Helper(double x) => x * x * _n;

                [Differentiable]
                public double F(double x) => x * _n + Helper(x);
            }
            """, V("C.Calc", "F", r => [S(r)]) with { Instance = t => Activator.CreateInstance(t)! }),

        new("Private_nested_class_called_from_outer", """
            namespace C;
            public static partial class Host
            {
                private static partial class Hidden
                {
                    [Differentiable]
                    internal static double F(double x) => Math.Sin(x) * x;
                }

                [Differentiable]
                public static double G(double x) => Hidden.F(x) * x;
            }
            """, V("C.Host", "G", r => [S(r)])),

        new("Generic_containing_type_called_closed", """
            namespace C;
            public static partial class Box<T>
            {
                [Differentiable]
                public static double F(double x) => x * x * x;
            }

            public static partial class UsesBox
            {
                [Differentiable]
                public static double G(double x) => Box<int>.F(x) + Box<string>.F(x) * x;
            }
            """, V("C.UsesBox", "G", r => [S(r)])),

        new("Extension_method_with_this", """
            namespace C;
            public static partial class Ext
            {
                [Differentiable]
                public static double Sq(this double x) => x * x;

                [Differentiable]
                public static double F(double x, double y) => x.Sq() + (x * y).Sq();
            }
            """, V("C.Ext", "F", r => [S(r), S(r)])),

        new("Overloaded_differentiable_methods", """
            namespace C;
            public static partial class Ov
            {
                [Differentiable]
                public static double F(double x) => x * x * x;

                [Differentiable]
                public static double F(double x, double y) => x * y + y;
            }
            """, new Valid("C.Ov", null, null)
        {
            Also = assembly =>
            {
                object?[] one = { 2.0, 0.0, 1.0 };
                Near(8, Call(assembly, "C.Ov", "FBackward", one), "F(x) value");
                Near(12, one[1], "F(x) dX");
                object?[] two = { 2.0, 3.0, 0.0, 0.0, 1.0 };
                Near(9, Call(assembly, "C.Ov", "FBackward", two), "F(x, y) value");
                Near(3, two[2], "F(x, y) dX");
                Near(3, two[3], "F(x, y) dY");
            },
        }),

        new("Two_partial_parts_in_one_file", """
            namespace C;
            public static partial class Parts
            {
                [Differentiable]
                public static double Inner(double x) => Math.Exp(x) * x;
            }

            public static partial class Parts
            {
                [Differentiable]
                public static double Outer(double x, double y) => Inner(x * y) + y;
            }
            """, V("C.Parts", "Outer", r => [S(r), S(r)])),

        new("Same_method_name_in_two_classes", """
            namespace C;
            public static partial class First
            {
                [Differentiable]
                public static double F(double x) => x * x;
            }

            public static partial class Second
            {
                [Differentiable]
                public static double F(double x) => First.F(x) * x + First.F(2 * x);
            }
            """, V("C.Second", "F", r => [S(r)])),

        // ---------------------------------------------------------------- syntax variety
        new("Expression_bodied_void_layer", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static void Mul(double[] x, double[] y) => y[0] = x[0] * x[1];

                [Differentiable]
                public static double Loss(double[] x)
                {
                    double[] y = new double[1];
                    Mul(x, y);
                    return y[0] * y[0] + x[0];
                }
            }
            """, V("C.X", "Loss", r => [A(r, 2)])),

        new("Checked_and_unchecked_index_math", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double[] a)
                {
                    double s = 0;
                    for (int i = 0; i < 3; i++) s += a[checked(i * 2 + 1)] * a[unchecked(i * 2)];
                    return s;
                }
            }
            """, V("C.X", "F", r => [A(r, 6)])),

        new("Const_locals", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double[] a)
                {
                    const int N = 3;
                    const double Scale = 0.5;
                    const long Offset = 1L;
                    double s = 0;
                    for (int i = 0; i < N; i++) s += a[i + Offset] * a[i] * Scale;
                    return s;
                }
            }
            """, V("C.X", "F", r => [A(r, 4)])),

        new("Nameof_in_a_guard", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double[] a)
                {
                    if (a.Length < 2) throw new ArgumentException("need two values", nameof(a));
                    return a[0] * a[1] + Math.Log(nameof(a).Length + a[0] * a[0]);
                }
            }
            """, V("C.X", "F", r => [A(r, 2)])),

        new("Interpolated_message_in_a_guard", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double x, int n)
                {
                    if (n <= 0) throw new ArgumentException($"n must be positive, was {n} ({{braces}})", nameof(n));
                    double p = 1;
                    for (int i = 0; i < n; i++) p *= x;
                    return p;
                }
            }
            """, V("C.X", "F", r => [S(r), 3])),

        new("Interpolated_message_mentioning_an_active_value", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double x)
                {
                    if (x > 1e6) throw new ArgumentOutOfRangeException("x", $"x = {x:F2} is too large");
                    return x * x;
                }
            }
            """, V("C.X", "F", r => [S(r)])),

        new("Nameof_of_an_active_scalar_in_a_guard", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double x)
                {
                    if (double.IsNaN(x)) throw new ArgumentException("not a number", nameof(x));
                    return x * Math.Exp(x);
                }
            }
            """, V("C.X", "F", r => [S(r)])),

        new("Raw_interpolated_message_in_a_guard", """"
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double x, int n)
                {
                    if (n > 100) throw new InvalidOperationException($$"""too many: {{n}} {not a hole} "quoted" """);
                    return x * n + x * x;
                }
            }
            """", V("C.X", "F", r => [S(r), 4])),

        new("Is_patterns_on_ints", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double x, int n)
                {
                    double s;
                    if (n is > 0 and < 10) s = x * n;
                    else if (n is 10 or 20) s = x * x;
                    else s = x;
                    return n is not 7 ? s * x : s;
                }
            }
            """, V("C.X", "F", r => [S(r), r.Next(-3, 25)]) with { Points = 12 }),

        new("Nested_ternaries", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double x, double y) => x > 0 ? x * y : (y > 0 ? y * y * x : x * x);
            }
            """, V("C.X", "F", r => [S(r), S(r)]) with { Points = 12 }),

        new("Math_Clamp_with_active_bounds", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double x, double y, double lo, double hi) => Math.Clamp(x * y, -0.5, 0.5) + Math.Clamp(x, lo, hi) * y;
            }
            """, V("C.X", "F", r => [S(r), S(r), -0.3 - 0.2 * r.NextDouble(), 0.3 + 0.2 * r.NextDouble()]) with { Points = 12 }),

        new("MathF_in_a_float_method", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static float F(float x, float y) => MathF.Sin(x) * MathF.Exp(y) + MathF.Sqrt(x * x + 1f);
            }
            """, V("C.X", "F", r => [F(r), F(r)])),

        new("Float_and_double_promotion", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double x, float y)
                {
                    float k = 1.5f;
                    double d = x * k + k * y;
                    float g = 2f * y;
                    return d * g + x * (double)g + MathF.Cos(y) * x;
                }
            }
            """, V("C.X", "F", r => [S(r), F(r)]) with { Tolerance = 1e-3 }), // finite differences in a float argument round

        new("Double_rounded_through_float", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double x, double y)
                {
                    float f = (float)x;
                    return f * y + MathF.Sin(f) * y;
                }
            }
            """, V("C.X", "F", r => [S(r), S(r)]) with { Tolerance = 1e-3 }),

        new("Float_method_with_double_local", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static float F(float x)
                {
                    double d = x;
                    d = d * d + Math.Sin(d);
                    return (float)d;
                }
            }
            """, V("C.X", "F", r => [F(r)])),

        new("Using_static_System_Math", """
            using static System.Math;
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double x, double y) => Sin(x) * Exp(y) + Sqrt(x * x + 1) + Max(x, 2 * y) * PI;
            }
            """, V("C.X", "F", r => [S(r), S(r)])),

        new("Math_alias_and_global_qualified", """
            using M = System.Math;
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double x, double y) => M.Tanh(x) * global::System.Math.Exp(y) + System.Math.Log(1 + x * x);
            }
            """, V("C.X", "F", r => [S(r), S(r)])),

        new("Attribute_spelled_in_full", """
            namespace C;
            public static partial class X
            {
                [Backprop.DifferentiableAttribute]
                public static double F(double x) => x * x;

                [global::Backprop.Differentiable()]
                public static double G(double x, [global::Backprop.NoDerivativeAttribute] double k) => F(x) * k + global::Backprop.Gradient.Stop(k) * x;
            }
            """, V("C.X", "G", r => [S(r), S(r)])),

        new("MethodImpl_beside_Differentiable", """
            using System.Runtime.CompilerServices;
            namespace C;
            public static partial class X
            {
                [Differentiable, MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static double F(double x, double y) => x * y * y;
            }
            """, V("C.X", "F", r => [S(r), S(r)])),

        new("Comments_regions_and_if_directives_in_body", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double x, double y)
                {
                    #region setup
                    double w = x * /* weight */ y; // product
                    #endregion
            #if NEVER_DEFINED
                    w = 0;
            #else
                    w = w * w /* squared */ + x;
            #endif
                    return w;
                }
            }
            """, V("C.X", "F", r => [S(r), S(r)])),

        new("Unicode_identifiers", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double α, double β)
                {
                    double δ = α * β;
                    return δ * δ + Math.Sin(α);
                }
            }
            """, V("C.X", "F", r => [S(r), S(r)])),

        new("Underscore_parameter_names", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double _x, double x_, double __) => _x * x_ + __ * _x;
            }
            """, V("C.X", "F", r => [S(r), S(r), S(r)])),

        new("Parameters_differing_only_in_case", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double x, double X) => x * x * X;
            }
            """, new ValidOrRejected(new Valid("C.X", null, null)
        {
            // Both adjoints, whatever the generator names them, in the primal's order.
            Also = assembly =>
            {
                object?[] arguments = { 2.0, 3.0, 0.0, 0.0, 1.0 };
                Near(12, Call(assembly, "C.X", "FBackward", arguments), "value");
                Near(12, arguments[2], "adjoint of x");
                Near(4, arguments[3], "adjoint of X");
            },
        })),

        new("Foreach_with_at_variable", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double[] a, double x)
                {
                    double s = 0;
                    foreach (double @v in a) s += @v * @v * x;
                    return s;
                }
            }
            """, V("C.X", "F", r => [A(r, 3), S(r)])),

        new("Increment_and_decrement_of_double_locals", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double x)
                {
                    double t = x;
                    t++;
                    t--;
                    ++t;
                    return t * x;
                }
            }
            """, V("C.X", "F", r => [S(r)])),

        new("Switch_expression_on_int", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double x, int n)
                {
                    double k = n switch { 0 => x, 1 => x * x, _ => 1.0 };
                    return k * x;
                }
            }
            """, new ValidOrRejected(V("C.X", "F", r => [S(r), r.Next(0, 3)]) with { Points = 9 }, "switch")),

        new("Index_from_end", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double[] a) => a[^1] * a[0] + a[^2];
            }
            """, new ValidOrRejected(V("C.X", "F", r => [A(r, 3)]), "^")),

        new("Deconstruction_swap_reads_the_old_values", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(double x, double y)
                {
                    double a = x, b = y * y;
                    (a, b) = (b, a);
                    return a * x + b;
                }
            }
            """, V("C.X", "F", r => [S(r), S(r)])),

        new("In_parameter_differentiates_as_by_value", """
            namespace C;
            public static partial class X
            {
                [Differentiable]
                public static double F(in double x) => x * x;
            }
            """, new Valid("C.X", "F", r => [S(r)])),

        // ---------------------------------------------------------------- user-defined structs with operators
        new("Struct_operator_on_values_built_from_active_doubles", """
            namespace C;
            public struct V2
            {
                public double X, Y;
                public V2(double x, double y) { X = x; Y = y; }
                public static V2 operator +(V2 a, V2 b) => new V2(a.X + b.X, a.Y + b.Y);
            }

            public static partial class Geo
            {
                [Differentiable]
                public static double F(double x, double y)
                {
                    V2 p = new V2(x, y) + new V2(y, x);
                    return p.X * p.Y;
                }
            }
            """, V("C.Geo", "F", r => [S(r), S(r)])),

        new("Struct_parameter_plus_active_struct", """
            namespace C;
            public struct V2
            {
                public double X, Y;
                public V2(double x, double y) { X = x; Y = y; }
                public static V2 operator +(V2 a, V2 b) => new V2(a.X + b.X, a.Y + b.Y);
            }

            public static partial class Geo
            {
                [Differentiable]
                public static double F(V2 p, double x)
                {
                    V2 q = p + new V2(x, x);
                    return q.X * q.Y;
                }
            }
            """, new Valid("C.Geo", null, null)
        {
            Also = assembly =>
            {
                // F = (p.X + x)(p.Y + x): dP = (p.Y + x, p.X + x), dX = (p.Y + x) + (p.X + x).
                Type v2 = assembly.GetType("C.V2", throwOnError: true)!;
                object p = Activator.CreateInstance(v2, 2.0, 3.0)!;
                object?[] arguments = { p, 0.5, Activator.CreateInstance(v2)!, 0.0, 1.0 };
                Near(2.5 * 3.5, Call(assembly, "C.Geo", "FBackward", arguments), "value");
                Near(3.5, v2.GetField("X")!.GetValue(arguments[2]), "dP.X");
                Near(2.5, v2.GetField("Y")!.GetValue(arguments[2]), "dP.Y");
                Near(6.0, arguments[3], "dX");
            },
        }),

        new("Struct_method_on_active_struct", """
            namespace C;
            public struct V2
            {
                public double X, Y;
                public V2(double x, double y) { X = x; Y = y; }
                public readonly double Dot(V2 o) => X * o.X + Y * o.Y;
            }

            public static partial class Geo
            {
                [Differentiable]
                public static double F(double x, double y)
                {
                    V2 a = new V2(x, y);
                    return a.Dot(a);
                }
            }
            """, V("C.Geo", "F", r => [S(r), S(r)])),

        new("Struct_accumulated_in_a_loop", """
            namespace C;
            public struct V2
            {
                public double X, Y;
                public V2(double x, double y) { X = x; Y = y; }
                public static V2 operator +(V2 a, V2 b) => new V2(a.X + b.X, a.Y + b.Y);
            }

            public static partial class Geo
            {
                [Differentiable]
                public static double F(double[] a)
                {
                    V2 acc = default;
                    for (int i = 0; i < a.Length; i++) acc = acc + new V2(a[i], a[i] * a[i]);
                    return acc.X * acc.Y;
                }
            }
            """, V("C.Geo", "F", r => [RandomArray(r, 4)])),

        new("Struct_with_object_initializer_from_active", """
            namespace C;
            public struct V2
            {
                public double X, Y;
                public static V2 operator *(double k, V2 a) => new V2 { X = k * a.X, Y = k * a.Y };
            }

            public static partial class Geo
            {
                [Differentiable]
                public static double F(double x, double y)
                {
                    V2 v = x * new V2 { X = y, Y = 1 };
                    return v.X + v.Y;
                }
            }
            """, V("C.Geo", "F", r => [S(r), S(r)])),

        new("Struct_constant_parameter_fields_read", """
            namespace C;
            public struct V2
            {
                public double X, Y;
                public V2(double x, double y) { X = x; Y = y; }
                public static V2 operator +(V2 a, V2 b) => new V2(a.X + b.X, a.Y + b.Y);
            }

            public static partial class Geo
            {
                [Differentiable]
                public static double F(V2 p, V2 q, double x) => p.X * x + (p + q).Y * x * x;
            }
            """, new Valid("C.Geo", null, null)
        {
            Also = assembly =>
            {
                Type v2 = assembly.GetType("C.V2", throwOnError: true)!;
                object p = Activator.CreateInstance(v2, 2.0, 3.0)!, q = Activator.CreateInstance(v2, 1.0, -1.0)!;
                // F = p.X x + (p + q).Y x²: dX = p.X + 2 (p + q).Y x, dP = (x, x²), dQ = (0, x²).
                object?[] arguments = { p, q, 0.5, Activator.CreateInstance(v2)!, Activator.CreateInstance(v2)!, 0.0, 1.0 };
                Near(2 * 0.5 + 2 * 0.25, Call(assembly, "C.Geo", "FBackward", arguments), "value");
                Near(2 + 2 * 2 * 0.5, arguments[5], "dX");
                Near(0.5, v2.GetField("X")!.GetValue(arguments[3]), "dP.X");
                Near(0.25, v2.GetField("Y")!.GetValue(arguments[3]), "dP.Y");
                Near(0.0, v2.GetField("X")!.GetValue(arguments[4]), "dQ.X");
                Near(0.25, v2.GetField("Y")!.GetValue(arguments[4]), "dQ.Y");
            },
        }),

        // ---------------------------------------------------------------- decimal, Half, fields, checked, scratch
        // Found by the fuzzer: a parameter only incremented by constants, read only in the branch a constant condition
        // never takes. Its adjoint stays zero, and the line adding it to dX2 once named an adjoint never declared.
        new("Parameter_incremented_by_constants_in_an_untaken_branch", """
            namespace C;
            public static partial class Fz
            {
                [Differentiable]
                public static double F(double x0, double x2, int n)
                {
                    for (int i = 0; i < 2; i++)
                    {
                        for (int j = 0; j < n; j++) x2 += 1.0;
                    }

                    return (1.77 > 1.07 ? 1.0 : x2) * x0;
                }
            }
            """, V("C.Fz", "F", r => [S(r), S(r), 3])),

        new("Decimal_round_trip_is_rejected", """
            namespace C;
            public static partial class Sp
            {
                [Differentiable]
                public static double F(double x) => (double)((decimal)x * 1.2m) * x;
            }
            """, new Rejected("BPG0108", "(double)((decimal)x * 1.2m)")),

        new("Decimal_constant_conversion_is_plain", """
            namespace C;
            public static partial class Sp
            {
                [Differentiable]
                public static double F(double x)
                {
                    double c = (double)1.5m;
                    decimal count = 3;
                    return x * c + x * x * (double)count;
                }
            }
            """, V("C.Sp", "F", r => [S(r)])),

        new("Half_round_trip_is_rejected", """
            namespace C;
            public static partial class Sp
            {
                [Differentiable]
                public static double F(double x)
                {
                    Half h = (Half)x;
                    return (double)h * x;
                }
            }
            """, new Rejected("BPG0108", "(double)h")),

        new("Half_constant_is_plain", """
            namespace C;
            public static partial class Sp
            {
                [Differentiable]
                public static double F(double x)
                {
                    double h = (double)(Half)0.5;
                    return x * h + x * x;
                }
            }
            """, V("C.Sp", "F", r => [S(r)])),

        new("Static_field_array_write_is_rejected", """
            namespace C;
            public static partial class Sp
            {
                static readonly double[] S = new double[1];

                [Differentiable]
                public static double F(double x)
                {
                    S[0] = x * x;
                    return S[0] + x;
                }
            }
            """, new Rejected("BPG0104", "S[0]")),

        new("Instance_field_array_write_is_rejected", """
            namespace C;
            public sealed partial class Buf
            {
                private readonly double[] _buf = new double[2];

                [Differentiable]
                public double F(double x)
                {
                    _buf[0] = x * x;
                    return _buf[0] + x;
                }
            }
            """, new Rejected("BPG0104", "_buf[0]")),

        new("Checked_block_overflows_where_the_primal_does", """
            namespace C;
            public static partial class Sp
            {
                [Differentiable]
                public static double F(double x, int n)
                {
                    double y = x;
                    checked
                    {
                        int k = n * n;
                        y = x * k;
                    }
                    return y * x;
                }
            }
            """, V("C.Sp", "F", r => [S(r), r.Next(1, 5)]) with
        {
            Also = assembly =>
            {
                Throws<OverflowException>("the primal at n = 46341", () => Call(assembly, "C.Sp", "F", new object?[] { 0.5, 46341 }));
                Throws<OverflowException>("the Backward at n = 46341", () => Call(assembly, "C.Sp", "FBackward", new object?[] { 0.5, 46341, 0.0, 1.0 }));
                object?[] arguments = { 0.5, 46340, 0.0, 1.0 };
                Near(0.25 * 46340.0 * 46340.0, Call(assembly, "C.Sp", "FBackward", arguments), "value at n = 46340");
                Near(46340.0 * 46340.0, arguments[2], "dX at n = 46340");
            },
        }),

        new("NoDerivative_scratch_array", """
            namespace C;
            public static partial class Sp
            {
                [Differentiable]
                public static double F(double x, [NoDerivative] double[] tmp)
                {
                    tmp[0] = x * x;
                    return tmp[0] + x;
                }
            }
            """, V("C.Sp", "F", r => [S(r), new double[1]]) with
        {
            Also = assembly =>
            {
                object?[] arguments = { 0.5, new double[1], 0.0, 1.0 };
                Near(0.75, Call(assembly, "C.Sp", "FBackward", arguments), "value");
                Near(2.0, arguments[2], "dX");
            },
        }),

        new("NoDerivative_scratch_array_in_loops", """
            namespace C;
            public static partial class Sp
            {
                [Differentiable]
                public static double F(double[] a, double x, [NoDerivative] double[] tmp)
                {
                    for (int i = 0; i < a.Length; i++) tmp[i] = a[i] * x;
                    double s = 0;
                    for (int i = 0; i < a.Length; i++) s += tmp[i] * tmp[i];
                    return s;
                }
            }
            """, V("C.Sp", "F", r => [A(r, 3), S(r), new double[3]])),
    };
}
