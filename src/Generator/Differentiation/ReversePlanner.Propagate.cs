using System;
using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using static Backprop.Gen.IR.Ir;

namespace Backprop.Gen.Differentiation;

/// <summary>The planner's propagation of an adjoint through an expression, by the rules tables.</summary>
internal sealed partial class ReversePlanner
{
    private IrExpr NewAdjointTemp(IrExpr value, List<IrStmt> into)
    {
        var temp = new IrVar(_names.Numbered("_g"), value.Type);
        into.Add(new Declare(null, temp, value));
        return temp.Ref;
    }

    private static bool IsSimple(IrExpr e) => e is VarRef or Constant || e is ElementAt { Indices: var indices } && indices.All(i => i is VarRef or Constant);

    /// <summary>Adds <paramref name="g"/>·∂e/∂v to the adjoint of every active variable v in <paramref name="e"/>.</summary>
    private void Propagate(IrExpr e, IrExpr g, List<IrStmt> into, IrExpr? result = null)
    {
        if (!_activity.IsVaried(e) || IsConst(g, 0)) return;
        switch (e)
        {
            case VarRef or ElementAt:
                into.Add(Accumulate(e, g));
                return;
            case Cast c:
                Propagate(c.Operand, ConvertTo(g, c.Operand.Type), into);
                return;
            case Unary u:
                Propagate(u.Operand, OperatorRules.Of(u.Op).Adjoints(new OperatorInputs(u.Type, u.Operand, null, null), g)[0]!, into);
                return;
            case Binary b when OperatorRules.Of(b.Op) is { } rule:
                g = ShareAdjoint(g, b, into);
                IrExpr?[] contributions = rule.Adjoints(new OperatorInputs(b.Type, b.Left, b.Right, result), g);
                if (contributions[0] is { } left) Propagate(b.Left, left, into);
                if (contributions[1] is { } right) Propagate(b.Right, right, into);
                return;
            case Binary:
                return;
            case Conditional c when !IrWalker.DescendantsAndSelf(c.Condition).Any(n => n is VarRef or DiffCall or OpaqueCall or Opaque):
                // A constant condition: an if on it would be flagged as unreachable code, so select the adjoint instead.
                g = ShareAdjoint(g, c, into);
                Propagate(c.WhenTrue, Cond(c.Condition, g, Const(g.Type, 0)), into);
                Propagate(c.WhenFalse, Cond(c.Condition, Const(g.Type, 0), g), into);
                return;
            case Conditional c:
                g = ShareAdjoint(g, c, into);
                var whenTrue = new List<IrStmt>();
                var whenFalse = new List<IrStmt>();
                Propagate(c.WhenTrue, g, whenTrue);
                Propagate(c.WhenFalse, g, whenFalse);
                into.Add(new If(null, c.Condition, new Block(whenTrue.ToEquatableArray()), new Block(whenFalse.ToEquatableArray())));
                return;
            case MathCall or Fused:
                PropagateRule(e, g, result, into, into);
                return;
            default:
                throw new InvalidOperationException("no adjoint for " + e.GetType().Name);
        }
    }

    /// <summary>Materializes an adjoint that several operands share, so it is computed once.</summary>
    private IrExpr ShareAdjoint(IrExpr g, IrExpr node, List<IrStmt> into)
    {
        if (IsSimple(g)) return g;
        var varied = IrWalker.Children(node).Where(_activity.IsVaried).ToList();
        if (node is Conditional || varied.Count > 1 || varied.Any(c => c is not (VarRef or ElementAt or Cast { Operand: VarRef })))
        {
            return NewAdjointTemp(g, into);
        }

        return g;
    }

    /// <summary>
    /// The rule of a table primitive: for each active argument, g·∂f/∂arg. When the result is the statement's target,
    /// contributions that read only the result (not the target's old value) go to <paramref name="beforeRestore"/>,
    /// which runs while the target still holds the result; the rest go to <paramref name="afterRestore"/>.
    /// </summary>
    private void PropagateRule(IrExpr call, IrExpr g, IrExpr? result, List<IrStmt> beforeRestore, List<IrStmt> afterRestore, string? target = null)
    {
        (string name, EquatableArray<IrExpr> arguments) = call switch
        {
            MathCall m => (m.Function, m.Arguments),
            Fused f => (f.Rule, f.Arguments),
            _ => throw new InvalidOperationException(),
        };
        if (!DerivativeRules.TryGet(name, arguments.Count(a => a.Type.IsFloating), out DerivativeRule rule) || rule.Partials is null) return;
        var placeholder = new RuleResult(call.Type);
        var inputs = new RuleInputs(call.Type, arguments.Select(a => a.Type.IsFloating ? ConvertTo(a, call.Type) : a).ToArray(),
            result is null ? null : placeholder);
        IrExpr?[] partials = rule.Partials(inputs);
        int activeArguments = arguments.Count(_activity.IsVaried);
        if (activeArguments > 1) g = IsSimple(g) ? g : NewAdjointTemp(g, beforeRestore);
        IrExpr? resultCopy = null;
        for (int i = 0; i < arguments.Count; i++)
        {
            if (!_activity.IsVaried(arguments[i]) || partials[i] is not { } partial) continue;

            // A partial that also reads the target's old value (through an argument) must wait for the restore,
            // so it reads a copy of the result taken before.
            bool readsOld = target is not null && IrWalker.Reads(partial).Contains(target);
            List<IrStmt> into = readsOld || target is null ? afterRestore : beforeRestore;
            IrExpr resultValue = result ?? placeholder;
            if (readsOld && IrWalker.DescendantsAndSelf(partial).Any(e => e is RuleResult))
            {
                resultCopy ??= NewAdjointTemp(result!, beforeRestore);
                resultValue = resultCopy;
            }

            IrExpr contribution = Mul(g, IrWalker.Rewrite(partial, e => e is RuleResult ? resultValue : null));
            if (arguments[i] is VarRef or ElementAt)
            {
                into.Add(Accumulate(arguments[i], contribution));
            }
            else
            {
                IrExpr local = NewAdjointTemp(contribution, into);
                Propagate(arguments[i], local, afterRestore);
            }
        }
    }
}
