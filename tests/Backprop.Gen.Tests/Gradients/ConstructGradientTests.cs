using System;
using System.Reflection;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>Every supported construct, compiled with the generator and checked against central finite differences.</summary>
public class ConstructGradientTests
{
    private static readonly Lazy<Assembly> Straight = new(() => TestCompiler.CompileAndLoad(ConstructSources.StraightLine));
    private static readonly Lazy<Assembly> Flow = new(() => TestCompiler.CompileAndLoad(ConstructSources.ControlFlow));
    private static readonly Lazy<Assembly> CallsAssembly = new(() => TestCompiler.CompileAndLoad(ConstructSources.Calls));

    [Theory]
    [InlineData("Reassign")]
    [InlineData("Unary")]
    [InlineData("Sigmoid")]
    [InlineData("SelfUse")]
    [InlineData("UsesConstants")]
    public void Scalar_functions_of_one_variable(string method) =>
        Check(Straight.Value, "Samples.Straight", method, r => method == "Unary" || method == "SelfUse" || method == "Sigmoid" || method == "UsesConstants"
            ? new object?[] { RandomScalar(r) }
            : new object?[] { RandomScalar(r), RandomScalar(r) }, points: 8);

    [Fact]
    public void Stopped_gradients()
    {
        Check(Straight.Value, "Samples.Straight", "ShiftedLogSumExp", r => new object?[] { RandomScalar(r, 3), RandomScalar(r, 3) }, points: 8);
        MethodInfo halfStopped = Invoke.Method(Straight.Value, "Samples.Straight", "HalfStoppedBackward", 1);
        var (value, dX) = ((double, double))Invoke.Call(halfStopped, new object?[] { 1.5 })!;
        Assert.Equal(2.25, value);
        Assert.Equal(1.5, dX);
    }

    [Fact]
    public void Reassignment_and_compound_assignment() =>
        Check(Straight.Value, "Samples.Straight", "Reassign", r => new object?[] { RandomScalar(r), RandomScalar(r) }, points: 8);

    // The primal rounds x to float, so finite differences see float rounding steps: compare at float accuracy.
    [Fact]
    public void Casts_between_int_float_and_double() =>
        Check(Straight.Value, "Samples.Straight", "Casts", r => new object?[] { RandomScalar(r), 3 }, tolerance: 1e-3);

    [Fact]
    public void Math_functions_of_one_argument() =>
        Check(Straight.Value, "Samples.Straight", "Functions1", r => new object?[] { RandomScalar(r) }, points: 10);

    [Fact]
    public void Math_functions_of_two_arguments() =>
        Check(Straight.Value, "Samples.Straight", "Functions2", r => new object?[] { RandomScalar(r) + 0.05, RandomScalar(r) + 0.05 }, points: 10, tolerance: 1e-5);

    [Fact]
    public void Magnitude_sign_and_remainder_functions() =>
        Check(Straight.Value, "Samples.Straight", "Functions3", r => new object?[] { RandomScalar(r) + 0.05, RandomScalar(r) + 0.6 }, points: 10, tolerance: 1e-5);

    [Fact]
    public void Estimates_differentiate_as_the_exact_functions()
    {
        MethodInfo backward = Invoke.Method(Straight.Value, "Samples.Straight", "EstimatesBackward", 3);
        foreach (double x in new[] { -1.5, 0.2, 4.0 })
        {
            object?[] arguments = { x, 0.0, 1.0 };
            Invoke.Call(backward, arguments);
            double u = x + 3;
            Assert.Equal(-1 / (u * u) - 0.5 / (u * Math.Sqrt(u)), (double)arguments[1]!, 12);
        }
    }

    [Fact]
    public void Nested_calls() =>
        Check(Straight.Value, "Samples.Straight", "Nested", r => new object?[] { RandomScalar(r), RandomScalar(r) }, points: 8);

    [Fact]
    public void Array_reads_at_index_expressions() =>
        Check(Straight.Value, "Samples.Straight", "ArrayReads", r => new object?[] { RandomArray(r, 4), RandomArray(r, 4), 1 }, points: 5);

    [Fact]
    public void Reassigned_parameters() =>
        Check(Straight.Value, "Samples.Straight", "ParameterReassigned", r => new object?[] { RandomScalar(r), RandomScalar(r) }, points: 8);

    [Fact]
    public void Inactive_helpers_are_constants() =>
        Check(Straight.Value, "Samples.Straight", "IntHelper", r => new object?[] { RandomScalar(r), 4 });

