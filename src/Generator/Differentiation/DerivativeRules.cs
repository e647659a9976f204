using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Backprop.Gen.IR;
using static Backprop.Gen.IR.Ir;

namespace Backprop.Gen.Differentiation;

/// <summary>What a rule may read: the call's arguments, its result, and the floating type it works in.</summary>
internal sealed class RuleInputs
{
    private readonly IrExpr[] _arguments;
    private readonly IrExpr? _result;

    public RuleInputs(IrType type, IrExpr[] arguments, IrExpr? result)
    {
        Type = type;
        _arguments = arguments;
        _result = result;
    }

    public IrType Type { get; }

    public IrExpr this[int index] => _arguments[index];

    /// <summary>The primal result, for rules that reuse it (exp, tanh, sqrt).</summary>
    public IrExpr Result => _result ?? throw new InvalidOperationException("this rule needs its result");

    public IrExpr C(double value) => Const(Type, value);

    public IrExpr F(string function, params IrExpr[] args) => Call(Type, function, args);
}

/// <summary>
/// The derivative of one primitive: for each argument, its partial derivative as IR, built from the arguments and,
/// where that is cheaper, the result. A null partial means zero.
/// </summary>
/// <param name="Name">The function's name, as in <c>Math.Name</c>.</param>
/// <param name="Arity">The number of floating arguments.</param>
/// <param name="Derivative">The partials in the docs' notation.</param>
/// <param name="Convention">What is taken at kinks and ties, if anything special.</param>
/// <param name="Partials">Builds the partials, or null when the derivative is zero everywhere.</param>
internal sealed record DerivativeRule(string Name, int Arity, string Derivative, string? Convention, Func<RuleInputs, IrExpr?[]>? Partials)
{
    public bool IsZero => Partials is null;

    /// <summary>
    /// Whether a partial reads the result, so the reverse sweep needs it kept: found by building the partials once
    /// over placeholder arguments and looking for the result in them, never kept by hand.
    /// </summary>
    public bool UsesResult { get; } = Partials is not null && ReadsResult(Partials);

    private static bool ReadsResult(Func<RuleInputs, IrExpr?[]> partials)
    {
        IrExpr[] arguments = { new VarRef(IrType.Double, "a"), new VarRef(IrType.Double, "b"), new VarRef(IrType.Double, "c") };
        return partials(new RuleInputs(IrType.Double, arguments, new RuleResult(IrType.Double)))
            .Any(partial => partial is not null && IrWalker.DescendantsAndSelf(partial).Any(e => e is RuleResult));
    }
}

/// <summary>
/// The one table of derivative rules of the math functions. Reverse mode, forward mode (and so second order) and the
/// docs' table of supported functions all read it. Rules reuse the primal result where they can: d exp(x) = exp(x), d tanh(x) = 1 − tanh²(x),
/// d sqrt(x) = 1 / (2 sqrt(x)).
/// </summary>
internal static class DerivativeRules
{
    private const double Ln2 = 0.69314718055994530942;
    private const double Ln10 = 2.30258509299404568402;

