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
            IrExpr Dimension(string text) => new Opaque(IrType.Int, text.Replace("{", "{{").Replace("}", "}}"), EquatableArray<IrExpr>.Empty);
            IrExpr[] shape = parameter.Type.Rank == 2
                ? new[] { Dimension(parameter.DimensionText(0)), Dimension(parameter.DimensionText(1)) }
                : new[] { parameter.Type.Shape == ShapeKind.Array ? Dimension(parameter.LengthText) : new Member(IrType.Int, new VarRef(parameter.Type, parameter.Name), "Length") };
            into.Add(CheckShape(new VarRef(parameter.Type, parameter.AdjointName), shape, parameter.AdjointName, parameter.Name));
        }

        AddAliasingChecks(model, into);
    }

    /// <summary><c>Buffers.CheckShape(array, shape…, "array", "primal")</c>: an ArgumentException naming both unless the shapes agree.</summary>
    public static IrStmt CheckShape(IrExpr array, IEnumerable<IrExpr> shape, string arrayName, string primalName) =>
        new Evaluate(null, new RuntimeCall(IrType.Void, RuntimeOp.CheckShape,
            shape.Prepend(array).Append(Ir.StringLiteral(arrayName)).Append(Ir.StringLiteral(primalName)).ToEquatableArray()));

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
