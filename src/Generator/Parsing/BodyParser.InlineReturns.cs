using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Backprop.Gen.Parsing;

// Inlined members that return before their end: guard clauses (if (v < lo) return lo; … return v;). The result goes
// into a local of its own (a struct's into one local per field), each return assigns it, and what follows an if whose
// one branch always returns becomes the other branch, so no flag is needed and the reverse sweep replays plain
// branches. A return inside a loop or a switch, or in a branch that can also go on, is still an error at it.
internal sealed partial class BodyParser
{
    /// <summary>Where the value of the member being inlined goes: a scalar local, or a struct's locals.</summary>
    private sealed record InlineResult(VarRef? Scalar, StructValue? Fields);

    private object? InlineReturning(IMethodSymbol method, IReadOnlyList<IOperation> statements, List<IrStmt> into)
    {
        string stem = char.ToLowerInvariant(method.Name[0]) + method.Name.Substring(1) + "Result";
        InlineResult result;
        if (IsStruct(method.ReturnType))
        {
            StructValue fields = NewStructLocals(method.ReturnType, stem);
            foreach (KeyValuePair<string, IrExpr> leaf in fields.Leaves) into.Add(new Declare(null, new IrVar(((VarRef)leaf.Value).Name, leaf.Value.Type), Zero(leaf.Value.Type)));
            result = new InlineResult(null, fields);
        }
        else
        {
            var local = new IrVar(SynthesizedName(stem), Contract.TypeOf(method.ReturnType));
            into.Add(new Declare(null, local, Zero(local.Type)));
            result = new InlineResult(local.Ref, null);
        }

        // C# makes every path of a member with a result end in a return or a throw; a throw is all that is left.
        if (!Returning(method, statements, result, into)) InlineError(method, statements[statements.Count - 1], "a path that ends without a return");
        return (object?)result.Scalar ?? result.Fields;
    }