    public static ImmutableArray<DerivativeRule> All { get; } = ImmutableArray.Create(
        Rule("Exp", 1, "exp(x)", r => new[] { r.Result }),
        Rule("Exp2", 1, "2^x · ln 2", r => new[] { Mul(r.Result, r.C(Ln2)) }),
        Rule("Exp10", 1, "10^x · ln 10", r => new[] { Mul(r.Result, r.C(Ln10)) }),
        Rule("Log", 1, "1 / x", r => new[] { Div(r.C(1), r[0]) }),
        Rule("Log", 2, "∂x: 1 / (x ln b); ∂b: −log_b(x) / (b ln b)", r => new[]
        {
            Div(r.C(1), Mul(r[0], r.F("Log", r[1]))),
            Neg(Div(r.Result, Mul(r[1], r.F("Log", r[1])))),
        }),
        Rule("Log10", 1, "1 / (x ln 10)", r => new[] { Div(r.C(1), Mul(r[0], r.C(Ln10))) }),
        Rule("Log2", 1, "1 / (x ln 2)", r => new[] { Div(r.C(1), Mul(r[0], r.C(Ln2))) }),
        Rule("Pow", 2, "∂x: y·x^(y−1); ∂y: x^y · ln x",
            "∂x of Pow(x, 0) is 0; ∂y is 0 where x == 0 (as PyTorch and JAX)", PowPartials),
        Rule("Sqrt", 1, "1 / (2 sqrt(x))", "+∞ at 0 (IEEE)", r => new[] { Div(r.C(0.5), r.Result) }),
        Rule("Cbrt", 1, "1 / (3 cbrt(x)²)", "+∞ at 0 (IEEE)", r => new[] { Div(r.C(1), Mul(r.C(3), Square(r.Result))) }),
        Rule("Sin", 1, "cos(x)", r => new[] { r.F("Cos", r[0]) }),
        Rule("Cos", 1, "−sin(x)", r => new[] { Neg(r.F("Sin", r[0])) }),
        Rule("Tan", 1, "1 + tan²(x)", r => new[] { Add(r.C(1), Square(r.Result)) }),
        Rule("Asin", 1, "1 / sqrt(1 − x²)", r => new[] { Div(r.C(1), r.F("Sqrt", Sub(r.C(1), Square(r[0])))) }),
        Rule("Acos", 1, "−1 / sqrt(1 − x²)", r => new[] { Neg(Div(r.C(1), r.F("Sqrt", Sub(r.C(1), Square(r[0]))))) }),
        Rule("Atan", 1, "1 / (1 + x²)", r => new[] { Div(r.C(1), Add(r.C(1), Square(r[0]))) }),
        Rule("Atan2", 2, "∂y: x / (x² + y²); ∂x: −y / (x² + y²)", r => new[]
        {
            Div(r[1], Add(Square(r[1]), Square(r[0]))),
            Neg(Div(r[0], Add(Square(r[1]), Square(r[0])))),
        }),
        Rule("Hypot", 2, "∂x: x / hypot(x, y); ∂y: y / hypot(x, y)", "0 at (0, 0)", r => new[]
        {
            Cond(Compare(BinaryOp.Equal, r.Result, r.C(0)), r.C(0), Div(r[0], r.Result)),
            Cond(Compare(BinaryOp.Equal, r.Result, r.C(0)), r.C(0), Div(r[1], r.Result)),
        }),
        Rule("Sinh", 1, "cosh(x)", r => new[] { r.F("Cosh", r[0]) }),
        Rule("Cosh", 1, "sinh(x)", r => new[] { r.F("Sinh", r[0]) }),
        Rule("Tanh", 1, "1 − tanh²(x)", r => new[] { Sub(r.C(1), Square(r.Result)) }),
        Rule("Asinh", 1, "1 / sqrt(x² + 1)", r => new[] { Div(r.C(1), r.F("Sqrt", Add(Square(r[0]), r.C(1)))) }),
        Rule("Acosh", 1, "1 / sqrt(x² − 1)", r => new[] { Div(r.C(1), r.F("Sqrt", Sub(Square(r[0]), r.C(1)))) }),
        Rule("Atanh", 1, "1 / (1 − x²)", r => new[] { Div(r.C(1), Sub(r.C(1), Square(r[0]))) }),
        Rule("Abs", 1, "sign(x)", "0 at x == 0", r => new[]
        {
            Cond(Compare(BinaryOp.Greater, r[0], r.C(0)), r.C(1), Cond(Compare(BinaryOp.Less, r[0], r.C(0)), r.C(-1), r.C(0))),
        }),
        Rule("Max", 2, "1 for the larger argument, 0 for the other", "a tie splits the gradient evenly (½ each)", r => new[]
        {
            Cond(Compare(BinaryOp.Greater, r[0], r[1]), r.C(1), Cond(Compare(BinaryOp.Less, r[0], r[1]), r.C(0), r.C(0.5))),
            Cond(Compare(BinaryOp.Less, r[0], r[1]), r.C(1), Cond(Compare(BinaryOp.Greater, r[0], r[1]), r.C(0), r.C(0.5))),
        }),
        Rule("Min", 2, "1 for the smaller argument, 0 for the other", "a tie splits the gradient evenly (½ each)", r => new[]
        {
            Cond(Compare(BinaryOp.Less, r[0], r[1]), r.C(1), Cond(Compare(BinaryOp.Greater, r[0], r[1]), r.C(0), r.C(0.5))),
            Cond(Compare(BinaryOp.Greater, r[0], r[1]), r.C(1), Cond(Compare(BinaryOp.Less, r[0], r[1]), r.C(0), r.C(0.5))),
        }),
        Rule("Clamp", 3, "∂x: 1 where lo ≤ x ≤ hi; ∂lo: 1 where x < lo; ∂hi: 1 where x > hi",
            "the gradient goes to x where lo ≤ x ≤ hi, else to the bound that was taken", r => new[]
        {
            Cond(Compare(BinaryOp.ConditionalAnd, Compare(BinaryOp.GreaterOrEqual, r[0], r[1]), Compare(BinaryOp.LessOrEqual, r[0], r[2])), r.C(1), r.C(0)),
            Cond(Compare(BinaryOp.Less, r[0], r[1]), r.C(1), r.C(0)),
            Cond(Compare(BinaryOp.ConditionalAnd, Compare(BinaryOp.Greater, r[0], r[2]), Compare(BinaryOp.GreaterOrEqual, r[0], r[1])), r.C(1), r.C(0)),
        }),
        Rule("FusedMultiplyAdd", 3, "∂a: b; ∂b: a; ∂c: 1", r => new[] { r[1], r[0], r.C(1) }),
        Rule("MaxMagnitude", 2, "1 for the argument of larger magnitude, 0 for the other", "a tie splits the gradient evenly (½ each)",
            r => MagnitudePartials(r, BinaryOp.Greater, BinaryOp.Less)),
        Rule("MinMagnitude", 2, "1 for the argument of smaller magnitude, 0 for the other", "a tie splits the gradient evenly (½ each)",
            r => MagnitudePartials(r, BinaryOp.Less, BinaryOp.Greater)),
        Rule("CopySign", 2, "∂a: sign(a)·sign(b); ∂b: 0", "0 at a == 0", r => new[]
        {
            Cond(Compare(BinaryOp.Equal, r[0], r.C(0)), r.C(0), Div(r.Result, r[0])),
            null,
        }),
        Rule("IEEERemainder", 2, "∂a: 1; ∂b: −round(a / b)", "piecewise: the jumps where round(a / b) changes are not differentiated",
            r => new[] { r.C(1), Neg(r.F("Round", Div(r[0], r[1]))) }),
        Rule("ReciprocalEstimate", 1, "−1 / x² (of the exact reciprocal)", r => new[] { Neg(Div(r.C(1), Square(r[0]))) }),
        Rule("ReciprocalSqrtEstimate", 1, "−1 / (2 x sqrt(x)) (of the exact reciprocal square root)",
            r => new[] { Neg(Div(r.C(0.5), Mul(r[0], r.F("Sqrt", r[0])))) }),
        Rule("ScaleB", 1, "∂x: 2ⁿ (n, an int, has none)", r => new[] { r.F("ScaleB", r.C(1), r[1]), null }),
        Rule("BitIncrement", 1, "1", "the next representable value: the identity's derivative", r => new[] { r.C(1) }),
        Rule("BitDecrement", 1, "1", "the previous representable value: the identity's derivative", r => new[] { r.C(1) }),
        Zero("Floor"),
        Zero("Ceiling"),
        Zero("Round"),
        Zero("Truncate"),
        Zero("Sign"),
        new DerivativeRule("Stop", 1, "0", "`Backprop.Gradient.Stop(x)`: the value passes, its derivative is 0 (JAX's stop_gradient)", null),
        Rule(SigmoidPattern, 1, "σ(x)·(1 − σ(x))", "recognised in code written as 1 / (1 + Exp(-x))",
            r => new[] { Mul(r.Result, Sub(r.C(1), r.Result)) }));

