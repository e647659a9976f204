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
internal sealed partial class BodyParser
{
    private readonly IMethodSymbol _method;
    private readonly ImmutableArray<bool> _differentiable;
    private readonly Compilation _compilation;
    private readonly ModelInfo? _model;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly CancellationToken _cancellationToken;
    private readonly Dictionary<ISymbol, string> _names = new(SymbolEqualityComparer.Default);
    private readonly HashSet<string> _reserved;
    private readonly HashSet<string> _synthesized = new();

    /// <summary>Where inlined struct members put the statements they need first, while a simple statement is parsed.</summary>
    private List<IrStmt>? _prelude;
    private readonly List<IrStmt> _preludeBuffer = new();
    private bool _preludeBufferInUse;
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
    public IEnumerable<string> UsedNames => _reserved.Concat(_names.Values).Concat(_synthesized);

    /// <summary>The method's <c>out</c> and <c>ref</c> scalars and the locals the body works in instead (<c>yValue</c>).</summary>
    public IReadOnlyList<(string Parameter, string Variable, string? Path)> ScalarOutputs => _scalarOutputs;

    private readonly List<(string Parameter, string Variable, string? Path)> _scalarOutputs = new();

    /// <summary>
    /// <c>double yValue = 0;</c> for <c>out double y</c>, <c>double zValue = z;</c> for <c>ref double z</c>: the body reads
    /// and writes the local, and the derivatives write it back into the parameter once the forward sweep is done, so
    /// that a reverse sweep restoring older values never touches the caller's variable.
    /// </summary>
    private void DeclareScalarOutputs(List<IrStmt> into)
    {
        foreach (IParameterSymbol parameter in _method.Parameters.Where(Contract.IsOutOrRefValue))
        {
            string name = Contract.Escape(parameter.Name);
            if (IsStruct(parameter.Type))
            {
                // out V2 p: one local per field (pValue_X), from the parameter's fields for ref.
                StructValue locals = NewStructLocals(parameter.Type, parameter.Name.TrimStart('@') + "Value");
                DeclareLeaves(locals, parameter.RefKind == RefKind.Ref ? ParameterFields(parameter) : Leafwise(parameter.Type, l => Ir.Const(l.Type, 0)), null, into);
                _structVariables[parameter] = locals;
                foreach (KeyValuePair<string, IrExpr> leaf in locals.Leaves) _scalarOutputs.Add((name, ((VarRef)leaf.Value).Name, leaf.Key));
                continue;
            }

            var local = new IrVar(SynthesizedName(parameter.Name.TrimStart('@') + "Value"), Contract.TypeOf(parameter.Type));
            into.Add(new Declare(null, local, parameter.RefKind == RefKind.Ref ? new VarRef(local.Type, name) : Ir.Const(local.Type, 0)));
            _names[parameter] = local.Name;
            _scalarOutputs.Add((name, local.Name, null));
        }
    }

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
        DeclareScalarOutputs(statements);
        CopyWrittenStructParameters(body, statements);
        DeclareStructResult(statements);
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
        // A nested statement never adds to the statement around it: it sets up its own prelude where it may have one.
        List<IrStmt>? outer = _prelude;
        _prelude = null;
        try
        {
            StatementCore(operation, into);
        }
        finally
        {
            _prelude = outer;
        }
    }

    /// <summary>
    /// Parses with a prelude: statements that struct members inlined in <paramref name="parse"/> need first (their
    /// locals, their non-trivial arguments) go before what it adds to <paramref name="into"/>, so each is computed once.
    /// </summary>
    private void WithPrelude(List<IrStmt> into, System.Action parse)
    {
        List<IrStmt>? outer = _prelude;
        // One list serves the statements' preludes, unless it is in use already.
        bool shared = !_preludeBufferInUse;
        List<IrStmt> prelude = shared ? _preludeBuffer : new List<IrStmt>();
        _preludeBufferInUse = true;
        prelude.Clear();
        int mark = into.Count;
        _prelude = prelude;
        try
        {
            parse();
        }
        finally
        {
            _prelude = outer;
            if (shared) _preludeBufferInUse = false;
        }

        if (prelude.Count > 0) into.InsertRange(mark, prelude);
        prelude.Clear();
    }

    private void StatementCore(IOperation operation, List<IrStmt> into)
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
                        WithPrelude(into, () => Declarator(declarator, declaration, origin, into));
                    }
                }

                return;
            case IExpressionStatementOperation { Operation: var expression }:
                WithPrelude(into, () => ExpressionStatement(expression, origin, into));
                return;
            case IThrowOperation thrown:
                into.Add(new Throw(origin, Thrown(thrown)));
                return;
            case IReturnOperation { Kind: OperationKind.Return } ret when TrySwitchStatement(ret.ReturnedValue, (value, text) => new Return("return " + text + ";", value), into):
                return;
            case ISwitchOperation switchOperation:
                SwitchStatement(switchOperation, into);
                return;
            case IReturnOperation { Kind: OperationKind.Return, ReturnedValue: { } structValue } structReturn when _result is not null:
                if (structReturn.Syntax is not ReturnStatementSyntax) origin = "return " + origin + ";";
                WithPrelude(into, () => ReturnStruct(structValue, origin, into));
                return;
            case IReturnOperation { Kind: OperationKind.Return } ret:
                // An expression body's return has the expression as its syntax: show it as the statement it means.
                if (ret.Syntax is not ReturnStatementSyntax) origin = "return " + origin + ";";
                WithPrelude(into, () => into.Add(new Return(origin, ret.ReturnedValue is null ? null : Expr(ret.ReturnedValue))));
                return;
            case IConditionalOperation { Condition.ConstantValue: { HasValue: true, Value: bool constant } } conditional:
                // if (false) … is dead code, as the compiler sees it: keep only the branch that runs.
                IOperation? taken = constant ? conditional.WhenTrue : conditional.WhenFalse;
                if (taken is not null) Statement(taken, into);
                return;
            case IConditionalOperation conditional:
                IrExpr test = null!;
                WithPrelude(into, () => test = Expr(conditional.Condition));
                into.Add(new If("if (" + Origin(conditional.Condition.Syntax) + ")", test, Block(conditional.WhenTrue), Block(conditional.WhenFalse)));
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
            case IBranchOperation { BranchKind: BranchKind.Break } closing when _closingBreaks.Contains(closing):
                return;
            case IBranchOperation { BranchKind: BranchKind.Break }:
                into.Add(new Break(origin));
                return;
            case IBranchOperation { BranchKind: BranchKind.Continue }:
                into.Add(new Continue(origin));
                return;
            case ILocalFunctionOperation:
                // A local function is inlined where it is called (an error there if it cannot be).
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
            IReturnOperation => ("yield", "iterators cannot be differentiated; return a value"),
            _ when operation.Syntax is FixedStatementSyntax => ("fixed", "index arrays or spans instead of pinning them for pointers"),
            _ when operation.Syntax is UnsafeStatementSyntax => ("unsafe", "index arrays or spans instead of pointers"),
            _ when operation.Syntax is CheckedStatementSyntax => ("checked", "remove the checked block"),
            _ => (operation.Syntax.Kind().ToString().Replace("Statement", "").ToLowerInvariant(), "rewrite it with locals, if/else and loops"),
        };
        Report(DiagnosticDescriptors.UnsupportedStatement, FirstToken(operation.Syntax), kind, advice);
    }

    private void ForEachLoop(IForEachLoopOperation loop, List<IrStmt> into)
    {
        if (StripConversion(loop.Collection) is IParameterReferenceOperation { Parameter: var structs } && IsStructArray(structs)
            && loop.LoopControlVariable is IVariableDeclaratorOperation { Symbol: var element })
        {
            ForEachStruct(loop, element, at => FieldArrays(structs, element.Type, at), new Member(IrType.Int, new VarRef(Contract.TypeOf(structs.Type), _names[structs]), "Length"), into);
            return;
        }

        if (ModelStructArray(StripConversion(loop.Collection)) is { } member && loop.LoopControlVariable is IVariableDeclaratorOperation { Symbol: var memberItem })
        {
            // foreach over a model's array-of-structs member: its field arrays, as a parameter's.
            StructLeaf first = member.Leaves[0];
            ForEachStruct(loop, memberItem, at => MemberElements(member, memberItem.Type, at),
                new Member(IrType.Int, new VarRef(IrType.ArrayOf(first.Type, 1), Contract.FieldArrayName(member.Name, first.Path)), "Length"), into);
            return;
        }

        if (StripConversion(loop.Collection) is ILocalReferenceOperation { Local: var local } && _structArrayLocals.TryGetValue(local, out StructArrayLocal? array)
            && loop.LoopControlVariable is IVariableDeclaratorOperation { Symbol: var current })
        {
            ForEachStruct(loop, current, at => Elements(array, at), new Member(IrType.Int, array.First.Ref, "Length"), into);
            return;
        }

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

    /// <summary>
    /// <c>foreach (V2 p in pts)</c> over an array of structs: a counted loop whose struct local takes each element's
    /// fields (<c>p_X = pts_X[i]</c>), as <c>for (int i = 0; i &lt; pts.Length; i++) { V2 p = pts[i]; … }</c> would.
    /// </summary>
    private void ForEachStruct(IForEachLoopOperation loop, ILocalSymbol element, System.Func<IrExpr, StructValue> elementAt, IrExpr length, List<IrStmt> into)
    {
        string header = loop.Syntax is ForEachStatementSyntax f ? Collapse($"foreach ({f.Type} {f.Identifier} in {f.Expression})") : "foreach";
        var counter = new IrVar(SynthesizedName("_" + element.Name.TrimStart('@') + "_at"), IrType.Int);
        var body = new List<IrStmt>();
        DeclareStructLocals(element, _names[element], elementAt(counter.Ref), header, body);

        body.AddRange(Block(loop.Body).Statements);
        into.Add(new For(header, new Block(Ir.Array<IrStmt>(new Declare(null, counter, Ir.Const(IrType.Int, 0)))),
            new Binary(IrType.Bool, BinaryOp.Less, counter.Ref, length),
            new Block(Ir.Array<IrStmt>(new Assign(null, counter.Ref, new Binary(IrType.Int, BinaryOp.Add, counter.Ref, Ir.Const(IrType.Int, 1))))),
            new Block(body.ToEquatableArray())));
    }

    private static IOperation StripConversion(IOperation operation) =>
        operation is IConversionOperation { IsImplicit: true } conversion ? conversion.Operand : operation;


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
