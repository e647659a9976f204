using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Backprop.Gen.Parsing;

/// <summary>
/// Nested differentiation: a [Differentiable] method may call a generated derivative of another one
/// (<c>PotentialBackward(x, y, w, ref gX, ref gY, ref gW)</c>, <c>PotentialTangent(x, y, w, 1, 0, 0, out double gX)</c>).
/// The generator does not see its own output, so such a call is unresolved in the compilation it reads: this finds
/// the [Differentiable] method the call's name stands for.
/// </summary>
internal static class NestedCalls
{
    /// <summary>A call to <c>FBackward</c> or <c>FTangent</c> of the [Differentiable] method <paramref name="Method"/>.</summary>
    internal sealed record Target(IMethodSymbol Method, bool IsTangent, InvocationExpressionSyntax Call, bool SameType);

    public const string GradientSuffix = "NestedGradient";
    public const string TangentSuffix = "NestedTangent";

    /// <summary>The derivative an unresolved invocation names, or null where it names none.</summary>
    public static Target? Resolve(IOperation operation, IMethodSymbol caller, Compilation compilation)
    {
        if (operation is not IInvalidOperation || operation.Syntax is not InvocationExpressionSyntax call) return null;
        (string? name, INamedTypeSymbol? owner) = call.Expression switch
        {
            IdentifierNameSyntax id => (id.Identifier.ValueText, caller.ContainingType),
            MemberAccessExpressionSyntax { Name: IdentifierNameSyntax member } access =>
                (member.Identifier.ValueText, compilation.GetSemanticModel(call.SyntaxTree).GetSymbolInfo(access.Expression).Symbol as INamedTypeSymbol),
            _ => (null, null),
        };
        if (name is null || owner is null) return null;
        bool tangent = name.EndsWith("Tangent", System.StringComparison.Ordinal);
        if (!tangent && !name.EndsWith(Contract.BackwardSuffix, System.StringComparison.Ordinal)) return null;
        string stem = name.Substring(0, name.Length - (tangent ? "Tangent".Length : Contract.BackwardSuffix.Length));
        // A bare name may be a member of an enclosing type, as C# looks it up.
        for (INamedTypeSymbol? type = owner; type is not null; type = call.Expression is IdentifierNameSyntax ? type.ContainingType : null)
        {
            IMethodSymbol[] found = type.GetMembers(stem).OfType<IMethodSymbol>()
                .Where(m => Contract.HasAttribute(m, Contract.DifferentiableAttribute) && m.Locations.Any(l => l.IsInSource)).ToArray();
            if (found.Length == 1) return new Target(found[0], tangent, call, SymbolEqualityComparer.Default.Equals(type, caller.ContainingType));
            if (found.Length > 1) return null;
        }

        return null;
    }

    /// <summary>
    /// Whether an operation the compiler could not bind is (part of) a nested derivative call, which the generator
    /// resolves itself: the call, its arguments, and an implicit conversion of its value.
    /// </summary>
    public static bool Excused(IOperation operation, IMethodSymbol caller, Compilation compilation)
    {
        for (IOperation? node = operation; node is not null; node = node.Parent)
        {
            if (Resolve(node, caller, compilation) is not null) return true;
            if (node is IConversionOperation { Operand: var operand } && Resolve(operand, caller, compilation) is not null) return true;
        }

        return false;
    }

    /// <summary>
    /// The nested calls in places the generator does not take them: anywhere but a statement of their own
    /// (<c>FBackward(…);</c>), a local's initializer or the value of an assignment. Inside a larger expression the
    /// compiler cannot type what the generator would need, so such a call is an error the caller is told how to mend.
    /// </summary>
    public static System.Collections.Generic.IEnumerable<IOperation> Misplaced(IOperation body, IMethodSymbol caller, Compilation compilation) =>
        body.DescendantsAndSelf().Where(o => Resolve(o, caller, compilation) is not null && !Placed(o));

    private static bool Placed(IOperation call)
    {
        IOperation? parent = call.Parent is IConversionOperation { IsImplicit: true } conversion ? conversion.Parent : call.Parent;
        return parent is IExpressionStatementOperation or IVariableInitializerOperation
            || parent is ISimpleAssignmentOperation assignment && assignment.Value == (call.Parent is IConversionOperation ? call.Parent : call)
                && assignment.Parent is IExpressionStatementOperation;
    }

    /// <summary>
    /// Why <paramref name="method"/>'s derivative cannot be differentiated again, or null: its derivatives come from
    /// its HessianVector, so it must be static, second order, and over floating scalars of the result's type, all
    /// differentiable. The same answer decides whether the method's hidden layers are emitted (MethodModel.NestedLayers),
    /// so a call the generator accepts always finds them.
    /// </summary>
    public static string? Unsupported(IMethodSymbol method)
    {
        if (!method.IsStatic || method.IsGenericMethod || method.IsExtensionMethod) return "a static method, not generic and not an extension";
        // Its hidden layers are emitted beside its generated HessianVector.
        if ((Contract.Modes(Contract.GetAttribute(method, Contract.DifferentiableAttribute)) & Model.Modes.SecondOrder) == 0)
        {
            return "[Differentiable(Modes = DifferentiationModes.SecondOrder)]";
        }

        IR.IrType result = Contract.TypeOf(method.ReturnType);
        if (!result.IsFloating) return "a double or float result";
        var mask = Contract.DifferentiableMask(method);
        if (method.Parameters.Length == 0 || method.Parameters.Any(p => p.RefKind != RefKind.None || !mask[p.Ordinal] || !Contract.TypeOf(p.Type).Equals(result)))
        {
            return $"only {result.Name} parameters (no arrays, structs or [NoDerivative]), all differentiable";
        }

        return null;
    }
}
