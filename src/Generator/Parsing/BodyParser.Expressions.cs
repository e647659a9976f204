using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using Backprop.Gen.Diagnostics;
using Backprop.Gen.Differentiation;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;
using IrCast = Backprop.Gen.IR.Cast;

namespace Backprop.Gen.Parsing;

// Expressions: operators, conversions, members, array creation, constants, and the constructs the IR keeps as text.
internal sealed partial class BodyParser
{
    private IrExpr Expr(IOperation operation) => Expr(operation, noteRead: true);

    private IrExpr Expr(IOperation operation, bool noteRead)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        IrType type = operation.Type is null ? IrType.Void : Contract.TypeOf(operation.Type);
        if (MayTouchStructs(operation) && StructScalar(operation) is { } throughStruct) return throughStruct;
        if (_structArrayLocals.Count > 0 && StructArrayLocalUse(operation, type) is { } structArrayUse) return structArrayUse;

        switch (operation)
        {
            case ILocalReferenceOperation or IParameterReferenceOperation when _frames.Count > 0 && Bound(operation) is { } bound:
                return bound as IrExpr ?? WholeStruct(operation);
            case ILocalReferenceOperation { Local: var structLocal } when _structVariables.Count > 0 && _structVariables.ContainsKey(structLocal):
                return WholeStruct(operation);
            case IParameterReferenceOperation { Parameter: var structParameter } when _structVariables.Count > 0 && _structVariables.ContainsKey(structParameter):
                return WholeStruct(operation);
            case ILiteralOperation { IsImplicit: true } omitted when omitted.ConstantValue.HasValue:
                // An omitted optional argument: its syntax is the whole call, its value the parameter's default.
                return ConstantOf(omitted.ConstantValue.Value, type, omitted.Syntax);
            case ILiteralOperation literal:
                return new Constant(type, literal.Syntax.ToString(), NumericValue(literal.ConstantValue));
            case IFieldReferenceOperation field:
                return Member(field, field.Field, field.Instance, type);
            case ILocalReferenceOperation local:
                return new VarRef(type, _names[local.Local]);
            case IParameterReferenceOperation { Parameter: var structArray } when IsStructArray(structArray)
                && operation.Parent is not IPropertyReferenceOperation { Property.Name: "Length" }:
                // Its elements are read field by field (pts[i].X); passed on whole, its derivative would be lost.
                return Unsupported(operation, $"The array of structs '{structArray.Name}' as a whole", $"read its elements ({structArray.Name}[i], {structArray.Name}[i].X) and its Length");
            case IParameterReferenceOperation parameter:
                return new VarRef(type, _names[parameter.Parameter]);
            case IInstanceReferenceOperation:
                return new VarRef(type, "this");
            case { ConstantValue.HasValue: true } when type.IsScalar && type.Element != ElementKind.Other && IsLiteralSyntax(operation.Syntax):
                // A literal keeps the user's spelling (1, not 1.0); the emitter widens it where the context is synthesized.
                return new Constant(type, operation.Syntax.ToString(), NumericValue(operation.ConstantValue));
            case IDefaultValueOperation or INameOfOperation when operation.ConstantValue.HasValue:
                return ConstantOf(operation.ConstantValue.Value, type, operation.Syntax);
            case IConversionOperation { Operand: IInvalidOperation nested }:
                // double v = FTangent(…): the unbound call's value, as the derivative returns it.
                return NestedCall(nested, type) ?? new Constant(type, "default", 0);
            case IConversionOperation conversion:
                return Conversion(conversion, type);
            case IBinaryOperation binary:
                if (binary.OperatorMethod is not null && !IsGenericMath(binary.OperatorMethod) || binary.IsLifted)
                {
                    return UnsupportedIfFloating(operation, type, "A user-defined or lifted operator", "use double or float arithmetic");
                }

                IrExpr leftOperand = Expr(binary.LeftOperand);
                // The right operand of && and || may not run: nothing of it is computed ahead.
                IrExpr rightOperand = binary.OperatorKind is BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr
                    ? WithoutPrelude(() => Expr(binary.RightOperand))
                    : Expr(binary.RightOperand);
                return new Binary(type, BinaryOperator(binary.OperatorKind), leftOperand, rightOperand, OverflowOf(binary.IsChecked, binary.Type));
            case IUnaryOperation unary:
                if (unary.OperatorMethod is not null && !IsGenericMath(unary.OperatorMethod) || unary.IsLifted)
                {
                    return UnsupportedIfFloating(operation, type, "A user-defined or lifted operator", "use double or float arithmetic");
                }

                UnaryOp? op = unary.OperatorKind switch
                {
                    UnaryOperatorKind.Minus => UnaryOp.Negate,
                    UnaryOperatorKind.Plus => UnaryOp.Plus,
                    UnaryOperatorKind.Not => UnaryOp.Not,
                    UnaryOperatorKind.BitwiseNegation => UnaryOp.BitwiseNot,
                    _ => null,
                };
                return op is null
                    ? UnsupportedIfFloating(operation, type, "This operator", "use +, -, *, / and Math functions")
                    : new Unary(type, op.Value, Expr(unary.Operand), OverflowOf(unary.IsChecked, unary.Type));
            case IConditionalOperation { Condition.ConstantValue: { HasValue: true, Value: bool constant }, WhenFalse: not null } folded:
                // c ? a : b with a constant c: keep the shape (no new warnings), with the constant the compiler sees.
                return new Conditional(type, constant ? Ir.True : Ir.False, Expr(folded.WhenTrue), Expr(folded.WhenFalse!));
            case IConditionalOperation conditional when conditional.WhenFalse is not null:
                IrExpr whether = Expr(conditional.Condition);
                return new Conditional(type, whether, WithoutPrelude(() => Expr(conditional.WhenTrue)), WithoutPrelude(() => Expr(conditional.WhenFalse!)));
            case ISwitchExpressionOperation switchExpression when type.IsFloating:
                return SwitchExpression(switchExpression, type);
            case IArrayElementReferenceOperation element:
                if (noteRead && element.ArrayReference is IParameterReferenceOperation readArray) NoteElementRead(readArray.Parameter, element, element.Indices);
                return new ElementAt(type, Expr(element.ArrayReference), element.Indices.Select(Expr).ToEquatableArray());
            case IPropertyReferenceOperation { Property.IsIndexer: true, Arguments.Length: 1 } indexer when IsSpan(indexer.Instance?.Type):
                if (noteRead && indexer.Instance is IParameterReferenceOperation readSpan) NoteElementRead(readSpan.Parameter, indexer, new[] { indexer.Arguments[0].Value });
                return new ElementAt(type, Expr(indexer.Instance!), Ir.Array(Expr(indexer.Arguments[0].Value)));
            case IPropertyReferenceOperation { Arguments.Length: 0 } property:
                return Member(property, property.Property, property.Instance, type);
            case IInvocationOperation invocation:
                return Invocation(invocation, type);
            case IInvalidOperation nested:
                // The only unbound code that gets here: a call to another method's generated derivative.
                return NestedCall(nested, type) ?? new Constant(type, "default", 0);
            case IArrayCreationOperation { Initializer: null } creation:
                return NewArray(creation);
            case IDelegateCreationOperation { Target: IMethodReferenceOperation method }:
                return Unsupported(operation, $"The method group '{method.Method.Name}' converted to a delegate",
                    "call the method directly, or write the computation inline");
            case IAnonymousFunctionOperation or IDelegateCreationOperation:
                return Unsupported(operation, "A lambda", "write the computation inline or as a [Differentiable] method");
            case ITranslatedQueryOperation:
                return Unsupported(operation, "A LINQ query", "write the loop out");
            case IAwaitOperation:
                return Unsupported(operation, "await", "a [Differentiable] method must compute its result synchronously");
            case ISimpleAssignmentOperation or ICompoundAssignmentOperation or IIncrementOrDecrementOperation or IDeconstructionAssignmentOperation:
                Report(DiagnosticDescriptors.SideEffectInExpression, operation.Syntax, Origin(operation.Syntax));
                return new Constant(type, "default", 0);
            case IAddressOfOperation:
                return Unsupported(operation, "Pointer code", "index arrays or spans instead");
        }

