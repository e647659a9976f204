using System;
using System.Linq;
using Backprop.Gen.Diagnostics;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Backprop.Gen.Parsing;

// Members: fields and properties read (named constants, generic math's T.One and T.Pi, a model's differentiable
// members and its layers), and how generated code names them.
internal sealed partial class BodyParser
{
    private IrExpr Member(IOperation operation, ISymbol member, IOperation? instance, IrType type)
    {
        if (instance is null && IsGenericMath(member) && type.IsGeneric)
        {
            // T.One, T.Pi: constants of the type parameter, with the values the optimizer folds (x * T.One is x).
            double? value = member.Name switch
            {
                "Zero" or "AdditiveIdentity" => 0.0,
                "One" or "MultiplicativeIdentity" => 1.0,
                "NegativeOne" => -1.0,
                "Pi" => Math.PI,
                "E" => Math.E,
                "Tau" => 2 * Math.PI,
                "NaN" => double.NaN,
                "PositiveInfinity" => double.PositiveInfinity,
                "NegativeInfinity" => double.NegativeInfinity,
                _ => null,
            };
            return value is { } known ? Ir.Const(type, known) : new Member(type, null, type.Name + "." + member.Name);
        }

        if (instance is null)
        {
            // A named constant (const int In = 784) keeps its name, as a constant: analyses can see it cannot change or
            // throw (a row of In elements is vectorized), and it prints as written.
            return member is IFieldSymbol { HasConstantValue: true } constant && type.IsScalar && type.Element != ElementKind.Other
                ? new Constant(type, StaticMemberName(member), NumericValue(new Optional<object?>(constant.ConstantValue)))
                : new Member(type, null, StaticMemberName(member));
        }

        if (instance is IInstanceReferenceOperation && ModelMember(member) is { NestedModel: null } own)
        {
            // A differentiable member of the model: a variable the method reads, whose adjoint is gradients.Name.
            return new VarRef(type, MemberVariable(own.Name));
        }

        if (member.Name is "Length" or "LongLength" or "Rank" && member.ContainingType?.SpecialType == SpecialType.System_Array
            && instance is IFieldReferenceOperation or IPropertyReferenceOperation && LayerMember(InstanceOf(instance)) is { } shaped)
        {
            // A layer's array length is its shape, not its values: Hidden.B.Length needs no derivative.
            var array = new Member(Contract.TypeOf(instance.Type!), new Member(Contract.TypeOf(InstanceOf(instance)!.Type!), null, MemberVariable(shaped.Name)),
                Contract.Escape(instance is IFieldReferenceOperation f ? f.Field.Name : ((IPropertyReferenceOperation)instance).Property.Name));
            return new Member(type, array, member.Name);
        }

        if (instance is IFieldReferenceOperation or IPropertyReferenceOperation && LayerMember(instance) is { } layer
            && Contract.IsDifferentiableType(type) && !Contract.HasAttribute(member, Contract.NoDerivativeAttribute))
        {
            Report(DiagnosticDescriptors.LayerMemberReadDirectly, operation.Syntax, Origin(operation.Syntax), layer.Name);
            return new Constant(type, "default", 0);
        }

        if (instance is IInstanceReferenceOperation { IsImplicit: true })
        {
            _reserved.Add(member.Name);
            return new Member(type, null, Contract.Escape(member.Name));
        }

        return new Member(type, Expr(instance), Contract.Escape(member.Name));
    }

    private ModelMember? ModelMember(ISymbol member) =>
        _model is null || !SymbolEqualityComparer.Default.Equals(member.ContainingType, _method.ContainingType)
            ? null
            : _model.Members.FirstOrDefault(m => m.Name == member.Name);

    /// <summary>The model's struct member an operation reads (<c>Offset</c> in a model method), if any.</summary>
    private ModelMember? ModelStruct(IOperation operation) => operation switch
    {
        IFieldReferenceOperation { Instance: IInstanceReferenceOperation, Field: var field } => ModelMember(field) is { IsStruct: true } m ? m : null,
        IPropertyReferenceOperation { Instance: IInstanceReferenceOperation, Property: var property } => ModelMember(property) is { IsStruct: true } m ? m : null,
        _ => null,
    };

    /// <summary>
    /// An element of the model's array-of-structs member (<c>Points[i]</c> in a model method): its fields are elements of
    /// the arrays the derivatives copy them into (<c>Points_X[i]</c>), as an array parameter's are. Null for anything else.
    /// </summary>
    private StructValue? ModelStructArrayElement(IOperation operation) =>
        operation is IArrayElementReferenceOperation { Indices.Length: 1 } element && ModelStructArray(element.ArrayReference) is { } member
            ? MemberElements(member, element.Type!, Expr(element.Indices[0]))
            : null;

    /// <summary>The model's array-of-structs member an operation reads whole (<c>Points</c>), if any.</summary>
    private ModelMember? ModelStructArray(IOperation operation) => (operation switch
    {
        IFieldReferenceOperation { Instance: IInstanceReferenceOperation, Field: var field } => ModelMember(field),
        IPropertyReferenceOperation { Instance: IInstanceReferenceOperation, Property: var property } => ModelMember(property),
        _ => null,
    }) is { IsStructArray: true } member ? member : null;

