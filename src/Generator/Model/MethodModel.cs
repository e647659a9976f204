using System.Linq;
using Backprop.Gen.IR;

namespace Backprop.Gen.Model;

/// <summary>A parameter of a [Differentiable] method.</summary>
/// <param name="Name">The name as written (escaped with @ where it is a keyword).</param>
/// <param name="Type">The IR type.</param>
/// <param name="Declaration">The declaration to repeat in the Backward, such as <c>double[] w</c> or <c>this double x</c>.</param>
/// <param name="Differentiable">Whether it gets an adjoint parameter.</param>
/// <param name="AdjointName">The adjoint parameter's name (<c>dW</c>), for differentiable parameters.</param>
/// <param name="AdjointType">The adjoint parameter's type as declared (<c>ref double</c>, <c>double[]?</c>).</param>
/// <param name="IsOutput">Whether the method writes into this array: its adjoint is the incoming gradient of the output.</param>
/// <param name="TangentName">Its tangent parameter in <c>…Tangent</c> (<c>tW</c>).</param>
/// <param name="DirectionName">Its direction parameter in <c>…HessianVector</c> (<c>vW</c>).</param>
/// <param name="HessianName">Its Hessian-vector output in <c>…HessianVector</c> (<c>hW</c>).</param>
/// <param name="MayBeNull">Whether it is an array declared nullable (<c>double[]? bias</c>): its shape counts as empty when null.</param>
/// <param name="Leaves">For a differentiable struct, its floating fields (<c>X</c>, <c>Pos.X</c>); empty otherwise.</param>
/// <param name="Passing">By value (or <c>in</c>), or an <c>out</c> or <c>ref</c> scalar: see <see cref="ScalarOutput"/>.</param>
internal sealed record ParameterModel(string Name, IrType Type, string Declaration, bool Differentiable, string AdjointName, string AdjointType,
    bool IsOutput = false, string TangentName = "", string DirectionName = "", string HessianName = "", bool MayBeNull = false,
    EquatableArray<StructLeaf> Leaves = default, Passing Passing = Passing.Value)
{
    /// <summary>The modifier an out or ref parameter (and its tangent) is declared and passed with: <c>out </c>, <c>ref </c> or none.</summary>
    public string PassingModifier => Passing switch { Passing.Out => "out ", Passing.Ref => "ref ", _ => "" };

    /// <summary>The parameter passed on in a call that forwards the primal's: <c>x</c>, <c>out y</c>, <c>ref z</c>.</summary>
    public string Argument => PassingModifier + Name;

    /// <summary>The adjoint passed on: <c>ref dX</c> for a scalar, <c>dY</c> for an out scalar's (by value), <c>dW</c> for an array's.</summary>
    public string AdjointArgument => (Type.IsScalar && Passing != Passing.Out ? "ref " : "") + AdjointName;

    /// <summary>The array's length as generated code reads it: <c>x.Length</c>, or 0 for a nullable array that is null.</summary>
    public string LengthText => MayBeNull ? $"({Name}?.Length ?? 0)" : Name + ".Length";

    /// <summary>The length of one dimension of a 2-D array, as <see cref="LengthText"/>.</summary>
    public string DimensionText(int dimension) => MayBeNull ? $"({Name}?.GetLength({dimension}) ?? 0)" : $"{Name}.GetLength({dimension})";
}

