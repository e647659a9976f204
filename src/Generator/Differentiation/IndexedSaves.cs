using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// Saves indexed by the loop counter. A stack that one top-level counted loop pushes once per iteration, and whose
/// reverse pops it once per iteration, is the same as an array indexed by the counter: <c>_saved_h[t] = h;</c> forward,
/// <c>h = _saved_h[t];</c> back. That is how a person keeps an RNN's states, and it is cheaper than a stack: no count
/// to keep in memory, and the JIT sees plain array accesses. Only the Backward and the Pullback use it; the
/// Hessian-vector product keeps its stacks.
/// </summary>
internal static class IndexedSaves
{
    /// <summary>A copy of <paramref name="body"/> with every eligible stack turned into a counter-indexed pooled array.</summary>
    public static BackwardBody Apply(BackwardBody body)
    {
        BackwardBody result = body.Copy();

        foreach (Declare declaration in body.Declarations.OfType<Declare>())
        {
            if (ElementOf(declaration) is { } element) Index(result, declaration, element);
        }

        return result;
    }

    /// <summary>The element type of a pooled stack's declaration, for the element types a save can have.</summary>
    private static IrType? ElementOf(Declare declaration) =>
        declaration.Variable.Type.StackElement is { IsScalar: true, Element: ElementKind.Double or ElementKind.Float or ElementKind.Int or ElementKind.Bool } element
            ? element
            : null;

    private static void Index(BackwardBody body, Declare declaration, IrType element)
    {
        string stack = declaration.Variable.Name;
        if (Count(body.Forward, s => s is Push p && p.Stack == stack) != 1) return;
        if (Pops(body.Reverse.Concat(body.Epilogue).Concat(body.Finally), stack) != 1) return;

        // Forward: one top-level counted loop pushes once, directly in its body, after its Reserve.
        int forwardAt = body.Forward.FindIndex(s => s is Loop l && l.Body.Statements.Any(b => b is Push p && p.Stack == stack));
        if (forwardAt < 0 || body.Forward[forwardAt] is not Loop { IsCounted: true, Condition: null } loop || Index(loop) is not { } index) return;
        int reserveAt = body.Forward.FindLastIndex(forwardAt, s => IsReserve(s, stack));
        if (reserveAt < 0 || body.Forward.Skip(reserveAt + 1).Take(forwardAt - reserveAt - 1).Any(s => !IsReserve(s, null))) return;

        // Reverse: the top-level loop over the same counter pops once, directly in its body.
        int reverseAt = body.Reverse.FindIndex(s => s is Loop { IsCounted: true } r && r.Counter!.Name == loop.Counter!.Name
            && r.Body.Statements.Any(b => b is not (If or Loop) && IrWalker.OwnExpressions(b).Any(e => Pops(e, stack) > 0)));
        if (reverseAt < 0) return;

        var array = new IrVar(stack, IrType.ArrayOf(element, 1));
        IrExpr trips = ((RuntimeCall)((Evaluate)body.Forward[reserveAt]).Expression).Arguments[0];
        body.Forward[reserveAt] = new Assign(null, array.Ref,
            new RuntimeCall(array.Type, RuntimeOp.SaveRent, Ir.Array(trips)));
        var slot = new ElementAt(element, array.Ref, Ir.Array(index));
        body.Forward[forwardAt] = loop with
        {
            Body = new Block(loop.Body.Statements.Select(s => s is Push p && p.Stack == stack ? new Assign(null, slot, p.Value) : s).ToEquatableArray()),
        };

        var reversed = (Loop)body.Reverse[reverseAt];
        body.Reverse[reverseAt] = reversed with
        {
            Body = new Block(reversed.Body.Statements.Select(s => s is If or Loop ? s
                : IrWalker.MapExpressions(s, e => IrWalker.Rewrite(e, x => x is Pop p && p.Stack == stack ? slot : null))).ToEquatableArray()),
        };

        int declared = body.Declarations.IndexOf(declaration);
        body.Declarations[declared] = new Declare(null, array, Ir.EmptyArray(array.Type));
        int disposed = body.Finally.FindIndex(s => s is Evaluate { Expression: RuntimeCall { Op: RuntimeOp.StackDispose, Receiver: VarRef v } } && v.Name == stack);
        body.Finally[disposed] = new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.SaveReturn, Ir.Array<IrExpr>(array.Ref)));
    }

    /// <summary>The slot of the current iteration: the counter's distance from the loop's constant first (or last) value.</summary>
    private static IrExpr? Index(Loop loop)
    {
        IrExpr counter = loop.Counter!.Ref;
        IrExpr? origin = loop.Descending ? (loop.Inclusive ? loop.Bound : null) : loop.Start;
        if (origin is not Constant { Type.IsIntegral: true } constant) return null;
        return constant.Value == 0 ? counter : new Binary(IrType.Int, BinaryOp.Subtract, counter, constant);
    }

    private static bool IsReserve(IrStmt stmt, string? stack) =>
        stmt is Evaluate { Expression: RuntimeCall { Op: RuntimeOp.StackReserve, Receiver: VarRef v } } && (stack is null || v.Name == stack);

    private static int Count(IEnumerable<IrStmt> statements, System.Func<IrStmt, bool> match) =>
        statements.Sum(s => IrWalker.AllStatements(new Block(Ir.Array(s))).Count(match));

    private static int Pops(IEnumerable<IrStmt> statements, string stack) =>
        statements.Sum(s => IrWalker.AllStatements(new Block(Ir.Array(s))).Sum(inner => IrWalker.OwnExpressions(inner).Sum(e => Pops(e, stack))));

    private static int Pops(IrExpr expr, string stack) => IrWalker.DescendantsAndSelf(expr).Count(e => e is Pop p && p.Stack == stack);
}
