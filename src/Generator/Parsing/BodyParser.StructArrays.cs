using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.Diagnostics;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Backprop.Gen.Parsing;

// Local arrays of structs (V2[] path = new V2[n]): one local array per leaf (path_X, path_Y), as for an array of structs
// passed in, so that their elements differentiate as elements of arrays of doubles do, in every mode. The struct array
// itself never exists: its elements are read and written field by field, its Length is its first field array's, and
// using it whole (passing it on, aliasing it, reassigning it) is an error at the use.
internal sealed partial class BodyParser
{
    /// <summary>A local array of structs: its element type and, per leaf path, the local array of that field.</summary>
    private sealed record StructArrayLocal(ITypeSymbol Element, Dictionary<string, IrVar> Fields)
    {
        public IrVar First => Fields.Values.First();
    }

    /// <summary>Whether a parameter of the differentiated method is an array or span of differentiable structs.</summary>
    private bool IsStructArray(IParameterSymbol parameter) =>
        SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, _method) && StructLayout.ArrayElement(parameter.Type) is not null;

    /// <summary>
    /// An element of an array of structs: its fields are elements of the arrays the derivatives copy each field into
    /// (<c>pts[i].X</c> is <c>pts_X[i]</c>), so that they differentiate as any array of doubles.
    /// </summary>
    private StructValue FieldArrays(IParameterSymbol array, ITypeSymbol element, IrExpr index) =>
        Leafwise(element, l => new ElementAt(l.Type, new VarRef(IrType.ArrayOf(l.Type, 1), Contract.FieldArrayName(_names[array], l.Path)), Ir.Array(index)));

    private readonly Dictionary<ILocalSymbol, StructArrayLocal> _structArrayLocals = new(SymbolEqualityComparer.Default);

    /// <summary>Whether a local is an array of differentiable structs (not a span: a stackalloc has no fields to split).</summary>
    private static bool IsStructArrayLocal(ILocalSymbol local) => local.Type is IArrayTypeSymbol && StructLayout.ArrayElement(local.Type) is not null;

    /// <summary>
    /// <c>V2[] path = new V2[n];</c> as <c>double[] path_X = new double[n]; double[] path_Y = new double[n];</c>, and an
    /// initializer (<c>new V2[] { a, b }</c>) as one store per element's field.
    /// </summary>
    private void DeclareStructArray(ILocalSymbol local, IOperation? initializer, string origin, List<IrStmt> into)
    {
        ITypeSymbol element = StructLayout.ArrayElement(local.Type)!;
        var fields = StructLayout.Leaves(element).ToDictionary(l => l.Path,
            l => new IrVar(SynthesizedName(Contract.FieldArrayName(_names[local], l.Path)), IrType.ArrayOf(l.Type, 1)));
        var array = new StructArrayLocal(element, fields);
        _structArrayLocals[local] = array;
        if (initializer is not IArrayCreationOperation { DimensionSizes.Length: 1 } creation)
        {
            // Reported once here; its uses below read the field arrays it would have had, so they add no errors.
            Report(DiagnosticDescriptors.UnsupportedExpression, initializer?.Syntax ?? local.DeclaringSyntaxReferences[0].GetSyntax(),
                $"The array of structs '{local.Name}' made other than by 'new {element.Name}[n]'",
                $"create it here with new {element.Name}[n] (or an initializer) and fill it element by element; an array of structs from elsewhere cannot be aliased");
            return;
        }

        IrExpr length = creation.Initializer is { } values ? IntConstant(values.ElementValues.Length) : Expr(creation.DimensionSizes[0]);
        if (length is not (VarRef or Constant))
        {
            var size = new IrVar(SynthesizedName(local.Name.TrimStart('@') + "Length"), IrType.Int);
            into.Add(new Declare(origin, size, length));
            length = size.Ref;
        }

        foreach (IrVar field in fields.Values) into.Add(new Declare(origin, field, new NewArray(field.Type, Ir.Array(length))));
        if (creation.Initializer is null) return;
        for (int i = 0; i < creation.Initializer.ElementValues.Length; i++)
        {
            if (StructOf(creation.Initializer.ElementValues[i]) is { } value) AssignLeaves(Elements(array, IntConstant(i)), value, origin, into);
        }
    }

    /// <summary>An element of a local array of structs: <c>path[i].X</c> is <c>path_X[i]</c>.</summary>
    private static StructValue Elements(StructArrayLocal array, IrExpr index) =>
        Leafwise(array.Element, l => new ElementAt(l.Type, array.Fields[l.Path].Ref, Ir.Array(index)));

    /// <summary>An element of a local array of structs as a value or a place (<c>path[i]</c>), or null for anything else.</summary>
    private StructValue? StructArrayLocalElement(IOperation operation) =>
        operation is IArrayElementReferenceOperation { ArrayReference: ILocalReferenceOperation { Local: var local }, Indices.Length: 1 } element
        && _structArrayLocals.TryGetValue(local, out StructArrayLocal? array)
            ? Elements(array, Expr(element.Indices[0]))
            : null;

    /// <summary>
    /// A local array of structs where a value is wanted: its <c>Length</c> (its first field array's), or an error, since
    /// the array itself does not exist.
    /// </summary>
    private IrExpr? StructArrayLocalUse(IOperation operation, IrType type)
    {
        switch (operation)
        {
            case IPropertyReferenceOperation { Property.Name: "Length", Instance: ILocalReferenceOperation { Local: var local } }
                when _structArrayLocals.TryGetValue(local, out StructArrayLocal? array):
                return new Member(IrType.Int, array.First.Ref, "Length");
            case ILocalReferenceOperation { Local: var whole } when _structArrayLocals.ContainsKey(whole):
                return Unsupported(operation, $"The array of structs '{whole.Name}' as a whole",
                    $"read and write its elements ({whole.Name}[i], {whole.Name}[i].X) and its Length; pass a method its elements' fields instead");
            default:
                return null;
        }
    }

    /// <summary>
    /// An element of an array (or span) of structs passed in, as a place to write: the method's output, written field
    /// by field into the arrays its derivatives copy the fields into, and copied back into the caller's structs.
    /// </summary>
    private StructValue? OutputStructElement(IOperation target)
    {
        (IParameterSymbol? array, IOperation? index) = target switch
        {
            IArrayElementReferenceOperation { ArrayReference: IParameterReferenceOperation a, Indices.Length: 1 } e => (a.Parameter, e.Indices[0]),
            IPropertyReferenceOperation { Instance: IParameterReferenceOperation span, Arguments.Length: 1 } indexer => (span.Parameter, indexer.Arguments[0].Value),
            _ => (null, null),
        };
        if (array is null || index is null || !IsStructArray(array)) return null;
        if (Contract.Modes(Contract.GetAttribute(_method, Contract.DifferentiableAttribute)).Has(Modes.SecondOrder))
        {
            Report(DiagnosticDescriptors.UnsupportedExpression, target.Syntax, $"Writing into the array of structs '{array.Name}' in a second-order method",
                "give this method Reverse and Forward modes only, or write the output into arrays of doubles (one per field)");
        }

        NoteWrite(array);
        return FieldArrays(array, target.Type!, Expr(index));
    }
}