    /// <summary>The name under which the sigmoid pattern <c>1 / (1 + Exp(-x))</c> is differentiated as one primitive.</summary>
    public const string SigmoidPattern = "Sigmoid";

    /// <summary>
    /// Whether <paramref name="b"/> is the sigmoid written out, <c>1 / (1 + Exp(-x))</c> (either order of the sum), which
    /// is differentiated as one primitive (<see cref="SigmoidPattern"/>) so that its derivative reuses the result:
    /// <paramref name="x"/> is the argument, and <paramref name="rebuild"/> gives the expression again over another one.
    /// </summary>
    public static bool IsSigmoid(Binary b, out IrExpr? x, out Func<IrExpr, IrExpr>? rebuild)
    {
        x = null;
        rebuild = null;
        if (b.Op != BinaryOp.Divide || !IsOne(b.Left) || b.Right is not Binary { Op: BinaryOp.Add } sum) return false;
        if (IsOne(sum.Left) && IsExpOfNegation(sum.Right, out MathCall? exp, out Unary? negation))
        {
            x = negation!.Operand;
            rebuild = arg => b with { Right = sum with { Right = exp! with { Arguments = Array<IrExpr>(negation with { Operand = arg }) } } };
            return true;
        }

        if (IsOne(sum.Right) && IsExpOfNegation(sum.Left, out exp, out negation))
        {
            x = negation!.Operand;
            rebuild = arg => b with { Right = sum with { Left = exp! with { Arguments = Array<IrExpr>(negation with { Operand = arg }) } } };
            return true;
        }

        return false;
    }

