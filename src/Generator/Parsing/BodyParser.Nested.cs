using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.Diagnostics;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Backprop.Gen.Parsing;

// Nested differentiation: a call to another method's generated derivative (FBackward, FTangent) inside a
// [Differentiable] method. The call becomes a call to one of F's hidden layers (FNestedGradient, FNestedTangent), whose
// output array holds the derivative's results and whose own derivatives come from F's HessianVector; the caller is then
// differentiated as over any layer.
internal sealed partial class BodyParser
{
    /// <summary>
    /// <c>FBackward(a…, ref dA…[, seed])</c> or <c>FTangent(a…, t…, out double d)</c>: the hidden layer's call and the
    /// stores of its results go into the prelude; the value is the derivative's return value (F's value). Null after an error.
    /// </summary>
    private IrExpr? NestedCall(IOperation operation, IrType type)
    {
        if (NestedCalls.Resolve(operation, _method, _compilation) is not { } nested) return null;
        IMethodSymbol f = nested.Method;
        string called = nested.Call.Expression.ToString();
        if (NestedCalls.Unsupported(f) is { } needs)
        {
            Report(DiagnosticDescriptors.UnsupportedExpression, nested.Call, $"A call to '{called}' inside a [Differentiable] method",
                $"the generator differentiates it through {f.Name}HessianVector, which needs {f.Name} to be {needs}");
            return null;
        }

        if ((OwnModes & Modes.SecondOrder) != 0)
        {
            Report(DiagnosticDescriptors.UnsupportedExpression, nested.Call, $"A call to '{called}' in a second-order method",
                "a third derivative is not built: give this method Modes = DifferentiationModes.Reverse | DifferentiationModes.Forward");
            return null;
        }

        if (_prelude is null)
        {
            Report(DiagnosticDescriptors.UnsupportedExpression, nested.Call, $"A call to '{called}' inside a condition, a ?: branch or a loop's condition",
                "call it in a statement of its own first");
            return null;
        }

        int n = f.Parameters.Length;
        IrType scalar = Contract.TypeOf(f.ReturnType);
        SemanticModel model = _compilation.GetSemanticModel(nested.Call.SyntaxTree);
        SeparatedSyntaxList<ArgumentSyntax> arguments = nested.Call.ArgumentList.Arguments;
        // Backward: n values, n ref adjoints, an optional seed. Tangent: n values, n tangents, one out tangent.
        RefKind Expected(int i) => nested.IsTangent ? (i == 2 * n ? RefKind.Out : RefKind.None) : (i >= n && i < 2 * n ? RefKind.Ref : RefKind.None);
        bool shaped = (nested.IsTangent ? arguments.Count == 2 * n + 1 : arguments.Count == 2 * n || arguments.Count == 2 * n + 1)
            && arguments.Select((a, i) => a.NameColon is null && RefOf(a) == Expected(i)).All(ok => ok);
        if (!shaped)
        {
            string form = nested.IsTangent
                ? $"{f.Name}Tangent(the {n} arguments, one tangent each, out {scalar.Name} tangent)"
                : $"{f.Name}Backward(the {n} arguments, ref one adjoint each[, seed])";
            Report(DiagnosticDescriptors.UnsupportedExpression, nested.Call, $"This call to '{called}'", $"write it in the contract's form, positionally: {form}");
            return null;
        }

        IOperation Argument(int i) => model.GetOperation(arguments[i].Expression)!;
        var inputs = new List<IrExpr>();
        for (int i = 0; i < (nested.IsTangent ? 2 * n : n); i++) inputs.Add(Expr(Argument(i)));
        if (!nested.IsTangent)
        {
            // The seed, then the adjoints' values before the call: the Backward adds the gradient into them.
            inputs.Add(arguments.Count > 2 * n ? Expr(Argument(2 * n)) : Ir.Const(scalar, 1));
            for (int k = 0; k < n; k++) inputs.Add(Expr(Argument(n + k)));
        }

        // The results: F's value, then the gradient (Backward) or the directional derivative (Tangent).
        int count = nested.IsTangent ? 2 : n + 1;
        IrType arrayType = IrType.ArrayOf(scalar, 1);
        string results = SynthesizedName("_" + f.Name.Substring(0, 1).ToLowerInvariant() + f.Name.Substring(1) + (nested.IsTangent ? "Tangent" : "Gradient"));
        var array = new VarRef(arrayType, results);
        IrExpr Slot(int k) => new ElementAt(scalar, array, Ir.Array<IrExpr>(Ir.Const(IrType.Int, k)));
        string origin = Origin(nested.Call);
        _prelude.Add(new Declare(origin, new IrVar(results, arrayType), new NewArray(arrayType, Ir.Array<IrExpr>(Ir.Const(IrType.Int, count)))));
        _prelude.Add(new Evaluate(origin, new DiffCall(IrType.Void, HiddenLayer(nested), null, NestedCallee(nested, scalar), inputs.Append(array).ToEquatableArray(),
            LocationInfo.From(nested.Call))));

        // The derivative's outputs: the ref adjoints with the gradient added, or the out tangent.
        for (int k = 0; k < (nested.IsTangent ? 1 : n); k++)
        {
            IOperation target = Argument(nested.IsTangent ? 2 * n : n + k);
            IrExpr result = Slot(k + 1);
            if (target is IDeclarationExpressionOperation { Expression: ILocalReferenceOperation declared })
            {
                _prelude.Add(new Declare(origin, new IrVar(_names[declared.Local], scalar), result));
                continue;
            }

            if (!Contract.TypeOf(target.Type!).Equals(scalar) || AssignmentTarget(target, operation, readsTarget: false) is not { } place) return null;
            _prelude.Add(new Assign(origin, place, result));
        }

        return Slot(0);
    }

