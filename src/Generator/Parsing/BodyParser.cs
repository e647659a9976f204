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

/// <summary>
/// Turns the <see cref="IOperation"/> tree of a method body into the IR. Conversions, constants, called methods and
/// types are already resolved there. Every construct it does not know becomes a diagnostic on that construct's
/// syntax, never an exception.
/// </summary>
internal sealed class BodyParser
{
    private readonly IMethodSymbol _method;
    private readonly ImmutableArray<bool> _differentiable;
    private readonly Compilation _compilation;
    private readonly ModelInfo? _model;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly CancellationToken _cancellationToken;
    private readonly Dictionary<ISymbol, string> _names = new(SymbolEqualityComparer.Default);
    private readonly HashSet<string> _reserved;
    private bool _usesOpaqueSyntax;
    private readonly HashSet<string> _writtenParameters = new();
    private readonly Dictionary<string, SyntaxNode> _readBeforeWritten = new();
    private readonly Dictionary<IMethodSymbol, ImmutableArray<bool>> _calleeOutputs = new(SymbolEqualityComparer.Default);

    public BodyParser(IMethodSymbol method, Compilation compilation, IEnumerable<string> reservedNames, List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken, ModelInfo? model = null)
    {
        _method = method;
        _differentiable = Contract.DifferentiableMask(method);
        _compilation = compilation;
        _model = model;
        _diagnostics = diagnostics;
        _cancellationToken = cancellationToken;
        _reserved = new HashSet<string>(reservedNames);
        foreach (IParameterSymbol parameter in method.Parameters)
        {
            _names[parameter] = Contract.Escape(parameter.Name);
        }
    }

    /// <summary>Every name in use: parameters, locals (after renaming) and the reserved member names.</summary>
    public IEnumerable<string> UsedNames => _reserved.Concat(_names.Values);

    /// <summary>The parameters the body writes into: the method's outputs.</summary>
    public IReadOnlyCollection<string> WrittenParameters => _writtenParameters;

    /// <summary>For each parameter, the first place its elements are read before the body has written it.</summary>
    public IReadOnlyDictionary<string, SyntaxNode> ReadsBeforeWritten => _readBeforeWritten;

    private void NoteRead(IParameterSymbol parameter, SyntaxNode at)
    {
        if (!_writtenParameters.Contains(parameter.Name) && !_readBeforeWritten.ContainsKey(parameter.Name)) _readBeforeWritten[parameter.Name] = at;
    }

    /// <summary>An element read, which reads no caller's value when an earlier iteration of its loop stored that element.</summary>
    private void NoteElementRead(IParameterSymbol parameter, IOperation read, IReadOnlyList<IOperation> indices)
    {
        if (_writtenParameters.Contains(parameter.Name) || _readBeforeWritten.ContainsKey(parameter.Name)) return;
        if (indices.Count == 1 && EarlierIterationReads.Proves(read, indices[0], parameter)) return;
        NoteRead(parameter, read.Syntax);
    }

    private void NoteWrite(IParameterSymbol parameter) => _writtenParameters.Add(parameter.Name);

    /// <summary>Whether some expression was kept as the user's own text, which needs the file's usings.</summary>
    public bool UsesOpaqueSyntax => _usesOpaqueSyntax;

    public Block ParseBody(IOperation body)
    {
        NameLocals(body);
        var statements = new List<IrStmt>();
        switch (body)
        {
            case IMethodBodyOperation { BlockBody: { } block }:
                Statements(block.Operations, statements);
                break;
            case IMethodBodyOperation { ExpressionBody: { } expression }:
                Statements(expression.Operations, statements);
                break;
            default:
                Statement(body, statements);
                break;
        }

        return new Block(statements.ToEquatableArray());
    }

    // Each local gets a name unique in the method (the user's own where it is free), so that later passes can hoist
    // declarations out of their blocks without clashes.
    private void NameLocals(IOperation body)
    {
        var locals = new List<ILocalSymbol>();
        foreach (IOperation operation in body.DescendantsAndSelf())
        {
            ILocalSymbol? local = operation switch
            {
                IVariableDeclaratorOperation declarator => declarator.Symbol,
                ILocalReferenceOperation reference => reference.Local,
                _ => null,
            };
            if (local is not null && !locals.Contains(local, SymbolEqualityComparer.Default)) locals.Add(local);
        }

        var taken = new HashSet<string>(_reserved.Concat(_names.Values));
        foreach (ILocalSymbol local in locals.OrderBy(l => l.Locations.FirstOrDefault()?.SourceSpan.Start ?? 0))
        {
            string name = Contract.Escape(local.Name);
            for (int suffix = 2; taken.Contains(name); suffix++) name = Contract.Escape(local.Name) + "_" + suffix;
            taken.Add(name);
            _names[local] = name;
        }
    }

    private void Statements(IEnumerable<IOperation> operations, List<IrStmt> into)
    {
        foreach (IOperation operation in operations) Statement(operation, into);
    }

    private Block Block(IOperation? operation)
    {
        var statements = new List<IrStmt>();
        if (operation is not null) Statement(operation, statements);
        return new Block(statements.ToEquatableArray());
    }

