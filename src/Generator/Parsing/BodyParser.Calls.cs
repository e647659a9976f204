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

// Calls: the rules table's math functions, [Differentiable] callees and custom derivatives, TensorPrimitives, and
// the library calls later passes recognise (KnownCall).
internal sealed partial class BodyParser
{
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
                Report(DiagnosticDescriptors.UnsupportedExpression, argument.Syntax, argument.Parameter.RefKind == RefKind.Out ? "An out argument" : "A ref argument",
                    "call the method outside the [Differentiable] one, or have it return its results (a tuple or a struct) instead of writing through the argument");
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

        // Generic math's conversions: T.CreateChecked(2.5) is a constant, T.CreateChecked(n) and double.CreateChecked(t)
        // conversions (a derivative passes through one to or from a floating type as through a cast).
        if (IsConversionToFloating(target, type) && byParameter[0] is { } converted)
        {
            return converted.ConstantValue is { HasValue: true, Value: not null } constant && NumericValue(converted.ConstantValue) is var number
                && constant.Value is not (decimal or string)
                ? Ir.Const(type, number)
                : new IrCast(type, arguments[0], IsImplicit: false);
        }

        // Generic math's T.Exp: the same rule as Math.Exp, printed over T.
        if (IsGenericMath(target) && type.IsFloating && target.Parameters.All(p => Contract.TypeOf(p.Type).IsScalar)
            && DerivativeRules.TryGet(target.Name, target.Parameters.Count(p => Contract.TypeOf(p.Type).IsFloating), out DerivativeRule _))
        {
            return new MathCall(type, type.MathClass, target.Name, arguments);
        }

