using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// Pooled local arrays. A layer chain allocates its intermediate arrays (<c>double[] h = new double[n];</c>) on every
/// call; inside the Backward such an array lives exactly as long as the call, so when it cannot escape (it is only
/// indexed, measured and passed to [Differentiable] calls) it is rented zeroed, at its exact length, from
/// the runtime's pool (<c>Buffers</c>) and returned in the <c>finally</c> block. A training loop's Backward then allocates nothing for
/// them. The primal is left as the user wrote it.
/// </summary>
internal static class PooledLocals
{
    /// <summary>
    /// The local arrays the forward sweep allocates once, at the top level, and that no other variable can refer to (they
    /// do not escape, see <see cref="Escapes"/>): a kernel writing one cannot be reading it through another name.
    /// </summary>
    public static HashSet<string> Unaliased(BackwardBody body)
    {
        var everything = IrWalker.AllStatements(body.Sections).ToList();
        return new HashSet<string>(body.Forward.OfType<Declare>()
            .Where(d => d.Initializer is NewArray { Type.Rank: 1, Sizes.Count: 1 } && d.Variable.Type.Rank == 1 && !Escapes(d, everything))
            .Select(d => d.Variable.Name));
    }

    /// <summary><paramref name="body"/>, with every eligible top-level local array rented from the pool instead of allocated.</summary>
    public static BackwardBody Apply(BackwardBody body) => PoolLoopArrays(PoolTopLevel(body));

