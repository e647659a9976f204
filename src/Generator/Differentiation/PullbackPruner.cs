using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// Split mode for layers. A caller that has just run a layer (a method that writes outputs) has no use for the layer's
/// Backward running the layer again: it needs only the reverse sweep. This keeps, from a Backward's forward sweep, just
/// what the reverse sweep reads (the saved values, the shapes, the local arrays whose contents it needs) and drops the
/// rest, such as a dense layer's whole forward loop. What is left is the layer's Pullback.
/// </summary>
internal static class PullbackPruner
{
    /// <summary>The statements of <paramref name="body"/>'s forward sweep that its reverse sweep depends on.</summary>
    public static List<IrStmt> Forward(BackwardBody body)
    {
        var live = new Liveness();
        foreach (IrStmt stmt in body.Reverse.Concat(body.Epilogue).Concat(body.Finally)) live.AddReads(stmt);
        return Prune(body.Forward, live);
    }

    /// <summary>
    /// What the code after a point reads: variables, and separately the arrays whose contents it reads (a read of
    /// <c>a.Length</c> needs the array, not what is in it).
    /// </summary>
    private sealed class Liveness
    {
        public HashSet<string> Variables { get; } = new();

        public HashSet<string> Contents { get; } = new();

        /// <summary>Variables a kept statement assigns: their declarations must stay.</summary>
        public HashSet<string> Assigned { get; } = new();

        public int Count => Variables.Count + Contents.Count;

        public Liveness Copy()
        {
            var copy = new Liveness();
            copy.Variables.UnionWith(Variables);
            copy.Contents.UnionWith(Contents);
            copy.Assigned.UnionWith(Assigned);
            return copy;
        }

        public void UnionWith(Liveness other)
        {
            Variables.UnionWith(other.Variables);
            Contents.UnionWith(other.Contents);
            Assigned.UnionWith(other.Assigned);
        }

        public void AddReads(IrStmt stmt)
        {
            foreach (IrStmt inner in IrWalker.AllStatements(new Block(Ir.Array(stmt))))
            {
                foreach (IrExpr expr in IrWalker.OwnExpressions(inner))
                {
                    // An element store reads its indices (and, compound, the element); a whole assignment its value.
                    if (inner is Assign { Target: var target } && ReferenceEquals(expr, target) && target is VarRef) continue;
                    AddReads(expr);
                }

                if (inner is Push push) Variables.Add(push.Stack);
            }
        }

        /// <summary>What a statement reads itself, without its nested statements (a loop's condition and bounds).</summary>
        public void AddHeaderReads(IrStmt stmt)
        {
            foreach (IrExpr expr in IrWalker.OwnExpressions(stmt)) AddReads(expr);
        }

        private void AddReads(IrExpr expr)
        {
            switch (expr)
            {
                case Member { Receiver: VarRef array, Name: "Length" or "IsEmpty" }:
                    Variables.Add(array.Name);
                    return;
                case OpaqueCall { Known: KnownCall.ArrayShape, Receiver: VarRef array } call:
                    Variables.Add(array.Name);
                    foreach (IrExpr argument in call.Arguments) AddReads(argument);
                    return;
                case VarRef v:
                    Variables.Add(v.Name);
                    Contents.Add(v.Name);
                    return;
                case Pop pop:
                    Variables.Add(pop.Stack);
                    return;
                case BackwardCall backward:
                    AddReads(backward.Call);
                    if (backward.Gradients is not null) AddReads(backward.Gradients);
                    foreach (IrExpr adjoint in backward.Adjoints) AddReads(adjoint);
                    if (backward.Seed is not null) AddReads(backward.Seed);
                    return;
                case DiffCall call:
                    // A layer writes its outputs before it reads them (BPG0302), and so does its Backward or Pullback:
                    // an output argument needs the array, not what it holds. A recorded call also pushes onto its chain.
                    if (call.Receiver is not null) AddReads(call.Receiver);
                    if (call.Tape is not null) Variables.Add(call.Tape.Name);
                    for (int i = 0; i < call.Arguments.Count; i++)
                    {
                        if (IsOutput(call, i) && IrWalker.PassedArray(call.Arguments[i]) is { } output) Variables.Add(output.Name);
                        else AddReads(call.Arguments[i]);
                    }

                    return;
            }

            foreach (IrExpr child in IrWalker.Children(expr)) AddReads(child);
        }
    }

    /// <summary>The declarations still used once the forward sweep is pruned (an unused local would be a warning).</summary>
    public static List<IrStmt> Declarations(BackwardBody body, List<IrStmt> forward)
    {
        var reads = new Liveness();
        foreach (IrStmt stmt in forward.Concat(body.Reverse).Concat(body.Epilogue).Concat(body.Finally).Concat(body.Validation)) reads.AddReads(stmt);
        var used = new HashSet<string>(reads.Variables);
        used.UnionWith(forward.Concat(body.Reverse).Concat(body.Epilogue).SelectMany(IrWalker.AssignedVariables));

        return body.Declarations.Where(d => d is not Declare declare || used.Contains(declare.Variable.Name)).ToList();
    }

