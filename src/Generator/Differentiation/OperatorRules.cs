using System;
using System.Collections.Generic;
using Backprop.Gen.IR;
using static Backprop.Gen.IR.Ir;

namespace Backprop.Gen.Differentiation;

/// <summary>What an operator's rule reads: its operands, the value it produced where the reverse sweep has it, its type.</summary>
/// <param name="Type">The floating type the operator computes in.</param>
/// <param name="Left">The operand of a unary operator, or the left one.</param>
/// <param name="Right">The right operand; null for a unary operator.</param>
/// <param name="Result">The variable that holds the result, where the statement assigns the operator's value to one.</param>
internal sealed record OperatorInputs(IrType Type, IrExpr Left, IrExpr? Right, IrExpr? Result);

/// <summary>
/// The derivative of an arithmetic operator, for each mode: the contributions to the operands' adjoints given the
/// result's (reverse mode), and the result's tangent given the operands' (forward mode, and so second order). Both are
/// built here, in the association the generated code prints, so that a change of rule is a change of this table alone.
/// </summary>
/// <param name="Symbol">The operator as written.</param>
/// <param name="Derivative">The partials in the docs' notation.</param>
/// <param name="Adjoints">Given the incoming adjoint <c>g</c>, what each operand receives (null: nothing).</param>
/// <param name="Tangent">Given the operands' tangents (null: zero, not both), the result's tangent.</param>
internal sealed record OperatorRule(string Symbol, string Derivative, Func<OperatorInputs, IrExpr, IrExpr?[]> Adjoints,
    Func<OperatorInputs, IrExpr?[], IrExpr?> Tangent);

/// <summary>The arithmetic operators' rules: the other half of the one table, beside <see cref="DerivativeRules"/>.</summary>
internal static class OperatorRules
{
    private static readonly Dictionary<BinaryOp, OperatorRule> Binary = new()
    {
        [BinaryOp.Add] = new("a + b", "∂a: 1; ∂b: 1",
            (_, g) => new[] { g, g },
            (_, t) => Sum(t[0], t[1])),
        [BinaryOp.Subtract] = new("a − b", "∂a: 1; ∂b: −1",
            (_, g) => new[] { g, Neg(g) },
            (_, t) => t[0] is null ? Neg(t[1]!) : t[1] is null ? t[0] : Sub(t[0]!, t[1]!)),
        [BinaryOp.Multiply] = new("a · b", "∂a: b; ∂b: a (and 2a for a · a)",
            (x, g) => x.Left.Equals(x.Right)
                ? new IrExpr?[] { Mul(Mul(Const(g.Type, 2), g), x.Left), null } // d(x·x) = 2x dx
                : new IrExpr?[] { Mul(g, x.Right!), Mul(g, x.Left) },
            (x, t) => Sum(t[0] is null ? null : Mul(t[0]!, x.Right!), t[1] is null ? null : Mul(x.Left, t[1]!))),
        [BinaryOp.Divide] = new("a / b", "∂a: 1 / b; ∂b: −(a / b) / b",
            (x, g) => new IrExpr?[]
            {
                Div(g, x.Right!),
                x.Result is null ? Neg(Div(Mul(g, x.Left), Mul(x.Right!, x.Right!))) : Neg(Div(Mul(g, x.Result), x.Right!)),
            },
            (x, t) => Sum(t[0] is null ? null : Div(t[0]!, x.Right!),
                t[1] is null ? null : Neg(Div(Mul(x.Left, t[1]!), Mul(x.Right!, x.Right!))))),
        [BinaryOp.Remainder] = new("a % b", "∂a: 1; ∂b: −trunc(a / b) (a % b = a − trunc(a / b)·b)",
            (x, g) => new IrExpr?[] { g, Neg(Mul(g, Call(x.Type, "Truncate", Div(x.Left, x.Right!)))) },
            (x, t) => Sum(t[0], t[1] is null ? null : Neg(Mul(t[1]!, Call(x.Type, "Truncate", Div(x.Left, x.Right!)))))),
    };

    private static readonly OperatorRule Negation = new("−a", "−1", (_, g) => new[] { Neg(g) }, (_, t) => Neg(t[0]!));

    private static readonly OperatorRule Identity = new("+a", "1", (_, g) => new[] { g }, (_, t) => t[0]);

    /// <summary>The rule of a binary operator on floating values, or null for a comparison or a logical operator.</summary>
    public static OperatorRule? Of(BinaryOp op) => Binary.TryGetValue(op, out OperatorRule? rule) ? rule : null;

    /// <summary>The rule of a unary operator on floating values (<c>−a</c>; <c>+a</c> passes its derivative on).</summary>
    public static OperatorRule Of(UnaryOp op) => op == UnaryOp.Negate ? Negation : Identity;

    /// <summary>Every operator rule, for the docs.</summary>
    public static IEnumerable<OperatorRule> All => new[]
    {
        Binary[BinaryOp.Add], Binary[BinaryOp.Subtract], Binary[BinaryOp.Multiply], Binary[BinaryOp.Divide], Binary[BinaryOp.Remainder], Negation,
    };

    private static IrExpr? Sum(IrExpr? a, IrExpr? b) => a is null ? b : b is null ? a : Add(a, b);
}