    private static BackwardBody PoolTopLevel(BackwardBody body)
    {
        var candidates = body.Forward.OfType<Declare>()
            .Where(d => d.Initializer is NewArray { Type.Rank: 1, Sizes.Count: 1 } && d.Variable.Type.Rank == 1)
            .ToList();
        if (candidates.Count == 0) return body;

        var everything = IrWalker.AllStatements(body.Sections).ToList();
        var pooled = candidates.Where(d => !Escapes(d, everything)).ToList();
        if (pooled.Count == 0) return body;

        BackwardBody result = body.Copy();
        foreach (Declare declaration in pooled)
        {
            IrVar array = declaration.Variable;
            IrExpr length = ((NewArray)declaration.Initializer!).Sizes[0];
            string element = array.Type.ElementName;
            result.Declarations.Add(new Declare(null, array, Ir.EmptyArray(array.Type)));
            result.Forward[result.Forward.IndexOf(declaration)] = new Assign(declaration.Origin, array.Ref,
                new RuntimeCall(array.Type, RuntimeOp.RentZeroed, Ir.Array(length)));
            result.Finally.Add(new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.Return, Ir.Array<IrExpr>(array.Ref))));
        }

        return result;
    }

    /// <summary>
    /// Arrays allocated anew in a loop (<c>double[] minor = new double[m * m];</c> once per column) whose old value the
    /// forward sweep pushes before each allocation and the reverse sweep pops back: each is rented from the pool, and
    /// given back where the reverse sweep is done with it, just before the pop that brings back the one before. The
    /// primal allocates them all; the Backward (a recursion's tape especially) then reuses a handful.
    /// </summary>
    private static BackwardBody PoolLoopArrays(BackwardBody body)
    {
        List<IrStmt> forward = IrWalker.AllStatements(body.Forward).ToList();
        List<IrStmt> reverse = IrWalker.AllStatements(body.Reverse).ToList();
        List<IrStmt> everything = IrWalker.AllStatements(body.Sections).ToList();
        var names = forward.OfType<Assign>()
            .Where(a => a is { Target: VarRef { Type.Rank: 1 }, Value: NewArray { Type.Rank: 1, Sizes.Count: 1 } })
            .Select(a => ((VarRef)a.Target).Name).Distinct().ToList();
        // Only arrays the sweeps save and restore: each allocation then has the pop that ends its use.
        var pooled = new HashSet<string>(names.Where(name => forward.Any(s => s is Push { Value: VarRef v } && v.Name == name)
            && IsLoopArray(name, forward, reverse, everything)));
        if (pooled.Count == 0) return body;

        BackwardBody result = body.Copy();
        Rewrite(result.Forward, s => s is Assign { Target: VarRef v, Value: NewArray array } a && pooled.Contains(v.Name)
            ? new IrStmt[] { a with { Value = new RuntimeCall(v.Type, RuntimeOp.RentZeroed, Ir.Array(array.Sizes[0])) } }
            : null);
        Rewrite(result.Reverse, s => s is Assign { Target: VarRef v, Value: Pop } a && pooled.Contains(v.Name)
            ? new IrStmt[] { new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.Return, Ir.Array<IrExpr>(v))), a }
            : null);
        return result;
    }

    /// <summary>
    /// Whether every value the variable holds is one of its own allocations, saved and restored by the sweeps: it is
    /// declared without an array, assigned only new arrays forward and popped values backward, pushed only to be
    /// saved, and otherwise only indexed, measured or passed to calls.
    /// </summary>
    private static bool IsLoopArray(string name, List<IrStmt> forwardStatements, List<IrStmt> reverseStatements, List<IrStmt> everything)
    {
        var forward = new HashSet<IrStmt>(forwardStatements, ByReference.Instance);
        var reverse = new HashSet<IrStmt>(reverseStatements, ByReference.Instance);
        foreach (IrStmt stmt in everything)
        {
            switch (stmt)
            {
                case Declare d when d.Variable.Name == name:
                    if (d.Initializer is not (null or Constant)) return false;
                    continue;
                case Assign { Target: VarRef v } a when v.Name == name:
                    bool allowed = forward.Contains(stmt) ? a.Value is NewArray : reverse.Contains(stmt) && a.Value is Pop;
                    if (!allowed || a.Value is NewArray n && n.Sizes.Any(x => Leaks(x, name))) return false;
                    continue;
                case Push { Value: VarRef pushed } when pushed.Name == name:
                    continue;
            }

            if (IrWalker.OwnExpressions(stmt).Any(e => Leaks(e, name))) return false;
        }

        return true;
    }

    /// <summary>Replaces statements, in nested blocks too, where <paramref name="replace"/> gives replacements.</summary>
    private static void Rewrite(List<IrStmt> statements, System.Func<IrStmt, IReadOnlyList<IrStmt>?> replace)
    {
        for (int i = 0; i < statements.Count; i++)
        {
            IrStmt stmt = statements[i] switch
            {
                If branch => branch with { Then = Rewritten(branch.Then, replace), Else = Rewritten(branch.Else, replace) },
                Loop loop => loop with { Body = Rewritten(loop.Body, replace) },
                var other => other,
            };
            if (replace(stmt) is { } replacements)
            {
                statements.RemoveAt(i);
                statements.InsertRange(i, replacements);
                i += replacements.Count - 1;
            }
            else
            {
                statements[i] = stmt;
            }
        }
    }

    private static Block Rewritten(Block block, System.Func<IrStmt, IReadOnlyList<IrStmt>?> replace)
    {
        var statements = block.Statements.ToList();
        Rewrite(statements, replace);
        return new Block(statements.ToEquatableArray());
    }

    /// <summary>Whether the array could outlive the call: it is assigned again, or used other than by index, length or a [Differentiable] call.</summary>
    public static bool Escapes(Declare declaration, List<IrStmt> statements)
    {
        string name = declaration.Variable.Name;
        foreach (IrStmt stmt in statements)
        {
            if (stmt is Declare d && d.Variable.Name == name && !ReferenceEquals(d, declaration)) return true;
            if (stmt is Assign { Target: VarRef v } && v.Name == name) return true;
            if (stmt is Push push && Leaks(push.Value, name)) return true;
            foreach (IrExpr expr in IrWalker.OwnExpressions(stmt))
            {
                if (Leaks(expr, name)) return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="expr"/> mentions the array anywhere but an allowed position.</summary>
    private static bool Leaks(IrExpr expr, string name)
    {
        switch (expr)
        {
            case VarRef v:
                return v.Name == name;
            case ElementAt { Array: VarRef } element:
                return element.Indices.Any(i => Leaks(i, name));
            case Member { Receiver: VarRef, Name: "Length" or "IsEmpty" }:
                return false;
            case DiffCall call:
                return call.Receiver is not null && Leaks(call.Receiver, name) || call.Arguments.Any(a => IrWalker.PassedArray(a)?.Name != name && Leaks(a, name));
            case RuntimeCall { Op: RuntimeOp.AddScaled or RuntimeOp.AddScaledExactly or RuntimeOp.Dot or RuntimeOp.StackPushRange or RuntimeOp.StackPopRange } kernel:
                // Reads and writes elements only, within the call (a row saved on a stack is a copy of its values).
                return kernel.Arguments.Any(a => a is not VarRef && Leaks(a, name));
            case BackwardCall backward:
                return Leaks(backward.Call, name) || backward.Gradients is not null && Leaks(backward.Gradients, name)
                    || backward.Adjoints.Any(a => Leaks(a, name)) || backward.Seed is not null && Leaks(backward.Seed, name);
            default:
                return IrWalker.Children(expr).Any(c => Leaks(c, name));
        }
    }

    private static bool Uses(IrExpr expr, string name) => IrWalker.Reads(expr).Contains(name);

    /// <summary>Statements told apart by identity: equal records at two places are two statements.</summary>
    private sealed class ByReference : IEqualityComparer<IrStmt>
    {
        public static readonly ByReference Instance = new();

        public bool Equals(IrStmt? x, IrStmt? y) => ReferenceEquals(x, y);

        public int GetHashCode(IrStmt obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
    }
}
