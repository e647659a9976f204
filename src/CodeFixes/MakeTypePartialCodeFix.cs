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

/// <summary>BPG0001: adds the <c>partial</c> modifier to the type the Backward must join.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeTypePartialCodeFix)), Shared]
public sealed class MakeTypePartialCodeFix : CodeFixProvider
{
    public const string DiagnosticId = "BPG0001";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticId);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().FirstOrDefault() is not { } type
                || type.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create($"Make '{type.Identifier.Text}' partial", c => AddPartial(context.Document, type, c), nameof(MakeTypePartialCodeFix)),
                diagnostic);
        }
    }

    private static async Task<Document> AddPartial(Document document, TypeDeclarationSyntax type, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;

        // 'partial' goes last among the modifiers, just before the keyword (public static partial class).
        SyntaxToken partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        TypeDeclarationSyntax updated = type.Modifiers.Count == 0
            ? type.WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(type.Keyword.LeadingTrivia))).WithKeyword(type.Keyword.WithLeadingTrivia())
            : type.WithModifiers(type.Modifiers.Add(partial));
        return document.WithSyntaxRoot(root.ReplaceNode(type, updated));
    }
}
