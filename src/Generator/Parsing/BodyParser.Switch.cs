using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.Diagnostics;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Backprop.Gen.Parsing;

// switch statements and switch expressions, lowered to the if/else chains and conditionals the rest of the generator
// knows: the arm taken is then recorded like any branch and replayed in the reverse sweep.
internal sealed partial class BodyParser
{
    /// <summary>The breaks that close switch sections: they end the section's branch, and say nothing more.</summary>
    private readonly HashSet<IOperation> _closingBreaks = new();

    /// <summary>
    /// <c>switch (v) { case 1: case 2: A; break; case &lt; 0: B; break; default: C; break; }</c> becomes
    /// <c>if (v == 1 || v == 2) { A } else if (v &lt; 0) { B } else { C }</c>: C# tests every label before the default,
    /// and no section falls through, so the chain is exact. A value that is not a plain variable is read once, into a
    /// local. Each section's closing <c>break</c> goes; one anywhere else is an error.
    /// </summary>
    private void SwitchStatement(ISwitchOperation switchOperation, List<IrStmt> into)
    {
        if (SwitchBreakInside(switchOperation) is { } inner)
        {
            Report(DiagnosticDescriptors.UnsupportedStatement, inner.Syntax, "break inside a switch section",
                "end each section with its one break (or return), and use if/else inside the section");
            return;
        }

        IrExpr value = SwitchValue(switchOperation.Value, into);
        ISwitchCaseOperation? fallback = switchOperation.Cases.FirstOrDefault(c => c.Clauses.Any(l => l is IDefaultCaseClauseOperation));
        Block chain = fallback is null ? Gen.IR.Block.Empty : SectionBody(fallback, switchOperation);
        foreach (ISwitchCaseOperation section in switchOperation.Cases.Where(c => c != fallback).Reverse())
        {
            IrExpr? condition = null;
            foreach (ICaseClauseOperation clause in section.Clauses)
            {
                IrExpr? matches = clause switch
                {
                    ISingleValueCaseClauseOperation single => EqualsConstant(value, single.Value),
                    IPatternCaseClauseOperation pattern => Guarded(Matches(pattern.Pattern, value), pattern.Guard),
                    _ => null,
                };
                if (matches is null) return;
                condition = condition is null ? matches : new Binary(IrType.Bool, BinaryOp.ConditionalOr, condition, matches);
            }

            // A switch on a constant: the compiler knows which section runs (and would flag the others as unreachable).
            condition = Fold(condition!);
            if (Ir.False.Equals(condition)) continue;
            string origin = string.Join(" ", section.Clauses.Select(c => Origin(c.Syntax)));
            chain = Ir.True.Equals(condition) ? SectionBody(section, switchOperation)
                : new Block(Ir.Array<IrStmt>(new If(origin, condition, SectionBody(section, switchOperation), chain)));
        }

        into.AddRange(chain.Statements);
    }

    /// <summary>A section's statements without its closing <c>break</c> (also one closing a block: <c>case 0: { …; break; }</c>).</summary>
    private Block SectionBody(ISwitchCaseOperation section, ISwitchOperation switchOperation)
    {
        var statements = new List<IrStmt>();
        if (ClosingBreak(section, switchOperation) is { } closing) _closingBreaks.Add(closing);
        Statements(section.Body, statements);
        return new Block(statements.ToEquatableArray());
    }

    /// <summary>The <c>break</c> that ends a section: its last statement, or the last statement of a block that ends it.</summary>
    private static IBranchOperation? ClosingBreak(ISwitchCaseOperation section, ISwitchOperation switchOperation)
    {
        IOperation? last = section.Body.LastOrDefault();
        while (last is IBlockOperation block) last = block.Operations.LastOrDefault();
        return last is IBranchOperation { BranchKind: BranchKind.Break } closing
            && SymbolEqualityComparer.Default.Equals(closing.Target, switchOperation.ExitLabel) ? closing : null;
    }

    /// <summary>A <c>break</c> out of the switch other than a section's closing one.</summary>
    private static IBranchOperation? SwitchBreakInside(ISwitchOperation switchOperation) =>
        switchOperation.Cases
            .SelectMany(section => section.Body.SelectMany(statement => statement.DescendantsAndSelf())
                .OfType<IBranchOperation>()
                .Where(b => b != ClosingBreak(section, switchOperation)))
            .FirstOrDefault(b => b.BranchKind == BranchKind.Break && SymbolEqualityComparer.Default.Equals(b.Target, switchOperation.ExitLabel));

    /// <summary>
    /// The value a switch tests, read once: a variable or a constant as it is, anything else into a new local
    /// (<c>_switch</c>) declared before the chain.
    /// </summary>
    private IrExpr SwitchValue(IOperation operation, List<IrStmt> into)
    {
        IrExpr value = Expr(operation);
        if (value is VarRef or Constant) return value;
        var local = new IrVar(SynthesizedName("_switch"), value.Type);
        into.Add(new Declare("switch (" + Origin(operation.Syntax) + ")", local, value));
        return local.Ref;
    }

