using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Backprop.Gen.Diagnostics;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Backprop.Gen.Parsing;

/// <summary>
/// The transform of the [Differentiable] pipeline step: checks the declaration against the contract and parses the
/// body into a <see cref="MethodModel"/>. It returns diagnostics as data and never throws.
/// </summary>
internal static class MethodParser
{
    public static Result<MethodModel> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var syntax = (MethodDeclarationSyntax)context.TargetNode;
        var method = (IMethodSymbol)context.TargetSymbol;
        try
        {
            // Keyed, even when it fails, so that its callers can tell (CallGraph).
            return ParseMethod(context, syntax, method, cancellationToken) with { Key = Contract.Key(method) };
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception exception)
        {
            return Result<MethodModel>.Failure(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError,
                LocationInfo.From(syntax.Identifier), method.Name, exception.GetType().Name + ": " + exception.Message)) with { Key = Contract.Key(method) };
        }
    }

    private static Result<MethodModel> ParseMethod(GeneratorAttributeSyntaxContext context, MethodDeclarationSyntax syntax, IMethodSymbol method,
        CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
            diagnostics.Add(DiagnosticInfo.Create(descriptor, location, arguments));

        foreach (TypeDeclarationSyntax type in syntax.Ancestors().OfType<TypeDeclarationSyntax>())
        {
            if (!type.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                Report(DiagnosticDescriptors.ContainingTypeNotPartial, LocationInfo.From(type.Identifier), type.Identifier.Text, method.Name);
            }

            SyntaxToken file = type.Modifiers.FirstOrDefault(m => m.IsKind(SyntaxKind.FileKeyword));
            if (file.IsKind(SyntaxKind.FileKeyword))
            {
                Report(DiagnosticDescriptors.FileLocalType, LocationInfo.From(file), type.Identifier.Text, method.Name);
            }
        }

        IrType returnType = Contract.TypeOf(method.ReturnType);
        if (method.IsAsync)
        {
            Report(DiagnosticDescriptors.AsyncMethod, LocationInfo.From(syntax.Modifiers.First(m => m.IsKind(SyntaxKind.AsyncKeyword))), method.Name);
        }
        else if (!returnType.IsFloating && !method.ReturnsVoid && !StructLayout.IsDifferentiableStruct(method.ReturnType))
        {
            Report(DiagnosticDescriptors.UnsupportedReturnType, LocationInfo.From(syntax.ReturnType), method.Name, method.ReturnType.ToDisplayString());
        }

        if (method.ReturnsVoid) returnType = IrType.Void;

        // Generic math: every type parameter stands for a floating type (double, float, Half…), which generated code
        // spells as the parameter (T.One, T.Exp). A type parameter of any other kind has no derivative to give.
        foreach (ITypeParameterSymbol typeParameter in method.TypeParameters)
        {
            if (!Contract.IsFloatingTypeParameter(typeParameter))
            {
                Report(DiagnosticDescriptors.GenericMethod, LocationInfo.From(typeParameter.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() ?? syntax.TypeParameterList),
                    method.Name, typeParameter.Name);
            }
        }

        foreach (IParameterSymbol parameter in method.Parameters)
        {
            // out and ref work for floating scalars, in reverse and forward mode (docs/contract.md).
            string? advice = Contract.IsByValue(parameter) ? null
                : !Contract.IsOutOrRefValue(parameter)
                    ? "only a double, float, generic-math T or differentiable struct is differentiated through ref or out; pass this one by value (or 'in') and return a result, or write into an output array"
                    : Contract.Modes(context.Attributes[0]).Has(Modes.SecondOrder)
                        ? "a method with ref or out parameters has reverse and forward derivatives only; leave SecondOrder out of its modes, or return a result instead"
                        : null;
            if (advice is not null)
            {
                Report(DiagnosticDescriptors.UnsupportedParameterModifier, LocationInfo.From(parameter.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax()),
                    parameter.Name, parameter.RefKind.ToString().ToLowerInvariant(), advice);
            }
        }

        CheckWrtList(context, method, diagnostics);

        ImmutableArray<string> wrtNames = Contract.WrtList(context.Attributes[0]);
        foreach (IParameterSymbol parameter in method.Parameters)
        {
            // A struct of doubles (a Vector3, a user's V2) would silently count as a constant: say so instead.
            if (Contract.IsByValue(parameter) && !Contract.HasAttribute(parameter, Contract.NoDerivativeAttribute)
                && (wrtNames.IsEmpty || wrtNames.Contains(parameter.Name)) && ElementStruct(parameter.Type) is { } structType
                && HoldsFloatingData(structType) && !StructLayout.IsDifferentiableStruct(parameter.Type) && StructLayout.ArrayElement(parameter.Type) is null)
            {
                Report(DiagnosticDescriptors.StructParameter, LocationInfo.From(parameter.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax()),
                    parameter.Name, parameter.Type.ToDisplayString());
            }
        }

        // An instance method of a model class differentiates the model's members too.
        ModelInfo? modelInfo = method.IsStatic ? null : ModelAnalysis.Describe(method.ContainingType);

        foreach (Parsing.ModelMember member in modelInfo?.Members ?? EquatableArray<Parsing.ModelMember>.Empty)
        {
            if (Emit.GradientsEmitter.ReservedMembers.Contains(member.Name))
            {
                ISymbol? symbol = method.ContainingType.GetMembers(member.Name).FirstOrDefault();
                Report(DiagnosticDescriptors.ModelMemberNameClash, symbol?.Locations.FirstOrDefault() is { } at ? LocationInfo.From(at) : null,
                    member.Name, method.ContainingType.Name);
            }
        }

        if (modelInfo is not null && Contract.Modes(context.Attributes[0]).Has(Modes.SecondOrder))
        {
            Report(DiagnosticDescriptors.SecondOrderModelMethod, LocationInfo.From(context.Attributes[0].ApplicationSyntaxReference?.GetSyntax(cancellationToken)),
                method.Name, method.ContainingType.Name);
        }

        // A hand-written XBackward with the contract signature is the derivative: emit nothing for this method.
        if (modelInfo is null && FindHandWrittenBackward(method, diagnostics) is not null)
        {
            return new Result<MethodModel>(null, diagnostics.ToEquatableArray());
        }

        if (method.PartialImplementationPart is { } implementation
            && implementation.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is MethodDeclarationSyntax implementationSyntax)
        {
            // [Differentiable] on a partial method's declaration: differentiate its implementation.
            syntax = implementationSyntax;
        }

        if (syntax.Body is null && syntax.ExpressionBody is null)
        {
            Report(DiagnosticDescriptors.NoBody, LocationInfo.From(syntax.Identifier), method.Name);
        }

        if (diagnostics.Any(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == DiagnosticSeverity.Error))
        {
            return new Result<MethodModel>(null, diagnostics.ToEquatableArray());
        }

        ImmutableArray<bool> mask = Contract.DifferentiableMask(method);
        if (!mask.Contains(true) && modelInfo is null)
        {
            // Floating-point data in a shape the contract does not differentiate deserves a pointer to one it does.
            IParameterSymbol? unsupported = method.Parameters.FirstOrDefault(p => !Contract.HasAttribute(p, Contract.NoDerivativeAttribute)
                && HoldsFloatingData(p.Type) && !Contract.IsDifferentiableType(Contract.TypeOf(p.Type)));
            string advice = unsupported is null
                ? "check [NoDerivative] and the wrt list"
                : $"'{unsupported.Type.ToDisplayString()} {unsupported.Name}' is not a differentiable type; use double or float, a double[] or double[,] (flatten a jagged array or a list), or a span";
            Report(DiagnosticDescriptors.NoDifferentiableParameters, LocationInfo.From(syntax.Identifier), method.Name, advice);
        }

        SemanticModel semanticModel = syntax.SyntaxTree == context.TargetNode.SyntaxTree
            ? context.SemanticModel
            : context.SemanticModel.Compilation.GetSemanticModel(syntax.SyntaxTree);
        IOperation? body = semanticModel.GetOperation(syntax, cancellationToken);
        if (body is null)
        {
            Report(DiagnosticDescriptors.NoBody, LocationInfo.From(syntax.Identifier), method.Name);
            return new Result<MethodModel>(null, diagnostics.ToEquatableArray());
        }

        // A call to another method's generated derivative inside an expression: the compiler cannot type the expression
        // before the derivative is generated, so the generator says where to put the call instead.
        foreach (IOperation misplaced in NestedCalls.Misplaced(body, method, semanticModel.Compilation))
        {
            Report(DiagnosticDescriptors.UnsupportedExpression, LocationInfo.From(misplaced.Syntax), $"The call '{BodyParser.Origin(misplaced.Syntax)}' inside an expression",
                "call another method's derivative in a statement of its own or as a local's initializer ('double v = FBackward(…);'), then use the local");
        }

        if (body.DescendantsAndSelf().Any(o => (o is IInvalidOperation || o.Type is { TypeKind: TypeKind.Error })
                && !NestedCalls.Excused(o, method, semanticModel.Compilation)))
        {
            // The body does not compile: the compiler says why, and a BPG error about the broken code would only mislead.
            return new Result<MethodModel>(null, diagnostics.ToEquatableArray());
        }

        var reserved = new HashSet<string>(method.ContainingType.GetMembers().Select(m => m.Name));
        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType) reserved.Add(type.Name);
        // The generated methods' own parameters (dX, seed, tX…): a local of the same name is renamed in generated code.
        reserved.UnionWith(GeneratedParameterNames(method, mask));
        var parser = new BodyParser(method, semanticModel.Compilation, reserved, diagnostics, cancellationToken, modelInfo);
        Block block = parser.ParseBody(body);
        if (diagnostics.Any(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == DiagnosticSeverity.Error))
        {
            return new Result<MethodModel>(null, diagnostics.ToEquatableArray());
        }

        // An output (an array the body writes) must be written before it is read: its incoming values are no input.
        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (mask[parameter.Ordinal] && parser.WrittenParameters.Contains(parameter.Name)
                && parser.ReadsBeforeWritten.TryGetValue(parameter.Name, out SyntaxNode? read))
            {
                Report(DiagnosticDescriptors.OutputReadBeforeWritten, LocationInfo.From(read), parameter.Name);
            }
        }

        if (method.ReturnsVoid && !method.Parameters.Any(p => mask[p.Ordinal] && (parser.WrittenParameters.Contains(p.Name) || Contract.IsOutOrRefValue(p))))
        {
            // A void method whose outputs the wrt list leaves out has nothing to differentiate: say which output.
            IParameterSymbol? leftOut = !Contract.WrtList(Contract.GetAttribute(method, Contract.DifferentiableAttribute)).IsEmpty
                ? method.Parameters.FirstOrDefault(p => parser.WrittenParameters.Contains(p.Name) && !Contract.HasAttribute(p, Contract.NoDerivativeAttribute)
                    && Contract.IsDifferentiableType(Contract.TypeOf(p.Type)))
                : null;
            if (leftOut is not null)
            {
                Report(DiagnosticDescriptors.OutputLeftOutOfWrt, LocationInfo.From(syntax.Identifier), method.Name, leftOut.Name);
            }
            else
            {
                Report(DiagnosticDescriptors.UnsupportedReturnType, LocationInfo.From(syntax.ReturnType), method.Name, "void");
            }
        }

        if (diagnostics.Any(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == DiagnosticSeverity.Error))
        {
            return new Result<MethodModel>(null, diagnostics.ToEquatableArray());
        }

        var primalNames = method.Parameters.Select(p => p.Name).ToList();
        var parameters = method.Parameters.Select((p, i) =>
        {
            IrType type = Contract.TypeOf(p.Type);
            string declaration = (p.IsThis ? "this " : "") + Contract.ModifierText(p) + p.Type.ToDisplayString(Contract.TypeFormat) + " " + Contract.Escape(p.Name);
            string adjoint = mask[i] ? Contract.Escape(Contract.AdjointName(primalNames, i)) : "";
            string stem = char.ToUpperInvariant(p.Name[0]) + p.Name.Substring(1);
            string Derived(string prefix) => mask[i] ? Contract.Escape(Contract.Unique(prefix + stem, primalNames)) : "";
            Passing passing = Contract.PassingOf(p);
            // An out scalar's adjoint is its incoming gradient, taken by value (double dY).
            string adjointType = !mask[i] ? "" : passing == Passing.Out ? type.Name : Contract.AdjointTypeText(type);
            return new ParameterModel(Contract.Escape(p.Name), type, declaration, mask[i], adjoint, adjointType,
                parser.WrittenParameters.Contains(p.Name), Derived("t"), Derived("v"), Derived("h"), MayBeNull(p.Type),
                StructLayout.Leaves(StructLayout.ArrayElement(p.Type) ?? p.Type).ToEquatableArray(), passing);
        }).ToEquatableArray();
        var scalarOutputs = parser.ScalarOutputs.Select(o => new ScalarOutput(parameters.First(p => p.Name == Contract.Escape(o.Parameter)), o.Variable, o.Path)).ToEquatableArray();
        bool byValue = scalarOutputs.IsEmpty;

        var hierarchy = HierarchyInfo.From(method.ContainingType);
        bool allScalar = modelInfo is null && byValue && returnType.IsFloating && parameters.Where(p => p.Differentiable).All(p => p.Type.IsScalar) && parameters.Any(p => p.Differentiable);
        bool tupleTaken = method.ContainingType.GetMembers(method.Name + Contract.BackwardSuffix).OfType<IMethodSymbol>()
            .Any(m => m.Parameters.Length == method.Parameters.Length
                && m.Parameters.Zip(method.Parameters, (a, b) => SymbolEqualityComparer.Default.Equals(a.Type, b.Type)).All(x => x));

        var model = new MethodModel(
            hierarchy,
            Contract.Escape(method.Name),
            HintName(hierarchy, method),
            Modifiers(method),
            returnType,
            parameters,
            Contract.SeedName(primalNames),
            Cref(method),
            block,
            parser.UsedNames.Distinct().OrderBy(n => n, StringComparer.Ordinal).ToEquatableArray(),
            parser.UsesOpaqueSyntax ? Usings(syntax) : EquatableArray<string>.Empty,
            allScalar && !tupleTaken,
            LocationInfo.From(syntax.Identifier),
            modelInfo,
            Contract.Escape(GradientsName(primalNames)),
            Contract.Modes(context.Attributes[0]),
            Contract.Unique("tangent", primalNames),
            method.Parameters.Any(p => MayBeNull(p.Type)) || NullableInBody(syntax, context.SemanticModel),
            // An array of structs is copied field by field on the way in and out of each derivative: no tape for it yet.
            Contract.Modes(context.Attributes[0]).Has(Modes.Reverse) && Contract.TapeOf(method, context.SemanticModel.Compilation) is not null
                && !method.Parameters.Any(p => StructLayout.ArrayElement(p.Type) is not null) && byValue
                && modelInfo?.Members.Any(m => m.IsStructArray) != true ? Contract.TapeName(method) : null,
            parser.ResultFields,
            Contract.TypeParameterList(method),
            Contract.ConstraintClauses(method),
            NestedCalls.Unsupported(method) is null,
            scalarOutputs);
        return new Result<MethodModel>(model, diagnostics.ToEquatableArray());
    }

    private static bool MayBeNull(ITypeSymbol type) => type.IsReferenceType && type.NullableAnnotation == NullableAnnotation.Annotated;

    /// <summary>Whether the body suppresses a null warning (<c>v!</c>) or declares a nullable reference local.</summary>
    private static bool NullableInBody(MethodDeclarationSyntax syntax, SemanticModel semantics) =>
        syntax.DescendantNodes().Any(n => n.IsKind(SyntaxKind.SuppressNullableWarningExpression)
            || n is NullableTypeSyntax nullable && semantics.GetTypeInfo(nullable).Type is { IsReferenceType: true });

    private static void CheckWrtList(GeneratorAttributeSyntaxContext context, IMethodSymbol method, List<DiagnosticInfo> diagnostics)
    {
        AttributeData attribute = context.Attributes[0];
        ImmutableArray<string> wrt = Contract.WrtList(attribute);
        var argumentSyntax = (attribute.ApplicationSyntaxReference?.GetSyntax() as AttributeSyntax)?.ArgumentList?.Arguments;
        for (int i = 0; i < wrt.Length; i++)
        {
            LocationInfo? location = LocationInfo.From(argumentSyntax is { } args && i < args.Count ? args[i] : attribute.ApplicationSyntaxReference?.GetSyntax());
            IParameterSymbol? parameter = method.Parameters.FirstOrDefault(p => p.Name == wrt[i]);
            if (parameter is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownWrtName, location, wrt[i], method.Name));
            }
            else if (!Contract.IsDifferentiableType(Contract.TypeOf(parameter.Type)) && !StructLayout.IsDifferentiableStruct(parameter.Type)
                && StructLayout.ArrayElement(parameter.Type) is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WrtNotDifferentiable, location, parameter.Name, parameter.Type.ToDisplayString()));
            }
        }
    }

    /// <summary>
    /// Finds a user-written <c>XBackward</c> meant as the derivative of <paramref name="method"/>: one whose leading
    /// parameters are the primal's. If its remaining parameters break the contract, that is reported.
    /// </summary>
    private static IMethodSymbol? FindHandWrittenBackward(IMethodSymbol method, List<DiagnosticInfo> diagnostics)
    {
        foreach (IMethodSymbol candidate in method.ContainingType.GetMembers(method.Name + Contract.BackwardSuffix).OfType<IMethodSymbol>())
        {
            if (candidate.Parameters.Length <= method.Parameters.Length) continue;
            bool samePrefix = method.Parameters.Select((p, i) => SymbolEqualityComparer.Default.Equals(p.Type, candidate.Parameters[i].Type)
                && candidate.Parameters[i].RefKind == p.RefKind).All(x => x);
            if (!samePrefix) continue;
            string? problem = Contract.CheckSignature(method, candidate);
            if (problem is null) return candidate;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.CustomDerivativeSignature,
                candidate.Locations.FirstOrDefault() is { } location ? LocationInfo.From(location) : null,
                candidate.Name, method.Name, problem));
            return candidate;
        }

        return null;
    }

    private static IEnumerable<string> GeneratedParameterNames(IMethodSymbol method, ImmutableArray<bool> mask)
    {
        var primalNames = method.Parameters.Select(p => p.Name).ToList();
        for (int i = 0; i < primalNames.Count; i++)
        {
            if (!mask[i]) continue;
            string adjoint = Contract.AdjointName(primalNames, i);
            yield return adjoint;
            string stem = char.ToUpperInvariant(primalNames[i][0]) + primalNames[i].Substring(1);
            var derived = new[] { "t", "v", "h" }.Select(prefix => Contract.Unique(prefix + stem, primalNames)).ToList();
            foreach (string name in derived) yield return name;

            // An array of structs is worked on as one array per field (pts_X, dPts_X…).
            if (StructLayout.ArrayElement(method.Parameters[i].Type) is { } element)
            {
                foreach (StructLeaf leaf in StructLayout.Leaves(element))
                {
                    foreach (string owner in derived.Append(adjoint).Append(primalNames[i])) yield return Contract.FieldArrayName(owner, leaf.Path);
                }
            }
        }

        yield return Contract.SeedName(primalNames);
        yield return GradientsName(primalNames);
        yield return Contract.Unique("tangent", primalNames);
        yield return "seedTangent";
    }

    private static string GradientsName(List<string> parameters)
    {
        string name = "gradients";
        while (parameters.Contains(name)) name += "_";
        return name;
    }

    /// <summary>The primal as an XML doc cref that resolves without usings: <c>Loss(double[], global::System.Span{double})</c>.</summary>
    private static string Cref(IMethodSymbol method) =>
        Contract.Escape(method.Name) + Contract.TypeParameterList(method).Replace('<', '{').Replace('>', '}') + "(" + string.Join(", ", method.Parameters.Select(p => Contract.ModifierText(p) + CrefType(p.Type))) + ")";

    /// <summary>A type as a cref spells it: generic arguments in braces, a tuple as the ValueTuple it is.</summary>
    private static string CrefType(ITypeSymbol type) => type switch
    {
        INamedTypeSymbol { IsTupleType: true } tuple => "global::System.ValueTuple{" + string.Join(", ", tuple.TupleElements.Select(e => CrefType(e.Type))) + "}",
        IArrayTypeSymbol array => CrefType(array.ElementType) + "[" + new string(',', array.Rank - 1) + "]",
        _ => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace('<', '{').Replace('>', '}'),
    };

    private static string Modifiers(IMethodSymbol method)
    {
        string accessibility = method.DeclaredAccessibility switch
        {
            Accessibility.Public => "public",
            Accessibility.Internal => "internal",
            Accessibility.Protected => "protected",
            Accessibility.ProtectedOrInternal => "protected internal",
            Accessibility.ProtectedAndInternal => "private protected",
            _ => "private",
        };
        return method.IsStatic ? accessibility + " static" : accessibility;
    }

    private static string HintName(HierarchyInfo hierarchy, IMethodSymbol method) =>
        hierarchy.MetadataName + "." + method.Name + Contract.OverloadSuffix(method) + ".Backward.g.cs";

    /// <summary>The using directives in scope at the method, outermost first, for expressions kept as written.</summary>
    private static EquatableArray<string> Usings(SyntaxNode node)
    {
        var usings = new List<string>();
        foreach (SyntaxNode ancestor in node.Ancestors().Reverse())
        {
            SyntaxList<UsingDirectiveSyntax> directives = ancestor switch
            {
                CompilationUnitSyntax unit => unit.Usings,
                BaseNamespaceDeclarationSyntax ns => ns.Usings,
                _ => default,
            };
            foreach (UsingDirectiveSyntax directive in directives)
            {
                if (directive.GlobalKeyword.IsKind(SyntaxKind.GlobalKeyword)) continue;
                usings.Add(BodyParser.Collapse(directive.ToString()));
            }
        }

        return usings.ToEquatableArray();
    }

    /// <summary>Whether a type carries double or float values somewhere in it (a jagged array, a list, a struct…).</summary>
    /// <summary>The struct a parameter holds: itself, or the element of an array or span of it (not a span itself).</summary>
    private static INamedTypeSymbol? ElementStruct(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol array => ElementStruct(array.ElementType),
        INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } span
            when span.OriginalDefinition.MetadataName is "Span`1" or "ReadOnlySpan`1" => ElementStruct(span.TypeArguments[0]),
        INamedTypeSymbol { TypeKind: TypeKind.Struct, SpecialType: SpecialType.None, IsRefLikeType: false, IsGenericType: false } value => value,
        INamedTypeSymbol { IsTupleType: true } tuple => tuple,
        _ => null,
    };

    private static bool HoldsFloatingData(ITypeSymbol type) => type switch
    {
        { SpecialType: SpecialType.System_Double or SpecialType.System_Single } => true,
        IArrayTypeSymbol array => HoldsFloatingData(array.ElementType),
        INamedTypeSymbol { IsGenericType: true } generic => generic.TypeArguments.Any(HoldsFloatingData),
        INamedTypeSymbol { TypeKind: TypeKind.Struct } value => value.GetMembers().OfType<IFieldSymbol>()
            .Any(f => !f.IsStatic && f.Type.SpecialType is SpecialType.System_Double or SpecialType.System_Single)
            // A library struct's fields may be private and so not seen in metadata (Complex): its System.Numerics
            // kin show their data through properties.
            || Contract.InSystemNumerics(value)
                && value.GetMembers().OfType<IPropertySymbol>().Any(p => !p.IsStatic && p.Type.SpecialType is SpecialType.System_Double or SpecialType.System_Single),
        _ => false,
    };
}
