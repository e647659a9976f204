using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

/// <summary>The <c>out</c> and <c>ref</c> parameters' write-backs, shared by the Backward and the Tangent.</summary>
internal static class ScalarOutputs
{
    /// <summary>
    /// <c>y = yValue;</c> and <c>p = default(V2) with { X = pValue_X, … }</c> (or through its constructor): each out or
    /// ref parameter (or its tangent) assigned from what <paramref name="value"/> gives for its locals.
    /// </summary>
    public static IEnumerable<IrStmt> WriteBack(IEnumerable<ScalarOutput> outputs, System.Func<ScalarOutput, IrExpr> value, System.Func<ScalarOutput, string> target)
    {
        foreach (var parameter in outputs.GroupBy(o => o.Parameter))
        {
            ScalarOutput first = parameter.First();
            IrExpr assigned = first.Path is null ? value(first)
                : Ir.StructOfFields(parameter.Key.Type, parameter.Select(o => new FieldValue(o.Path!, value(o))));
            yield return new Assign(null, new VarRef(parameter.Key.Type, target(first)), assigned);
        }
    }
}
