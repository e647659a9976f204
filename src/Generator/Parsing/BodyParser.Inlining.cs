using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.Diagnostics;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Backprop.Gen.Parsing;

// Inlining: the constructors, operators, methods and property getters declared in source (and local functions) that a
// [Differentiable] method uses through structs, parsed where they are used with their parameters, locals and `this`
// standing for the caller's values.
internal sealed partial class BodyParser
{
    /// <summary>The values an inlined member's parameters, locals and <c>this</c> stand for, innermost last.</summary>
    private sealed class InlineFrame
    {
        public Dictionary<ISymbol, object> Bound { get; } = new(SymbolEqualityComparer.Default);

        public StructValue? This { get; set; }

        public IMethodSymbol Member { get; init; } = null!;
    }

    private readonly List<InlineFrame> _frames = new();

    /// <summary>
    /// A call to inline: a method, operator or property getter declared in source whose receiver, a parameter or the
    /// result is a differentiable struct (and which is not the method being differentiated).
    /// </summary>
    private (IMethodSymbol Method, IOperation? Instance, IReadOnlyList<IOperation> Arguments)? InlinedCall(IOperation operation)
    {
        (IMethodSymbol? method, IOperation? instance, IReadOnlyList<IOperation> arguments) = operation switch
        {
            IInvocationOperation i => (i.TargetMethod, i.Instance, Ordered(i.TargetMethod, i.Arguments)),
            IBinaryOperation { OperatorMethod: { } op } b => (op, null, new[] { b.LeftOperand, b.RightOperand }),
            IUnaryOperation { OperatorMethod: { } op } u => (op, null, new[] { u.Operand }),
            IPropertyReferenceOperation { Property: { GetMethod: { } getter, IsIndexer: false } property } p when !StructLayout.IsDataProperty(property) =>
                (getter, p.Instance, System.Array.Empty<IOperation>()),
            _ => (null, null, System.Array.Empty<IOperation>()),
        };
        if (method is null || SymbolEqualityComparer.Default.Equals(method, _method)) return null;
        if (IsNumericsVector(method.ContainingType)) return (method, method.IsStatic ? null : instance, arguments);
        if (method.DeclaringSyntaxReferences.IsEmpty) return null;
        // A local function is inlined where it is called, whatever it takes: it has no name outside the method.
        bool touchesStructs = method.MethodKind == MethodKind.LocalFunction || IsStruct(method.ReturnType)
            || (instance is not null && IsStruct(instance.Type) && !method.IsStatic) || method.Parameters.Any(p => IsStruct(p.Type));
        return touchesStructs ? (method, method.IsStatic ? null : instance, arguments) : null;
    }

