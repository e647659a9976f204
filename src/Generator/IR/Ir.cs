using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Backprop.Gen.Model;

namespace Backprop.Gen.IR;

/// <summary>Builders for synthesized IR, with the light folding that keeps generated code short (x·1 → x, 0 + x → x).</summary>
internal static class Ir
{
    public static Constant Const(IrType type, double value)
    {
        string text = type.Element switch
        {
            ElementKind.Float => FloatText((float)value),
            ElementKind.Double => DoubleText(value),
            ElementKind.Generic => GenericText(type.ElementName, value),
            _ => ((long)value).ToString(CultureInfo.InvariantCulture),
        };
        return new Constant(type, text, value);
    }

    public static string DoubleText(double value)
    {
        if (double.IsNaN(value)) return "double.NaN";
        if (double.IsPositiveInfinity(value)) return "double.PositiveInfinity";
        if (double.IsNegativeInfinity(value)) return "double.NegativeInfinity";
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.IndexOfAny(new[] { '.', 'E', 'e' }) >= 0 ? text : text + ".0";
    }

    /// <summary>
    /// A constant of a generic-math type parameter: <c>T.Zero</c>, <c>T.One</c>, <c>-T.One</c>, <c>T.NaN</c>, else
    /// <c>T.CreateChecked(0.5)</c> (which the JIT folds for double and float).
    /// </summary>
    public static string GenericText(string type, double value)
    {
        if (double.IsNaN(value)) return type + ".NaN";
        if (double.IsPositiveInfinity(value)) return type + ".PositiveInfinity";
        if (double.IsNegativeInfinity(value)) return type + ".NegativeInfinity";
        if (value == 0) return type + (BitConverter.DoubleToInt64Bits(value) < 0 ? ".NegativeZero" : ".Zero");
        if (value == 1) return type + ".One";
        if (value == -1) return "-" + type + ".One";
        return type + ".CreateChecked(" + DoubleText(value) + ")";
    }

    public static string FloatText(float value)
    {
        if (float.IsNaN(value)) return "float.NaN";
        if (float.IsPositiveInfinity(value)) return "float.PositiveInfinity";
        if (float.IsNegativeInfinity(value)) return "float.NegativeInfinity";
        return value.ToString("R", CultureInfo.InvariantCulture) + "f";
    }

    /// <summary>Whether a constant is written as a number (<c>8</c>, <c>-1</c>), not a name (<c>In</c>) or <c>default</c>.</summary>
    public static bool IsLiteral(Constant c) => c.Text.Length > 0 && (char.IsDigit(c.Text[0]) || c.Text.Length > 1 && c.Text[0] == '-' && char.IsDigit(c.Text[1]));

    public static bool IsConst(IrExpr e, double value) => e is Constant c && c.Type.IsFloatingElement | c.Type.IsIntegral && c.Value == value && c.Text != "default";

    public static IrExpr Neg(IrExpr a) => a switch
    {
        Unary { Op: UnaryOp.Negate } u => u.Operand,
        Constant c when c.Type.IsFloating => Const(c.Type, -c.Value),
        _ => new Unary(a.Type, UnaryOp.Negate, a),
    };

    public static IrExpr Add(IrExpr a, IrExpr b)
    {
        if (IsConst(a, 0)) return b;
        if (IsConst(b, 0)) return a;
        if (b is Unary { Op: UnaryOp.Negate } nb) return Sub(a, nb.Operand);
        return new Binary(Wider(a.Type, b.Type), BinaryOp.Add, a, b);
    }

    public static IrExpr Sub(IrExpr a, IrExpr b)
    {
        if (IsConst(b, 0)) return a;
        if (IsConst(a, 0)) return Neg(b);
        return new Binary(Wider(a.Type, b.Type), BinaryOp.Subtract, a, b);
    }

    public static IrExpr Mul(IrExpr a, IrExpr b)
    {
        if (IsConst(a, 1)) return b;
        if (IsConst(b, 1)) return a;
        if (IsConst(a, -1)) return Neg(b);
        if (IsConst(b, -1)) return Neg(a);
        if (a is Unary { Op: UnaryOp.Negate } na && b is Unary { Op: UnaryOp.Negate } nb2) return Mul(na.Operand, nb2.Operand);
        if (a is Unary { Op: UnaryOp.Negate } na2) return Neg(Mul(na2.Operand, b));
        if (b is Unary { Op: UnaryOp.Negate } nb3) return Neg(Mul(a, nb3.Operand));
        return new Binary(Wider(a.Type, b.Type), BinaryOp.Multiply, a, b);
    }

