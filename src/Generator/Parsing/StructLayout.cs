using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Backprop.Gen.Parsing;

/// <summary>
/// Differentiable structs: a tuple, or a struct (or record struct) declared in source, whose instance fields, auto-property backing
/// fields included, are all <c>double</c>/<c>float</c> or differentiable structs, recursively, and can all be set (no
/// readonly field; a property has a setter or init, as a record struct's do). Its value is the list of
/// its leaves, the floating fields at the end of each path (<c>X</c>, <c>Pos.X</c>); the generator works on one scalar
/// per leaf, and the struct's adjoint and tangent are the struct type itself.
/// </summary>
internal static class StructLayout
{
    /// <summary>The leaves of a differentiable struct, in declaration order; empty for any other type.</summary>
    public static ImmutableArray<StructLeaf> Leaves(ITypeSymbol type) => !MayBeStruct(type) ? ImmutableArray<StructLeaf>.Empty
        : Collect(type, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default)) ?? ImmutableArray<StructLeaf>.Empty;

    /// <summary>Whether a type is a differentiable struct.</summary>
    public static bool IsDifferentiableStruct(ITypeSymbol? type) => type is not null && MayBeStruct(type) && !Leaves(type).IsEmpty;

    /// <summary>
    /// The element of an array (one dimension) or span of differentiable structs (<c>V2[] pts</c>,
    /// <c>ReadOnlySpan&lt;Particle&gt;</c>); null for any other type.
    /// </summary>
    public static ITypeSymbol? ArrayElement(ITypeSymbol? type)
    {
        ITypeSymbol? element = type switch
        {
            IArrayTypeSymbol { Rank: 1 } array => array.ElementType,
            INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } span
                when span.OriginalDefinition.MetadataName is "Span`1" or "ReadOnlySpan`1"
                    && span.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true } => span.TypeArguments[0],
            _ => null,
        };
        return element is not null && IsDifferentiableStruct(element) ? element : null;
    }

    /// <summary>A struct's data members with their types (empty for the System.Numerics types, whose fields are all scalars).</summary>
    public static Model.EquatableArray<StructMember> MembersOf(ITypeSymbol type) =>
        type is INamedTypeSymbol named && !BodyParser.IsNumericsVector(named)
            ? DataFields(named).Select(f => new StructMember(Contract.Escape(MemberName(f)), Contract.TypeOf(f.Type))).ToEquatableArray()
            : Model.EquatableArray<StructMember>.Empty;

    /// <summary>The cheap test first: most types the parser asks about are primitives, arrays or classes.</summary>
    private static bool MayBeStruct(ITypeSymbol type) => type.TypeKind == TypeKind.Struct && type.SpecialType == SpecialType.None;

    /// <summary>The name by which code reaches a field: an auto-property's backing field goes by the property's name.</summary>
    public static string MemberName(IFieldSymbol field) =>
        field.CorrespondingTupleField is { } item ? item.Name : field.AssociatedSymbol is IPropertySymbol property ? property.Name : field.Name;

    /// <summary>The instance fields that hold a struct's data.</summary>
    public static IEnumerable<IFieldSymbol> DataFields(INamedTypeSymbol type) => type.IsTupleType
        ? type.TupleElements
        : type.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst);

    /// <summary>
    /// Whether a property is one of the struct's leaves or sub-structs (an auto-property), rather than a computed one.
    /// </summary>
    public static bool IsDataProperty(IPropertySymbol property) =>
        property.ContainingType is { } type && DataFields(type).Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property));

    private static bool Open(Accessibility a) => a is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal;

    /// <summary>Whether code outside the struct (in the same assembly) can read a field, and can set it.</summary>
    private static (bool Read, bool Set) Visible(IFieldSymbol field) => field.AssociatedSymbol is IPropertySymbol property
        ? (Open(property.DeclaredAccessibility) && property.GetMethod is { } get && Open(get.DeclaredAccessibility),
            property.SetMethod is { } set && Open(set.DeclaredAccessibility))
        : (field.IsImplicitlyDeclared || Open(field.DeclaredAccessibility), !field.IsReadOnly);

    /// <summary>
    /// For a struct declared in source whose fields cannot all be set from outside (a readonly struct with get-only
    /// properties or readonly fields), the constructor that sets them all: its members in its parameters' order. Only a
    /// constructor whose body is nothing but one plain assignment per parameter (<c>X = x;</c>, <c>this.Y = y;</c>), each
    /// to a different member of the parameter's very type, qualifies: a constructor that computes (normalizes, clamps,
    /// converts) would do the same to an adjoint built through it. An unqualified name that is also a parameter's is the
    /// parameter, not the member (<c>X = X;</c> sets nothing). Empty when there is none; for Complex, (Real, Imaginary).
    /// </summary>
    public static Model.EquatableArray<string> ConstructorOf(ITypeSymbol type)
    {
        if (!MayBeStruct(type) || type is not INamedTypeSymbol named) return Model.EquatableArray<string>.Empty;
        if (BodyParser.IsComplex(named)) return Model.EquatableArray.Of("Real", "Imaginary");
        if (named.IsTupleType || named.IsGenericType || named.DeclaringSyntaxReferences.IsEmpty) return Model.EquatableArray<string>.Empty;
        var fields = DataFields(named).ToList();
        if (fields.All(f => Visible(f).Set)) return Model.EquatableArray<string>.Empty;
        var members = fields.ToDictionary(MemberName, f => f.Type, System.StringComparer.Ordinal);
        foreach (IMethodSymbol constructor in named.InstanceConstructors)
        {
            if (constructor.Parameters.Length != fields.Count || !Open(constructor.DeclaredAccessibility)) continue;
            if (constructor.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is not ConstructorDeclarationSyntax syntax) continue;
            IEnumerable<StatementSyntax>? statements = syntax.Body is { } block ? block.Statements
                : syntax.ExpressionBody is { } arrow ? new StatementSyntax[] { SyntaxFactory.ExpressionStatement(arrow.Expression) } : null;
            if (statements is null || syntax.Initializer is not null) continue;
            var order = new string?[constructor.Parameters.Length];
            bool plain = true;
            foreach (StatementSyntax statement in statements)
            {
                int index = -1;
                string? member = null;
                if (statement is ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } assignment }
                    && assignment.Right is IdentifierNameSyntax value)
                {
                    member = assignment.Left switch
                    {
                        IdentifierNameSyntax name when !constructor.Parameters.Any(p => p.Name == name.Identifier.ValueText) => name.Identifier.ValueText,
                        MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: IdentifierNameSyntax name } => name.Identifier.ValueText,
                        _ => null,
                    };
                    index = constructor.Parameters.IndexOf(constructor.Parameters.FirstOrDefault(p => p.Name == value.Identifier.ValueText)!);
                }

                if (member is null || index < 0 || !members.TryGetValue(member, out ITypeSymbol? memberType)
                    || !SymbolEqualityComparer.Default.Equals(memberType, constructor.Parameters[index].Type) || order[index] is not null || order.Contains(member))
                {
                    plain = false;
                    break;
                }

                order[index] = member;
            }

            if (plain && order.All(m => m is not null)) return order.Select(m => Contract.Escape(m!)).ToEquatableArray();
        }

        return Model.EquatableArray<string>.Empty;
    }

    private static ImmutableArray<StructLeaf>? Collect(ITypeSymbol type, HashSet<ITypeSymbol> seen)
    {
        // A struct declared in source, a tuple (whose elements are the fields Item1, Item2…), or a System.Numerics vector.
        if (type is not INamedTypeSymbol { TypeKind: TypeKind.Struct, SpecialType: SpecialType.None, IsRefLikeType: false } named
            || !(named.IsTupleType || BodyParser.IsNumericsVector(named) || !named.IsGenericType && !named.DeclaringSyntaxReferences.IsEmpty)
            || !seen.Add(named))
        {
            return null;
        }

        if (BodyParser.IsComplex(named))
        {
            // Complex keeps its data in private fields, behind the read-only properties Real and Imaginary: generated
            // code reads those and builds new values with its constructor (never 'with').
            seen.Remove(named);
            return ImmutableArray.Create(new StructLeaf("Real", IrType.Double, false), new StructLeaf("Imaginary", IrType.Double, false));
        }

        var leaves = ImmutableArray.CreateBuilder<StructLeaf>();
        // A struct whose fields cannot all be set is built through its constructor (ConstructorOf), field for field.
        bool constructed = !named.IsTupleType && !BodyParser.IsNumericsVector(named) && DataFields(named).Any(f => !Visible(f).Set);
        if (constructed && ConstructorOf(named).IsEmpty) return null;
        foreach (IFieldSymbol field in DataFields(named))
        {
            string name = Contract.Escape(MemberName(field));
            // An adjoint is written field by field: in place through mutable fields, with 'with' through properties
            // that have a setter or init, or through the constructor when some field cannot be set.
            // (Unless the struct is constructed, every field can be set: that is what 'constructed' means.)
            bool inPlace = !constructed && field.AssociatedSymbol is null;
            // Generated code in another type reads every field: a private one would not compile there.
            if (!Visible(field).Read) return null;
            if (field.Type.SpecialType is SpecialType.System_Double or SpecialType.System_Single
                || field.Type is ITypeParameterSymbol floating && Contract.IsFloatingTypeParameter(floating)
                || named.IsTupleType && field.Type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Boolean)
            {
                // A tuple may also hold an int, a long or a bool, which carries no derivative: (int Index, double Value).
                leaves.Add(new StructLeaf(name, Contract.TypeOf(field.Type), inPlace));
                continue;
            }

            // A struct inside (a Complex, a readonly struct): rebuilt level by level through 'with' or its constructor.
            ImmutableArray<StructLeaf>? inner = Collect(field.Type, seen);
            if (inner is null) return null;
            foreach (StructLeaf leaf in inner.Value) leaves.Add(new StructLeaf(name + "." + leaf.Path, leaf.Type, inPlace && leaf.Writable));
        }

        seen.Remove(named);
        return !leaves.Any(l => l.Type.IsFloating) ? null : leaves.ToImmutable();
    }
}