    private static List<IrStmt> Prune(IReadOnlyList<IrStmt> statements, Liveness live)
    {
        var kept = new List<IrStmt>();
        for (int i = statements.Count - 1; i >= 0; i--)
        {
            IrStmt? stmt = statements[i] switch
            {
                Loop loop => PruneLoop(loop, live),
                If branch => PruneIf(branch, live),
                var simple => IsLive(simple, live) ? simple : null,
            };
            if (stmt is null) continue;
            kept.Insert(0, stmt);
            live.AddReads(stmt);
            live.Assigned.UnionWith(IrWalker.AssignedVariables(stmt));
        }

        return kept;
    }

    private static IrStmt? PruneLoop(Loop loop, Liveness live)
    {
        // What one iteration needs may be computed by the one before, and a loop that stays evaluates its header before
        // every iteration: whatever its condition or bounds read decides the trip count, and so is live throughout the
        // body (a while over an array the body swaps keeps the swaps). Prune until the live set stops growing.
        while (true)
        {
            int before = live.Count;
            List<IrStmt> body = Prune(loop.Body.Statements, live);
            if (body.Count > 0) live.AddHeaderReads(loop);
            if (live.Count == before)
            {
                return body.Count == 0 ? null : loop with { Body = new Block(body.ToEquatableArray()) };
            }
        }
    }

    private static IrStmt? PruneIf(If branch, Liveness live)
    {
        Liveness thenLive = live.Copy(), elseLive = live.Copy();
        List<IrStmt> then = Prune(branch.Then.Statements, thenLive);
        List<IrStmt> otherwise = Prune(branch.Else.Statements, elseLive);
        live.UnionWith(thenLive);
        live.UnionWith(elseLive);
        if (then.Count == 0 && otherwise.Count == 0 && !HasEffects(branch.Condition)) return null;
        return branch with { Then = new Block(then.ToEquatableArray()), Else = new Block(otherwise.ToEquatableArray()) };
    }

    /// <summary>A simple statement stays if it defines something live or acts beyond its own variables (a call, a push).</summary>
    private static bool IsLive(IrStmt stmt, Liveness live) => stmt switch
    {
        Declare d => live.Variables.Contains(d.Variable.Name) || live.Assigned.Contains(d.Variable.Name) || d.Initializer is not null && Acts(d.Initializer, live),
        Assign { Target: VarRef v } a => live.Variables.Contains(v.Name) || Acts(a.Value, live),
        Assign { Target: ElementAt { Array: VarRef array } } a => live.Contents.Contains(array.Name) || Acts(a.Value, live),
        Evaluate e => Acts(e.Expression, live),
        Push p => live.Variables.Contains(p.Stack),
        Comment => false,
        _ => true,
    };

    /// <summary>
    /// Whether evaluating <paramref name="expr"/> matters beyond its value: it has effects, or it is a layer call whose
    /// outputs hold something live. A layer call that fills only dead arrays can go.
    /// </summary>
    private static bool Acts(IrExpr expr, Liveness live)
    {
        if (expr is not DiffCall call) return HasEffects(expr);
        if (call.Tape is not null) return true; // its tape is what the reverse sweep replays
        bool other = call.Receiver is not null && HasEffects(call.Receiver);
        for (int i = 0; i < call.Arguments.Count; i++)
        {
            IrExpr argument = call.Arguments[i];
            if (IsOutput(call, i) && IrWalker.PassedArray(argument) is { } output) other |= live.Contents.Contains(output.Name);
            else other |= HasEffects(argument) || IsOutput(call, i);
        }

        return other;
    }

    private static bool IsOutput(DiffCall call, int i) => i < call.Callee.Parameters.Count && call.Callee.Parameters[i].IsOutput;

    /// <summary>
    /// Whether computing <paramref name="expr"/> acts beyond its value: a pop, a call the generator cannot see into, or a
    /// call that writes outputs. A call to a [Differentiable] function of scalars is pure: the caller already ran it, and
    /// so are the slices and shapes it took (<c>w.AsSpan(j * n, n)</c> in a dense layer's <c>Dot</c>, which would otherwise
    /// keep the whole forward loop alive in the Pullback).
    /// </summary>
    private static bool HasEffects(IrExpr expr) => IrWalker.DescendantsAndSelf(expr).Any(e => e is OpaqueCall opaque && !IsPureHere(opaque) || e is RuntimeCall || e is Opaque or Pop
        || e is DiffCall call && (call.Tape is not null || call.Callee.Parameters.Any(p => p.IsOutput)));

    // What the caller's forward pass computed without throwing cannot throw here either.
    private static bool IsPureHere(OpaqueCall call) =>
        Ir.IsPureOpaque(call) || call.Known is KnownCall.AsSpan or KnownCall.SpanSlice or KnownCall.ArrayShape or KnownCall.IsFinite;
}
