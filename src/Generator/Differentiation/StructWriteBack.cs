using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using static Backprop.Gen.IR.Ir;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// Adds gathered adjoints into a struct adjoint parameter whose fields sit behind properties, which code cannot add into
/// in place: <c>dS = dS with { Pos = dS.Pos with { X = dS.Pos.X + _d_s_Pos_X, Y = … }, Vel = … };</c>.
/// </summary>
internal static class StructWriteBack
{
    public static IrStmt Statement(ParameterModel parameter, IReadOnlyList<(StructLeaf Leaf, string Local)> gathered)
    {
        var owner = new VarRef(parameter.Type, parameter.AdjointName);
        var fields = gathered.Select(g => new FieldValue(g.Leaf.Path,
            Add(new VarRef(g.Leaf.Type, parameter.AdjointName + "." + g.Leaf.Path), new VarRef(g.Leaf.Type, g.Local)))).ToEquatableArray();
        return new Assign(null, owner, new StructUpdate(parameter.Type, owner, fields));
    }
}