    /// <summary>
    /// A switch expression as the whole value of a declaration, an assignment to a local or a return
    /// (<paramref name="store"/> makes the statement of one arm from its value and the value's text):
    /// <c>double y = k switch { 0 => a, _ => b };</c> becomes <c>double y; if (k == 0) y = a; else y = b;</c>, and
    /// with no catch-all arm the chain ends in the <c>SwitchExpressionException</c> C# would throw. Each arm is then a
    /// branch of its own, so an arm may call other differentiable methods.
    /// </summary>
    private bool TrySwitchStatement(IOperation? value, System.Func<IrExpr, string, IrStmt> store, List<IrStmt> into)
    {
        if (value is not ISwitchExpressionOperation switchExpression || !Contract.TypeOf(switchExpression.Type!).IsFloating) return false;
        var prelude = new List<IrStmt>();
        IrExpr tested = SwitchValue(switchExpression.Value, prelude);
        var arms = new List<(IrExpr? Condition, string Origin, IrExpr Value)>();
        var stores = new List<IrStmt>();
        foreach (ISwitchExpressionArmOperation arm in switchExpression.Arms)
        {
            IrExpr? condition = Guarded(Matches(arm.Pattern, tested), arm.Guard);
            if (condition is null) return true;
            arms.Add((condition, Origin(arm.Pattern.Syntax) + (arm.Guard is null ? "" : " when " + Origin(arm.Guard.Syntax)) + " =>",
                WithoutPrelude(() => Expr(arm.Value))));
            stores.Add(store(arms[arms.Count - 1].Value, Origin(arm.Value.Syntax)));
        }

        FoldArms(arms, stores);
        Block chain = CatchesAll(arms) ? new Block(Ir.Array(stores[stores.Count - 1])) : NoArmMatched(switchExpression, tested);
        int last = CatchesAll(arms) ? arms.Count - 2 : arms.Count - 1;
        for (int i = last; i >= 0; i--)
        {
            chain = new Block(Ir.Array<IrStmt>(new If(arms[i].Origin, arms[i].Condition!, new Block(Ir.Array(stores[i])), chain)));
        }

        into.AddRange(prelude);
        into.AddRange(chain.Statements);
        return true;
    }

    /// <summary>
    /// A switch expression inside a larger expression: a chain of conditionals, <c>k == 0 ? a : k == 1 ? b : c</c>.
    /// It needs a catch-all last arm (<c>_ =&gt;</c>).
    /// </summary>
    private IrExpr SwitchExpression(ISwitchExpressionOperation switchExpression, IrType type)
    {
        // A computed value is read once, into a local, where the statement has a prelude; inside a branch that may
        // not run, each arm's test computes it again (it has no side effects).
        IrExpr tested = MaterializedScalar(Expr(switchExpression.Value), "_switch");

        var arms = new List<(IrExpr? Condition, string Origin, IrExpr Value)>();
        foreach (ISwitchExpressionArmOperation arm in switchExpression.Arms)
        {
            IrExpr? condition = Guarded(Matches(arm.Pattern, tested), arm.Guard);
            if (condition is null) return new Constant(type, "default", 0);
            // A constant test stays in place as true or false (a ?: on a constant, as the compiler sees it, warns of nothing).
            arms.Add((Fold(condition), "", WithoutPrelude(() => Expr(arm.Value))));
        }

        if (!CatchesAll(arms))
        {
            return Unsupported(switchExpression, "A switch expression without a catch-all arm inside a larger expression",
                "end it with a '_ => …' arm, or make the switch the whole value of a local");
        }

        int last = arms.FindLastIndex(a => Ir.True.Equals(a.Condition));
        IrExpr result = arms[last].Value;
        for (int i = last - 1; i >= 0; i--) result = new Conditional(type, arms[i].Condition!, arms[i].Value, result);
        return result;
    }

    /// <summary>
    /// Arms whose test is a constant (a switch on a constant): false ones go, and a true one ends the list as its
    /// catch-all, as the compiler sees them (it would flag what is left as unreachable code).
    /// </summary>
    private static void FoldArms(List<(IrExpr? Condition, string Origin, IrExpr Value)> arms, List<IrStmt>? stores)
    {
        for (int i = 0; i < arms.Count; i++)
        {
            IrExpr folded = Fold(arms[i].Condition!);
            arms[i] = (folded, arms[i].Origin, arms[i].Value);
            if (Ir.False.Equals(folded))
            {
                arms.RemoveAt(i);
                stores?.RemoveAt(i);
                i--;
            }
            else if (Ir.True.Equals(folded))
            {
                arms.RemoveRange(i + 1, arms.Count - i - 1);
                stores?.RemoveRange(i + 1, stores.Count - i - 1);
                return;
            }
        }
    }