    [Fact]
    public void Float_methods() =>
        Check(Straight.Value, "Samples.Floats", "Mix", r => new object?[] { (float)RandomScalar(r), (float)RandomScalar(r) });

    [Fact]
    public void Float_arrays() =>
        Check(Straight.Value, "Samples.Floats", "Array", r => new object?[] { new[] { 0.3f, -0.7f, 1.1f }, (float)RandomScalar(r) });

    [Fact]
    public void Wrt_list_and_NoDerivative() =>
        Check(Straight.Value, "Samples.Selection", "WrtOnly", r => new object?[] { RandomScalar(r), RandomScalar(r), RandomScalar(r) });

    [Fact]
    public void NoDerivative_array() =>
        Check(Straight.Value, "Samples.Selection", "NoDerivative", r => new object?[] { RandomScalar(r), RandomArray(r, 2), RandomScalar(r) });

    [Theory]
    [InlineData("Branch")]
    [InlineData("Ternary")]
    [InlineData("EarlyReturn")]
    public void Branches(string method) =>
        Check(Flow.Value, "Samples.Flow", method, r => new object?[] { RandomScalar(r, 1.5), RandomScalar(r, 1.5) }, points: 20);

    [Fact]
    public void Recurrence() =>
        Check(Flow.Value, "Samples.Flow", "Rnn", r => new object?[] { RandomScalar(r), RandomScalar(r), RandomScalar(r), 7 });

    [Fact]
    public void Dot_product() =>
        Check(Flow.Value, "Samples.Flow", "Dot", r => new object?[] { RandomArray(r, 5), RandomArray(r, 5) });

    [Fact]
    public void While_loop_with_data_dependent_trip_count() =>
        Check(Flow.Value, "Samples.Flow", "WhileLoop", r => new object?[] { 0.2 + r.NextDouble(), 2 + 3 * r.NextDouble() }, points: 10);

    [Fact]
    public void Do_loop() =>
        Check(Flow.Value, "Samples.Flow", "DoLoop", r => new object?[] { RandomScalar(r) });

    [Fact]
    public void Break_and_continue() =>
        Check(Flow.Value, "Samples.Flow", "BreakContinue", r => new object?[] { RandomArray(r, 8), 1 + r.NextDouble() }, points: 10);

    [Fact]
    public void Return_inside_a_loop() =>
        Check(Flow.Value, "Samples.Flow", "ReturnInLoop", r => new object?[] { RandomArray(r, 6, 3), RandomScalar(r) }, points: 10);

    [Fact]
    public void A_row_offset_in_a_stored_index_is_computed_again()
    {
        Check(Flow.Value, "Samples.Flow", "Rows", r => new object?[] { RandomArray(r, 12), 4 }, points: 6);
        string generated = TestCompiler.Generate(ConstructSources.ControlFlow).Source(".Rows.Backward.g.cs");
        Assert.DoesNotContain("_saved_at", generated);
    }

