namespace Backprop.Gen.IR;

/// <summary>The element kind of a type: what matters to differentiation is whether it is floating-point.</summary>
internal enum ElementKind
{
    Double,
    Float,
    Int,
    Long,
    Bool,
    Other,

    /// <summary>
    /// A method's type parameter constrained to <c>IFloatingPointIeee754&lt;T&gt;</c> (generic math): floating like
    /// double and float, spelled by its name (<c>T</c>), its constants <c>T.One</c>, <c>T.CreateChecked(0.5)</c>.
    /// </summary>
    Generic,

    /// <summary>A chain of a callee's tapes (see <see cref="DiffCall.Tape"/>).</summary>
    Tape,
}

/// <summary>How a type holds its elements.</summary>
internal enum ShapeKind
{
    Scalar,
    Array,
    Span,
    ReadOnlySpan,
}

/// <summary>
/// A type in the IR: its shape, its element kind and its C# spelling. Only floating scalars, arrays of them and spans
/// of them carry derivatives; every other type is plain forward code.
/// </summary>
/// <param name="Shape">Scalar, array (of <paramref name="Rank"/>) or span.</param>
/// <param name="Element">The element kind (for a scalar, its own kind).</param>
/// <param name="Rank">The array rank, 0 for scalars and spans.</param>
/// <param name="Name">The C# spelling, such as <c>double</c>, <c>float[,]</c> or <c>global::System.Span&lt;double&gt;</c>.</param>
/// <param name="ElementName">The element's C# spelling.</param>
internal sealed record IrType(ShapeKind Shape, ElementKind Element, int Rank, string Name, string ElementName)
{
    /// <summary>For a pooled stack of saved values, the type of the values; null for every other type.</summary>
    public IrType? StackElement { get; init; }

    /// <summary>
    /// For a struct whose fields cannot be set (a readonly struct with get-only properties, Complex): its members in the
    /// order of the constructor that takes them all, through which generated code builds a new value
    /// (<c>new Vec2(dP.X + …, dP.Y)</c>). Empty for every other type (a struct with settable fields gets <c>with</c>).
    /// An array or span of such structs carries its element's (and its <see cref="Members"/>), which <see cref="ElementType"/> keeps.
    /// </summary>
    public Model.EquatableArray<string> Constructor { get; init; }

    /// <summary>
    /// For a differentiable struct declared in source (or a tuple), its data members and their types, so that a value
    /// with some nested fields replaced can be rebuilt level by level, each through <c>with</c> or its constructor.
    /// </summary>
    public Model.EquatableArray<StructMember> Members { get; init; }

    public static readonly IrType Double = new(ShapeKind.Scalar, ElementKind.Double, 0, "double", "double");
    public static readonly IrType Float = new(ShapeKind.Scalar, ElementKind.Float, 0, "float", "float");
    public static readonly IrType Int = new(ShapeKind.Scalar, ElementKind.Int, 0, "int", "int");
    public static readonly IrType Bool = new(ShapeKind.Scalar, ElementKind.Bool, 0, "bool", "bool");
    public static readonly IrType Void = new(ShapeKind.Scalar, ElementKind.Other, 0, "void", "void");

    public bool IsScalar => Shape == ShapeKind.Scalar;

    public bool IsFloatingElement => Element is ElementKind.Double or ElementKind.Float or ElementKind.Generic;

    /// <summary>A floating scalar: <c>double</c> or <c>float</c>.</summary>
    public bool IsFloating => IsScalar && IsFloatingElement;

    /// <summary>An array or span of floating elements.</summary>
    public bool IsFloatingContainer => !IsScalar && IsFloatingElement;

    /// <summary>Whether a value of this type can carry a derivative.</summary>
    public bool CanBeActive => IsFloatingElement;

    public bool IsIntegral => IsScalar && Element is ElementKind.Int or ElementKind.Long;

    /// <summary>The scalar type of one element.</summary>
    public IrType ElementType => Element switch
    {
        ElementKind.Double => Double,
        ElementKind.Float => Float,
        ElementKind.Int => Int,
        ElementKind.Bool => Bool,
        _ => new IrType(ShapeKind.Scalar, Element, 0, ElementName, ElementName) { Constructor = Constructor, Members = Members },
    };

    /// <summary>Whether this is (or holds) a generic-math type parameter.</summary>
    public bool IsGeneric => Element == ElementKind.Generic;

    /// <summary>
    /// The class whose functions match this floating type: Math, MathF, or for a generic-math type parameter the
    /// parameter itself (<c>T.Exp</c>).
    /// </summary>
    public string MathClass => Element switch
    {
        ElementKind.Float => "global::System.MathF",
        ElementKind.Generic => ElementName,
        _ => "global::System.Math",
    };

    /// <summary>A generic-math type parameter of the method, by name (<c>T</c>).</summary>
    public static IrType TypeParameter(string name) => new(ShapeKind.Scalar, ElementKind.Generic, 0, name, name);

    public static IrType ArrayOf(IrType element, int rank) =>
        new(ShapeKind.Array, element.Element, rank, element.Name + "[" + new string(',', rank - 1) + "]", element.Name)
        {
            Constructor = element.Constructor,
            Members = element.Members,
        };

    /// <summary>A pooled stack of saved values of <paramref name="element"/> (not a value that carries a derivative).</summary>
    public static IrType StackOf(IrType element)
    {
        string name = Emit.RuntimeNames.Stack(element.Name);
        return new IrType(ShapeKind.Scalar, ElementKind.Other, 0, name, name) { StackElement = element };
    }

    public static IrType SpanOf(IrType element, bool readOnly) =>
        new(readOnly ? ShapeKind.ReadOnlySpan : ShapeKind.Span, element.Element, 0,
            (readOnly ? "global::System.ReadOnlySpan<" : "global::System.Span<") + element.Name + ">", element.Name)
        {
            Constructor = element.Constructor,
            Members = element.Members,
        };
}

/// <summary>A data member of a struct, by the name code reaches it (<c>Pos</c>), and its type.</summary>
internal sealed record StructMember(string Name, IrType Type);
