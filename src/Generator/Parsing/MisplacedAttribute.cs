using Backprop.Gen.Diagnostics;
using Backprop.Gen.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Backprop.Gen.Parsing;

/// <summary>
/// [Differentiable] on something C# lets the attribute sit on but that is not an ordinary method (a local function, a
/// lambda, an accessor, an operator, a constructor): BPG0011 on the attribute, with the rewrite that works.
/// </summary>
internal static class MisplacedAttribute
{
    public static DiagnosticInfo Diagnose(GeneratorAttributeSyntaxContext target)
    {
        (string what, string advice) = target.TargetNode switch
        {
            LocalFunctionStatementSyntax f => ($"the local function '{f.Identifier.Text}'",
                "make it a [Differentiable] method of the type and call it"),
            AnonymousFunctionExpressionSyntax => ("a lambda", "write it as a [Differentiable] method of the type"),
            AccessorDeclarationSyntax => ("an accessor", "write a [Differentiable] method and call it from the property or indexer"),
            OperatorDeclarationSyntax or ConversionOperatorDeclarationSyntax => ("an operator",
                "write a static [Differentiable] method that takes the operands, and call it from the operator"),
            ConstructorDeclarationSyntax or DestructorDeclarationSyntax => ("a constructor", "put the computation in a [Differentiable] method"),
            _ => ("this declaration", "put it on a method"),
        };
        SyntaxNode? attribute = target.Attributes.Length > 0 ? target.Attributes[0].ApplicationSyntaxReference?.GetSyntax() : null;
        return DiagnosticInfo.Create(DiagnosticDescriptors.NotAMethod, LocationInfo.From(attribute ?? target.TargetNode), what, advice);
    }
}