/// <summary>
/// Everything the differentiation and the emitter need about one [Differentiable] method, as plain equatable data.
/// This is the cached pipeline model: it holds no symbol, syntax node or compilation.
/// </summary>
/// <param name="Hierarchy">The namespace and containing types.</param>
/// <param name="Name">The method's name.</param>
/// <param name="HintName">The generated file's name.</param>
/// <param name="Modifiers">The Backward's modifiers: the primal's accessibility and <c>static</c>.</param>
/// <param name="ReturnType">double or float, or void for a method that only writes outputs.</param>
/// <param name="Parameters">The primal's parameters, in order.</param>
/// <param name="SeedName">The seed parameter's name: <c>seed</c>, or <c>seed_</c> when a parameter is called seed.</param>
/// <param name="Cref">The primal as a cref, such as <c>Loss(double[], double)</c>.</param>
/// <param name="Body">The body in IR.</param>
/// <param name="ReservedNames">Every name the body and its type use, so that generated names never clash.</param>
/// <param name="Usings">The using directives of the method's file, for expressions kept as the user wrote them.</param>
/// <param name="EmitTupleOverload">Whether to emit the all-scalar tuple overload.</param>
/// <param name="Location">The method's name, where an internal error is reported.</param>
/// <param name="Model">For an instance method of a model class, the model's differentiable members.</param>
/// <param name="GradientsName">The name of the Backward's <c>Gradients</c> parameter.</param>
/// <param name="Modes">The derivatives to emit: 1 reverse, 2 forward, 4 second order (which implies both).</param>
/// <param name="TangentName">The name of the Tangent method's <c>out</c> parameter.</param>
/// <param name="TapeName">The type of the tape the method records for its callers (<c>LogitsTape</c>), or null where it
/// records none (a checkpoint, a generic method, a struct's instance method).</param>
/// <param name="NullableReferences">Whether the method declares a nullable reference (<c>double[]? v</c>) or suppresses a
/// null warning (<c>v!</c>): its generated file turns off nullable warnings, since the reverse sweep moves the user's null
/// checks where the compiler's flow analysis cannot follow them (the user's own code gets those warnings).</param>
/// <param name="TypeParameters">For a generic-math method, its type parameter list as written after the name
/// (<c>&lt;T&gt;</c>), repeated by every generated method; "" otherwise.</param>
/// <param name="Constraints">Its constraint clauses, fully qualified (<c> where T : …IFloatingPointIeee754&lt;T&gt;</c>).</param>
/// <param name="NestedLayers">Whether the method gets the hidden layers through which callers differentiate calls to
/// its Backward and Tangent (<c>Parsing.NestedCalls.Unsupported</c> is null for it).</param>
/// <param name="ResultFields">For a method returning a differentiable struct, its fields and the locals they are
/// returned in; its seed is a struct of the same type, one incoming gradient per field.</param>
/// <param name="ScalarOutputs">Its <c>out</c> and <c>ref</c> scalar parameters and the locals the body works in.</param>
internal sealed record MethodModel(
    HierarchyInfo Hierarchy,
    string Name,
    string HintName,
    string Modifiers,
    IrType ReturnType,
    EquatableArray<ParameterModel> Parameters,
    string SeedName,
    string Cref,
    Block Body,
    EquatableArray<string> ReservedNames,
    EquatableArray<string> Usings,
    bool EmitTupleOverload,
    LocationInfo? Location,
    Parsing.ModelInfo? Model = null,
    string GradientsName = "gradients",
    Modes Modes = Modes.Reverse,
    string TangentName = "tangent",
    bool NullableReferences = false,
    string? TapeName = null,
    EquatableArray<ResultField> ResultFields = default,
    string TypeParameters = "",
    string Constraints = "",
    bool NestedLayers = false,
    EquatableArray<ScalarOutput> ScalarOutputs = default)
{
    /// <summary>Whether the method is generic (generic math): its seed has no default, so an overload supplies <c>T.One</c>.</summary>
    public bool IsGeneric => TypeParameters.Length > 0;

    /// <summary>Whether the method returns a differentiable struct, taken apart into <see cref="ResultFields"/>.</summary>
    public bool ReturnsStruct => !ResultFields.IsEmpty;

    /// <summary>The type the method's body returns as the IR sees it: void where a struct result is taken apart.</summary>
    public IrType BodyReturnType => ReturnsStruct ? IrType.Void : ReturnType;
}

/// <summary>How a parameter is passed.</summary>
internal enum Passing
{
    Value,
    Out,
    Ref,
}

/// <summary>
/// An <c>out</c> or <c>ref</c> scalar parameter (<c>out double y</c>), or one field of a struct one, and the local the
/// body works in (<c>yValue</c>, <c>pValue_X</c>),
/// declared at the top (from the parameter, for <c>ref</c>) and written back into the parameter at the end of the forward
/// sweep. Its final value is an output: the Backward seeds its adjoint with the incoming gradient (<c>double dY</c>
/// by value; for <c>ref</c>, <c>ref double dZ</c>, which then receives the gradient of the value passed in).
/// </summary>
/// <param name="Path">For a struct parameter (<c>out V2 p</c>), the field this local holds (<c>X</c>: <c>pValue_X</c>); null for a scalar.</param>
internal sealed record ScalarOutput(ParameterModel Parameter, string Variable, string? Path = null)
{
    public bool IsRef => Parameter.Passing == Passing.Ref;

    /// <summary>The field's type, or the parameter's for a scalar.</summary>
    public IrType Type => Path is null ? Parameter.Type : Parameter.Leaves.First(l => l.Path == Path).Type;

    /// <summary><c>dY</c>, or <c>dP.X</c> for a field: where its incoming gradient is read.</summary>
    public string AdjointName => Path is null ? Parameter.AdjointName : Parameter.AdjointName + "." + Path;

    /// <summary><c>tY</c>, or <c>tP.X</c>.</summary>
    public string TangentName => Path is null ? Parameter.TangentName : Parameter.TangentName + "." + Path;
}

/// <summary>One field of a struct result and the local its value is gathered in (<c>_result_X</c>).</summary>
internal sealed record ResultField(StructLeaf Leaf, string Variable);

/// <summary>One floating field of a differentiable struct, at the end of a path of member names (<c>X</c>, <c>Pos.X</c>).</summary>
/// <param name="Writable">Whether code can add into it in place (<c>dP.X += g</c>): a path of mutable fields. Otherwise
/// (a property on the way, as in a record struct) its adjoint is gathered in a local and written back with <c>with</c>.</param>
internal sealed record StructLeaf(string Path, IrType Type, bool Writable);
