using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Backprop.Gen.Parsing;

/// <summary>
/// Proves that a read of an output's element, written in the source before the statement that stores it, reads an
/// element an earlier iteration of the enclosing loop has stored: forward substitution
/// (<c>for (i…) { double t = x[i]; if (i > 0) t += y[i - 1]; y[i] = t; }</c>), a triangular solve
/// (<c>for (i…) { s = b[i]; for (j = 0; j &lt; i; j++) s -= l[i, j] * y[j]; y[i] = s / l[i, i]; }</c>) and its
/// backward twin. Such a read is no read of the caller's values, so it is not BPG0105.
/// </summary>
/// <remarks>
/// Only what can be shown from the loop's shape counts: a loop <c>for (int i = s; i &lt; …; i++)</c> (or
/// <c>for (int i = X - 1; i &gt;= …; i--)</c>) that never assigns <c>i</c> and stores <c>y[i]</c> in a top-level statement
/// of its body with no break, continue or return before it, so that every earlier iteration stored its element. The read
/// index must then lie among those elements: <c>i - k</c> under a guard such as <c>i &gt; k - 1</c>, or the counter of an
/// inner loop that runs below <c>i</c> (above it, for a loop counting down).
/// </remarks>
internal static class EarlierIterationReads
{
    public static bool Proves(IOperation read, IOperation index, IParameterSymbol output)
    {
        var guards = new List<IOperation>();
        var inner = new List<IForLoopOperation>();
        IOperation child = read;
        for (IOperation? parent = read.Parent; parent is not null; child = parent, parent = parent.Parent)
        {
            switch (parent)
            {
                case IConditionalOperation conditional when ReferenceEquals(child, conditional.WhenTrue):
                    guards.AddRange(Conjuncts(conditional.Condition));
                    break;
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } conjunction when ReferenceEquals(child, conjunction.RightOperand):
                    guards.AddRange(Conjuncts(conjunction.LeftOperand));
                    break;
                case IForLoopOperation loop when ReferenceEquals(child, loop.Body):
                    if (Counted(loop) is { } counted && StoresEachIteration(loop, counted.Counter, output, read)
                        && Covers(counted, Strip(index), guards, inner))
                    {
                        return true;
                    }

                    inner.Add(loop);
                    break;
                case IMethodBodyOperation or ILocalFunctionOperation or IAnonymousFunctionOperation:
                    return false;
            }
        }

