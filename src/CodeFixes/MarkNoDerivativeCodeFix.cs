using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Backprop.Gen.CodeFixes;

/// <summary>
/// BPG0201: a derivative flows into a call that has none, usually because a data parameter is not marked. Offers to mark
/// each parameter of the method that the call's arguments read with <c>[NoDerivative]</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MarkNoDerivativeCodeFix)), Shared]
public sealed class MarkNoDerivativeCodeFix : CodeFixProvider
{
    public const string DiagnosticId = "BPG0201";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticId);

    public override FixAllProvider? GetFixAllProvider() => null;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            SyntaxNode call = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (call.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault() is not { } method) continue;
            var parameters = method.ParameterList.Parameters.ToDictionary(p => p.Identifier.ValueText);
            var candidates = new List<ParameterSyntax>();
            foreach (IdentifierNameSyntax name in call.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                if (parameters.TryGetValue(name.Identifier.ValueText, out ParameterSyntax? parameter) && !candidates.Contains(parameter)
                    && !parameter.AttributeLists.SelectMany(l => l.Attributes).Any(a => a.Name.ToString() is "NoDerivative" or "NoDerivativeAttribute" or "Backprop.NoDerivative"))
                {
                    candidates.Add(parameter);
                }
            }

            foreach (ParameterSyntax parameter in candidates)
            {
                string name = parameter.Identifier.ValueText;
                context.RegisterCodeFix(
                    CodeAction.Create($"Mark parameter '{name}' [NoDerivative]", c => Mark(context.Document, parameter, c), nameof(MarkNoDerivativeCodeFix) + name),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> Mark(Document document, ParameterSyntax parameter, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);

        // Spell the attribute short where 'using Backprop;' (or the namespace itself) makes it visible.
        bool visible = model?.LookupNamespacesAndTypes(parameter.SpanStart, name: "NoDerivativeAttribute").Any() == true;
        NameSyntax name = visible ? SyntaxFactory.IdentifierName("NoDerivative") : SyntaxFactory.ParseName("Backprop.NoDerivative");
        AttributeListSyntax attribute = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(name)))
            .WithTrailingTrivia(SyntaxFactory.Space);
        ParameterSyntax updated = parameter.WithAttributeLists(parameter.AttributeLists.Add(attribute.WithLeadingTrivia(parameter.GetLeadingTrivia())))
            .WithLeadingTrivia();
        if (parameter.AttributeLists.Count > 0) updated = parameter.AddAttributeLists(attribute);
        return document.WithSyntaxRoot(root.ReplaceNode(parameter, updated));
    }
}