    /// <summary>A test of constants folded to true or false (comparisons of numbers, and, or, not); anything else as it is.</summary>
    private static IrExpr Fold(IrExpr condition)
    {
        static bool Number(IrExpr e, out double value)
        {
            value = e is Constant c ? c.Value : 0;
            return e is Constant { Text: not "default" } k && (k.Type.IsFloatingElement || k.Type.IsIntegral);
        }

        switch (condition)
        {
            case Binary { Op: BinaryOp.ConditionalAnd } and:
                IrExpr l = Fold(and.Left), r = Fold(and.Right);
                return Ir.False.Equals(l) || Ir.False.Equals(r) ? Ir.False : Ir.True.Equals(l) ? r : Ir.True.Equals(r) ? l : and with { Left = l, Right = r };
            case Binary { Op: BinaryOp.ConditionalOr } or:
                IrExpr a = Fold(or.Left), b = Fold(or.Right);
                return Ir.True.Equals(a) || Ir.True.Equals(b) ? Ir.True : Ir.False.Equals(a) ? b : Ir.False.Equals(b) ? a : or with { Left = a, Right = b };
            case Unary { Op: UnaryOp.Not } not:
                IrExpr inner = Fold(not.Operand);
                return Ir.True.Equals(inner) ? Ir.False : Ir.False.Equals(inner) ? Ir.True : not with { Operand = inner };
            case Binary compare when Number(compare.Left, out double x) && Number(compare.Right, out double y):
                bool? result = compare.Op switch
                {
                    BinaryOp.Equal => x == y,
                    BinaryOp.NotEqual => x != y,
                    BinaryOp.Less => x < y,
                    BinaryOp.LessOrEqual => x <= y,
                    BinaryOp.Greater => x > y,
                    BinaryOp.GreaterOrEqual => x >= y,
                    _ => null,
                };
                return result is null ? condition : result.Value ? Ir.True : Ir.False;
            default:
                return condition;
        }
    }

    private static bool CatchesAll(List<(IrExpr? Condition, string Origin, IrExpr Value)> arms) =>
        arms.Any(a => Ir.True.Equals(a.Condition));

    /// <summary>The throw C# makes when no arm of a switch expression matches.</summary>
    private static Block NoArmMatched(ISwitchExpressionOperation switchExpression, IrExpr tested) =>
        new(Ir.Array<IrStmt>(new Throw("no arm matched",
            new Opaque(IrType.Void, "new global::System.Runtime.CompilerServices.SwitchExpressionException((object){0})", Ir.Array(tested)))));

    /// <summary><paramref name="matches"/> <c>&amp;&amp;</c> the <c>when</c> clause, if there is one.</summary>
    private IrExpr? Guarded(IrExpr? matches, IOperation? guard) =>
        matches is null || guard is null ? matches
        : Ir.True.Equals(matches) ? Expr(guard)
        : new Binary(IrType.Bool, BinaryOp.ConditionalAnd, matches, WithoutPrelude(() => Expr(guard)));

    /// <summary>
    /// The condition under which <paramref name="value"/> matches a pattern: constant, relational, <c>and</c>, <c>or</c>,
    /// <c>not</c>, parentheses and the discard. Null (and an error reported) for a pattern that declares or tests types.
    /// </summary>
    private IrExpr? Matches(IPatternOperation pattern, IrExpr value)
    {
        switch (pattern)
        {
            case IConstantPatternOperation constant:
                return EqualsConstant(value, constant.Value);
            case IRelationalPatternOperation relational:
                return Ir.Compare(BinaryOperator(relational.OperatorKind), value, Expr(relational.Value));
            case IBinaryPatternOperation binary:
                IrExpr? left = Matches(binary.LeftPattern, value);
                IrExpr? right = left is null ? null : Matches(binary.RightPattern, value);
                if (left is null || right is null) return null;
                return new Binary(IrType.Bool, binary.OperatorKind == BinaryOperatorKind.Or ? BinaryOp.ConditionalOr : BinaryOp.ConditionalAnd, left, right);
            case INegatedPatternOperation negated:
                return Matches(negated.Pattern, value) is { } inner ? Ir.Not(inner) : null;
            case IDiscardPatternOperation:
            case IDeclarationPatternOperation { DeclaredSymbol: null, MatchesNull: true }:
                return Ir.True;
            default:
                Report(DiagnosticDescriptors.UnsupportedExpression, pattern.Syntax, "This pattern",
                    "use constant, relational (<, <=, >, >=), and/or/not patterns and 'when' clauses; test types or declare variables with if/else");
                return null;
        }
    }

    /// <summary>
    /// <c>value == constant</c> as a constant pattern means it: a NaN constant matches NaN (<c>value != value</c>),
    /// and 0.0 matches −0.0 as <c>==</c> does.
    /// </summary>
    private IrExpr EqualsConstant(IrExpr value, IOperation constant)
    {
        if (constant.ConstantValue is { HasValue: true, Value: double d } && double.IsNaN(d)
            || constant.ConstantValue is { HasValue: true, Value: float f } && float.IsNaN(f))
        {
            return Ir.Compare(BinaryOp.NotEqual, value, value);
        }

        return Ir.Compare(BinaryOp.Equal, value, Expr(constant));
    }

    /// <summary>A name for a local the parser introduces, clashing with no parameter, local or member.</summary>
    private string SynthesizedName(string stem)
    {
        string name = stem;
        for (int suffix = 2; _reserved.Contains(name) || _names.Values.Contains(name) || _synthesized.Contains(name); suffix++) name = stem + "_" + suffix;
        _synthesized.Add(name);
        return name;
    }
}
