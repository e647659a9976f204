using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Backprop.Gen.Diagnostics;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Backprop.Gen.Parsing;

/// <summary>A registered custom derivative: calls to the method under <paramref name="TargetKey"/> go through <paramref name="Callee"/>.</summary>
internal sealed record CustomDerivative(string TargetKey, Callee Callee);

/// <summary>Reads a <c>[DerivativeOf(typeof(T), nameof(T.M))]</c> method and checks it against the contract of T.M.</summary>
internal static class CustomDerivativeParser
{
    public static Result<CustomDerivative> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var derivative = (IMethodSymbol)context.TargetSymbol;
        var syntax = (MethodDeclarationSyntax)context.TargetNode;
        LocationInfo? at = LocationInfo.From(syntax.Identifier);
        try
        {
            AttributeData attribute = context.Attributes[0];
            if (attribute.ConstructorArguments.Length != 2
                || attribute.ConstructorArguments[0].Value is not INamedTypeSymbol targetType
                || attribute.ConstructorArguments[1].Value is not string targetName)
            {
                return Result<CustomDerivative>.Failure();
            }

            if (!derivative.IsStatic)
            {
                return Result<CustomDerivative>.Failure(DiagnosticInfo.Create(DiagnosticDescriptors.DerivativeOfNotStatic, at, derivative.Name));
            }

            string? problem = null;
            foreach (IMethodSymbol target in targetType.GetMembers(targetName).OfType<IMethodSymbol>())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (derivative.Parameters.Length <= target.Parameters.Length) continue;
                bool samePrefix = target.Parameters.Select((p, i) => SymbolEqualityComparer.Default.Equals(p.Type, derivative.Parameters[i].Type)).All(x => x);
                if (!samePrefix) continue;
                problem = Contract.CheckSignature(target, derivative);
                if (problem is not null) continue;

                ImmutableArray<bool> mask = Contract.DifferentiableMask(target);
                var names = target.Parameters.Select(p => p.Name).ToList();
                var parameters = target.Parameters.Select((p, i) => new CalleeParameter(p.Name, Contract.TypeOf(p.Type), mask[i],
                    derivative.Parameters.Any(d => d.Name == Contract.AdjointName(names, i) && Contract.HasAttribute(d, Contract.OutputAdjointAttribute))))
                    .ToEquatableArray();
                string backward = derivative.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + Contract.Escape(derivative.Name);
                return new Result<CustomDerivative>(
                    new CustomDerivative(Contract.Key(target), new Callee(targetType.Name + "." + target.Name, backward, parameters, Origin: CalleeOrigin.Registered)),
                    EquatableArray<DiagnosticInfo>.Empty);
            }

            return problem is not null
                ? Result<CustomDerivative>.Failure(DiagnosticInfo.Create(DiagnosticDescriptors.CustomDerivativeSignature, at,
                    derivative.Name, targetType.Name + "." + targetName, problem))
                : Result<CustomDerivative>.Failure(DiagnosticInfo.Create(DiagnosticDescriptors.DerivativeOfTargetNotFound, at,
                    targetType.ToDisplayString(), targetName, derivative.Name));
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception exception)
        {
            return Result<CustomDerivative>.Failure(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, at, derivative.Name,
                exception.GetType().Name + ": " + exception.Message));
        }
    }
}