    /// <summary>Parses statements of an inlined member into <paramref name="into"/>; true when every path returns.</summary>
    private bool Returning(IMethodSymbol method, IReadOnlyList<IOperation> statements, InlineResult result, List<IrStmt> into)
    {
        for (int i = 0; i < statements.Count; i++)
        {
            IOperation statement = statements[i];
            List<IOperation> Rest() => statements.Skip(i + 1).ToList();
            switch (statement)
            {
                case IBlockOperation block:
                    // Its locals already have names of their own: its statements and the rest run as one list.
                    return Returning(method, block.Operations.Concat(Rest()).ToList(), result, into);
                case var _ when !ContainsReturn(statement):
                    Statement(statement, into);
                    continue;
                case IReturnOperation { ReturnedValue: { } value }:
                    string origin = Origin(statement.Syntax);
                    WithPrelude(into, () =>
                    {
                        if (result.Scalar is { } scalar) into.Add(new Assign(origin, scalar, Expr(value)));
                        else if (StructOf(value) is { } fields) AssignLeaves(result.Fields!, fields, origin, into);
                    });
                    return true;
                case IConditionalOperation { Condition.ConstantValue: { HasValue: true, Value: bool constant } } fixedCondition:
                    IOperation? taken = constant ? fixedCondition.WhenTrue : fixedCondition.WhenFalse;
                    return Returning(method, (taken is null ? Rest() : Rest().Prepend(taken)).ToList(), result, into);
                case IConditionalOperation conditional when AlwaysReturns(conditional.WhenTrue) || AlwaysReturns(conditional.WhenFalse):
                    IrExpr test = null!;
                    WithPrelude(into, () => test = Expr(conditional.Condition));
                    // The branch that always returns ends there; the other goes on with the rest of the body.
                    bool thenEnds = AlwaysReturns(conditional.WhenTrue);
                    var then = new List<IrStmt>();
                    var otherwise = new List<IrStmt>();
                    bool thenReturns = Returning(method, Operations(conditional.WhenTrue).Concat(thenEnds ? Enumerable.Empty<IOperation>() : Rest()).ToList(), result, then);
                    bool elseReturns = Returning(method, Operations(conditional.WhenFalse).Concat(thenEnds ? Rest() : Enumerable.Empty<IOperation>()).ToList(), result, otherwise);
                    into.Add(new If("if (" + Origin(conditional.Condition.Syntax) + ")", test, new Block(then.ToEquatableArray()), new Block(otherwise.ToEquatableArray())));
                    return thenReturns && elseReturns;
                default:
                    IOperation at = statement.DescendantsAndSelf().First(o => o is IReturnOperation);
                    InlineError(method, at, statement is IConditionalOperation
                        ? "a return in a branch that can also go on (end that branch with a return, or return only at the end)"
                        : "a return inside a loop or a switch (break out of it and return after it)");
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A body of local declarations, returns and ifs (one branch of each returning) as one conditional expression, for
    /// a call where no statement can go first: <c>if (P &gt; 1) return a; double s = …; return s * Q;</c> is
    /// <c>P &gt; 1 ? a : (…) * Q</c>. Null where the body does anything else (the caller reports it).
    /// </summary>
    private object? InlineAsConditional(InlineFrame frame, IReadOnlyList<IOperation> statements)
    {
        _frames.Add(frame);
        try
        {
            return Conditional(statements);
        }
        finally
        {
            _frames.RemoveAt(_frames.Count - 1);
        }

        object? Conditional(IReadOnlyList<IOperation> list)
        {
            for (int i = 0; i < list.Count; i++)
            {
                List<IOperation> Rest() => list.Skip(i + 1).ToList();
                switch (list[i])
                {
                    case IVariableDeclarationGroupOperation group:
                        foreach (IVariableDeclaratorOperation declarator in group.Declarations.SelectMany(d => d.Declarators))
                        {
                            if ((declarator.Initializer ?? DeclarationInitializer(declarator)) is not { } initializer || FieldValue(initializer.Value) is not { } value) return null;
                            frame.Bound[declarator.Symbol] = value;
                        }

                        continue;
                    case IReturnOperation { ReturnedValue: { } returned }:
                        return FieldValue(returned);
                    case IBlockOperation block:
                        return Conditional(block.Operations.Concat(Rest()).ToList());
                    case IConditionalOperation conditional when AlwaysReturns(conditional.WhenTrue) || AlwaysReturns(conditional.WhenFalse):
                        bool thenEnds = AlwaysReturns(conditional.WhenTrue);
                        IrExpr test = Expr(conditional.Condition);
                        object? then = Conditional(Operations(conditional.WhenTrue).Concat(thenEnds ? Enumerable.Empty<IOperation>() : Rest()).ToList());
                        object? otherwise = Conditional(Operations(conditional.WhenFalse).Concat(thenEnds ? Rest() : Enumerable.Empty<IOperation>()).ToList());
                        return (then, otherwise) switch
                        {
                            (IrExpr a, IrExpr b) => new Conditional(Ir.Wider(a.Type, b.Type), test, a, b),
                            (StructValue a, StructValue b) => new StructValue(a.Type, a.Leaves.ToDictionary(l => l.Key, l => (IrExpr)new Conditional(l.Value.Type, test, l.Value, b.Leaves[l.Key]))),
                            _ => null,
                        };
                    default:
                        return null;
                }
            }

            return null;
        }
    }

    /// <summary>Whether an operation contains a return of the member itself (not of a lambda or local function inside it).</summary>
    private static bool ContainsReturn(IOperation operation) =>
        operation is IReturnOperation
        || operation is not (IAnonymousFunctionOperation or ILocalFunctionOperation) && operation.ChildOperations.Any(ContainsReturn);

    /// <summary>Whether every path through a statement ends in a return.</summary>
    private static bool AlwaysReturns(IOperation? operation) => operation switch
    {
        IReturnOperation => true,
        IBlockOperation block => block.Operations.Any(AlwaysReturns),
        IConditionalOperation conditional => AlwaysReturns(conditional.WhenTrue) && AlwaysReturns(conditional.WhenFalse),
        _ => false,
    };

    private static IEnumerable<IOperation> Operations(IOperation? branch) => branch switch
    {
        null => Enumerable.Empty<IOperation>(),
        IBlockOperation block => block.Operations,
        _ => new[] { branch },
    };

    private static IrExpr Zero(IrType type) => type.IsFloating ? Ir.Const(type, 0) : new Constant(type, "default", 0);
}