    private void Statement(IOperation operation, List<IrStmt> into)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        string origin = Origin(operation.Syntax);
        switch (operation)
        {
            case IBlockOperation block:
                Statements(block.Operations, into);
                return;
            case IEmptyOperation:
                return;
            case IVariableDeclarationGroupOperation group:
                foreach (IVariableDeclarationOperation declaration in group.Declarations)
                {
                    foreach (IVariableDeclaratorOperation declarator in declaration.Declarators)
                    {
                        Declarator(declarator, declaration, origin, into);
                    }
                }

                return;
            case IExpressionStatementOperation { Operation: var expression }:
                ExpressionStatement(expression, origin, into);
                return;
            case IThrowOperation thrown:
                into.Add(new Throw(origin, Thrown(thrown)));
                return;
            case IReturnOperation { Kind: OperationKind.Return } ret:
                // An expression body's return has the expression as its syntax: show it as the statement it means.
                if (ret.Syntax is not ReturnStatementSyntax) origin = "return " + origin + ";";
                into.Add(new Return(origin, ret.ReturnedValue is null ? null : Expr(ret.ReturnedValue)));
                return;
            case IConditionalOperation { Condition.ConstantValue: { HasValue: true, Value: bool constant } } conditional:
                // if (false) … is dead code, as the compiler sees it: keep only the branch that runs.
                IOperation? taken = constant ? conditional.WhenTrue : conditional.WhenFalse;
                if (taken is not null) Statement(taken, into);
                return;
            case IConditionalOperation conditional:
                into.Add(new If("if (" + Origin(conditional.Condition.Syntax) + ")", Expr(conditional.Condition),
                    Block(conditional.WhenTrue), Block(conditional.WhenFalse)));
                return;
            case IForLoopOperation loop:
                var initializers = new List<IrStmt>();
                Statements(loop.Before, initializers);
                var steps = new List<IrStmt>();
                foreach (IOperation step in loop.AtLoopBottom) Statement(step, steps);
                into.Add(new For(LoopHeader(loop.Syntax), new Block(initializers.ToEquatableArray()),
                    loop.Condition is null ? null : Expr(loop.Condition), new Block(steps.ToEquatableArray()), Block(loop.Body)));
                return;
            case IWhileLoopOperation loop:
                if (loop.Condition is null)
                {
                    Report(DiagnosticDescriptors.UnsupportedStatement, operation.Syntax, "loop", "give the loop a condition");
                    return;
                }

                IrExpr condition = Expr(loop.Condition);
                if (loop.ConditionIsUntil) condition = new Unary(IrType.Bool, UnaryOp.Not, condition);
                into.Add(new While(LoopHeader(loop.Syntax), condition, Block(loop.Body), loop.ConditionIsTop));
                return;
            case IForEachLoopOperation loop:
                ForEachLoop(loop, into);
                return;
            case IBranchOperation { BranchKind: BranchKind.Break }:
                into.Add(new Break(origin));
                return;
            case IBranchOperation { BranchKind: BranchKind.Continue }:
                into.Add(new Continue(origin));
                return;
            case ILabeledOperation labeled:
                // A label matters only to a goto, which is reported on its own.
                if (labeled.Operation is not null) Statement(labeled.Operation, into);
                return;
        }