    /// <summary><c>Points[i]</c> of a model's array-of-structs member, field by field: <c>Points_X[i]</c>.</summary>
    private static StructValue MemberElements(ModelMember member, ITypeSymbol element, IrExpr index) =>
        Leafwise(element, l => new ElementAt(l.Type, new VarRef(IrType.ArrayOf(l.Type, 1), Contract.FieldArrayName(member.Name, l.Path)), Ir.Array(index)));

    /// <summary>Whether an operation reads inside one of the model's struct members (<c>Start.Position</c>).</summary>
    private bool InModelStruct(IOperation operation) =>
        ModelStruct(operation) is not null || MemberOf(operation) is { } member && InModelStruct(member.Instance);

    /// <summary>
    /// A struct read from a member of the model that the derivative leaves alone, as a constant expression: a member
    /// marked [NoDerivative], or a struct member that cannot be set (readonly, get-only or init-only), and what is read
    /// through it (<c>Points[i]</c>, <c>Frame.Origin</c>). Null for anything else.
    /// </summary>
    private IrExpr? ConstantModelRead(IOperation operation)
    {
        if (_model is null || _frames.Count > 0) return null;
        switch (operation)
        {
            case IFieldReferenceOperation { Instance: IInstanceReferenceOperation, Field: var field }
                when Contract.HasAttribute(field, Contract.NoDerivativeAttribute) || field.IsReadOnly && field.Type.IsValueType:
                return new Member(Contract.TypeOf(field.Type), null, MemberVariable(field.Name));
            case IPropertyReferenceOperation { Instance: IInstanceReferenceOperation, Property: var property }
                when Contract.HasAttribute(property, Contract.NoDerivativeAttribute) || property.Type.IsValueType && property.SetMethod is null or { IsInitOnly: true }:
                return new Member(Contract.TypeOf(property.Type), null, MemberVariable(property.Name));
            case IFieldReferenceOperation { Instance: { } instance, Field: var inner } when ConstantModelRead(instance) is { } owner:
                return new Member(Contract.TypeOf(inner.Type), owner, Contract.Escape(inner.Name));
            case IPropertyReferenceOperation { Instance: { } instance, Property: { IsIndexer: false } inner } when ConstantModelRead(instance) is { } owner:
                return new Member(Contract.TypeOf(inner.Type), owner, Contract.Escape(inner.Name));
            case IArrayElementReferenceOperation { ArrayReference: var array } element when ConstantModelRead(array) is { } owner:
                return new ElementAt(Contract.TypeOf(element.Type!), owner, element.Indices.Select(Expr).ToEquatableArray());
            default:
                return null;
        }
    }

    /// <summary>
    /// What BPG0102 advises for a struct value it cannot take apart: inside a model method, about the model's members
    /// (a struct the model cannot hold as a parameter, read from <c>this</c>); elsewhere, how to build one.
    /// </summary>
    private string UnsupportedStructAdvice(IOperation operation) =>
        _model is not null && _frames.Count == 0 && RootsAtThis(operation is IArrayElementReferenceOperation indexed ? indexed.ArrayReference : operation)
            ? "a model's struct member of doubles or floats (V2 Offset, Vector3 Bias, Complex Pole), or a one-dimensional array of them, is a parameter, but not this one (a tuple, a two-dimensional array or a collection); keep its fields in double arrays, or mark the member [NoDerivative] to read it as a constant"
            : "build it with a constructor, an operator, a method or a property declared in source, an object initializer, 'with' or default";

    /// <summary>The layer member of this model that an operation reads (<c>Layer1</c> in <c>Layer1.Forward(x)</c>), if any.</summary>
    private ModelMember? LayerMember(IOperation? operation) => operation switch
    {
        IFieldReferenceOperation { Instance: IInstanceReferenceOperation } f => ModelMember(f.Field) is { NestedModel: not null } m ? m : null,
        IPropertyReferenceOperation { Instance: IInstanceReferenceOperation } p => ModelMember(p.Property) is { NestedModel: not null } m ? m : null,
        _ => null,
    };

    private static IOperation? InstanceOf(IOperation operation) => operation switch
    {
        IFieldReferenceOperation f => f.Instance,
        IPropertyReferenceOperation p => p.Instance,
        _ => null,
    };

    /// <summary>A model member's variable: its name, or <c>this.Name</c> where a parameter shadows it.</summary>
    private string MemberVariable(string name)
    {
        _reserved.Add(name);
        return _method.Parameters.Any(p => p.Name == name) ? "this." + Contract.Escape(name) : Contract.Escape(name);
    }

    private string StaticMemberName(ISymbol member)
    {
        if (SymbolEqualityComparer.Default.Equals(member.ContainingType, _method.ContainingType))
        {
            _reserved.Add(member.Name);
            return Contract.Escape(member.Name);
        }

        return member.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + Contract.Escape(member.Name);
    }
}