        if (operation.Syntax is StackAllocArrayCreationExpressionSyntax or ImplicitStackAllocArrayCreationExpressionSyntax)
        {
            return Unsupported(operation, "stackalloc", "create the array with new");
        }

        if (type.IsFloating || type.IsFloatingContainer)
        {
            return Unsupported(operation, $"The expression '{Origin(operation.Syntax)}'", "write it with locals, arithmetic, Math functions and calls");
        }

        return Opaque(operation);
    }

    /// <summary>
    /// The overflow context of an integer operation or conversion, where it differs from the compilation's default
    /// (floating-point arithmetic never overflows, so it has none).
    /// </summary>
    private Overflow OverflowOf(bool isChecked, ITypeSymbol? type)
    {
        bool integral = type is { SpecialType: >= SpecialType.System_Char and <= SpecialType.System_UInt64 }
            or { SpecialType: SpecialType.System_IntPtr or SpecialType.System_UIntPtr };
        if (!integral || isChecked == _compilation.Options.CheckOverflow) return Overflow.Default;
        return isChecked ? Overflow.Checked : Overflow.Unchecked;
    }

    private IrExpr Conversion(IConversionOperation conversion, IrType type)
    {
        if (conversion.Operand is IDefaultValueOperation or ILiteralOperation { ConstantValue: { HasValue: true, Value: null } })
        {
            // `double z = default;`, `First(u, null)`: a constant of the target type, which carries no derivative.
            return conversion.ConstantValue is { HasValue: true, Value: not null } constant
                ? ConstantOf(constant.Value, type, conversion.Syntax)
                : new Constant(type, type.Shape == ShapeKind.Array || conversion.Type?.IsReferenceType == true ? "null" : "default(" + type.Name + ")", 0);
        }

        IrExpr operand = Expr(conversion.Operand);
        if (conversion.Conversion.IsIdentity) return operand;
        if (type.IsFloating && operand.Type is { IsScalar: true, Element: ElementKind.Other }
            || operand.Type.IsFloating && type is { IsScalar: true, Element: ElementKind.Other })
        {
            // Between double or float and a numeric type the generator does not differentiate (decimal, Half, NFloat, a
            // user's struct with a conversion operator): fine for constants; a derivative that went through is BPG0108.
            return new IrCast(type, operand, conversion.IsImplicit, OverflowOf(conversion.IsChecked, conversion.Type),
                type.IsFloating ? LocationInfo.From(conversion.Syntax) : null);
        }

        if (conversion.Conversion.IsNumeric)
        {
            return new IrCast(type, operand, conversion.IsImplicit, OverflowOf(conversion.IsChecked, conversion.Type));
        }

        // Before C# 14 these go through Span's own implicit operators; from C# 14 they are built-in span conversions.
        bool spanConversion = conversion.OperatorMethod is null || IsSpan(conversion.OperatorMethod.ContainingType);
        if (spanConversion && IsSpan(conversion.Type) && operand.Type.Shape == ShapeKind.Array)
        {
            // An array passed where a span is expected: the span views the same elements.
            return new IrCast(type, operand, conversion.IsImplicit);
        }

        if (spanConversion && IsSpan(conversion.Type) && operand.Type.Shape == ShapeKind.Span)
        {
            return new IrCast(type, operand, conversion.IsImplicit);
        }

        return UnsupportedIfFloating(conversion, type, $"The conversion '{Origin(conversion.Syntax)}'", "convert between int, float and double only");
    }

    private IrExpr NewArray(IArrayCreationOperation creation)
    {
        IrType type = Contract.TypeOf(creation.Type!);
        if (creation.Initializer is not null)
        {
            // The sizes an initializer implies, one per dimension: { { a, b, c }, { d, e, f } } is 2 by 3.
            var sizes = new List<IrExpr>();
            for (IArrayInitializerOperation? level = creation.Initializer; level is not null;
                 level = level.ElementValues.FirstOrDefault() as IArrayInitializerOperation)
            {
                sizes.Add(IntConstant(level.ElementValues.Length));
                if (sizes.Count == type.Rank) break;
            }

            return new NewArray(type, sizes.ToEquatableArray());
        }

        return new NewArray(type, creation.DimensionSizes.Select(Expr).ToEquatableArray());
    }

    /// <summary>One store per element of an array initializer, nested levels giving the further indices.</summary>
    private void StoreElements(IrVar array, IArrayInitializerOperation level, List<IrExpr> indices, string origin, List<IrStmt> into)
    {
        for (int i = 0; i < level.ElementValues.Length; i++)
        {
            indices.Add(IntConstant(i));
            if (level.ElementValues[i] is IArrayInitializerOperation nested) StoreElements(array, nested, indices, origin, into);
            else into.Add(new Assign(origin, new ElementAt(array.Type.ElementType, array.Ref, indices.ToEquatableArray()), Expr(level.ElementValues[i])));
            indices.RemoveAt(indices.Count - 1);
        }
    }

    private static Constant IntConstant(int value) => new(IrType.Int, value.ToString(System.Globalization.CultureInfo.InvariantCulture), value);

    private IrExpr ConstantOf(object? value, IrType type, SyntaxNode syntax)
    {
        string text = value switch
        {
            double d => Ir.DoubleText(d),
            float f => Ir.FloatText(f),
            bool b => b ? "true" : "false",
            string s => SymbolDisplay.FormatLiteral(s, quote: true),
            char c => SymbolDisplay.FormatLiteral(c, quote: true),
            null => "default(" + type.Name + ")",
            IFormattable number => number.ToString(null, System.Globalization.CultureInfo.InvariantCulture) + LiteralSuffix(value),
            _ => syntax.ToString(),
        };
        return new Constant(type, text, NumericValue(Optional(value)));
    }

    private static Optional<object?> Optional(object? value) => new(value);

    private static bool IsLiteralSyntax(SyntaxNode syntax) => syntax switch
    {
        LiteralExpressionSyntax literal => !literal.IsKind(SyntaxKind.DefaultLiteralExpression),
        PrefixUnaryExpressionSyntax { Operand: LiteralExpressionSyntax } unary => unary.IsKind(SyntaxKind.UnaryMinusExpression),
        _ => false,
    };

    private static string LiteralSuffix(object value) => value switch
    {
        long => "L",
        uint => "U",
        ulong => "UL",
        decimal => "m",
        _ => "",
    };

    private static double NumericValue(Optional<object?> constant) => constant.HasValue
        ? constant.Value switch
        {
            double d => d,
            float f => f,
            int i => i,
            long l => l,
            short s => s,
            byte b => b,
            uint u => u,
            sbyte s => s,
            ushort u => u,
            ulong u => u,
            char c => c,
            decimal m => (double)m,
            _ => 0,
        }
        : 0;

    /// <summary>
    /// An expression carrying no derivative that the IR does not model is kept as the user wrote it, with the locals
    /// it reads as holes so that renaming still applies. It must not assign anything.
    /// </summary>
    private IrExpr Opaque(IOperation operation, bool leavesMethod = false)
    {
        IrType type = operation.Type is null ? IrType.Void : Contract.TypeOf(operation.Type);
        var holes = new List<(TextSpan Span, IrExpr Value)>();
        // nameof(x) is a string constant: it reads nothing, and prints as its value (x may be renamed).
        var names = operation.Descendants().OfType<INameOfOperation>().Where(n => n.ConstantValue.HasValue).ToList();
        foreach (INameOfOperation name in names) holes.Add((name.Syntax.Span, ConstantOf(name.ConstantValue.Value, IrType.Void, name.Syntax)));
        foreach (IOperation descendant in operation.Descendants())
        {
            if (names.Any(n => n.Syntax.Span.Contains(descendant.Syntax.Span))) continue;
            switch (descendant)
            {
                case ISimpleAssignmentOperation { Target: IMemberReferenceOperation { Instance: IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ImplicitReceiver } } }:
                    // A member of an object initializer (new V2 { X = a }): it builds the object, judged below.
                    break;
                case ISimpleAssignmentOperation or ICompoundAssignmentOperation or IIncrementOrDecrementOperation or IDeclarationExpressionOperation:
                    Report(DiagnosticDescriptors.SideEffectInExpression, descendant.Syntax, Origin(descendant.Syntax));
                    return new Constant(type, "default", 0);
                case IAnonymousFunctionOperation:
                    return Unsupported(descendant, "A lambda", "write the computation inline or as a [Differentiable] method");
                case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument:
                    Report(DiagnosticDescriptors.SideEffectInExpression, argument.Syntax, Origin(argument.Syntax));
                    return new Constant(type, "default", 0);
                case IDeclarationPatternOperation { DeclaredSymbol: not null } or IRecursivePatternOperation { DeclaredSymbol: not null }
                    or IListPatternOperation { DeclaredSymbol: not null }:
                    // The variable would live only inside this expression: the reverse sweep could not read it.
                    return Unsupported(descendant, "A pattern that declares a variable", "declare a local first and test it, as in 'double d = x; if (d > 0) …'");
                case ILocalReferenceOperation or IParameterReferenceOperation when _frames.Count > 0:
                    // Code kept as text cannot refer to an inlined member's parameters and locals.
                    return Unsupported(descendant, "Code that is not arithmetic, inside a struct member the method inlines",
                        "keep struct members to arithmetic over their fields and parameters");
                case ILocalReferenceOperation { Local: var structLocal } when _structVariables.ContainsKey(structLocal):
                    return WholeStruct(descendant);
                case IParameterReferenceOperation { Parameter: var structParameter } when _structVariables.ContainsKey(structParameter):
                    return WholeStruct(descendant);
                case ILocalReferenceOperation local:
                    holes.Add((local.Syntax.Span, new VarRef(Contract.TypeOf(local.Type!), _names[local.Local])));
                    break;
                case IParameterReferenceOperation parameter:
                    holes.Add((parameter.Syntax.Span, new VarRef(Contract.TypeOf(parameter.Type!), _names[parameter.Parameter])));
                    break;
            }
        }

        // (A conversion, such as an array passed as IEnumerable<double>, is the call's business: BPG0201/BPG0202. An
        // exception thrown leaves the method, and nothing of it comes back.)
        if (type.Element == ElementKind.Other && operation is not IConversionOperation && !leavesMethod
            && !type.Name.EndsWith("string", System.StringComparison.Ordinal)
            && operation.Descendants().Any(d => CarriesDerivative(d) && !names.Any(n => n.Syntax.Span.Contains(d.Syntax.Span))))
        {
            // A tuple, struct or object built from values that may carry a derivative: reading it back would lose it.
            return Unsupported(operation, $"{Construct(operation)} '{Origin(operation.Syntax)}', which holds floating-point values the generator cannot follow,",
                "keep them in double or float locals (or arrays) instead of a tuple, struct or object");
        }

        _usesOpaqueSyntax = true;
        SyntaxNode syntax = operation.Syntax;
        string text = syntax.ToString();
        var template = new StringBuilder();
        int position = syntax.SpanStart;
        int hole = 0;
        foreach (var (span, _) in holes.Where(h => h.Span.Start >= syntax.SpanStart).OrderBy(h => h.Span.Start))
        {
            if (span.Start < position) continue;
            template.Append(EscapeBraces(text.Substring(position - syntax.SpanStart, span.Start - position)));
            template.Append('{').Append(hole++).Append('}');
            position = span.End;
        }

        template.Append(EscapeBraces(text.Substring(position - syntax.SpanStart)));
        var ordered = holes.Where(h => h.Span.Start >= syntax.SpanStart).OrderBy(h => h.Span.Start).Select(h => h.Value).ToEquatableArray();
        return new Opaque(type, Collapse(template.ToString()), ordered, IsPrimary(syntax));
    }

    /// <summary>
    /// The exception a throw creates, as written: it may mention values that carry a derivative (in its message), since
    /// nothing of it comes back into the computation.
    /// </summary>
    private IrExpr Thrown(IThrowOperation thrown) => thrown.Exception is null ? Opaque(thrown, leavesMethod: true)
        : Opaque(thrown.Exception is IConversionOperation { IsImplicit: true } conversion ? conversion.Operand : thrown.Exception, leavesMethod: true);

    /// <summary>What the user wrote, named for a message: an object initializer, an anonymous type, a tuple…</summary>
    private static string Construct(IOperation operation) => operation switch
    {
        IAnonymousObjectCreationOperation => "The anonymous type",
        IObjectCreationOperation { Initializer: not null } => "The object initializer",
        IObjectCreationOperation => "The object",
        ITupleOperation => "The tuple",
        IWithOperation => "The 'with' expression",
        _ => "The value",
    };

    /// <summary>
    /// Whether an expression kept as written binds as tightly as a primary expression, so that it needs no parentheses
    /// as a receiver or an operand (<c>(p + q).Y</c> keeps them).
    /// </summary>
    private static bool IsPrimary(SyntaxNode syntax) => syntax is IdentifierNameSyntax or GenericNameSyntax or MemberAccessExpressionSyntax
        or InvocationExpressionSyntax or ElementAccessExpressionSyntax or LiteralExpressionSyntax or ParenthesizedExpressionSyntax
        or BaseObjectCreationExpressionSyntax or ArrayCreationExpressionSyntax or ImplicitArrayCreationExpressionSyntax or ThisExpressionSyntax
        or BaseExpressionSyntax or TypeOfExpressionSyntax or DefaultExpressionSyntax or InterpolatedStringExpressionSyntax or TupleExpressionSyntax
        or CheckedExpressionSyntax or PostfixUnaryExpressionSyntax or PredefinedTypeSyntax or QualifiedNameSyntax or AliasQualifiedNameSyntax
        or AnonymousObjectCreationExpressionSyntax or SizeOfExpressionSyntax;

    /// <summary>A read of a floating local, or of a floating parameter not marked [NoDerivative]: it may carry a derivative.</summary>
    private bool CarriesDerivative(IOperation operation) => operation switch
    {
        ILocalReferenceOperation local => Contract.TypeOf(local.Type!).IsFloatingElement,
        IParameterReferenceOperation parameter => Contract.TypeOf(parameter.Type!).IsFloatingElement
            && _differentiable[parameter.Parameter.Ordinal],
        _ => false,
    };

    private static string EscapeBraces(string text) => text.Replace("{", "{{").Replace("}", "}}");

    private IrExpr UnsupportedIfFloating(IOperation operation, IrType type, string what, string advice) =>
        type.IsFloating || type.IsFloatingContainer ? Unsupported(operation, what, advice) : Opaque(operation);

    private IrExpr Unsupported(IOperation operation, string what, string advice)
    {
        Report(DiagnosticDescriptors.UnsupportedExpression, operation.Syntax, what, advice);
        return new Constant(operation.Type is null ? IrType.Void : Contract.TypeOf(operation.Type), "default", 0);
    }
}