        (string kind, string advice) = operation switch
        {
            IBranchOperation => ("goto", "use structured if/else and loops with break or continue"),
            ITryOperation => ("try", "move error handling out of the [Differentiable] method, into its caller"),
            IUsingOperation or IUsingDeclarationOperation => ("using", "create and dispose the resource outside the [Differentiable] method"),
            ILockOperation => ("lock", "take the lock in the caller"),
            ISwitchOperation => ("switch", "write it as if/else if/else"),
            ILocalFunctionOperation => ("local function", "make it a [Differentiable] method of the type and call it"),
            IReturnOperation => ("yield", "iterators cannot be differentiated; return a value"),
            _ when operation.Syntax is FixedStatementSyntax => ("fixed", "index arrays or spans instead of pinning them for pointers"),
            _ when operation.Syntax is UnsafeStatementSyntax => ("unsafe", "index arrays or spans instead of pointers"),
            _ when operation.Syntax is CheckedStatementSyntax => ("checked", "remove the checked block"),
            _ => (operation.Syntax.Kind().ToString().Replace("Statement", "").ToLowerInvariant(), "rewrite it with locals, if/else and loops"),
        };
        Report(DiagnosticDescriptors.UnsupportedStatement, FirstToken(operation.Syntax), kind, advice);
    }

    private void Declarator(IVariableDeclaratorOperation declarator, IVariableDeclarationOperation declaration, string origin, List<IrStmt> into)
    {
        ILocalSymbol local = declarator.Symbol;
        IVariableInitializerOperation? shared = declaration.Initializer;
        if (local.IsRef)
        {
            Report(DiagnosticDescriptors.UnsupportedStatement, declaration.Syntax, "ref local", "copy the value into an ordinary local, or index the array directly");
            return;
        }

        var variable = new IrVar(_names[local], Contract.TypeOf(local.Type));
        IVariableInitializerOperation? initializer = declarator.Initializer ?? shared;
        if (initializer?.Value is IArrayCreationOperation { Initializer: { } elements } creation)
        {
            // new double[] { a, b } (or { { a, b }, { b, a } }) becomes a zeroed array and one store per element, so
            // elements may carry derivatives.
            into.Add(new Declare(origin, variable, NewArray(creation)));
            StoreElements(variable, elements, new List<IrExpr>(), origin, into);
            return;
        }

        if (initializer is not null && variable.Type.IsFloatingContainer && initializer.Value is not IArrayCreationOperation
            && initializer.Value.Syntax is not (StackAllocArrayCreationExpressionSyntax or ImplicitStackAllocArrayCreationExpressionSyntax))
        {
            Report(DiagnosticDescriptors.ArrayLocalReassigned, initializer.Value.Syntax, local.Name);
            return;
        }

        into.Add(new Declare(origin, variable, initializer is null ? null : Expr(initializer.Value)));
    }

    private void ExpressionStatement(IOperation expression, string origin, List<IrStmt> into)
    {
        switch (expression)
        {
            case ISimpleAssignmentOperation assignment when !assignment.IsRef:
                // The value is read before the target is written (p[i] = p[i - 1] reads p first).
                IrExpr assigned = assignment.Value is IArrayCreationOperation ? new Constant(IrType.Void, "default", 0) : Expr(assignment.Value);
                IrExpr? target = AssignmentTarget(assignment.Target, expression, readsTarget: false);
                if (target is null) return;
                if (assignment.Value is IArrayCreationOperation { Initializer: not null })
                {
                    Report(DiagnosticDescriptors.UnsupportedExpression, assignment.Value.Syntax, "An array initializer outside a declaration",
                        "declare a new local with it: 'double[] v = { a, b };'");
                    return;
                }

                if (target.Type.IsFloatingContainer && assignment.Value is not IArrayCreationOperation)
                {
                    Report(DiagnosticDescriptors.ArrayLocalReassigned, assignment.Value.Syntax, Origin(assignment.Target.Syntax));
                    return;
                }

                into.Add(new Assign(origin, target, assignment.Value is IArrayCreationOperation ? Expr(assignment.Value) : assigned));
                return;
            case ICompoundAssignmentOperation compound:
                IrExpr? compoundTarget = AssignmentTarget(compound.Target, expression, readsTarget: true);
                if (compoundTarget is null) return;
                if (compound.OperatorMethod is not null)
                {
                    Report(DiagnosticDescriptors.UnsupportedExpression, expression.Syntax, "A user-defined operator", "use double or float arithmetic");
                    return;
                }

                IrExpr value = Expr(compound.Value);
                IrType operationType = Ir.Wider(compoundTarget.Type, value.Type);
                IrExpr left = compoundTarget.Type.Equals(operationType) ? compoundTarget : new IrCast(operationType, compoundTarget, IsImplicit: true);
                Overflow overflow = OverflowOf(compound.IsChecked, compound.Type);
                IrExpr combined = new Binary(operationType, BinaryOperator(compound.OperatorKind), left, value, overflow);
                if (!operationType.Equals(compoundTarget.Type)) combined = new IrCast(compoundTarget.Type, combined, IsImplicit: false, overflow);
                into.Add(new Assign(origin, compoundTarget, combined));
                return;
            case IIncrementOrDecrementOperation step:
                IrExpr? stepTarget = AssignmentTarget(step.Target, expression, readsTarget: true);
                if (stepTarget is null) return;
                BinaryOp op = step.Kind == OperationKind.Increment ? BinaryOp.Add : BinaryOp.Subtract;
                Overflow stepOverflow = OverflowOf(step.IsChecked, step.Type);
                if (stepTarget.Type is { IsScalar: true, Element: ElementKind.Other })
                {
                    // c++ on a char, byte or short: the sum is an int (C# promotes), converted back.
                    into.Add(new Assign(origin, stepTarget, new IrCast(stepTarget.Type,
                        new Binary(IrType.Int, op, stepTarget, new Constant(IrType.Int, "1", 1), stepOverflow), IsImplicit: false, stepOverflow)));
                    return;
                }

                IrExpr one = stepTarget.Type.IsFloating ? Ir.Const(stepTarget.Type, 1) : new Constant(stepTarget.Type, "1", 1);
                into.Add(new Assign(origin, stepTarget, new Binary(stepTarget.Type, op, stepTarget, one, stepOverflow)));
                return;
            case IInvocationOperation:
                into.Add(new Evaluate(origin, Expr(expression)));
                return;
            case IThrowOperation thrown:
                into.Add(new Throw(origin, Thrown(thrown)));
                return;
            case IDeconstructionAssignmentOperation:
                Report(DiagnosticDescriptors.UnsupportedExpression, expression.Syntax, "A deconstruction", "assign each variable on its own");
                return;
            case IConditionalAccessOperation:
                Report(DiagnosticDescriptors.UnsupportedExpression, expression.Syntax, "A conditional access ('?.')",
                    "test for null with if (… is not null) and make the call inside");
                return;
            default:
                Report(DiagnosticDescriptors.UnsupportedStatement, expression.Syntax, "expression",
                    "only assignments, compound assignments, increments and calls can stand as statements");
                return;
        }
    }

    private IrExpr? AssignmentTarget(IOperation target, IOperation statement, bool readsTarget)
    {
        switch (target)
        {
            case ILocalReferenceOperation local:
                return new VarRef(Contract.TypeOf(local.Type!), _names[local.Local]);
            case IParameterReferenceOperation parameter:
                return new VarRef(Contract.TypeOf(parameter.Type!), _names[parameter.Parameter]);
            case IArrayElementReferenceOperation { ArrayReference: IParameterReferenceOperation parameter } element:
                // Writing into a parameter array makes it an output of the method.
                IrExpr stored = Expr(element, noteRead: readsTarget);
                NoteWrite(parameter.Parameter);
                return stored;
            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: IParameterReferenceOperation parameter } indexer when IsSpan(indexer.Instance?.Type):
                IrExpr storedSpan = Expr(indexer, noteRead: readsTarget);
                NoteWrite(parameter.Parameter);
                return storedSpan;
            case IArrayElementReferenceOperation { ArrayReference: ILocalReferenceOperation } element:
                return Expr(element);
            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: ILocalReferenceOperation } indexer when IsSpan(indexer.Instance?.Type):
                return Expr(indexer);
            case IArrayElementReferenceOperation or IPropertyReferenceOperation { Property.IsIndexer: true }
                when Contract.TypeOf(target.Type!).IsFloating:
                // An array of a field or property (static S[0] = x * x, box.Buffer[0] = …): its values would carry
                // derivatives the generator cannot follow, since the array is not the method's own.
                Report(DiagnosticDescriptors.WriteToNonLocal, statement.Syntax, Origin(statement.Syntax));
                return null;
            case IArrayElementReferenceOperation element:
                return Expr(element);
            case IPropertyReferenceOperation { Property.IsIndexer: true } indexer when IsSpan(indexer.Instance?.Type):
                return Expr(indexer);
            case IFieldReferenceOperation or IPropertyReferenceOperation:
                Report(DiagnosticDescriptors.WriteToNonLocal, statement.Syntax, Origin(statement.Syntax));
                return null;
            default:
                Report(DiagnosticDescriptors.UnsupportedExpression, target.Syntax, "This assignment target", "assign a local or an element of a local array");
                return null;
        }
    }

    private void ForEachLoop(IForEachLoopOperation loop, List<IrStmt> into)
    {
        IrExpr collection = Expr(StripConversion(loop.Collection));
        if (collection.Type.Shape is not (ShapeKind.Array or ShapeKind.Span or ShapeKind.ReadOnlySpan) || collection.Type.Rank > 1)
        {
            Report(DiagnosticDescriptors.UnsupportedStatement, loop.Collection.Syntax, "foreach",
                "foreach works over one-dimensional arrays and spans; index other collections with a for loop");
            return;
        }

        if (loop.LoopControlVariable is not IVariableDeclaratorOperation { Symbol: var item })
        {
            Report(DiagnosticDescriptors.UnsupportedStatement, loop.Syntax, "foreach", "declare the loop variable in the foreach");
            return;
        }

        string header = loop.Syntax is ForEachStatementSyntax f ? Collapse($"foreach ({f.Type} {f.Identifier} in {f.Expression})") : "foreach";
        into.Add(new ForEach(header, new IrVar(_names[item], Contract.TypeOf(item.Type)), collection, Block(loop.Body)));
    }

    private static IOperation StripConversion(IOperation operation) =>
        operation is IConversionOperation { IsImplicit: true } conversion ? conversion.Operand : operation;

    // ---------------------------------------------------------------- expressions

    private IrExpr Expr(IOperation operation) => Expr(operation, noteRead: true);

    private IrExpr Expr(IOperation operation, bool noteRead)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        IrType type = operation.Type is null ? IrType.Void : Contract.TypeOf(operation.Type);
        switch (operation)
        {
            case ILiteralOperation { IsImplicit: true } omitted when omitted.ConstantValue.HasValue:
                // An omitted optional argument: its syntax is the whole call, its value the parameter's default.
                return ConstantOf(omitted.ConstantValue.Value, type, omitted.Syntax);
            case ILiteralOperation literal:
                return new Constant(type, literal.Syntax.ToString(), NumericValue(literal.ConstantValue));
            case IFieldReferenceOperation field:
                return Member(field, field.Field, field.Instance, type);
            case ILocalReferenceOperation local:
                return new VarRef(type, _names[local.Local]);
            case IParameterReferenceOperation parameter:
                return new VarRef(type, _names[parameter.Parameter]);
            case IInstanceReferenceOperation:
                return new VarRef(type, "this");
            case { ConstantValue.HasValue: true } when type.IsScalar && type.Element != ElementKind.Other && IsLiteralSyntax(operation.Syntax):
                // A literal keeps the user's spelling (1, not 1.0); the emitter widens it where the context is synthesized.
                return new Constant(type, operation.Syntax.ToString(), NumericValue(operation.ConstantValue));
            case IDefaultValueOperation or INameOfOperation when operation.ConstantValue.HasValue:
                return ConstantOf(operation.ConstantValue.Value, type, operation.Syntax);
            case IConversionOperation conversion:
                return Conversion(conversion, type);
            case IBinaryOperation binary:
                if (binary.OperatorMethod is not null || binary.IsLifted)
                {
                    return UnsupportedIfFloating(operation, type, "A user-defined or lifted operator", "use double or float arithmetic");
                }

                return new Binary(type, BinaryOperator(binary.OperatorKind), Expr(binary.LeftOperand), Expr(binary.RightOperand),
                    OverflowOf(binary.IsChecked, binary.Type));
            case IUnaryOperation unary:
                if (unary.OperatorMethod is not null || unary.IsLifted)
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
                return new Conditional(type, Expr(conditional.Condition), Expr(conditional.WhenTrue), Expr(conditional.WhenFalse));
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

    private IrExpr Member(IOperation operation, ISymbol member, IOperation? instance, IrType type)
    {
        if (instance is null)
        {
            // A named constant (const int In = 784) keeps its name, as a constant: analyses can see it cannot change or
            // throw (a row of In elements is vectorized), and it prints as written.
            return member is IFieldSymbol { HasConstantValue: true } constant && type.IsScalar && type.Element != ElementKind.Other
                ? new Constant(type, StaticMemberName(member), NumericValue(new Optional<object?>(constant.ConstantValue)))
                : new Member(type, null, StaticMemberName(member));
        }

        if (instance is IInstanceReferenceOperation && ModelMember(member) is { NestedModel: null } own)
        {
            // A differentiable member of the model: a variable the method reads, whose adjoint is gradients.Name.
            return new VarRef(type, MemberVariable(own.Name));
        }

        if (member.Name is "Length" or "LongLength" or "Rank" && member.ContainingType?.SpecialType == SpecialType.System_Array
            && instance is IFieldReferenceOperation or IPropertyReferenceOperation && LayerMember(InstanceOf(instance)) is { } shaped)
        {
            // A layer's array length is its shape, not its values: Hidden.B.Length needs no derivative.
            var array = new Member(Contract.TypeOf(instance.Type!), new Member(Contract.TypeOf(InstanceOf(instance)!.Type!), null, MemberVariable(shaped.Name)),
                Contract.Escape(instance is IFieldReferenceOperation f ? f.Field.Name : ((IPropertyReferenceOperation)instance).Property.Name));
            return new Member(type, array, member.Name);
        }

        if (instance is IFieldReferenceOperation or IPropertyReferenceOperation && LayerMember(instance) is { } layer
            && Contract.IsDifferentiableType(type) && !Contract.HasAttribute(member, Contract.NoDerivativeAttribute))
        {
            Report(DiagnosticDescriptors.LayerMemberReadDirectly, operation.Syntax, Origin(operation.Syntax), layer.Name);
            return new Constant(type, "default", 0);
        }

        if (instance is IInstanceReferenceOperation { IsImplicit: true })
        {
            _reserved.Add(member.Name);
            return new Member(type, null, Contract.Escape(member.Name));
        }

        return new Member(type, Expr(instance), Contract.Escape(member.Name));
    }

    private ModelMember? ModelMember(ISymbol member) =>
        _model is null || !SymbolEqualityComparer.Default.Equals(member.ContainingType, _method.ContainingType)
            ? null
            : _model.Members.FirstOrDefault(m => m.Name == member.Name);

    /// <summary>The layer member of this model that an operation reads (<c>Layer1</c> in <c>Layer1.Forward(x)</c>), if any.</summary>
    private ModelMember? LayerMember(IOperation? operation) => operation switch
    {
        IFieldReferenceOperation { Instance: IInstanceReferenceOperation } f => ModelMember(f.Field) is { NestedModel: not null } m ? m : null,
        IPropertyReferenceOperation { Instance: IInstanceReferenceOperation } p => ModelMember(p.Property) is { NestedModel: not null } m ? m : null,
        _ => null,
    };

    private static IOperation? InstanceOf(IOperation operation) => operation switch
    {
        IFieldReferenceOperation f => f.Instance,
        IPropertyReferenceOperation p => p.Instance,
        _ => null,
    };

    /// <summary>A model member's variable: its name, or <c>this.Name</c> where a parameter shadows it.</summary>
    private string MemberVariable(string name)
    {
        _reserved.Add(name);
        return _method.Parameters.Any(p => p.Name == name) ? "this." + Contract.Escape(name) : Contract.Escape(name);
    }

    private string StaticMemberName(ISymbol member)
    {
        if (SymbolEqualityComparer.Default.Equals(member.ContainingType, _method.ContainingType))
        {
            _reserved.Add(member.Name);
            return Contract.Escape(member.Name);
        }

        return member.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + Contract.Escape(member.Name);
    }

    private IrExpr Invocation(IInvocationOperation invocation, IrType type)
    {
        IMethodSymbol target = invocation.TargetMethod;
        IOperation?[] byParameter = new IOperation?[target.Parameters.Length];
        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            if (argument.Parameter is null || argument.ArgumentKind == ArgumentKind.ParamArray)
            {
                return UnsupportedIfFloating(invocation, type, "A params argument list", "pass an array");
            }

            if (argument.Parameter.RefKind is RefKind.Ref or RefKind.Out)
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, argument.Syntax, $"A {argument.Parameter.RefKind.ToString().ToLowerInvariant()} argument",
                    "return the value instead of writing through the argument");
                return new Constant(type, "default", 0);
            }

            byParameter[argument.Parameter.Ordinal] = argument.Value;
        }

        var arguments = byParameter.Select(a => a is null ? new Constant(IrType.Void, "default", 0) : Expr(a)).ToEquatableArray();
        // A model method called on this, or on one of the model's layers, takes (part of) the model's gradients.
        ModelMember? layer = LayerMember(invocation.Instance);
        string? gradientsPath = invocation.Instance is IInstanceReferenceOperation ? "" : layer?.Name;
        IrExpr? receiver = invocation.Instance is null or IInstanceReferenceOperation { IsImplicit: true }
            ? null
            : layer is not null ? new Member(Contract.TypeOf(invocation.Instance.Type!), null, MemberVariable(layer.Name)) : Expr(invocation.Instance);
        bool implicitThis = invocation.Instance is IInstanceReferenceOperation { IsImplicit: true };
        string methodText = MethodText(target, implicitThis || receiver is not null);

        // Math and MathF (and double.Exp style) functions with a rule: primitives of the derivative rules table.
        if (IsMathType(target.ContainingType) && type.IsFloating && target.Parameters.All(p => Contract.TypeOf(p.Type).IsScalar)
            && DerivativeRules.TryGet(target.Name, target.Parameters.Count(p => Contract.TypeOf(p.Type).IsFloating), out DerivativeRule _))
        {
            return new MathCall(type, target.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), target.Name, arguments);
        }

        // TensorPrimitives span operations: the call stays as written, the runtime's rules are its derivatives.
        Callee? primitive = TensorPrimitivesCalls.Resolve(target, _compilation);
        Callee? callee = primitive ?? ResolveCallee(target, implicitThis || receiver is not null, invocation.Syntax);
        if (callee is not null && OutputAlias(byParameter, callee) is var (aliased, at))
        {
            Report(DiagnosticDescriptors.OutputAliasesArgument, at, aliased, callee.Display);
            return new Constant(type, "default", 0);
        }

        // Whole arrays passed on: a callee reads its inputs, and writes its outputs after.
        var written = new List<IParameterSymbol>();
        for (int i = 0; i < byParameter.Length; i++)
        {
            if (byParameter[i] is not { } argument || StripConversion(argument) is not IParameterReferenceOperation { Type: var argumentType } passed
                || !Contract.TypeOf(argumentType!).IsFloatingContainer)
            {
                continue;
            }

            if (callee is not null && callee.Parameters[i].IsOutput) written.Add(passed.Parameter);
            else NoteRead(passed.Parameter, argument.Syntax);
        }

        foreach (IParameterSymbol parameter in written) NoteWrite(parameter);

        if (callee is not null)
        {
            if (target.IsGenericMethod && primitive is null)
            {
                return Unsupported(invocation, $"The generic call '{target.Name}'", "call a non-generic [Differentiable] method");
            }

            if (callee.TakesGradients && gradientsPath is null)
            {
                // A model method on some other object (an element of an array of layers, a local, a parameter): there is
                // no Gradients to hand it, and treating it as plain code would drop every derivative through it.
                Report(DiagnosticDescriptors.UnsupportedExpression, invocation.Syntax,
                    $"A call to '{callee.Display}' on '{Origin(invocation.Instance!.Syntax)}', a model object that is not this model's own field,",
                    "hold each layer in a field of this model (public Lin First, Second;) and call it through that field, so its gradients nest in Gradients");
                return new Constant(type, "default", 0);
            }
            else
            {
                return new DiffCall(type, methodText, receiver, callee, arguments, LocationInfo.From(invocation.Syntax),
                    callee.TakesGradients ? gradientsPath : null);
            }
        }


        return new OpaqueCall(type, methodText, receiver, arguments, target.ContainingType.Name + "." + target.Name,
            Contract.Key(target.ReducedFrom ?? target), Recognize(target, type), LocationInfo.From(invocation.Syntax));
    }

    /// <summary>What a call without a derivative is, for the passes that treat some library methods specially.</summary>
    private static KnownCall Recognize(IMethodSymbol target, IrType type)
    {
        IMethodSymbol method = target.ReducedFrom ?? target;
        INamedTypeSymbol owner = method.ContainingType;
        bool inSystem = owner.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true };
        if (owner.ToDisplayString() == "System.Linq.Enumerable") return KnownCall.Linq;
        if (TensorPrimitivesCalls.IsTensorPrimitives(method)) return KnownCall.TensorPrimitives;
        if (inSystem && owner.Name == "MemoryExtensions" && method.Name == "AsSpan") return KnownCall.AsSpan;
        if (IsSpan(owner) && method.Name == "Slice") return KnownCall.SpanSlice;
        if (method.Name.EndsWith("AsSpan", System.StringComparison.Ordinal) || method.Name.EndsWith("Slice", System.StringComparison.Ordinal))
        {
            return KnownCall.OtherSlice;
        }

        if (owner.SpecialType == SpecialType.System_Array && method.Name is "GetLength" or "GetUpperBound" or "GetLowerBound") return KnownCall.ArrayShape;
        if (inSystem && owner.Name == "Math" && method.Name is "Max" or "Min" or "Abs" && !type.IsFloatingElement) return KnownCall.IntegerMath;
        return KnownCall.None;
    }

    /// <summary>An array passed both as an output of <paramref name="callee"/> and as another argument, with that argument.</summary>
    private static (string Name, SyntaxNode At)? OutputAlias(IOperation?[] byParameter, Callee callee)
    {
        static ISymbol? ArrayOf(IOperation? argument) => StripConversion(argument!) switch
        {
            ILocalReferenceOperation local => local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            _ => null,
        };

        for (int i = 0; i < byParameter.Length; i++)
        {
            if (!callee.Parameters[i].IsOutput || byParameter[i] is null || ArrayOf(byParameter[i]) is not { } output) continue;
            for (int j = 0; j < byParameter.Length; j++)
            {
                if (j != i && byParameter[j] is { } other && SymbolEqualityComparer.Default.Equals(ArrayOf(other), output))
                {
                    return (output.Name, other.Syntax);
                }
            }
        }

        return null;
    }

    private string MethodText(IMethodSymbol target, bool isInstance)
    {
        string name = Contract.Escape(target.Name);
        if (target.IsGenericMethod)
        {
            name += "<" + string.Join(", ", target.TypeArguments.Select(t => t.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat))) + ">";
        }

        if (isInstance) return name;
        return SymbolEqualityComparer.Default.Equals(target.ContainingType, _method.ContainingType) ? Reserve(target.Name, name)
            : target.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + name;
    }

    private string Reserve(string member, string text)
    {
        _reserved.Add(member);
        return text;
    }

    /// <summary>
    /// The Backward a call goes through, if it has one: the callee is [Differentiable], or its type declares a
    /// hand-written <c>XBackward</c> with the contract signature.
    /// </summary>
    private Callee? ResolveCallee(IMethodSymbol target, bool isInstance, SyntaxNode call)
    {
        if (target.ReducedFrom is { } reduced) target = reduced;
        string backwardName = target.Name + Contract.BackwardSuffix;
        bool differentiable = Contract.HasAttribute(target, Contract.DifferentiableAttribute);
        IMethodSymbol? handWritten = target.ContainingType.GetMembers(backwardName).OfType<IMethodSymbol>()
            .FirstOrDefault(m => Contract.CheckSignature(target, m) is null);
        if (!differentiable && handWritten is null) return null;

        ImmutableArray<bool> mask = Contract.DifferentiableMask(target);
        ImmutableArray<bool> outputs = Outputs(target, handWritten, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default));
        var parameters = target.Parameters.Select((p, i) => new CalleeParameter(p.Name, Contract.TypeOf(p.Type), mask[i], outputs[i])).ToEquatableArray();
        // The derivatives' names: the method's name with a suffix, qualified by its type unless called on this type.
        string stem = isInstance
            ? target.Name
            : SymbolEqualityComparer.Default.Equals(target.ContainingType, _method.ContainingType)
                ? Reserve(backwardName, target.Name)
                : target.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + target.Name;
        string backward = stem + Contract.BackwardSuffix;

        if (differentiable && handWritten is null && target.Locations.All(l => !l.IsInSource))
        {
            // A [Differentiable] method compiled elsewhere must bring its Backward with it.
            bool hasBackward = target.ContainingType.GetMembers(backwardName).OfType<IMethodSymbol>().Any(m => m.Parameters.Length > target.Parameters.Length);
            if (!hasBackward) Report(DiagnosticDescriptors.CalleeHasNoBackward, call, target.ToDisplayString(), backwardName);
        }

        bool takesGradients = !target.IsStatic && ModelAnalysis.Describe(target.ContainingType) is not null;
        // A generated layer (writing outputs) has a Pullback; one compiled elsewhere must show it. (Compiled elsewhere,
        // its generated Backward looks hand-written; its Pullback, with the same parameters, tells.) A hand-written
        // layer derivative may bring a hand-written Pullback too, which consumes the outputs' adjoints as a generated
        // one does (Layers.DenseBatchPullback).
        bool inSource = target.Locations.Any(l => l.IsInSource);
        bool hasPullback = differentiable && outputs.Any(o => o)
            && (handWritten is null ? inSource
                : target.ContainingType.GetMembers(target.Name + "Pullback").OfType<IMethodSymbol>()
                    .Any(m => m.Parameters.Length == handWritten.Parameters.Length
                        && m.Parameters.Zip(handWritten.Parameters, (a, b) => SymbolEqualityComparer.Default.Equals(a.Type, b.Type)).All(same => same)));
        return new Callee(target.ContainingType.Name + "." + target.Name, backward, parameters, takesGradients, Contract.CalleeModes(target), hasPullback, Stem: stem, Tape:
            differentiable && (inSource ? handWritten is null : handWritten is not null) ? Contract.TapeOf(target, _compilation) : null);
    }

    /// <summary>
    /// Which parameters a callee writes into (its outputs): read from its body when the generator can see it, else from
    /// the <c>[OutputAdjoint]</c> marks on its Backward's adjoint parameters.
    /// </summary>
    private ImmutableArray<bool> Outputs(IMethodSymbol method, IMethodSymbol? backward, HashSet<IMethodSymbol> visiting)
    {
        if (_calleeOutputs.TryGetValue(method, out ImmutableArray<bool> known)) return known;
        bool[] outputs = new bool[method.Parameters.Length];
        if (!visiting.Add(method)) return outputs.ToImmutableArray();

        foreach (IMethodSymbol candidate in backward is null
                     ? method.ContainingType.GetMembers(method.Name + Contract.BackwardSuffix).OfType<IMethodSymbol>()
                     : new[] { backward })
        {
            var names = method.Parameters.Select(p => p.Name).ToList();
            for (int i = 0; i < method.Parameters.Length; i++)
            {
                string adjoint = Contract.AdjointName(names, i);
                outputs[i] |= candidate.Parameters.Any(p => p.Name == adjoint && Contract.HasAttribute(p, Contract.OutputAdjointAttribute));
            }
        }

        IMethodSymbol source = method.PartialImplementationPart ?? method;
        if (source.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken) is MethodDeclarationSyntax { } declaration
            && (declaration.Body is not null || declaration.ExpressionBody is not null))
        {
            SemanticModel model = _compilation.GetSemanticModel(declaration.SyntaxTree);
            if (model.GetOperation(declaration, _cancellationToken) is { } body)
            {
                foreach (IOperation operation in body.DescendantsAndSelf())
                {
                    IOperation? target = operation switch
                    {
                        ISimpleAssignmentOperation a => a.Target,
                        ICompoundAssignmentOperation c => c.Target,
                        IIncrementOrDecrementOperation d => d.Target,
                        _ => null,
                    };
                    IParameterSymbol? written = target switch
                    {
                        IArrayElementReferenceOperation { ArrayReference: IParameterReferenceOperation p } => p.Parameter,
                        IPropertyReferenceOperation { Property.IsIndexer: true, Instance: IParameterReferenceOperation p } => p.Parameter,
                        _ => null,
                    };
                    if (written is not null) outputs[written.Ordinal] = true;
                    if (operation is not IInvocationOperation call) continue;
                    ImmutableArray<bool> inner = Outputs(call.TargetMethod.ReducedFrom ?? call.TargetMethod, null, visiting);
                    foreach (IArgumentOperation argument in call.Arguments)
                    {
                        if (argument.Parameter is { } parameter && parameter.Ordinal < inner.Length && inner[parameter.Ordinal]
                            && StripConversion(argument.Value) is IParameterReferenceOperation passed
                            && SymbolEqualityComparer.Default.Equals(passed.Parameter.ContainingSymbol, source))
                        {
                            outputs[passed.Parameter.Ordinal] = true;
                        }
                    }
                }
            }
        }

        visiting.Remove(method);
        ImmutableArray<bool> result = outputs.ToImmutableArray();
        _calleeOutputs[method] = result;
        return result;
    }

    private static bool IsMathType(INamedTypeSymbol type) =>
        type.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true }
        && type.Name is "Math" or "MathF" or "Double" or "Single"
        || type.ContainingNamespace is { Name: "Backprop", ContainingNamespace.IsGlobalNamespace: true } && type.Name == "Gradient";

    private static bool IsSpan(ITypeSymbol? type) =>
        type is INamedTypeSymbol { IsGenericType: true } named
        && named.OriginalDefinition.MetadataName is "Span`1" or "ReadOnlySpan`1"
        && named.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true };

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

    public static BinaryOp BinaryOperator(BinaryOperatorKind kind) => kind switch
    {
        BinaryOperatorKind.Add => BinaryOp.Add,
        BinaryOperatorKind.Subtract => BinaryOp.Subtract,
        BinaryOperatorKind.Multiply => BinaryOp.Multiply,
        BinaryOperatorKind.Divide => BinaryOp.Divide,
        BinaryOperatorKind.Remainder => BinaryOp.Remainder,
        BinaryOperatorKind.Equals or BinaryOperatorKind.ObjectValueEquals => BinaryOp.Equal,
        BinaryOperatorKind.NotEquals or BinaryOperatorKind.ObjectValueNotEquals => BinaryOp.NotEqual,
        BinaryOperatorKind.LessThan => BinaryOp.Less,
        BinaryOperatorKind.LessThanOrEqual => BinaryOp.LessOrEqual,
        BinaryOperatorKind.GreaterThan => BinaryOp.Greater,
        BinaryOperatorKind.GreaterThanOrEqual => BinaryOp.GreaterOrEqual,
        BinaryOperatorKind.ConditionalAnd => BinaryOp.ConditionalAnd,
        BinaryOperatorKind.ConditionalOr => BinaryOp.ConditionalOr,
        BinaryOperatorKind.And => BinaryOp.And,
        BinaryOperatorKind.Or => BinaryOp.Or,
        BinaryOperatorKind.ExclusiveOr => BinaryOp.ExclusiveOr,
        BinaryOperatorKind.LeftShift => BinaryOp.LeftShift,
        BinaryOperatorKind.RightShift => BinaryOp.RightShift,
        _ => throw new NotSupportedException("operator " + kind),
    };

    private void Report(DiagnosticDescriptor descriptor, SyntaxNode node, params string[] arguments) =>
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, LocationInfo.From(node), arguments));

    private void Report(DiagnosticDescriptor descriptor, SyntaxToken token, params string[] arguments) =>
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, LocationInfo.From(token), arguments));

    private void Report(DiagnosticDescriptor descriptor, Location? location, params string[] arguments) =>
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, location is null ? null : LocationInfo.From(location), arguments));

    private static SyntaxToken FirstToken(SyntaxNode node) => node.GetFirstToken();

    /// <summary>A statement's source on one line, for the comments of the generated code.</summary>
    public static string Origin(SyntaxNode node) => Collapse(node.ToString());

    private static string LoopHeader(SyntaxNode node) => node switch
    {
        ForStatementSyntax f => Collapse(f.ToString().Substring(0, f.CloseParenToken.Span.End - f.SpanStart)),
        WhileStatementSyntax w => Collapse($"while ({w.Condition})"),
        DoStatementSyntax d => Collapse($"do … while ({d.Condition})"),
        _ => Origin(node),
    };

    public static string Collapse(string text)
    {
        var builder = new StringBuilder(text.Length);
        bool space = false;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
                continue;
            }

            if (space) builder.Append(' ');
            space = false;
            builder.Append(c);
        }

        return builder.ToString();
    }
}
