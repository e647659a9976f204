using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Backprop.Gen.IR;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Backprop.Gen.Parsing;

/// <summary>
/// The public contract (docs/contract.md) as code: which parameters are differentiable, how adjoints are named and
/// typed, and the exact signature a Backward (generated or hand-written) must have.
/// </summary>
internal static class Contract
{
    public const string DifferentiableAttribute = "Backprop.DifferentiableAttribute";
    public const string NoDerivativeAttribute = "Backprop.NoDerivativeAttribute";
    public const string DerivativeOfAttribute = "Backprop.DerivativeOfAttribute";
    public const string OutputAdjointAttribute = "Backprop.OutputAdjointAttribute";
    public const string BackwardSuffix = "Backward";

    public static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>The IR type of a symbol's type.</summary>
    public static IrType TypeOf(ITypeSymbol type)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                IrType element = TypeOf(array.ElementType);
                return element.IsScalar
                    ? IrType.ArrayOf(element, array.Rank)
                    : Other(type);
            case INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
                when IsSystemType(named.OriginalDefinition, "Span`1") || IsSystemType(named.OriginalDefinition, "ReadOnlySpan`1"):
                IrType item = TypeOf(named.TypeArguments[0]);
                return item.IsScalar ? IrType.SpanOf(item, named.OriginalDefinition.MetadataName == "ReadOnlySpan`1") : Other(type);
        }

        if (type is ITypeParameterSymbol parameter && IsFloatingTypeParameter(parameter)) return IrType.TypeParameter(parameter.Name);

        return type.SpecialType switch
        {
            SpecialType.System_Double => IrType.Double,
            SpecialType.System_Single => IrType.Float,
            SpecialType.System_Int32 => IrType.Int,
            SpecialType.System_Boolean => IrType.Bool,
            SpecialType.System_Int64 => new IrType(ShapeKind.Scalar, ElementKind.Long, 0, "long", "long"),
            _ => Other(type),
        };
    }

    /// <summary>
    /// Whether a type parameter is a generic-math floating type: constrained to <c>IFloatingPointIeee754&lt;T&gt;</c>,
    /// directly or through an interface that extends it (<c>IBinaryFloatingPointIeee754&lt;T&gt;</c>). Such a T has
    /// every function of the rules table (<c>T.Exp</c>, <c>T.Atan2</c>…), its constants and its comparisons.
    /// </summary>
    public static bool IsFloatingTypeParameter(ITypeParameterSymbol parameter) =>
        parameter.ConstraintTypes.OfType<INamedTypeSymbol>().Any(constraint =>
            constraint.AllInterfaces.Add(constraint).Any(i => IsFloatingPointIeee754(i) && SymbolEqualityComparer.Default.Equals(i.TypeArguments[0], parameter)));

    private static bool IsFloatingPointIeee754(INamedTypeSymbol type) =>
        type.OriginalDefinition.MetadataName == "IFloatingPointIeee754`1" && InSystemNumerics(type);

    /// <summary>Whether a symbol is declared in <c>System.Numerics</c> (a namespace inside it counts too).</summary>
    public static bool InSystemNumerics(ISymbol symbol) =>
        symbol.ContainingNamespace is { Name: "Numerics", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } };

    /// <summary>
    /// A generic method's type arguments as a call spells them, fully qualified (<c>&lt;double&gt;</c> for
    /// <c>Dense&lt;double&gt;</c>), or "" for a method that is not generic.
    /// </summary>
    public static string TypeArgumentList(IMethodSymbol method) => method.IsGenericMethod
        ? "<" + string.Join(", ", method.TypeArguments.Select(t => t.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat))) + ">"
        : "";

    /// <summary>The type parameter list of a generic method as generated methods repeat it: <c>&lt;T&gt;</c>, or "".</summary>
    public static string TypeParameterList(IMethodSymbol method) =>
        method.TypeParameters.IsEmpty ? "" : "<" + string.Join(", ", method.TypeParameters.Select(p => p.Name)) + ">";

    /// <summary>
    /// The constraint clauses of a generic method as generated methods repeat them, fully qualified:
    /// <c> where T : global::System.Numerics.IFloatingPointIeee754&lt;T&gt;</c>, or "".
    /// </summary>
    public static string ConstraintClauses(IMethodSymbol method)
    {
        var text = new System.Text.StringBuilder();
        foreach (ITypeParameterSymbol parameter in method.TypeParameters)
        {
            var parts = new List<string>();
            if (parameter.HasUnmanagedTypeConstraint) parts.Add("unmanaged");
            else if (parameter.HasValueTypeConstraint) parts.Add("struct");
            else if (parameter.HasReferenceTypeConstraint) parts.Add("class");
            else if (parameter.HasNotNullConstraint) parts.Add("notnull");
            parts.AddRange(parameter.ConstraintTypes.Select(t => t.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)));
            if (parameter.HasConstructorConstraint && !parameter.HasValueTypeConstraint) parts.Add("new()");
            if (parts.Count > 0) text.Append(" where ").Append(parameter.Name).Append(" : ").Append(string.Join(", ", parts));
        }

        return text.ToString();
    }

    private static IrType Other(ITypeSymbol type)
    {
        string name = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        // A struct whose fields cannot be set is rebuilt through its constructor (Complex, a readonly struct).
        bool differentiable = type.TypeKind == TypeKind.Struct && StructLayout.IsDifferentiableStruct(type);
        return new IrType(ShapeKind.Scalar, ElementKind.Other, 0, name, name)
        {
            Constructor = differentiable ? StructLayout.ConstructorOf(type) : Model.EquatableArray<string>.Empty,
            Members = differentiable ? StructLayout.MembersOf(type) : Model.EquatableArray<StructMember>.Empty,
        };
    }

    private static bool IsSystemType(INamedTypeSymbol type, string metadataName) =>
        type.MetadataName == metadataName && type.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true };

    /// <summary>Whether a parameter of this type can be differentiated: double/float, 1- or 2-D arrays and spans of them.</summary>
    public static bool IsDifferentiableType(IrType type) => type.IsFloatingElement && (type.Shape != ShapeKind.Array || type.Rank <= 2);

    public static bool HasAttribute(ISymbol symbol, string metadataName) =>
        symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == metadataName);

    public static AttributeData? GetAttribute(ISymbol symbol, string metadataName) =>
        symbol.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == metadataName);

    /// <summary>The wrt list of a [Differentiable] attribute, empty when it names none.</summary>
    public static ImmutableArray<string> WrtList(AttributeData? attribute)
    {
        if (attribute is null || attribute.ConstructorArguments.Length == 0) return ImmutableArray<string>.Empty;
        TypedConstant argument = attribute.ConstructorArguments[0];
        if (argument.Kind != TypedConstantKind.Array || argument.IsNull) return ImmutableArray<string>.Empty;
        return argument.Values.Select(v => v.Value as string ?? "").ToImmutableArray();
    }

    /// <summary>Whether a [Differentiable] attribute makes the method a checkpoint (<c>Checkpoint = true</c>).</summary>
    public static bool IsCheckpoint(AttributeData? attribute) =>
        attribute is not null && attribute.NamedArguments.Any(a => a.Key == "Checkpoint" && a.Value.Value is true);

    /// <summary>The modes a [Differentiable] attribute asks for (SecondOrder implies the others), none without the attribute.</summary>
    public static Model.Modes Modes(AttributeData? attribute)
    {
        if (attribute is null) return Model.Modes.None;
        Model.Modes modes = Model.Modes.Reverse;
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == "Modes" && argument.Value.Value is int value) modes = (Model.Modes)value;
        }

        return (modes & Model.Modes.SecondOrder) != 0 ? modes | Model.Modes.Reverse | Model.Modes.Forward : modes;
    }

    /// <summary>
    /// The modes a callee can be differentiated in: its attribute's, plus any mode a hand-written derivative of the
    /// contract's name provides (<c>XTangent</c>, <c>XHessianVector</c>).
    /// </summary>
    public static Model.Modes CalleeModes(IMethodSymbol method)
    {
        Model.Modes modes = Modes(GetAttribute(method, DifferentiableAttribute));
        var members = method.ContainingType.GetMembers();
        if (members.Any(m => m.Name == method.Name + BackwardSuffix)) modes |= Model.Modes.Reverse;
        if (members.Any(m => m.Name == method.Name + "Tangent")) modes |= Model.Modes.Forward;
        if (members.Any(m => m.Name == method.Name + "HessianVector")) modes |= Model.Modes.SecondOrder;
        return modes;
    }

    /// <summary>
    /// Whether a parameter passes its value in: a plain parameter, or an <c>in</c> one, which the method cannot write
    /// and which differentiates as a plain one (its adjoint is <c>ref T</c> or an array, as usual).
    /// </summary>
    public static bool IsByValue(IParameterSymbol parameter) => parameter.RefKind is RefKind.None or RefKind.In;

    /// <summary>
    /// An <c>out</c> or <c>ref</c> parameter of a floating type (<c>out double y</c>, <c>ref float z</c>, <c>out T y</c>)
    /// or of a differentiable struct (<c>out V2 p</c>, field by field): an output the method writes (and for <c>ref</c>,
    /// an input too), differentiated as the contract says.
    /// </summary>
    public static bool IsOutOrRefValue(IParameterSymbol parameter) =>
        parameter.RefKind is RefKind.Out or RefKind.Ref
        && (TypeOf(parameter.Type) is { IsScalar: true, IsFloating: true } || StructLayout.IsDifferentiableStruct(parameter.Type));

    /// <summary>How a parameter is passed, as the model keeps it.</summary>
    public static Model.Passing PassingOf(IParameterSymbol parameter) => parameter.RefKind switch
    {
        RefKind.Out => Model.Passing.Out,
        RefKind.Ref => Model.Passing.Ref,
        _ => Model.Passing.Value,
    };

    /// <summary>The modifier a generated method repeats on a primal parameter: <c>in </c>, <c>out </c>, <c>ref </c> or none.</summary>
    public static string ModifierText(IParameterSymbol parameter) => parameter.RefKind switch
    {
        RefKind.In => "in ",
        RefKind.Out => "out ",
        RefKind.Ref => "ref ",
        _ => "",
    };

    /// <summary>Which of a method's parameters are differentiable under the contract.</summary>
    public static ImmutableArray<bool> DifferentiableMask(IMethodSymbol method)
    {
        ImmutableArray<string> wrt = WrtList(GetAttribute(method, DifferentiableAttribute));
        return method.Parameters
            .Select(p => (IsByValue(p) || IsOutOrRefValue(p))
                && (IsDifferentiableType(TypeOf(p.Type)) || StructLayout.IsDifferentiableStruct(p.Type) || StructLayout.ArrayElement(p.Type) is not null)
                && !HasAttribute(p, NoDerivativeAttribute)
                && (wrt.IsEmpty || wrt.Contains(p.Name)))
            .ToImmutableArray();
    }

    /// <summary>
    /// The adjoint of parameter <paramref name="index"/>: <c>w → dW</c>, <c>weights → dWeights</c>. A clash with a primal
    /// parameter, or with an earlier parameter's adjoint (<c>x</c> and <c>X</c> both give <c>dX</c>), gets a trailing
    /// underscore.
    /// </summary>
    public static string AdjointName(IReadOnlyList<string> primalNames, int index)
    {
        HashSet<string> taken = new(primalNames);
        string name = "";
        for (int i = 0; i <= index; i++)
        {
            string parameter = primalNames[i];
            name = "d" + char.ToUpperInvariant(parameter[0]) + parameter.Substring(1);
            while (taken.Contains(name)) name += "_";
            taken.Add(name);
        }

        return name;
    }

    /// <summary>
    /// The type of the tape a generated method records (<c>Network.LogitsTape</c>), fully qualified; null where there is
    /// none: a checkpoint, a hand-written derivative or a struct's instance method. Compiled
    /// elsewhere, the method's <c>…Record</c> tells (its last parameter is the tape chain).
    /// </summary>
    public static string? TapeOf(IMethodSymbol method, Compilation compilation)
    {
        if (!method.IsStatic && method.ContainingType.TypeKind != TypeKind.Class) return null;
        // A generic-math method's tape is generic too: DenseTape<double> for a call of Dense<double>.
        string typeArguments = TypeArgumentList(method);
        IMethodSymbol constructed = method;
        method = method.OriginalDefinition;
        if (IsCheckpoint(GetAttribute(method, DifferentiableAttribute))) return null;
        if (method.Locations.Any(l => l.IsInSource))
        {
            // The tape holds the method's locals, and its type is as accessible as the method: a local of a less
            // accessible type (a private struct in a public method) could not be its field.
            return LocalsAsAccessibleAs(method, compilation)
                ? constructed.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + TapeName(method) + typeArguments
                : null;
        }

        IMethodSymbol? record = constructed.ContainingType.GetMembers(method.Name + "Record").OfType<IMethodSymbol>()
            .Select(m => ConstructedLike(m, constructed))
            .FirstOrDefault(m => m.Parameters.Length == method.Parameters.Length + 1
                && m.Parameters.Take(method.Parameters.Length).Select(p => p.Type).SequenceEqual(constructed.Parameters.Select(p => p.Type), SymbolEqualityComparer.Default));
        return record?.Parameters.Last().Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
    }

    /// <summary>Whether every parameter and local of a method is of a type at least as accessible as the method.</summary>
    private static bool LocalsAsAccessibleAs(IMethodSymbol method, Compilation compilation)
    {
        Accessibility own = Effective(method);
        var types = method.Parameters.Select(p => p.Type).ToList();
        foreach (SyntaxReference reference in method.DeclaringSyntaxReferences)
        {
            SyntaxNode syntax = reference.GetSyntax();
            SemanticModel semantics = compilation.GetSemanticModel(syntax.SyntaxTree);
            foreach (SyntaxNode node in syntax.DescendantNodes())
            {
                if (semantics.GetDeclaredSymbol(node) is ILocalSymbol local) types.Add(local.Type);
            }
        }

        return types.All(t => Effective(t) >= own);
    }

    /// <summary>The accessibility a symbol has from outside: the least of its own and its containing types' (and elements').</summary>
    private static Accessibility Effective(ISymbol symbol)
    {
        Accessibility least = Accessibility.Public;
        for (ISymbol? s = symbol; s is not null && s is not INamespaceSymbol; s = s.ContainingSymbol)
        {
            if (s is ITypeParameterSymbol) break;
            if (s.DeclaredAccessibility != Accessibility.NotApplicable && s.DeclaredAccessibility < least) least = s.DeclaredAccessibility;
            switch (s)
            {
                case IArrayTypeSymbol array:
                    Accessibility element = Effective(array.ElementType);
                    if (element < least) least = element;
                    break;
                case INamedTypeSymbol { IsGenericType: true } generic:
                    foreach (ITypeSymbol argument in generic.TypeArguments)
                    {
                        Accessibility inner = Effective(argument);
                        if (inner < least) least = inner;
                    }

                    break;
            }
        }

        return least;
    }

    /// <summary>The tape type's own name: <c>LogitsTape</c>, numbered among [Differentiable] overloads (<c>LossTape_2</c>).</summary>
    public static string TapeName(IMethodSymbol method) => method.Name + "Tape" + OverloadSuffix(method);

    /// <summary>"" for a method alone of its name among the type's [Differentiable] methods, else <c>_1</c>, <c>_2</c>… in source order.</summary>
    public static string OverloadSuffix(IMethodSymbol method)
    {
        var overloads = method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>()
            .Where(m => HasAttribute(m, DifferentiableAttribute))
            .OrderBy(m => m.Locations.FirstOrDefault()?.SourceTree?.FilePath, System.StringComparer.Ordinal)
            .ThenBy(m => m.Locations.FirstOrDefault()?.SourceSpan.Start ?? 0)
            .ToList();
        return overloads.Count > 1 ? "_" + (overloads.FindIndex(m => SymbolEqualityComparer.Default.Equals(m, method)) + 1) : "";
    }

    /// <summary><paramref name="name"/>, with underscores appended while it clashes with <paramref name="taken"/>.</summary>
    public static string Unique(string name, IEnumerable<string> taken)
    {
        var set = new HashSet<string>(taken);
        while (set.Contains(name)) name += "_";
        return name;
    }

    /// <summary>The seed parameter's name: <c>seed</c>, with underscores appended while it clashes.</summary>
    public static string SeedName(IEnumerable<string> takenNames)
    {
        HashSet<string> taken = new(takenNames);
        string name = "seed";
        while (taken.Contains(name)) name += "_";
        return name;
    }

    /// <summary>
    /// The array each floating field of an array of structs is copied into, for the derivatives to work on:
    /// <c>pts_X</c> for <c>pts[i].X</c>, <c>dPts_Pos_X</c> for the adjoint's <c>dPts[i].Pos.X</c>.
    /// </summary>
    public static string FieldArrayName(string array, string path) => array.TrimStart('@') + "_" + path.Replace('.', '_');

    /// <summary>The declared type of an adjoint parameter: <c>ref double</c>, <c>double[]?</c>, <c>Span&lt;double&gt;</c>.</summary>
    public static string AdjointTypeText(IrType type) => type.Shape switch
    {
        ShapeKind.Scalar => "ref " + type.Name,
        ShapeKind.Array => type.Name + "?",
        _ => IrType.SpanOf(type.ElementType, readOnly: false).Name,
    };

    /// <summary>
    /// Checks a hand-written Backward against the contract signature of <paramref name="primal"/>; returns null when
    /// it matches, or what is wrong.
    /// </summary>
    public static string? CheckSignature(IMethodSymbol primal, IMethodSymbol derivative)
    {
        derivative = ConstructedLike(derivative, primal);
        ImmutableArray<bool> mask = DifferentiableMask(primal);
        var expected = new List<(string Name, ITypeSymbol? Type, IrType? IrType, RefKind RefKind)>();
        foreach (IParameterSymbol p in primal.Parameters) expected.Add((p.Name, p.Type, null, RefKind.None));
        for (int i = 0; i < primal.Parameters.Length; i++)
        {
            if (!mask[i]) continue;
            IParameterSymbol p = primal.Parameters[i];
            IrType type = TypeOf(p.Type);
            string name = AdjointName(primal.Parameters.Select(q => q.Name).ToList(), i);
            expected.Add(type.IsScalar ? (name, p.Type, null, RefKind.Ref) : (name, null, type, RefKind.None));
        }

        if (!primal.ReturnsVoid) expected.Add(("seed", primal.ReturnType, null, RefKind.None));

        if (!SymbolEqualityComparer.Default.Equals(derivative.ReturnType, primal.ReturnType))
        {
            return $"it returns '{derivative.ReturnType.ToDisplayString()}' but must return '{primal.ReturnType.ToDisplayString()}'";
        }

        for (int i = 0; i < expected.Count; i++)
        {
            var want = expected[i];
            string wantText = (want.RefKind == RefKind.Ref ? "ref " : "") + (want.Type?.ToDisplayString() ?? AdjointShapeDisplay(want.IrType!));
            if (i >= derivative.Parameters.Length)
            {
                return $"parameter {i + 1} is missing: expected '{wantText} {want.Name}'";
            }

            IParameterSymbol actual = derivative.Parameters[i];
            bool typeMatches = want.Type is not null
                ? SymbolEqualityComparer.Default.Equals(actual.Type, want.Type)
                : AdjointShapeMatches(want.IrType!, TypeOf(actual.Type));
            if (!typeMatches || actual.RefKind != want.RefKind)
            {
                string actualText = (actual.RefKind == RefKind.None ? "" : actual.RefKind.ToString().ToLowerInvariant() + " ") + actual.Type.ToDisplayString();
                return $"parameter {i + 1} '{actual.Name}' is '{actualText}' but should be '{wantText}'";
            }
        }

        if (derivative.Parameters.Length > expected.Count)
        {
            return primal.ReturnsVoid
                ? $"parameter {expected.Count + 1} '{derivative.Parameters[expected.Count].Name}' is one too many: a void method's Backward has no seed"
                : $"parameter {expected.Count + 1} '{derivative.Parameters[expected.Count].Name}' is one too many: seed comes last";
        }

        return null;
    }

    /// <summary>
    /// A generic derivative of a generic primal, with the primal's type arguments (<c>DenseBackward&lt;double&gt;</c> for
    /// <c>Dense&lt;double&gt;</c>), so that their parameter types compare; any other method as it is.
    /// </summary>
    public static IMethodSymbol ConstructedLike(IMethodSymbol derivative, IMethodSymbol primal) =>
        primal.Arity > 0 && derivative.Arity == primal.Arity ? derivative.OriginalDefinition.Construct(primal.TypeArguments.ToArray()) : derivative;

    private static string AdjointShapeDisplay(IrType type) => type.Shape switch
    {
        ShapeKind.Array => type.Name,
        _ => "System.Span<" + type.ElementName + ">",
    };

    private static bool AdjointShapeMatches(IrType primal, IrType actual) => primal.Shape switch
    {
        ShapeKind.Array => actual.Shape == ShapeKind.Array && actual.Element == primal.Element && actual.Rank == primal.Rank,
        _ => actual.Shape == ShapeKind.Span && actual.Element == primal.Element,
    };

    /// <summary>Escapes a name that is a C# keyword with @.</summary>
    public static string Escape(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None
            ? "@" + name
            : name;

    /// <summary>The lookup key of a method for [DerivativeOf] registrations: type, name and parameter types.</summary>
    public static string Key(IMethodSymbol method) =>
        method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + method.Name + "("
        + string.Join(",", method.Parameters.Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat))) + ")";
}