    [Fact]
    public void An_element_accumulated_at_a_fixed_index_is_summed_in_a_local()
    {
        Check(Flow.Value, "Samples.Flow", "BiasPerPosition", r => new object?[] { RandomArray(r, 3), RandomArray(r, 3), RandomArray(r, 5) }, points: 6);
        string generated = GeneratedMethods.Method(TestCompiler.Generate(ConstructSources.ControlFlow).Source(".BiasPerPosition.Backward.g.cs"), "BiasPerPositionBackward");
        Assert.Contains("_sum_dB += ", generated);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(generated, @"dB\[o\] \+= _sum_dB;"));
    }

    [Fact]
    public void Loop_bounds_clipped_with_integer_Max_and_Min()
    {
        Check(Flow.Value, "Samples.Flow", "Clipped", r => new object?[] { RandomArray(r, 5), RandomArray(r, 9) }, points: 6);
        string generated = TestCompiler.Generate(ConstructSources.ControlFlow).Source(".Clipped.Backward.g.cs");
        Assert.DoesNotContain("_saved_first", generated);
        Assert.DoesNotContain("_saved_end", generated);
        // The recomputed end is tested through a local computed once before the loop, not on every iteration.
        Assert.Contains("int _vEnd = global::System.Math.Min(kernel.Length, x.Length - (c - half));", generated);
        Assert.Contains("for (int v = global::System.Math.Max(0, -(c - half)); v < _vEnd; v++)", generated);
    }

    [Fact]
    public void Index_arithmetic_recomputed_in_the_reverse_sweep()
    {
        Check(Flow.Value, "Samples.Flow", "Stencil", r => new object?[] { RandomArray(r, 7), RandomArray(r, 3), 1 }, points: 6);
        string generated = TestCompiler.Generate(ConstructSources.ControlFlow).Source(".Stencil.Backward.g.cs");
        Assert.DoesNotContain("_saved_y", generated);
        Assert.DoesNotContain("_saved_mirrored", generated);
        Assert.Contains("_saved_previous", generated);
    }

    [Fact]
    public void Nested_loops() =>
        Check(Flow.Value, "Samples.Flow", "Nested", r => new object?[] { RandomArray(r, 12), RandomArray(r, 4), 3 });

    [Fact]
    public void Foreach_over_an_array() =>
        Check(Flow.Value, "Samples.Flow", "ForEachLoop", r => new object?[] { RandomArray(r, 5), RandomScalar(r) });

    [Fact]
    public void Loop_counting_down() =>
        Check(Flow.Value, "Samples.Flow", "Downward", r => new object?[] { RandomArray(r, 5) });

    [Fact]
    public void Local_array_written_and_read() =>
        Check(Flow.Value, "Samples.Flow", "LocalArray", r => new object?[] { RandomArray(r, 5), RandomScalar(r) });

    [Fact]
    public void Element_compound_assignment_and_log_sum_exp() =>
        Check(Flow.Value, "Samples.Flow", "ArrayAccumulate", r => new object?[] { RandomArray(r, 4), RandomArray(r, 12) }, points: 8);

    [Fact]
    public void Local_array_overwritten() =>
        Check(Flow.Value, "Samples.Flow", "Overwrite", r => new object?[] { RandomArray(r, 4) });

    [Fact]
    public void Two_dimensional_array() =>
        Check(Flow.Value, "Samples.Flow", "Matrix", r => new object?[] { new double[,] { { 0.1, -0.4, 0.3 }, { 0.7, 0.2, -0.5 } }, RandomArray(r, 3) });

    [Fact]
    public void Index_variable_changed_in_a_while_loop() =>
        Check(Flow.Value, "Samples.Flow", "IndexWalk", r => new object?[] { RandomArray(r, 7), RandomScalar(r) });

    [Fact]
    public void Branch_inside_a_loop() =>
        Check(Flow.Value, "Samples.Flow", "BranchInLoop", r => new object?[] { RandomArray(r, 6), RandomScalar(r) }, points: 10);

    [Fact]
    public void Calls_to_differentiable_methods() =>
        Check(CallsAssembly.Value, "Samples.Calls", "Caller", r => new object?[] { RandomScalar(r), RandomScalar(r), RandomArray(r, 3) });

    [Fact]
    public void Calls_with_omitted_optional_and_named_arguments()
    {
        Check(CallsAssembly.Value, "Samples.Calls", "Defaults", r => new object?[] { 0.5 + r.NextDouble(), 0.5 + r.NextDouble() });
        // The omitted argument is the callee's default, not a copy of the call (which once recursed into itself): the
        // small callee is inlined with its defaults in place.
        string generated = TestCompiler.Generate(ConstructSources.Calls).Source(".Defaults.Backward.g.cs");
        Assert.Contains("global::System.Math.Pow(x, 2);", generated);
        Assert.Contains("1.5 * _t0", generated);
        Assert.DoesNotContain("ScaledRecord", generated);
    }

    [Fact]
    public void Slices_of_arrays_and_spans_passed_to_calls()
    {
        Check(CallsAssembly.Value, "Samples.Calls", "Rows", r => new object?[] { RandomArray(r, 6), RandomArray(r, 3), 2 });
        string generated = TestCompiler.Generate(ConstructSources.Calls).Source(".Rows.Backward.g.cs");
        Assert.Contains("global::Backprop.CompilerServices.Buffers.Slice(dW, j * n, n)", generated);
        Check(CallsAssembly.Value, "Samples.Calls", "ShiftedArray", r => new object?[] { RandomArray(r, 5) });
    }

    [Fact]
    public void Recursion() =>
        Check(CallsAssembly.Value, "Samples.Calls", "Power", r => new object?[] { RandomScalar(r), 5 });

    [Fact]
    public void Same_type_custom_derivative() =>
        Check(CallsAssembly.Value, "Samples.Calls", "Special", r => new object?[] { RandomScalar(r) });

    [Fact]
    public void Calls_inside_loops() =>
        Check(CallsAssembly.Value, "Samples.Calls", "InLoop", r => new object?[] { RandomArray(r, 4), RandomScalar(r) });

    [Fact]
    public void DerivativeOf_custom_derivative() =>
        Check(CallsAssembly.Value, "Samples.Calls", "ThirdParty", r => new object?[] { RandomScalar(r), RandomScalar(r) });
}
