using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.Differentiation;
using Backprop.Gen.Emit;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Xunit;

namespace Backprop.Gen.Tests.Passes;

/// <summary>
/// The optimizer's passes one at a time, IR in and IR out: each test builds a small body by hand, runs one pass, and
/// reads the result printed as the emitter would print it.
/// </summary>
public class OptimizerPassTests
{
    private static readonly IrType Vector = IrType.ArrayOf(IrType.Double, 1);

    private static VarRef D(string name) => new(IrType.Double, name);

    private static VarRef A(string name) => new(Vector, name);

    private static VarRef I(string name) => new(IrType.Int, name);

    private static Constant Int(int value) => new(IrType.Int, value.ToString(System.Globalization.CultureInfo.InvariantCulture), value);

    private static ElementAt At(string array, IrExpr index) => new(IrType.Double, A(array), Ir.Array(index));

    private static Member Length(string array) => new(IrType.Int, A(array), "Length");

    private static Loop Counted(string counter, IrExpr start, IrExpr bound, bool descending, params IrStmt[] body) =>
        new(null, new IrVar(counter, IrType.Int), start, bound, Inclusive: descending, Descending: descending, null, true, new Block(Ir.Array(body)));

    /// <summary>A model with the given parameters (all differentiable double arrays unless given otherwise).</summary>
    private static MethodModel Model(params ParameterModel[] parameters) => new(
        new HierarchyInfo("", EquatableArray<TypeDeclarationInfo>.Empty), "F", "F.g.cs", "public static", IrType.Double,
        parameters.ToEquatableArray(), "seed", "F", Block.Empty, EquatableArray<string>.Empty, EquatableArray<string>.Empty, false, null);

    private static ParameterModel Array(string name) =>
        new(name, Vector, "double[] " + name, true, "d" + char.ToUpperInvariant(name[0]) + name.Substring(1), "double[]?");

    private static string Print(IEnumerable<IrStmt> statements)
    {
        var writer = new SourceWriter();
        new CSharpPrinter(writer) { Synthesized = true }.Statements(statements);
        return writer.ToString();
    }

    [Fact]
    public void A_whole_row_of_scaled_adds_becomes_one_kernel_call()
    {
        // for (int i = 0; i < x.Length; i++) dW[i] += g * x[i];
        var body = new BackwardBody();
        body.Reverse.Add(Counted("i", Int(0), Length("x"), false,
            new Assign(null, At("dW", I("i")), new Binary(IrType.Double, BinaryOp.Add, At("dW", I("i")), new Binary(IrType.Double, BinaryOp.Multiply, D("g"), At("x", I("i")))))));
        BackwardBody after = Optimizer.VectorizeScaledAdds.Apply(Model(Array("x"), Array("w")), body);
        Assert.Equal("global::Backprop.CompilerServices.Kernels.AddScaled(dW, 0, g, x, 0, x.Length);", Print(after.Reverse).Trim());
    }

    [Fact]
    public void A_few_taps_of_a_window_stay_a_loop()
    {
        // for (int u = 0; u < 3; u++) dW[u] += g * x[u]: a kernel call would only slow three additions down.
        var body = new BackwardBody();
        body.Reverse.Add(Counted("u", Int(0), Int(3), false,
            new Assign(null, At("dW", I("u")), new Binary(IrType.Double, BinaryOp.Add, At("dW", I("u")), new Binary(IrType.Double, BinaryOp.Multiply, D("g"), At("x", I("u")))))));
        BackwardBody after = Optimizer.VectorizeScaledAdds.Apply(Model(Array("x"), Array("w")), body);
        Assert.IsType<Loop>(Assert.Single(after.Reverse));
        Assert.DoesNotContain("Kernels", Print(after.Reverse));
    }