        // Math and MathF (and double.Exp style) functions with a rule: primitives of the derivative rules table.
        if (IsMathType(target.ContainingType) && type.IsFloating && target.Parameters.All(p => Contract.TypeOf(p.Type).IsScalar)
            && DerivativeRules.TryGet(target.Name, target.Parameters.Count(p => Contract.TypeOf(p.Type).IsFloating), out DerivativeRule _))
        {
            return new MathCall(type, target.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), target.Name, arguments);
        }

        // A small [Differentiable] function of scalars: its expression, where it is called.
        if (InlinesAsExpression(target)) return Inline(target, null, Ordered(target, invocation.Arguments), invocation) as IrExpr ?? new Constant(type, "default", 0);

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
        // A generic-math member without a rule (T.Sign, T.ILogB) is called through the type parameter, as written.
        if (IsGenericMath(target) && target.ContainingType.TypeArguments[0] is ITypeParameterSymbol self) return self.Name + "." + Contract.Escape(target.Name);
        string name = Contract.Escape(target.Name) + Contract.TypeArgumentList(target);

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
            .Select(m => Contract.ConstructedLike(m, target)).FirstOrDefault(m => Contract.CheckSignature(target, m) is null);
        if (!differentiable && handWritten is null) return null;

        ImmutableArray<bool> mask = Contract.DifferentiableMask(target);
        ImmutableArray<bool> outputs = Outputs(target.OriginalDefinition, handWritten?.OriginalDefinition, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default));
        bool[] quiet = differentiable && handWritten is null ? QuietOutputs(target.OriginalDefinition, outputs) : new bool[outputs.Length];
        var parameters = target.Parameters.Select((p, i) => new CalleeParameter(p.Name, Contract.TypeOf(p.Type), mask[i], outputs[i], quiet[i])).ToEquatableArray();
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
                : target.ContainingType.GetMembers(target.Name + "Pullback").OfType<IMethodSymbol>().Select(m => Contract.ConstructedLike(m, target))
                    .Any(m => m.Parameters.Length == handWritten.Parameters.Length
                        && m.Parameters.Zip(handWritten.Parameters, (a, b) => SymbolEqualityComparer.Default.Equals(a.Type, b.Type)).All(same => same)));
        // A generic-math callee's derivatives are called with the call's type arguments: Softplus<double> → SoftplusBackward<double>.
        string typeArguments = Contract.TypeArgumentList(target);
        return new Callee(target.ContainingType.Name + "." + target.Name, backward, parameters, takesGradients, Contract.CalleeModes(target), hasPullback, Stem: stem, Tape:
            differentiable && (inSource ? handWritten is null : handWritten is not null) ? Contract.TapeOf(target, _compilation) : null,
            TypeArguments: typeArguments, Key: differentiable && handWritten is null && inSource ? Contract.Key(target.OriginalDefinition) : null);
    }

    /// <summary>
    /// The outputs of a generated callee whose contents its reverse sweep never reads: the callee uses the array only
    /// to store plain arithmetic into its elements (no call, division or operator method whose derivative could reuse the
    /// stored result) and to measure it. A caller then keeps nothing of such an output for the callee's reverse sweep.
    /// </summary>
    private bool[] QuietOutputs(IMethodSymbol method, ImmutableArray<bool> outputs)
    {
        bool[] quiet = outputs.ToArray();
        if (!quiet.Contains(true)) return quiet;
        if (SourceBody(method) is not var (source, body)) return new bool[quiet.Length];
        foreach (IOperation operation in body.DescendantsAndSelf())
        {
            if (operation is not IParameterReferenceOperation { Parameter: var parameter } reference || parameter.Ordinal >= quiet.Length
                || !SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, source))
            {
                continue;
            }

            bool stored = reference.Parent switch
            {
                IPropertyReferenceOperation { Property.Name: "Length" } => true,
                IArrayElementReferenceOperation element => element.Parent is ISimpleAssignmentOperation assignment && assignment.Target == element
                    && assignment.Value.DescendantsAndSelf().All(PlainArithmetic),
                _ => false,
            };
            if (!stored) quiet[parameter.Ordinal] = false;
        }

        return quiet;
    }

    /// <summary>A callee's declaration (its implementation part, for a partial method) and body, where it is in source.</summary>
    private (IMethodSymbol Source, IOperation Body)? SourceBody(IMethodSymbol method)
    {
        IMethodSymbol source = method.PartialImplementationPart ?? method;
        return source.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken) is MethodDeclarationSyntax declaration
            && (declaration.Body is not null || declaration.ExpressionBody is not null)
            && _compilation.GetSemanticModel(declaration.SyntaxTree).GetOperation(declaration, _cancellationToken) is { } body
                ? (source, body)
                : null;
    }

    private static bool PlainArithmetic(IOperation operation) => operation switch
    {
        IInvocationOperation or IInvalidOperation => false,
        IBinaryOperation { OperatorKind: BinaryOperatorKind.Divide or BinaryOperatorKind.Remainder } => false,
        IBinaryOperation { OperatorMethod: not null } or IUnaryOperation { OperatorMethod: not null } => false,
        _ => true,
    };

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

        if (SourceBody(method) is var (source, body))
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
                ImmutableArray<bool> inner = Outputs((call.TargetMethod.ReducedFrom ?? call.TargetMethod).OriginalDefinition, null, visiting);
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

        visiting.Remove(method);
        ImmutableArray<bool> result = outputs.ToImmutableArray();
        _calleeOutputs[method] = result;
        return result;
    }

    /// <summary>
    /// Whether a member is generic math's on a floating type parameter: an operator (<c>T * T</c>, <c>T &lt; T</c>), a
    /// function (<c>T.Exp</c>) or a constant (<c>T.One</c>) declared by a <c>System.Numerics</c> interface, which C#
    /// reaches through the constraint. The generator treats them as the built-in ones of double and float.
    /// </summary>
    private static bool IsGenericMath(ISymbol member) =>
        member.IsStatic && member.ContainingType is { TypeKind: TypeKind.Interface, IsGenericType: true } owner
        && Contract.InSystemNumerics(owner)
        && owner.TypeArguments[0] is ITypeParameterSymbol self && Contract.IsFloatingTypeParameter(self);

    /// <summary>
    /// <c>T.CreateChecked(x)</c> (or Saturating, Truncating) to a floating type parameter, or <c>double.CreateChecked(t)</c>
    /// from one: a conversion between floating types, or from an integer.
    /// </summary>
    private static bool IsConversionToFloating(IMethodSymbol target, IrType type) =>
        target is { Name: "CreateChecked" or "CreateSaturating" or "CreateTruncating", IsStatic: true, Parameters.Length: 1, TypeArguments.Length: 1 }
        && type.IsFloating && (type.IsGeneric && IsGenericMath(target) || Contract.TypeOf(target.TypeArguments[0]).IsGeneric)
        && Contract.TypeOf(target.TypeArguments[0]) is { IsScalar: true } from && (from.IsFloating || from.IsIntegral);

    private static bool IsMathType(INamedTypeSymbol type) =>
        type.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true }
        && type.Name is "Math" or "MathF" or "Double" or "Single"
        || type.ContainingNamespace is { Name: "Backprop", ContainingNamespace.IsGlobalNamespace: true } && type.Name == "Gradient";

    private static bool IsSpan(ITypeSymbol? type) =>
        type is INamedTypeSymbol { IsGenericType: true } named
        && named.OriginalDefinition.MetadataName is "Span`1" or "ReadOnlySpan`1"
        && named.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true };
}