    private static RefKind RefOf(ArgumentSyntax argument) => argument.RefKindKeyword.Kind() switch
    {
        SyntaxKind.RefKeyword => RefKind.Ref,
        SyntaxKind.OutKeyword => RefKind.Out,
        SyntaxKind.InKeyword => RefKind.In,
        _ => RefKind.None,
    };

    /// <summary>The hidden layer's name as this method calls it (qualified unless it is on this method's type).</summary>
    private string HiddenLayer(NestedCalls.Target nested)
    {
        string name = nested.Method.Name + (nested.IsTangent ? NestedCalls.TangentSuffix : NestedCalls.GradientSuffix);
        return nested.SameType
            ? Reserve(name, name)
            : nested.Method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + name;
    }

    /// <summary>
    /// The hidden layer as a callee: F's parameters, then a scale (the Backward's seed) or one tangent per parameter,
    /// then the results array, an output. It has a Backward, a Pullback and a Tangent, and records no tape.
    /// </summary>
    private Callee NestedCallee(NestedCalls.Target nested, IrType scalar)
    {
        IMethodSymbol f = nested.Method;
        var parameters = f.Parameters.Select(p => new CalleeParameter(p.Name, scalar, Differentiable: true)).ToList();
        if (nested.IsTangent) parameters.AddRange(f.Parameters.Select(p => new CalleeParameter("t" + p.Name, scalar, Differentiable: true)));
        else
        {
            parameters.Add(new CalleeParameter("scale", scalar, Differentiable: true));
            parameters.AddRange(f.Parameters.Select(p => new CalleeParameter("initial" + p.Name, scalar, Differentiable: true)));
        }

        parameters.Add(new CalleeParameter("results", IrType.ArrayOf(scalar, 1), Differentiable: true, IsOutput: true));
        string stem = HiddenLayer(nested);
        return new Callee(f.ContainingType.Name + "." + f.Name + (nested.IsTangent ? "Tangent" : Contract.BackwardSuffix), stem + Contract.BackwardSuffix,
            parameters.ToEquatableArray(), Modes: Modes.Reverse | Modes.Forward, HasPullback: true, Stem: stem,
            Key: f.Locations.Any(l => l.IsInSource) ? Contract.Key(f.OriginalDefinition) : null);
    }
}
