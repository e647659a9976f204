using System;
using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

/// <summary>One rewrite of a built body, IR in and IR out, with the name the pipeline lists it under.</summary>
internal sealed record Pass(string Name, Func<MethodModel, BackwardBody, BackwardBody> Apply);

/// <summary>
/// The Optimize step: the named passes each reverse-mode output goes through after the builder and before the printer,
/// in order. They make the code read (and run) as a person would write it; none changes a derivative. The second-order
/// path runs none of them: it differentiates the plain reverse sweep.
/// </summary>
internal static class Optimizer
{
    /// <summary>Saves of a counted loop go into a pooled array indexed by the counter (<see cref="IndexedSaves"/>).</summary>
    public static readonly Pass IndexSaves = new("index saves by the loop counter", (_, body) => IndexedSaves.Apply(body));

    /// <summary>Adjoints that live within one loop iteration become locals of the loop body.</summary>
    public static readonly Pass LocalizeLoopAdjoints = new("localize loop adjoints", (_, body) => body.Copy(reverse: Simplifier.LocalizeLoopAdjoints(body.Reverse)));

    /// <summary>Accumulations at a fixed index are summed in a local and added once.</summary>
    public static readonly Pass PromoteAccumulations = new("promote accumulations", (_, body) => body.Copy(reverse: Simplifier.PromoteAccumulations(body.Reverse)));

    /// <summary>A reverse loop adding a multiple of one array to another over a whole row becomes one vector kernel call.</summary>
    public static readonly Pass VectorizeScaledAdds = new("vectorize scaled adds", (_, body) => body.Copy(reverse: Simplifier.VectorizeScaledAdds(body.Reverse)));

    /// <summary>A forward loop adding a multiple of one array to a local array no other name reaches becomes one exact kernel call.</summary>
    public static readonly Pass VectorizeForwardScaledAdds = new("vectorize forward scaled adds", (_, body) =>
        body.Copy(forward: Simplifier.VectorizeForwardScaledAdds(body.Forward, PooledLocals.Unaliased(body))));

    /// <summary>A window loop with a zero adjoint is skipped where its other factors are finite (<see cref="ZeroSkipping"/>).</summary>
    public static readonly Pass SkipZeroAdjoints = new("skip zero adjoints", (model, body) =>
        body.Copy(reverse: ZeroSkipping.Apply(body.Reverse, Unchanging(model, body), new NameAllocator(TakenNames(model, body)))));

    /// <summary>A recomputed loop bound is computed once, into a local, before its loop.</summary>
    public static readonly Pass HoistLoopBounds = new("hoist loop bounds", (model, body) =>
        body.Copy(reverse: Simplifier.HoistLoopBounds(body.Reverse, TakenNames(model, body))));

    /// <summary>The primal's local arrays are rented from the pool and given back in <c>finally</c> (<see cref="PooledLocals"/>).</summary>
    public static readonly Pass PoolLocalArrays = new("pool local arrays", (_, body) => PooledLocals.Apply(body));

    /// <summary>A Pullback's forward sweep keeps only what its reverse sweep reads (<see cref="PullbackPruner"/>).</summary>
    public static readonly Pass PruneForward = new("prune the forward sweep", (_, body) =>
    {
        List<IrStmt> forward = PullbackPruner.Forward(body);
        return body.Copy(forward, PullbackPruner.Declarations(body, forward));
    });

    /// <summary>The reverse sweep tidied as a person would write it: the passes every reverse-mode output starts with.</summary>
    public static readonly IReadOnlyList<Pass> Common = new[] { IndexSaves, LocalizeLoopAdjoints, PromoteAccumulations, VectorizeScaledAdds, VectorizeForwardScaledAdds, SkipZeroAdjoints, HoistLoopBounds };

    /// <summary>Then a Backward, and the body a tape divides between Record and Replay, pool their local arrays.</summary>
    public static readonly IReadOnlyList<Pass> Finish = new[] { PoolLocalArrays };

    /// <summary>Then a Pullback's forward sweep also loses the work its reverse does not read.</summary>
    public static readonly IReadOnlyList<Pass> FinishPullback = new[] { PruneForward, PoolLocalArrays };

    /// <summary>Runs <paramref name="passes"/> over <paramref name="body"/> in order.</summary>
    public static BackwardBody Run(IReadOnlyList<Pass> passes, MethodModel model, BackwardBody body) =>
        passes.Aggregate(body, (current, pass) => pass.Apply(model, current));

    /// <summary>The parameters no statement of the body assigns or writes into: their values are the caller's throughout.</summary>
    private static IReadOnlyDictionary<string, IrType> Unchanging(MethodModel model, BackwardBody body)
    {
        var written = new HashSet<string>(IrWalker.AllStatements(body.Forward.Concat(body.Reverse).Concat(body.Declarations))
            .Select(s => IrWalker.AssignedVariable(s) ?? IrWalker.StoredArray(s)).Where(n => n is not null)!);
        return model.Parameters.Where(p => p.Type.IsFloatingElement && !p.IsOutput && !written.Contains(p.Name)
                && (p.Type.IsScalar || p.Type.Shape != ShapeKind.Array || p.Type.Rank == 1))
            .ToDictionary(p => p.Name, p => p.Type);
    }

    /// <summary>Every name a Backward may use already: the parameters, their adjoints, and what its sweeps use.</summary>
    private static IEnumerable<string> TakenNames(MethodModel model, BackwardBody body) =>
        model.ReservedNames.Concat(model.Parameters.SelectMany(p => new[] { p.Name, p.AdjointName })).Append(model.SeedName)
            .Concat(IrWalker.NamesUsed(body.Sections));
}