        return false;
    }

    /// <summary>A loop counting by one from a start, with a counter its body never assigns.</summary>
    private sealed record CountedLoop(ILocalSymbol Counter, IOperation Start, bool Descending, IForLoopOperation Loop);

    private static CountedLoop? Counted(IForLoopOperation loop)
    {
        if (loop.Before.Length != 1 || loop.AtLoopBottom.Length != 1 || loop.Condition is null) return null;
        if (loop.Before[0] is not IVariableDeclarationGroupOperation { Declarations.Length: 1 } group
            || group.Declarations[0] is not { Declarators.Length: 1 } declaration) return null;
        IVariableDeclaratorOperation declarator = declaration.Declarators[0];
        IOperation? start = (declarator.Initializer ?? declaration.Initializer)?.Value;
        if (start is null || declarator.Symbol.Type.SpecialType is not (SpecialType.System_Int32 or SpecialType.System_Int64)) return null;
        ILocalSymbol counter = declarator.Symbol;
        bool? descending = Strip(loop.AtLoopBottom[0] is IExpressionStatementOperation statement ? statement.Operation : loop.AtLoopBottom[0]) switch
        {
            IIncrementOrDecrementOperation step when IsCounter(step.Target, counter) => step.Kind == OperationKind.Decrement,
            ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Add, Value.ConstantValue: { HasValue: true, Value: 1 } } step
                when IsCounter(step.Target, counter) => false,
            ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Subtract, Value.ConstantValue: { HasValue: true, Value: 1 } } step
                when IsCounter(step.Target, counter) => true,
            _ => null,
        };
        if (descending is null || Assigns(loop.Body, counter)) return null;
        return new CountedLoop(counter, Strip(start), descending.Value, loop);
    }

    /// <summary>
    /// Whether every iteration before the read's stores <c>output[counter]</c>: a top-level statement of the body does,
    /// with no break, continue or return before it, and the read comes before that statement.
    /// </summary>
    private static bool StoresEachIteration(IForLoopOperation loop, ILocalSymbol counter, IParameterSymbol output, IOperation read)
    {
        IEnumerable<IOperation> statements = loop.Body is IBlockOperation block ? block.Operations : new[] { loop.Body };
        foreach (IOperation statement in statements)
        {
            if (statement is IExpressionStatementOperation { Operation: ISimpleAssignmentOperation { Target: var target } }
                && StoredElement(target) is (IParameterReferenceOperation array, var index)
                && SymbolEqualityComparer.Default.Equals(array.Parameter, output) && IsCounter(index, counter))
            {
                return read.Syntax.SpanStart < statement.Syntax.SpanStart;
            }

            if (statement.DescendantsAndSelf().Any(o => o is IBranchOperation or IReturnOperation)) return false;
        }

        return false;
    }

    private static (IOperation Array, IOperation Index)? StoredElement(IOperation target) => target switch
    {
        IArrayElementReferenceOperation { Indices.Length: 1 } element => (element.ArrayReference, element.Indices[0]),
        IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } span, Arguments.Length: 1 } indexer => (span, indexer.Arguments[0].Value),
        _ => null,
    };

    /// <summary>Whether the index lies among the elements the iterations before this one stored.</summary>
    private static bool Covers(CountedLoop loop, IOperation index, List<IOperation> guards, List<IForLoopOperation> inner)
    {
        // y[i - k] (y[i + k] counting down), with a guard that keeps it among the elements stored so far.
        if (Offset(index, loop.Counter) is int offset && (loop.Descending ? offset > 0 : offset < 0))
        {
            return guards.Any(guard => Keeps(guard, loop, offset));
        }

        // y[j] for an inner loop's counter j that stays below i (above i, counting down).
        if (index is ILocalReferenceOperation local)
        {
            foreach (IForLoopOperation candidate in inner)
            {
                if (Counted(candidate) is not { } j || !SymbolEqualityComparer.Default.Equals(j.Counter, local.Local) || j.Descending) continue;
                if (!loop.Descending)
                {
                    // for (j = s'; j < i - k; j++), s' >= s and k >= 0 (or j <= i - k with k >= 1)
                    return Constant(j.Start) is long first && Constant(loop.Start) is long start && first >= start
                        && UpperBound(j.Loop.Condition!, j.Counter) is (var bound, var inclusive)
                        && Offset(bound, loop.Counter) is int k && (inclusive ? k <= -1 : k <= 0);
                }

                // Counting down from X - 1: for (j = i + k; j < X; j++), k >= 1, X the same as the outer start's.
                return Offset(j.Start, loop.Counter) is >= 1 && UpperBound(j.Loop.Condition!, j.Counter) is (var top, false)
                    && MinusOne(loop.Start) is { } outerTop && SameValue(top, outerTop, loop.Loop);
            }
        }

        return false;
    }

    /// <summary>Whether a guard on the counter keeps <c>i + offset</c> among the elements stored before.</summary>
    private static bool Keeps(IOperation guard, CountedLoop loop, int offset)
    {
        if (Strip(guard) is not IBinaryOperation comparison) return false;
        (BinaryOperatorKind kind, IOperation other) = comparison switch
        {
            _ when IsCounter(comparison.LeftOperand, loop.Counter) => (comparison.OperatorKind, comparison.RightOperand),
            _ when IsCounter(comparison.RightOperand, loop.Counter) => (Mirror(comparison.OperatorKind), comparison.LeftOperand),
            _ => (BinaryOperatorKind.None, comparison),
        };
        if (!loop.Descending)
        {
            // i > c or i >= c, so that i + offset >= start.
            if (Constant(other) is not long c || Constant(loop.Start) is not long start) return false;
            return kind switch
            {
                BinaryOperatorKind.GreaterThan => c + 1 + offset >= start,
                BinaryOperatorKind.GreaterThanOrEqual => c + offset >= start,
                _ => false,
            };
        }

        // Counting down from X - 1: i < X - offset (or i + offset < X, read as the guard i < X - offset).
        return kind == BinaryOperatorKind.LessThan && MinusOne(loop.Start) is { } top
            && Strip(other) is IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract } difference
            && Constant(difference.RightOperand) is long k && k >= offset && SameValue(difference.LeftOperand, top, loop.Loop);
    }

    private static BinaryOperatorKind Mirror(BinaryOperatorKind kind) => kind switch
    {
        BinaryOperatorKind.LessThan => BinaryOperatorKind.GreaterThan,
        BinaryOperatorKind.LessThanOrEqual => BinaryOperatorKind.GreaterThanOrEqual,
        BinaryOperatorKind.GreaterThan => BinaryOperatorKind.LessThan,
        BinaryOperatorKind.GreaterThanOrEqual => BinaryOperatorKind.LessThanOrEqual,
        _ => kind,
    };

    /// <summary>For <c>j &lt; b</c> or <c>j &lt;= b</c> (or <c>b &gt; j</c>), the bound and whether it is inclusive.</summary>
    private static (IOperation Bound, bool Inclusive)? UpperBound(IOperation condition, ILocalSymbol counter) => Strip(condition) switch
    {
        IBinaryOperation { OperatorKind: BinaryOperatorKind.LessThan } b when IsCounter(b.LeftOperand, counter) => (Strip(b.RightOperand), false),
        IBinaryOperation { OperatorKind: BinaryOperatorKind.LessThanOrEqual } b when IsCounter(b.LeftOperand, counter) => (Strip(b.RightOperand), true),
        IBinaryOperation { OperatorKind: BinaryOperatorKind.GreaterThan } b when IsCounter(b.RightOperand, counter) => (Strip(b.LeftOperand), false),
        IBinaryOperation { OperatorKind: BinaryOperatorKind.GreaterThanOrEqual } b when IsCounter(b.RightOperand, counter) => (Strip(b.LeftOperand), true),
        _ => null,
    };

    /// <summary><c>i</c> is offset 0, <c>i - k</c> is -k, <c>i + k</c> is k (k a constant); null for anything else.</summary>
    private static int? Offset(IOperation operation, ILocalSymbol? counter)
    {
        operation = Strip(operation);
        if (counter is not null && IsCounter(operation, counter)) return 0;
        if (operation is not IBinaryOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract } b || counter is null) return null;
        int sign = b.OperatorKind == BinaryOperatorKind.Add ? 1 : -1;
        if (IsCounter(b.LeftOperand, counter) && Constant(b.RightOperand) is long right) return (int)(sign * right);
        if (sign == 1 && IsCounter(b.RightOperand, counter) && Constant(b.LeftOperand) is long left) return (int)left;
        return null;
    }

    /// <summary>For a start written <c>X - 1</c>, the X.</summary>
    private static IOperation? MinusOne(IOperation start) =>
        Strip(start) is IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract } b && Constant(b.RightOperand) == 1 ? Strip(b.LeftOperand) : null;

    /// <summary>
    /// Whether two expressions read the same value: the same text over locals and parameters the loop never assigns
    /// (<c>n</c>, <c>y.Length</c>).
    /// </summary>
    private static bool SameValue(IOperation a, IOperation b, IForLoopOperation loop)
    {
        a = Strip(a);
        b = Strip(b);
        if (a.Syntax.ToString() != b.Syntax.ToString()) return false;
        foreach (IOperation part in a.DescendantsAndSelf())
        {
            switch (part)
            {
                case ILocalReferenceOperation l when Assigns(loop, l.Local):
                    return false;
                case ILocalReferenceOperation or IParameterReferenceOperation or ILiteralOperation or IBinaryOperation or IConversionOperation:
                    break;
                case IPropertyReferenceOperation { Property.Name: "Length", Instance: IParameterReferenceOperation or ILocalReferenceOperation }:
                    break;
                default:
                    return false;
            }
        }

        return true;
    }

    private static bool Assigns(IOperation scope, ISymbol variable) => scope.DescendantsAndSelf().Any(o => o switch
    {
        ISimpleAssignmentOperation a => IsSymbol(a.Target, variable),
        ICompoundAssignmentOperation c => IsSymbol(c.Target, variable),
        IIncrementOrDecrementOperation s => IsSymbol(s.Target, variable),
        IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } arg => IsSymbol(arg.Value, variable),
        _ => false,
    });

    private static bool IsSymbol(IOperation operation, ISymbol variable) =>
        Strip(operation) is ILocalReferenceOperation l && SymbolEqualityComparer.Default.Equals(l.Local, variable);

    private static bool IsCounter(IOperation operation, ILocalSymbol counter) => IsSymbol(operation, counter);

    private static long? Constant(IOperation operation) => Strip(operation).ConstantValue is { HasValue: true, Value: var value } && value is int or long
        ? System.Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)
        : null;

    private static IEnumerable<IOperation> Conjuncts(IOperation condition) =>
        Strip(condition) is IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } conjunction
            ? Conjuncts(conjunction.LeftOperand).Concat(Conjuncts(conjunction.RightOperand))
            : new[] { Strip(condition) };

    private static IOperation Strip(IOperation operation)
    {
        while (operation is IConversionOperation { IsImplicit: true } or IParenthesizedOperation)
        {
            operation = operation is IConversionOperation conversion ? conversion.Operand : ((IParenthesizedOperation)operation).Operand;
        }

        return operation;
    }
}
