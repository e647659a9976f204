using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// The checks a Backward or Pullback runs before anything is written: each adjoint buffer has its primal's shape, and
/// none shares memory with an array the derivative reads.
/// </summary>
internal static class EntryChecks
{
    /// <summary>Adds the checks of <paramref name="model"/>'s adjoint buffers to <paramref name="into"/>.</summary>
    public static void Add(MethodModel model, List<IrStmt> into)
    {
        foreach (ParameterModel parameter in model.Parameters.Where(p => p.Differentiable && !p.Type.IsScalar))
        {
            // The adjoint must have its primal's shape: Buffers.CheckShape(dW, w.Length, "dW", "w").
            var arguments = new List<IrExpr> { new VarRef(parameter.Type, parameter.AdjointName) };
            IrExpr Dimension(string text) => new Opaque(IrType.Int, text.Replace("{", "{{").Replace("}", "}}"), EquatableArray<IrExpr>.Empty);
            if (parameter.Type.Rank == 2)
            {
                arguments.Add(Dimension(parameter.DimensionText(0)));
                arguments.Add(Dimension(parameter.DimensionText(1)));
            }
            else
            {
                arguments.Add(parameter.Type.Shape == ShapeKind.Array ? Dimension(parameter.LengthText) : new Member(IrType.Int, new VarRef(parameter.Type, parameter.Name), "Length"));
            }

            arguments.Add(Ir.StringLiteral(parameter.AdjointName));
            arguments.Add(Ir.StringLiteral(parameter.Name));
            into.Add(new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.CheckShape, arguments.ToEquatableArray())));
        }

        AddAliasingChecks(model, into);
    }

    /// <summary>
    /// An adjoint buffer must not share memory with an array the derivative reads (the primal arrays, and for an input's
    /// adjoint the outputs' incoming gradients): <c>SumSqBackward(a, a)</c> throws before anything is written.
    /// </summary>
    private static void AddAliasingChecks(MethodModel model, List<IrStmt> into)
    {
        var arrays = model.Parameters.Where(p => !p.Type.IsScalar).ToList();
        foreach (ParameterModel parameter in arrays.Where(p => p.Differentiable))
        {
            bool matrix = parameter.Type.Rank == 2;
            var read = arrays.Where(p => p.Type.ElementName == parameter.Type.ElementName && (p.Type.Rank == 2) == matrix)
                .Select(p => p.Name)
                .Concat(parameter.IsOutput ? Enumerable.Empty<string>()
                    : arrays.Where(p => p.IsOutput && p.Differentiable && p.Type.ElementName == parameter.Type.ElementName && (p.Type.Rank == 2) == matrix)
                        .Select(p => p.AdjointName))
                .ToList();
            int chunk = matrix ? 4 : 8;
            for (int start = 0; start < read.Count; start += chunk)
            {
                var part = read.Skip(start).Take(chunk).ToList();
                var arguments = new List<IrExpr>
                {
                    new VarRef(parameter.Type, parameter.AdjointName),
                    Ir.StringLiteral(parameter.AdjointName),
                    Ir.StringLiteral(string.Join(", ", part.Select(n => n.TrimStart('@')))),
                };
                arguments.AddRange(part.Select(name => (IrExpr)new VarRef(parameter.Type, name)));
                into.Add(new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.AliasingCheck, arguments.ToEquatableArray())));
            }
        }
    }
}