    public static IrExpr Div(IrExpr a, IrExpr b)
    {
        if (IsConst(b, 1)) return a;
        if (a is Unary { Op: UnaryOp.Negate } na) return Neg(Div(na.Operand, b));
        return new Binary(Wider(a.Type, b.Type), BinaryOp.Divide, a, b);
    }

    public static IrExpr Square(IrExpr a) => Mul(a, a);

    /// <summary><c>default(V2) with { X = …, Y = … }</c>: a struct put together from the values of its fields.</summary>
    public static StructUpdate StructOfFields(IrType type, IEnumerable<FieldValue> fields) =>
        new(type, new Constant(type, "default(" + type.Name + ")", 0), fields.ToEquatableArray());

    /// <summary>The negation of a condition, without a double negation.</summary>
    public static IrExpr Not(IrExpr a) => a is Unary { Op: UnaryOp.Not } n ? n.Operand : new Unary(IrType.Bool, UnaryOp.Not, a);

    public static readonly Constant True = new(IrType.Bool, "true", 1);
    public static readonly Constant False = new(IrType.Bool, "false", 0);

    /// <summary>A comparison; one of a value with itself is folded (Max(x, x) is a tie, and C# warns about x &lt; x).</summary>
    public static IrExpr Compare(BinaryOp op, IrExpr a, IrExpr b)
    {
        if (a.Equals(b) && op is BinaryOp.Less or BinaryOp.Greater or BinaryOp.NotEqual) return False;
        if (a.Equals(b) && op is BinaryOp.LessOrEqual or BinaryOp.GreaterOrEqual or BinaryOp.Equal) return True;
        if (op == BinaryOp.ConditionalAnd && (a.Equals(False) || b.Equals(False))) return False;
        if (op == BinaryOp.ConditionalAnd && a.Equals(True)) return b;
        if (op == BinaryOp.ConditionalAnd && b.Equals(True)) return a;
        return new Binary(IrType.Bool, op, a, b);
    }

    public static IrExpr Cond(IrExpr condition, IrExpr whenTrue, IrExpr whenFalse)
    {
        if (condition.Equals(True)) return whenTrue;
        if (condition.Equals(False)) return whenFalse;
        return whenTrue.Equals(whenFalse) ? whenTrue : new Conditional(Wider(whenTrue.Type, whenFalse.Type), condition, whenTrue, whenFalse);
    }

    public static IrExpr Call(IrType type, string function, params IrExpr[] args) =>
        new MathCall(type, type.MathClass, function, args.ToEquatableArray());

    /// <summary>Converts <paramref name="a"/> to <paramref name="type"/>, explicitly, unless it already has that type.</summary>
    public static IrExpr ConvertTo(IrExpr a, IrType type)
    {
        if (a.Type.Equals(type)) return a;
        if (a is Constant c && type.IsFloating && (c.Type.IsFloatingElement || c.Type.IsIntegral)) return Const(type, c.Value);
        return new Cast(type, a, IsImplicit: false);
    }

    /// <summary>C#'s numeric promotion for the arithmetic the builders synthesize.</summary>
    public static IrType Wider(IrType a, IrType b)
    {
        // Generic math never mixes T with double or float without a conversion: T wins.
        if (a.Element == ElementKind.Generic) return a.IsScalar ? a : a.ElementType;
        if (b.Element == ElementKind.Generic) return b.IsScalar ? b : b.ElementType;
        if (a.Element == ElementKind.Double || b.Element == ElementKind.Double) return IrType.Double;
        if (a.Element == ElementKind.Float || b.Element == ElementKind.Float) return IrType.Float;
        return a;
    }

    public static EquatableArray<T> Array<T>(params T[] items) where T : IEquatable<T> => items.ToEquatableArray();

    /// <summary>A string literal, for a runtime call's message arguments.</summary>
    public static IrExpr StringLiteral(string text) =>
        new Constant(new IrType(ShapeKind.Scalar, ElementKind.Other, 0, "string", "string"), "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"", 0);

    /// <summary>An empty array of <paramref name="type"/>: <c>Array.Empty&lt;T&gt;()</c>, or <c>new T[0, 0]</c> for two dimensions.</summary>
    public static IrExpr EmptyArray(IrType type) => type.Rank == 1
        ? new RuntimeCall(type, RuntimeOp.EmptyArray, EquatableArray<IrExpr>.Empty)
        : new NewArray(type, Array<IrExpr>(new Constant(IrType.Int, "0", 0), new Constant(IrType.Int, "0", 0)));

    /// <summary>
    /// A call the generator cannot see into but knows has no effects: integer <c>Math.Max</c>, <c>Min</c> and <c>Abs</c>
    /// (the floating-point ones are rules, not opaque calls).
    /// </summary>
    public static bool IsPureOpaque(OpaqueCall call) =>
        call.Known == KnownCall.IntegerMath;
}
