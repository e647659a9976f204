using System.Linq;
using Backprop.Gen.Differentiation;
using Backprop.Gen.Emit;
using Backprop.Gen.Model;
using Backprop.Gen.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Backprop.Gen;

/// <summary>
/// The Backprop.Gen incremental generator. For every method marked [Differentiable] it emits a sibling
/// <c>…Backward</c> that returns the value and accumulates exact gradients. This file is the wiring only.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class BackwardGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // 1. Every [Differentiable] method, checked against the contract and parsed into IR (plain data).
        IncrementalValuesProvider<Result<MethodModel>> methods = context.SyntaxProvider
            .ForAttributeWithMetadataName(Contract.DifferentiableAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                MethodParser.Parse)
            .WithTrackingName(TrackingNames.Parse);

        // 2. Every [DerivativeOf] custom derivative, checked against the contract of its target.
        IncrementalValuesProvider<Result<CustomDerivative>> customDerivatives = context.SyntaxProvider
            .ForAttributeWithMetadataName(Contract.DerivativeOfAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                CustomDerivativeParser.Parse)
            .WithTrackingName(TrackingNames.CustomDerivatives);

        // 3. The valid ones, as one registry every method's calls are resolved against.
        IncrementalValueProvider<EquatableArray<CustomDerivative>> registry = customDerivatives
            .Collect()
            .Select(static (all, _) => all.Where(r => r.Value is not null).Select(r => r.Value!)
                .OrderBy(d => d.TargetKey, System.StringComparer.Ordinal).ToEquatableArray())
            .WithTrackingName(TrackingNames.Registry);

        // 4. Normalize, analyse, build the reverse sweep and print it, one method at a time.
        IncrementalValuesProvider<GeneratedSource> differentiated = methods
            .Combine(registry)
            .Select(static (pair, cancellationToken) => Differentiator.Run(pair.Left, pair.Right, cancellationToken))
            .WithTrackingName(TrackingNames.Differentiate);

        // 4b. A method whose derivative calls those of a method that failed is not generated either (BPG0213).
        IncrementalValueProvider<EquatableArray<string>> blocked = differentiated
            .Select(static (source, _) => CallGraph.Node(source))
            .Collect()
            .Select(static (nodes, _) => CallGraph.Blocked(nodes))
            .WithTrackingName(TrackingNames.CallGraph);
        IncrementalValuesProvider<GeneratedSource> sources = differentiated
            .Combine(blocked)
            .Select(static (pair, _) => CallGraph.Gate(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Gate);

        // 5. One Gradients class per model class whose instance methods are differentiated.
        IncrementalValueProvider<EquatableArray<ModelInfo>> models = methods
            .Select(static (result, _) => result.Value?.Model)
            .Where(static model => model is not null)
            .Collect()
            .Select(static (all, _) => all.Distinct().OrderBy(m => m!.FileName, System.StringComparer.Ordinal).Select(m => m!).ToEquatableArray())
            .WithTrackingName(TrackingNames.Models);
        context.RegisterSourceOutput(models, static (spc, all) =>
        {
            foreach (ModelInfo model in all) spc.AddSource(model.FileName, GradientsEmitter.Emit(model));
        });

        // 6. [Differentiable] where no Backward can go (a lambda, an accessor, an operator): an error, not silence.
        IncrementalValuesProvider<DiagnosticInfo> misplaced = context.SyntaxProvider
            .ForAttributeWithMetadataName(Contract.DifferentiableAttribute,
                static (node, _) => node is not MethodDeclarationSyntax,
                static (target, _) => MisplacedAttribute.Diagnose(target))
            .WithTrackingName(TrackingNames.Misplaced);
        context.RegisterSourceOutput(misplaced, static (spc, diagnostic) => spc.ReportDiagnostic(diagnostic.ToDiagnostic()));

        // 7. Report and add.
        context.RegisterSourceOutput(customDerivatives, static (spc, result) =>
        {
            foreach (DiagnosticInfo diagnostic in result.Diagnostics) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
        });
        context.RegisterSourceOutput(sources, static (spc, source) =>
        {
            foreach (DiagnosticInfo diagnostic in source.Diagnostics) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            if (source.HintName is not null && source.Text is not null) spc.AddSource(source.HintName, source.Text);
        });
    }
}
