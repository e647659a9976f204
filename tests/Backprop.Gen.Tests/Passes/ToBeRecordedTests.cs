using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.Differentiation;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Xunit;

namespace Backprop.Gen.Tests.Passes;

/// <summary>
/// The to-be-recorded analysis alone: each test builds planned steps by hand (the statement, and what its reverse reads
/// as the planner would record it), runs the analysis, and checks which statements save the value they overwrite.
/// </summary>
public class ToBeRecordedTests
{
    private static VarRef D(string name) => new(IrType.Double, name);

    private static VarRef I(string name) => new(IrType.Int, name);

    private static Constant Num(double value) => new(IrType.Double, value.ToString(System.Globalization.CultureInfo.InvariantCulture), value);

    private static Binary Mul(IrExpr a, IrExpr b) => new(IrType.Double, BinaryOp.Multiply, a, b);

    /// <summary>A planned <c>target = value</c> whose reverse reads <paramref name="readsAfter"/> (after the restore).</summary>
    private static Step Planned(string target, IrExpr value, bool inLoop = false, params string[] readsAfter)
    {
        var step = new Step(StepKind.Simple, new Assign(null, D(target), value), topLevel: !inLoop, inLoop) { Target = target };
        foreach (string read in readsAfter) step.ReadsAfter.Add(read);
        if (readsAfter.Length > 0 || value is not Constant) step.AfterRestore.Add(new Evaluate(null, D("_d_" + target)));
        return step;
    }

    private static Step CountedLoop(string counter, IrExpr bound, params Step[] body)
    {
        var loop = new Loop(null, new IrVar(counter, IrType.Int), new Constant(IrType.Int, "0", 0), bound, false, false, null, true,
            new Block(Ir.Array(body.Select(s => s.Stmt).ToArray())));
        var step = new Step(StepKind.Loop, loop, topLevel: true, inLoop: false);
        step.Body.AddRange(body);
        return step;
    }

    /// <summary>Runs the analysis over steps of a method of double variables <paramref name="names"/>.</summary>
    private static void Record(List<Step> steps, params string[] names)
    {
        var model = new MethodModel(
            new HierarchyInfo("", EquatableArray<TypeDeclarationInfo>.Empty), "F", "F.g.cs", "public static", IrType.Double,
            EquatableArray<ParameterModel>.Empty, "seed", "F", Block.Empty, EquatableArray<string>.Empty, EquatableArray<string>.Empty, false, null);
        var variables = names.ToDictionary(n => n, n => new IrVar(n, IrType.Double));
        variables["n"] = new IrVar("n", IrType.Int);
        var counters = new HashSet<string> { "i" };
        var analysis = new StepAnalysis(steps, model, Sweep.Backward, new Dictionary<string, ParameterModel>(), counters, variables, new HashSet<string>());
        new ToBeRecorded(analysis).Record(steps);
    }

    [Fact]
    public void A_value_the_reverse_still_reads_is_saved_before_it_is_overwritten()
    {
        // a = x * x (its reverse reads x); x = 3 overwrites x while the reverse of the first still needs it.
        Step square = Planned("a", Mul(D("x"), D("x")), readsAfter: "x");
        Step overwrite = Planned("x", Num(3));
        Record(new List<Step> { square, overwrite }, "a", "x");
        Assert.True(overwrite.Save);
        Assert.False(square.Save);
        Assert.True(overwrite.NeedsReverse);
    }

    [Fact]
    public void A_value_overwritten_before_anything_reads_it_is_not_saved()
    {
        // x = 3, then a = x * x: nothing read the old x.
        Step overwrite = Planned("x", Num(3));
        Step square = Planned("a", Mul(D("x"), D("x")), readsAfter: "x");
        Record(new List<Step> { overwrite, square }, "a", "x");
        Assert.False(overwrite.Save);
        Assert.False(square.Save);
    }

    [Fact]
    public void A_statement_whose_reverse_reads_its_own_old_value_saves_it()
    {
        // x = x * x: the reverse needs the x before the statement, so it restores it.
        Step square = Planned("x", Mul(D("x"), D("x")), readsAfter: "x");
        Record(new List<Step> { square }, "x");
        Assert.True(square.Save);
    }

    [Fact]
    public void In_a_loop_a_read_in_one_iteration_saves_the_overwrite_in_the_next()
    {
        // for (i < n) { a = a + h * h; h = w; }: the second iteration overwrites the h the first one's reverse reads.
        Step accumulate = Planned("a", new Binary(IrType.Double, BinaryOp.Add, D("a"), Mul(D("h"), D("h"))), inLoop: true, readsAfter: "h");
        Step overwrite = Planned("h", D("w"), inLoop: true);
        Step loop = CountedLoop("i", I("n"), accumulate, overwrite);
        Record(new List<Step> { loop }, "a", "h", "w");
        Assert.True(overwrite.Save);
        Assert.True(loop.NeedsReverse);
    }

    [Fact]
    public void A_loop_saves_only_what_a_later_iteration_overwrites_while_still_read()
    {
        // for (i < n) { a = w * 2; b = a * w; }: the next iteration's a = w * 2 overwrites the a this iteration's
        // reverse reads, so it is saved; b and w are never overwritten while read.
        Step define = Planned("a", Mul(D("w"), Num(2)), inLoop: true, readsAfter: "w");
        Step use = Planned("b", Mul(D("a"), D("w")), inLoop: true, readsAfter: new[] { "a", "w" });
        Step loop = CountedLoop("i", I("n"), define, use);
        Record(new List<Step> { loop }, "a", "b", "w");
        Assert.True(define.Save);
        Assert.False(use.Save);
    }

    [Fact]
    public void A_loop_that_overwrites_nothing_read_saves_nothing()
    {
        // for (i < n) { b = w * w; }
        Step use = Planned("b", Mul(D("w"), D("w")), inLoop: true, readsAfter: "w");
        Step loop = CountedLoop("i", I("n"), use);
        Record(new List<Step> { loop }, "b", "w");
        Assert.False(use.Save);
        Assert.True(loop.NeedsReverse);
    }
}