    /// <summary>
    /// Whether a call to a [Differentiable] callee is inlined rather than called through its tape: a small static
    /// function of scalars declared in source (an expression body, or locals and one return), with no derivative of its
    /// own written by hand, not a checkpoint, and with every mode this method needs. A sigmoid called in a loop then costs
    /// its arithmetic, not a tape object per call.
    /// </summary>
    private bool InlinesAsExpression(IMethodSymbol target)
    {
        if (!target.IsStatic || target.IsGenericMethod || target.MethodKind != MethodKind.Ordinary || !SymbolEqualityComparer.Default.Equals(target, target.OriginalDefinition)
            || SymbolEqualityComparer.Default.Equals(target, _method) || _frames.Any(f => SymbolEqualityComparer.Default.Equals(f.Member, target))
            || Contract.GetAttribute(target, Contract.DifferentiableAttribute) is not { } attribute || Contract.IsCheckpoint(attribute)
            || !Contract.TypeOf(target.ReturnType).IsFloating
            || target.Parameters.Any(p => p.RefKind is not (RefKind.None or RefKind.In) || !Contract.TypeOf(p.Type).IsScalar || p.IsParams)
            // A derivative written by hand (the generator sees no generated one) is the callee's own: keep the call.
            || new[] { Contract.BackwardSuffix, "Tangent", "HessianVector", "Pullback" }.Any(suffix => !target.ContainingType.GetMembers(target.Name + suffix).IsEmpty))
        {
            return false;
        }

        // Every floating parameter differentiable ([NoDerivative] or a wrt list keeps the call, whose BPG0205 says so).
        var mask = Contract.DifferentiableMask(target);
        if (target.Parameters.Any(p => Contract.TypeOf(p.Type).IsFloating && !mask[p.Ordinal])) return false;

        // The modes this method needs: a callee without one of them stays a call, whose missing mode is BPG0210.
        if ((Contract.Modes(attribute) & OwnModes) != OwnModes) return false;
        return target.DeclaringSyntaxReferences.Length == 1 && target.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) is MethodDeclarationSyntax declaration
            && (declaration.ExpressionBody is not null
                || declaration.Body is { Statements: { Count: > 0 } statements }
                    && statements.Take(statements.Count - 1).All(st => st is LocalDeclarationStatementSyntax) && statements.Last() is ReturnStatementSyntax { Expression: not null });
    }

    /// <summary>The modes the method being differentiated asks for.</summary>
    private Modes OwnModes => Contract.Modes(Contract.GetAttribute(_method, Contract.DifferentiableAttribute));

    private static IReadOnlyList<IOperation> Ordered(IMethodSymbol method, IEnumerable<IArgumentOperation> arguments)
    {
        var ordered = new IOperation[method.Parameters.Length];
        foreach (IArgumentOperation argument in arguments)
        {
            if (argument.Parameter is not null) ordered[argument.Parameter.Ordinal] = argument.Value;
        }

        return ordered;
    }

    /// <summary>
    /// Runs a constructor declared in source on <paramref name="value"/>: its <c>: this(…)</c> call, then its
    /// assignments to fields and auto-properties, in order. A record struct's primary constructor sets the
    /// properties its parameters name.
    /// </summary>
    private bool RunConstructor(IMethodSymbol constructor, StructValue value, IReadOnlyList<IOperation> arguments, IOperation at)
    {
        var frame = new InlineFrame { Member = constructor, This = value };
        for (int i = 0; i < constructor.Parameters.Length; i++)
        {
            if (arguments[i] is null || FieldValue(arguments[i]) is not { } argument) return false;
            frame.Bound[constructor.Parameters[i]] = argument;
        }

        SyntaxNode? syntax = constructor.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken);
        if (syntax is TypeDeclarationSyntax)
        {
            // A primary constructor: record struct V2(double X, double Y) sets X and Y.
            foreach (IParameterSymbol parameter in constructor.Parameters)
            {
                if (value.Member(Contract.Escape(parameter.Name), parameter.Type) is null)
                {
                    return InlineError(constructor, at, "a primary constructor whose parameters are not the record's properties");
                }

                value.Set(Contract.Escape(parameter.Name), frame.Bound[parameter]);
            }

            return true;
        }

        if (syntax is null || OperationOf(syntax) is not IConstructorBodyOperation body) return InlineError(constructor, at, "a constructor without a body");
        _frames.Add(frame);
        try
        {
            if (body.Initializer is IExpressionStatementOperation { Operation: IInvocationOperation { TargetMethod.MethodKind: MethodKind.Constructor } chained })
            {
                if (!RunConstructor(chained.TargetMethod, value, Ordered(chained.TargetMethod, chained.Arguments), at)) return false;
            }

            foreach (IOperation statement in body.BlockBody?.Operations ?? System.Collections.Immutable.ImmutableArray<IOperation>.Empty)
            {
                if (statement is not IExpressionStatementOperation { Operation: ISimpleAssignmentOperation { Target: var target } assignment }
                    || MemberOf(target) is not { Instance: IInstanceReferenceOperation } field || FieldValue(assignment.Value) is not { } fieldValue)
                {
                    return InlineError(constructor, statement, "a statement other than an assignment to one of the struct's fields");
                }

                value.Set(field.Name, fieldValue);
            }

            return true;
        }
        finally
        {
            _frames.RemoveAt(_frames.Count - 1);
        }
    }

    /// <summary>
    /// Inlines a method, operator or property getter declared in source: its parameters (and <c>this</c>) stand for
    /// the arguments' values, its locals for their initializers, and its returned value is the result (a scalar
    /// <c>IrExpr</c> or a <c>StructValue</c>). Its body must be an expression, or locals and one return.
    /// </summary>
    private object? Inline(IMethodSymbol method, IOperation? instance, IReadOnlyList<IOperation> arguments, IOperation at)
    {
        if (_frames.Count >= 16 || _frames.Any(f => SymbolEqualityComparer.Default.Equals(f.Member, method)))
        {
            InlineError(method, at, "a call to itself");
            return null;
        }

        if (IsNumericsVector(method.ContainingType))
        {
            StructValue? receiver = instance is null ? null : StructOf(instance);
            var values = new List<object>();
            foreach (IOperation argument in arguments)
            {
                if (argument is null || FieldValue(argument) is not { } value) return null;
                values.Add(value);
            }

            return instance is not null && receiver is null ? null : Numerics(method, receiver, values, at);
        }

        var frame = new InlineFrame { Member = method };
        if (instance is not null)
        {
            if (!IsStruct(instance.Type))
            {
                InlineError(method, at, "a receiver that is not a differentiable struct");
                return null;
            }

            frame.This = StructOf(instance);
            if (frame.This is null) return null;
        }

        for (int i = 0; i < method.Parameters.Length; i++)
        {
            if (arguments[i] is null || method.Parameters[i].RefKind is RefKind.Ref or RefKind.Out)
            {
                InlineError(method, at, "a ref, out or optional parameter");
                return null;
            }

            if (FieldValue(arguments[i]) is not { } argument) return null;
            frame.Bound[method.Parameters[i]] = argument;
        }

        SyntaxNode? syntax = method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken);
        IOperation? body = syntax is null ? null : OperationOf(syntax);
        if (method.IsGenericMethod)
        {
            InlineError(method, at, "type parameters");
            return null;
        }

        IReadOnlyList<IOperation> statements = body switch
        {
            ILocalFunctionOperation { Body: { } local } => local.Operations,
            IMethodBodyOperation { BlockBody: { } block } => block.Operations,
            IMethodBodyOperation { ExpressionBody: { } expression } => expression.Operations,
            IBlockOperation block => block.Operations,
            _ => System.Array.Empty<IOperation>(),
        };
        if (statements.Take(statements.Count - 1).Any(s => s is not IVariableDeclarationGroupOperation)) return InlineStatements(method, frame, statements, at, body!);

        foreach (IParameterSymbol parameter in method.Parameters) frame.Bound[parameter] = Materialize(frame.Bound[parameter], parameter, body);
        if (frame.This is not null) frame.This = (StructValue)Materialize(frame.This, null, body);
        _frames.Add(frame);
        try
        {
            foreach (IOperation statement in statements)
            {
                switch (statement)
                {
                    case IVariableDeclarationGroupOperation group when group.Declarations.SelectMany(d => d.Declarators).All(d => (d.Initializer ?? DeclarationInitializer(d)) is not null):
                        foreach (IVariableDeclaratorOperation declarator in group.Declarations.SelectMany(d => d.Declarators))
                        {
                            if (FieldValue((declarator.Initializer ?? DeclarationInitializer(declarator))!.Value) is not { } local) return null;
                            frame.Bound[declarator.Symbol] = Materialize(local, declarator.Symbol, body);
                        }

                        continue;
                    case IReturnOperation { ReturnedValue: { } returned }:
                        return FieldValue(returned);
                    default:
                        InlineError(method, statement, "a statement other than local declarations and one return");
                        return null;
                }
            }

            InlineError(method, at, "a body that does not end in a return");
            return null;
        }
        finally
        {
            _frames.RemoveAt(_frames.Count - 1);
        }
    }

    /// <summary>
    /// Inlines a member whose body has statements besides locals (loops, branches, assignments): its statements go,
    /// parsed as the caller's own, before the statement that calls it, and its final <c>return</c> gives the value.
    /// Its parameters become locals holding the arguments (it may assign them), its locals get names of their own.
    /// It must return only at its end, and be called where statements can go before the call (not in a condition,
    /// a <c>?:</c> branch or a loop's condition).
    /// </summary>
    private object? InlineStatements(IMethodSymbol method, InlineFrame frame, IReadOnlyList<IOperation> statements, IOperation at, IOperation body)
    {
        bool early = statements.Take(statements.Count - 1).Any(ContainsReturn);
        IReturnOperation? last = statements.Count > 0 ? statements[statements.Count - 1] as IReturnOperation : null;
        if (!early && last?.ReturnedValue is null)
        {
            InlineError(method, at, "a body that does not end in a return");
            return null;
        }

        if (_prelude is not { } into)
        {
            // Where no statement can go first, guard clauses still make one expression: c ? a : (d ? b : e).
            if (early && InlineAsConditional(frame, statements) is { } conditional) return conditional;
            InlineError(method, at, "loops or other statements, called inside a condition, a ?: branch or a loop's condition (call it in a statement of its own first)");
            return null;
        }

        foreach (IParameterSymbol parameter in method.Parameters)
        {
            object value = frame.Bound[parameter];
            frame.Bound.Remove(parameter);
            switch (value)
            {
                case StructValue structValue:
                    DeclareStructLocals(parameter, parameter.Name, structValue, null, into);
                    break;
                case IrExpr { Type.IsScalar: true } scalar:
                    _names[parameter] = SynthesizedName(Contract.Escape(parameter.Name));
                    into.Add(new Declare(null, new IrVar(_names[parameter], scalar.Type), scalar));
                    break;
                default:
                    InlineError(method, at, "an array parameter in a body with loops or other statements");
                    return null;
            }
        }

        // Each place it is inlined declares its locals anew, under names of their own (Squared's s, then s_2).
        var outerNames = new Dictionary<ISymbol, string>(SymbolEqualityComparer.Default);
        foreach (ILocalSymbol local in body.Descendants().OfType<IVariableDeclaratorOperation>().Select(d => d.Symbol))
        {
            if (_names.TryGetValue(local, out string? outer)) outerNames[local] = outer;
            _names[local] = SynthesizedName(Contract.Escape(local.Name));
        }

        _frames.Add(frame);
        try
        {
            // Guard clauses (if (…) return a; … return b;): the result goes into a local, the rest into the else.
            if (early) return InlineReturning(method, statements, into);
            for (int i = 0; i < statements.Count - 1; i++) Statement(statements[i], into);
            return FieldValue(last!.ReturnedValue!);
        }
        finally
        {
            _frames.RemoveAt(_frames.Count - 1);
            foreach (KeyValuePair<ISymbol, string> name in outerNames) _names[name.Key] = name.Value;
        }
    }

    private static IVariableInitializerOperation? DeclarationInitializer(IVariableDeclaratorOperation declarator) =>
        (declarator.Parent as IVariableDeclarationOperation)?.Initializer;

    /// <summary>What an inlined member's parameter or local stands for, or null outside inlined members.</summary>
    private object? Bound(IOperation reference)
    {
        ISymbol? symbol = reference switch
        {
            ILocalReferenceOperation local => local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            _ => null,
        };
        return symbol is not null && Frame() is { } frame && frame.Bound.TryGetValue(symbol, out object? value) ? value : null;
    }

    /// <summary>A taken-apart struct used as a whole value where only its fields exist.</summary>
    private IrExpr WholeStruct(IOperation operation) =>
        Unsupported(operation, $"The struct '{Origin(operation.Syntax)}' used as a whole value here",
            "pass or use its fields, or a method declared in source that takes the struct");

    /// <summary>Parses what may not run (a branch of ?:, the right of &amp;&amp;) with nothing computed ahead of it.</summary>
    private T WithoutPrelude<T>(System.Func<T> parse)
    {
        List<IrStmt>? outer = _prelude;
        _prelude = null;
        try
        {
            return parse();
        }
        finally
        {
            _prelude = outer;
        }
    }

    /// <summary>
    /// Where a prelude is open, a value an inlined member reads more than once goes into locals first
    /// (<c>double velocity_X = …;</c>), named after the member's own parameter or local; otherwise it stays an expression.
    /// </summary>
    /// <summary>A value in a prelude local named after <paramref name="stem"/>, where a prelude is open and it is not a variable or a constant already.</summary>
    private IrExpr MaterializedScalar(IrExpr value, string stem)
    {
        if (_prelude is null || value is VarRef or Constant) return value;
        var local = new IrVar(SynthesizedName(stem), value.Type);
        _prelude.Add(new Declare(null, local, value));
        return local.Ref;
    }

    /// <param name="symbol">The parameter or local; null for <c>this</c>.</param>
    private object Materialize(object value, ISymbol? symbol, IOperation? body)
    {
        if (_prelude is null || body is null) return value;
        string stem = symbol?.Name ?? "self";
        IrExpr Leaf(IrExpr scalar, string? path) => scalar is VarRef or Constant || Uses(body, symbol, path) <= 1 ? scalar
            : MaterializedScalar(scalar, path is null ? stem : LocalName(stem, path));

        return value is StructValue structValue
            ? new StructValue(structValue.Type, structValue.Leaves.ToDictionary(l => l.Key, l => Leaf(l.Value, l.Key)))
            : Leaf((IrExpr)value, null);
    }

    /// <summary>
    /// How many times a member's body reads a parameter or local (or one leaf of it, <paramref name="path"/>): a read of
    /// the whole struct, or of a nested struct holding the leaf, counts for the leaf.
    /// </summary>
    private static int Uses(IOperation body, ISymbol? symbol, string? path) => body.Descendants().Count(o =>
    {
        bool reads = o switch
        {
            ILocalReferenceOperation l => SymbolEqualityComparer.Default.Equals(l.Local, symbol),
            IParameterReferenceOperation p => SymbolEqualityComparer.Default.Equals(p.Parameter, symbol),
            IInstanceReferenceOperation => symbol is null,
            _ => false,
        };
        if (!reads) return false;
        if (path is null) return true;
        string reached = "";
        for (IOperation current = o; current.Parent is { } parent && MemberOf(parent) is { } member && member.Instance == current; current = parent)
        {
            reached = reached.Length == 0 ? member.Name : reached + "." + member.Name;
        }

        return reached.Length == 0 || reached == path || path.StartsWith(reached + ".", System.StringComparison.Ordinal);
    });

    private InlineFrame? Frame() => _frames.Count == 0 ? null : _frames[_frames.Count - 1];

    /// <summary>The operation of a member declared in source (in any file of the compilation).</summary>
    private IOperation? OperationOf(SyntaxNode syntax)
    {
        SyntaxNode node = syntax switch
        {
            PropertyDeclarationSyntax { ExpressionBody: { } arrow } => arrow,
            _ => syntax,
        };
        return _compilation.GetSemanticModel(node.SyntaxTree).GetOperation(node, _cancellationToken);
    }

    /// <summary>A struct member that cannot be inlined: an error at the member's code that names the method using it.</summary>
    private bool InlineError(IMethodSymbol member, IOperation at, string what)
    {
        string name = member.MethodKind switch
        {
            MethodKind.Constructor => member.ContainingType.Name + " constructor",
            MethodKind.PropertyGet => member.AssociatedSymbol?.Name ?? member.Name,
            _ => member.ContainingType.Name + "." + member.Name,
        };
        string subject = member.MethodKind == MethodKind.LocalFunction ? $"The local function '{member.Name}'" : $"'{name}'";
        Report(DiagnosticDescriptors.UnsupportedExpression, at.Syntax, $"{subject}, used by {_method.Name}, contains {what}; it",
            member.MethodKind == MethodKind.LocalFunction
                ? "let it return once, at its end (assign a local in its branches and loops), or make it a [Differentiable] method of the type"
                : "let it return once, at its end (assign a local in its branches and loops), or use the fields directly in the method");
        return false;
    }
}
