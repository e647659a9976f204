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
    /// <summary><paramref name="body"/>, with every eligible top-level local array rented from the pool instead of allocated.</summary>
    public static BackwardBody Apply(BackwardBody body)
    {
        var candidates = body.Forward.OfType<Declare>()
            .Where(d => d.Initializer is NewArray { Type.Rank: 1, Sizes.Count: 1 } && d.Variable.Type.Rank == 1)
            .ToList();
        if (candidates.Count == 0) return body;

        var everything = body.Validation.Concat(body.Declarations).Concat(body.Forward).Concat(body.Reverse).Concat(body.Epilogue).Concat(body.Finally)
            .SelectMany(s => IrWalker.AllStatements(new Block(Ir.Array(s)))).ToList();
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

    /// <summary>Whether the array could outlive the call: it is assigned again, or used other than by index, length or a [Differentiable] call.</summary>
    private static bool Escapes(Declare declaration, List<IrStmt> statements)
    {
        string name = declaration.Variable.Name;
        foreach (IrStmt stmt in statements)
        {
            if (stmt is Declare d && d.Variable.Name == name && !ReferenceEquals(d, declaration)) return true;
            if (stmt is Assign { Target: VarRef v } && v.Name == name) return true;
            if (stmt is Push push && Uses(push.Value, name)) return true;
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
            case RuntimeCall { Op: RuntimeOp.AddScaled } kernel:
                // Reads and writes elements only, within the call.
                return kernel.Arguments.Any(a => a is not VarRef && Leaks(a, name));
            case BackwardCall backward:
                return Leaks(backward.Call, name) || backward.Gradients is not null && Leaks(backward.Gradients, name)
                    || backward.Adjoints.Any(a => Leaks(a, name)) || backward.Seed is not null && Leaks(backward.Seed, name);
            default:
                return IrWalker.Children(expr).Any(c => Leaks(c, name));
        }
    }

    private static bool Uses(IrExpr expr, string name) => IrWalker.Reads(expr).Contains(name);
}