    private static bool IsOne(IrExpr e) => e is Constant { Value: 1 } || e is Cast { Operand: Constant { Value: 1 } };

    private static bool IsExpOfNegation(IrExpr e, out MathCall? exp, out Unary? negation)
    {
        exp = e as MathCall;
        negation = exp is { Function: "Exp", Arguments.Count: 1 } ? exp.Arguments[0] as Unary : null;
        return negation is { Op: UnaryOp.Negate };
    }

    private static readonly Dictionary<(string, int), DerivativeRule> Index = All.ToDictionary(r => (r.Name, r.Arity));

    private static readonly HashSet<string> ZeroNames = new(All.Where(r => r.IsZero).Select(r => r.Name));

    /// <summary>Finds the rule for <c>Math.name</c> with <paramref name="arity"/> floating arguments.</summary>
    public static bool TryGet(string name, int arity, out DerivativeRule rule)
    {
        if (ZeroNames.Contains(name))
        {
            rule = Index.TryGetValue((name, 1), out DerivativeRule? zero) ? zero : Index[(name, 1)];
            return true;
        }

        return Index.TryGetValue((name, arity), out rule!);
    }

    /// <summary>Max/MinMagnitude: the gradient goes to the argument whose magnitude was chosen; a tie splits it.</summary>
    private static IrExpr?[] MagnitudePartials(RuleInputs r, BinaryOp wins, BinaryOp loses)
    {
        IrExpr a = r.F("Abs", r[0]), b = r.F("Abs", r[1]);
        return new[]
        {
            Cond(Compare(wins, a, b), r.C(1), Cond(Compare(loses, a, b), r.C(0), r.C(0.5))),
            Cond(Compare(loses, a, b), r.C(1), Cond(Compare(wins, a, b), r.C(0), r.C(0.5))),
        };
    }

    private static IrExpr?[] PowPartials(RuleInputs r)
    {
        IrExpr x = r[0];
        IrExpr y = r[1];
        IrExpr dx = y is Constant c
            ? c.Value switch
            {
                0 => r.C(0),
                1 => r.C(1),
                2 => Mul(r.C(2), x),
                _ => Mul(r.C(c.Value), r.F("Pow", x, r.C(c.Value - 1))),
            }
            : Cond(Compare(BinaryOp.Equal, y, r.C(0)), r.C(0), Mul(y, r.F("Pow", x, Sub(y, r.C(1)))));
        IrExpr dy = Cond(Compare(BinaryOp.Equal, x, r.C(0)), r.C(0), Mul(r.Result, r.F("Log", x)));
        return new[] { dx, dy };
    }

    private static DerivativeRule Rule(string name, int arity, string derivative, Func<RuleInputs, IrExpr?[]> partials) =>
        new(name, arity, derivative, null, partials);

    private static DerivativeRule Rule(string name, int arity, string derivative, string convention, Func<RuleInputs, IrExpr?[]> partials) =>
        new(name, arity, derivative, convention, partials);

    private static DerivativeRule Zero(string name) => new(name, 1, "0", "piecewise constant: the derivative is taken as 0 everywhere", null);
}
