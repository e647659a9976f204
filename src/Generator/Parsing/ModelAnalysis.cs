using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Microsoft.CodeAnalysis;

namespace Backprop.Gen.Parsing;

/// <summary>
/// One differentiable member of a model class: a double/float field or auto-property, an array of them, a differentiable
/// struct (<c>V2 Offset</c>, <c>Vector3 Bias</c>), or another model object (a layer) whose gradients nest inside the parent's.
/// </summary>
/// <param name="Name">The member's name.</param>
/// <param name="Type">Its IR type (for a nested model, an opaque type).</param>
/// <param name="IsProperty">Whether it is an auto-property (which cannot be passed by reference).</param>
/// <param name="NestedModel">For a layer member, the layer type's fully qualified name; else null.</param>
/// <param name="Leaves">For a struct member, its leaves (<c>X</c>, <c>Pos.X</c>); empty otherwise.</param>
internal sealed record ModelMember(string Name, IrType Type, bool IsProperty, string? NestedModel, EquatableArray<StructLeaf> Leaves = default)
{
    /// <summary>A differentiable struct (<c>V2 Offset</c>): its leaves are parameters of their own.</summary>
    public bool IsStruct => !Leaves.IsEmpty && Type.IsScalar;

    /// <summary>A one-dimensional array of differentiable structs (<c>V2[] Points</c>): its fields go through arrays of their own.</summary>
    public bool IsStructArray => !Leaves.IsEmpty && !Type.IsScalar;
}

/// <summary>A model class: the type whose instance [Differentiable] methods differentiate its members too.</summary>
/// <param name="Hierarchy">The model type's namespace and containing types, the model type last.</param>
/// <param name="TypeName">The model type as written in its own scope, such as <c>Mlp</c> or <c>Layer&lt;T&gt;</c>.</param>
/// <param name="Members">Its differentiable members, in declaration order.</param>
internal sealed record ModelInfo(HierarchyInfo Hierarchy, string TypeName, EquatableArray<ModelMember> Members)
{
    public string FileName => Hierarchy.MetadataName + ".Gradients.g.cs";
}

/// <summary>Finds model classes and their differentiable members (docs/contract.md, "Model classes").</summary>
internal static class ModelAnalysis
{
    /// <summary>The model description of a type, or null when it has no differentiable member.</summary>
    public static ModelInfo? Describe(INamedTypeSymbol type) => Describe(type, new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default));

    private static ModelInfo? Describe(INamedTypeSymbol type, HashSet<INamedTypeSymbol> visiting)
    {
        if (type.TypeKind != TypeKind.Class || !visiting.Add(type)) return null;
        var members = new List<ModelMember>();
        foreach (ISymbol member in type.GetMembers())
        {
            (ITypeSymbol? memberType, bool isProperty, bool isReadOnly) = member switch
            {
                IFieldSymbol { IsStatic: false, IsConst: false, IsImplicitlyDeclared: false } f => (f.Type, false, f.IsReadOnly),
                IPropertySymbol { IsStatic: false, IsIndexer: false, GetMethod: not null } p when IsAutoProperty(p) => (p.Type, true, p.SetMethod is null || p.SetMethod.IsInitOnly),
                _ => (null, false, false),
            };
            if (memberType is null || Contract.HasAttribute(member, Contract.NoDerivativeAttribute)) continue;
            IrType irType = Contract.TypeOf(memberType);
            if (Contract.IsDifferentiableType(irType) && irType.Shape == ShapeKind.Array)
            {
                members.Add(new ModelMember(member.Name, irType, isProperty, null));
            }
            else if (Contract.IsDifferentiableType(irType) && irType.IsScalar && !isReadOnly)
            {
                members.Add(new ModelMember(member.Name, irType, isProperty, null));
            }
            else if (memberType is IArrayTypeSymbol { Rank: 1, ElementType: var element } && IsStructMember(element))
            {
                // An array of such structs: its fields copied into arrays of their own, as an array parameter's.
                members.Add(new ModelMember(member.Name, irType, isProperty, null, StructLayout.Leaves(element).ToEquatableArray()));
            }
            else if (IsStructMember(memberType) && !isReadOnly)
            {
                // A struct of doubles or floats: one parameter buffer of its leaves (docs/contract.md, "Model classes").
                members.Add(new ModelMember(member.Name, irType, isProperty, null, StructLayout.Leaves(memberType).ToEquatableArray()));
            }
            else if (memberType is INamedTypeSymbol nested && IsLayer(nested, visiting))
            {
                string name = nested.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                members.Add(new ModelMember(member.Name, new IrType(ShapeKind.Scalar, ElementKind.Other, 0, name, name), isProperty, name));
            }
        }

        visiting.Remove(type);
        if (members.Count == 0) return null;
        string typeName = type.TypeParameters.Length == 0 ? type.Name : type.Name + "<" + string.Join(", ", type.TypeParameters.Select(p => p.Name)) + ">";
        return new ModelInfo(HierarchyInfo.From(type), typeName, members.ToEquatableArray());
    }

    /// <summary>
    /// A struct a model may hold as a parameter: a differentiable struct declared in source, a System.Numerics vector,
    /// quaternion or Complex (rebuilt through its constructor), not a tuple, whose leaves are all floating.
    /// </summary>
    private static bool IsStructMember(ITypeSymbol type) =>
        !type.IsTupleType && StructLayout.Leaves(type) is { IsEmpty: false } leaves && leaves.All(l => l.Type.IsFloating);

    /// <summary>A layer: a model class with [Differentiable] instance methods of its own.</summary>
    public static bool IsLayer(INamedTypeSymbol type) => IsLayer(type, new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default));

    private static bool IsLayer(INamedTypeSymbol type, HashSet<INamedTypeSymbol> visiting) =>
        type.TypeKind == TypeKind.Class
        && type.GetMembers().OfType<IMethodSymbol>().Any(m => !m.IsStatic && Contract.HasAttribute(m, Contract.DifferentiableAttribute))
        && Describe(type, visiting) is not null;

    private static bool IsAutoProperty(IPropertySymbol property) =>
        property.ContainingType.GetMembers().OfType<IFieldSymbol>().Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property));
}
