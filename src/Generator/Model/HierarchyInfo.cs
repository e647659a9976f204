using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Backprop.Gen.Model;

/// <summary>One containing type as the emitter must redeclare it: <c>partial class Outer&lt;T&gt;</c>.</summary>
internal sealed record TypeDeclarationInfo(string Keyword, string Name, string TypeParameters);

/// <summary>The namespace and the chain of containing types of a method, outermost first, as strings.</summary>
internal sealed record HierarchyInfo(string Namespace, EquatableArray<TypeDeclarationInfo> Types)
{
    /// <summary>The dotted name used in hint names, such as <c>MyApp.Net.Inner</c>.</summary>
    public string MetadataName
    {
        get
        {
            var parts = new List<string>();
            if (Namespace.Length > 0) parts.Add(Namespace);
            foreach (TypeDeclarationInfo type in Types)
            {
                parts.Add(type.TypeParameters.Length == 0 ? type.Name : type.Name + "_" + type.TypeParameters.Split(',').Length);
            }

            return string.Join(".", parts);
        }
    }

    public static HierarchyInfo From(INamedTypeSymbol type)
    {
        var types = new List<TypeDeclarationInfo>();
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            string keyword = current switch
            {
                { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
                { IsRecord: true } => "record",
                { TypeKind: TypeKind.Struct } => "struct",
                { TypeKind: TypeKind.Interface } => "interface",
                _ => "class",
            };
            string typeParameters = current.TypeParameters.Length == 0
                ? ""
                : string.Join(", ", System.Linq.Enumerable.Select(current.TypeParameters, p => p.Name));
            types.Insert(0, new TypeDeclarationInfo(keyword, current.Name, typeParameters));
        }

        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
        return new HierarchyInfo(ns, types.ToEquatableArray());
    }
}