    [Fact]
    public void A_counted_loops_stack_becomes_an_array_indexed_by_the_counter()
    {
        // The forward pushes h once per iteration of a counted loop; the reverse pops it once per iteration.
        var stack = new IrVar("_saved_h", IrType.StackOf(IrType.Double));
        var body = new BackwardBody();
        body.Declarations.Add(new Declare(null, stack, new RuntimeCall(stack.Type, RuntimeOp.NewStack, EquatableArray<IrExpr>.Empty)));
        body.Forward.Add(new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.StackReserve, Ir.Array<IrExpr>(I("n")), stack.Ref)));
        body.Forward.Add(Counted("t", Int(0), I("n"), false, new Push(stack.Name, D("h")), new Assign(null, D("h"), D("w"))));
        body.Reverse.Add(Counted("t", new Binary(IrType.Int, BinaryOp.Subtract, I("n"), Int(1)), Int(0), true,
            new Assign(null, D("h"), new Pop(IrType.Double, stack.Name))));
        body.Finally.Add(new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.StackDispose, EquatableArray<IrExpr>.Empty, stack.Ref)));

        BackwardBody after = Optimizer.IndexSaves.Apply(Model(), body);
        string printed = Print(after.Declarations.Concat(after.Forward).Concat(after.Reverse).Concat(after.Finally));
        Assert.Contains("double[] _saved_h = global::System.Array.Empty<double>();", printed);
        Assert.Contains("_saved_h = global::Backprop.CompilerServices.Buffers.RentSaves<double>(n);", printed);
        Assert.Contains("_saved_h[t] = h;", printed);
        Assert.Contains("h = _saved_h[t];", printed);
        Assert.Contains("global::Backprop.CompilerServices.Buffers.ReturnSaves(_saved_h);", printed);
        Assert.DoesNotContain("Pop()", printed);
        Assert.DoesNotContain("ValueStack", printed);
    }

    [Fact]
    public void A_local_array_that_does_not_escape_is_rented_and_given_back()
    {
        // double[] h = new double[n]; h[0] = w;   (only indexed: it cannot outlive the call)
        var h = new IrVar("h", Vector);
        var body = new BackwardBody();
        body.Forward.Add(new Declare(null, h, new NewArray(Vector, Ir.Array<IrExpr>(I("n")))));
        body.Forward.Add(new Assign(null, At("h", Int(0)), D("w")));
        BackwardBody after = Optimizer.PoolLocalArrays.Apply(Model(), body);
        Assert.Contains("h = global::Backprop.CompilerServices.Buffers.RentZeroed<double>(n);", Print(after.Forward));
        Assert.Contains("global::Backprop.CompilerServices.Buffers.Return(h);", Print(after.Finally));
    }

    [Fact]
    public void A_local_array_that_escapes_is_left_alone()
    {
        // double[] h = new double[n]; other = h;   (aliased: the pool could hand it out while still in use)
        var h = new IrVar("h", Vector);
        var body = new BackwardBody();
        body.Forward.Add(new Declare(null, h, new NewArray(Vector, Ir.Array<IrExpr>(I("n")))));
        body.Forward.Add(new Assign(null, A("other"), h.Ref));
        BackwardBody after = Optimizer.PoolLocalArrays.Apply(Model(), body);
        Assert.Same(body, after);
    }

    [Fact]
    public void The_pullbacks_forward_keeps_what_the_reverse_and_the_loop_headers_read()
    {
        // Forward: a = w * 2; b = w * 3 (read by nobody); c = a; a loop bounded by k, which the forward computes.
        var body = new BackwardBody();
        body.Forward.Add(new Declare(null, new IrVar("a", IrType.Double), new Binary(IrType.Double, BinaryOp.Multiply, D("w"), new Constant(IrType.Double, "2", 2))));
        body.Forward.Add(new Declare(null, new IrVar("b", IrType.Double), new Binary(IrType.Double, BinaryOp.Multiply, D("w"), new Constant(IrType.Double, "3", 3))));
        body.Forward.Add(new Declare(null, new IrVar("k", IrType.Int), Int(4)));
        body.Reverse.Add(Counted("i", Int(0), I("k"), false, new Assign(null, D("_d_w"), new Binary(IrType.Double, BinaryOp.Add, D("_d_w"), D("a")))));
        BackwardBody after = Optimizer.PruneForward.Apply(Model(), body);
        string forward = Print(after.Forward);
        Assert.Contains("double a = w * 2", forward);
        Assert.Contains("int k = 4;", forward);
        Assert.DoesNotContain("double b", forward);
    }

    [Fact]
    public void The_pipelines_name_their_passes_in_order()
    {
        Assert.Equal(new[] { "index saves by the loop counter", "localize loop adjoints", "promote accumulations", "vectorize scaled adds",
            "vectorize forward scaled adds", "skip zero adjoints", "hoist loop bounds" }, Optimizer.Common.Select(p => p.Name));
        Assert.Equal(new[] { "prune the forward sweep", "pool local arrays" }, Optimizer.FinishPullback.Select(p => p.Name));
    }
}
