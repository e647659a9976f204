using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.Diagnostics;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Microsoft.CodeAnalysis;

namespace Backprop.Gen.Parsing;

// System.Numerics.Vector2, Vector3 and Vector4: differentiable structs of float fields (X, Y, Z, W) whose members
// have built-in rules instead of source to inline. Each rule computes what the library computes, in the same order
// and with the same operations (a dot product as ((x·x + y·y) + z·z), Lerp as FusedMultiplyAdd(a, 1 − t, b·t)), so
// that a Backward returns the primal's value bit for bit; the derivatives then come from the arithmetic and the
// MathF rules (Sqrt, Abs, FusedMultiplyAdd).
internal sealed partial class BodyParser
{
    /// <summary>Whether a type is one of the System.Numerics vectors the generator differentiates.</summary>
    internal static bool IsNumericsVector(ITypeSymbol? type) =>
        type is INamedTypeSymbol { Name: "Vector2" or "Vector3" or "Vector4" or "Quaternion" or "Complex", IsGenericType: false } named
        && Contract.InSystemNumerics(named);

    /// <summary>A built-in member of a vector type: the result (a scalar or a vector), or null with an error reported.</summary>
    private object? Numerics(IMethodSymbol method, StructValue? self, IReadOnlyList<object> arguments, IOperation at)
    {
        ITypeSymbol vector = method.ContainingType;
        IReadOnlyList<object> all = self is null ? arguments : new object[] { self }.Concat(arguments).ToList();
        StructValue V(int i) => (StructValue)all[i];
        IrExpr S(int i) => (IrExpr)all[i];
        bool IsVector(int i) => i < all.Count && all[i] is StructValue;
        if (vector.Name == "Quaternion" && QuaternionMember(method, all) is { } quaternion) return quaternion;
        if (IsComplex(vector))
        {
            if (ComplexMember(method, all) is { } complex) return complex;
            Report(DiagnosticDescriptors.UnsupportedExpression, at.Syntax, $"'Complex.{method.Name.Replace("op_", "operator ").Replace("get_", "")}'",
                "use its operators (with Complex or double operands), constructor, Real, Imaginary, Magnitude, Phase, Abs, Conjugate, Exp, Log, Sqrt, Sin, Cos, Pow(z, double), FromPolarCoordinates, Zero, One or ImaginaryOne");
            return null;
        }

        // A quaternion shares only its vector arithmetic with Vector4 (its Lerp, for one, is not componentwise).
        bool shared = vector.Name != "Quaternion" || method.Name is "op_Addition" or "Add" or "op_Subtraction" or "Subtract" or "op_UnaryNegation"
            or "Negate" or "op_UnaryPlus" or "op_Multiply" or "Multiply" or "Dot" or "LengthSquared" or "Length" or "Normalize" or "get_Zero";
        switch (shared ? method.Name : "", all.Count)
        {
            case ("op_Addition" or "Add", 2):
                return Map(V(0), (k, a) => Plus(a, V(1).Leaves[k]));
            case ("op_Subtraction" or "Subtract", 2):
                return Map(V(0), (k, a) => Minus(a, V(1).Leaves[k]));
            case ("op_UnaryNegation" or "Negate", 1):
                return Map(V(0), (_, a) => Negated(a));
            case ("op_UnaryPlus", 1):
                return V(0);
            case ("op_Multiply" or "Multiply", 2) when IsVector(0) && IsVector(1):
                return Map(V(0), (k, a) => Times(a, V(1).Leaves[k]));
            case ("op_Multiply" or "Multiply", 2) when IsVector(0):
                return Map(V(0), (_, a) => Times(a, S(1)));
            case ("op_Multiply" or "Multiply", 2):
                return Map(V(1), (_, a) => Times(S(0), a));
            case ("op_Division" or "Divide", 2) when IsVector(1):
                return Map(V(0), (k, a) => Over(a, V(1).Leaves[k]));
            case ("op_Division" or "Divide", 2):
                return Map(V(0), (_, a) => Over(a, S(1)));
            case ("Dot", 2):
                return Dot(V(0), V(1));
            case ("LengthSquared", 1):
                return Dot(V(0), V(0));
            case ("Length", 1):
                return Sqrt(Dot(V(0), V(0)));
            case ("DistanceSquared", 2):
                StructValue difference = Materialized(Map(V(0), (k, a) => Minus(a, V(1).Leaves[k])), "difference");
                return Dot(difference, difference);
            case ("Distance", 2):
                StructValue apart = Materialized(Map(V(0), (k, a) => Minus(a, V(1).Leaves[k])), "difference");
                return Sqrt(Dot(apart, apart));
            case ("Normalize", 1):
                IrExpr length = MaterializedScalar(Sqrt(Dot(V(0), V(0))), "length");
                return Map(V(0), (_, a) => Over(a, length));
            case ("Cross", 2) when vector.Name == "Vector3":
                StructValue a3 = V(0), b3 = V(1);
                IrExpr Cross(string i, string j) => Minus(Times(a3.Leaves[i], b3.Leaves[j]), Times(a3.Leaves[j], b3.Leaves[i]));
                return new StructValue(vector, new Dictionary<string, IrExpr> { ["X"] = Cross("Y", "Z"), ["Y"] = Cross("Z", "X"), ["Z"] = Cross("X", "Y") });
            case ("Lerp", 3):
                IrExpr amount = S(2);
                IrExpr rest = MaterializedScalar(Minus(Ir.Const(amount.Type, 1), amount), "weight");
                return Map(V(0), (k, a) => MathF("FusedMultiplyAdd", a, rest, Times(V(1).Leaves[k], amount)));
            case ("Abs", 1):
                return Map(V(0), (_, a) => MathF("Abs", a));
            case ("Min" or "Max", 2) when IsVector(0) && IsVector(1):
                // The library's Min and Max are IEEE 754's, as MathF's are: NaN wins, and −0 is below +0.
                return Map(V(0), (k, a) => MathF(method.Name, a, V(1).Leaves[k]));
            case ("Clamp", 3) when IsVector(0) && IsVector(1) && IsVector(2):
                // The library's Clamp is Min(Max(value, min), max), field by field (max wins where min > max).
                return Map(V(0), (k, a) => MathF("Min", MathF("Max", a, V(1).Leaves[k]), V(2).Leaves[k]));
            case ("Transform", 2) when IsVector(0) && all[1] is StructValue { Type.Name: "Quaternion" } rotation:
                return Rotated(method.ReturnType, V(0), rotation);
            case ("SquareRoot", 1):
                return Map(V(0), (_, a) => MathF("Sqrt", a));
            case ("get_Zero" or "get_One" or "get_UnitX" or "get_UnitY" or "get_UnitZ" or "get_UnitW", 0):
                string unit = method.Name.Substring(4);
                return Leafwise(vector, l => Ir.Const(l.Type, unit == "One" || unit == "Unit" + l.Path ? 1 : 0));
        }

        Report(DiagnosticDescriptors.UnsupportedExpression, at.Syntax, $"'{vector.Name}.{method.Name.Replace("op_", "operator ").Replace("get_", "")}'",
            vector.Name == "Quaternion"
                ? "use its operators (+, -, * by a quaternion or a float, / by a quaternion), constructors, fields, Conjugate, Inverse, Concatenate, CreateFromAxisAngle, Slerp, Dot, Length, LengthSquared, Normalize, Identity or Zero, or write the arithmetic on its fields (rotate a vector as q * new Quaternion(v, 0) * Quaternion.Conjugate(q))"
                : "use its operators, constructors, fields, Dot, Cross, Length, LengthSquared, Distance, DistanceSquared, Normalize, Lerp, Min, Max, Clamp, Abs, SquareRoot or Transform by a Quaternion, or write the arithmetic on its fields (a matrix's product as sums of field products)");
        return null;
    }

    /// <summary>
    /// The members of <c>Quaternion</c> that are not its vector arithmetic: the Hamilton product in the library's
    /// order of operations (its SIMD lanes: ((b·a.W ± b'·a.X) ± b''·a.Y) ± b'''·a.Z), the conjugate, the inverse
    /// (conjugate / length²), division (times the inverse), concatenation and the axis–angle constructor. Null for
    /// the members it shares with the vectors.
    /// </summary>
    private object? QuaternionMember(IMethodSymbol method, IReadOnlyList<object> all)
    {
        ITypeSymbol quaternion = method.ContainingType;
        StructValue Q(int i) => (StructValue)all[i];
        StructValue Quaternion(IrExpr x, IrExpr y, IrExpr z, IrExpr w) =>
            new(quaternion, new Dictionary<string, IrExpr> { ["X"] = x, ["Y"] = y, ["Z"] = z, ["W"] = w });
        StructValue Product(StructValue a, StructValue b) => QuaternionProduct(quaternion, a, b);

        StructValue Inverse(StructValue q)
        {
            q = Materialized(q, "quaternion");
            IrExpr squared = MaterializedScalar(Dot(q, q), "lengthSquared");
            return Quaternion(Over(Negated(q.Leaves["X"]), squared), Over(Negated(q.Leaves["Y"]), squared), Over(Negated(q.Leaves["Z"]), squared),
                Over(q.Leaves["W"], squared));
        }

        bool Both() => all.Count == 2 && all[0] is StructValue && all[1] is StructValue;
        switch (method.Name)
        {
            case "op_Multiply" or "Multiply" when Both():
                return Product(Q(0), Q(1));
            case "op_Division" or "Divide" when Both():
                return Product(Q(0), Inverse(Q(1)));
            case "Concatenate" when Both():
                return Product(Q(1), Q(0));
            case "Conjugate" when all.Count == 1:
                return QuaternionConjugate(Q(0));
            case "Inverse" when all.Count == 1:
                return Inverse(Q(0));
            case "CreateFromAxisAngle" when all.Count == 2 && all[0] is StructValue axis && all[1] is IrExpr angle:
                IrExpr half = MaterializedScalar(Times(angle, Ir.Const(IrType.Float, 0.5)), "halfAngle");
                IrExpr sin = MaterializedScalar(MathF("Sin", half), "sin"), cos = MathF("Cos", half);
                return Quaternion(Times(axis.Leaves["X"], sin), Times(axis.Leaves["Y"], sin), Times(axis.Leaves["Z"], sin), cos);
            case "Slerp" when all.Count == 3 && all[0] is StructValue && all[1] is StructValue && all[2] is IrExpr amount:
                return Slerp(Q(0), Q(1), amount);
            case "get_Identity" when all.Count == 0:
                return Quaternion(Ir.Const(IrType.Float, 0), Ir.Const(IrType.Float, 0), Ir.Const(IrType.Float, 0), Ir.Const(IrType.Float, 1));
        }

        return null;
    }

    /// <summary>The Hamilton product a·b in the library's order of operations (its SIMD lanes).</summary>
    private StructValue QuaternionProduct(ITypeSymbol quaternion, StructValue a, StructValue b)
    {
        a = Materialized(a, "left");
        b = Materialized(b, "right");
        IrExpr A(string k) => a.Leaves[k];
        IrExpr B(string k) => b.Leaves[k];
        return new StructValue(quaternion, new Dictionary<string, IrExpr>
        {
            ["X"] = Minus(Plus(Plus(Times(B("X"), A("W")), Times(B("W"), A("X"))), Times(B("Z"), A("Y"))), Times(B("Y"), A("Z"))),
            ["Y"] = Plus(Plus(Minus(Times(B("Y"), A("W")), Times(B("Z"), A("X"))), Times(B("W"), A("Y"))), Times(B("X"), A("Z"))),
            ["Z"] = Plus(Minus(Plus(Times(B("Z"), A("W")), Times(B("Y"), A("X"))), Times(B("X"), A("Y"))), Times(B("W"), A("Z"))),
            ["W"] = Minus(Minus(Minus(Times(B("W"), A("W")), Times(B("X"), A("X"))), Times(B("Y"), A("Y"))), Times(B("Z"), A("Z"))),
        });
    }

    /// <summary>
    /// <c>Quaternion.Slerp(a, b, t)</c> as the library computes it: cos = Dot(a, b), flipped with b's sign when negative;
    /// linear weights (1 − t, t) above 0.999999, else sin((1 − t)·ω)/sin ω and sin(t·ω)/sin ω with ω = acos(cos); then
    /// a·s1 + b·s2. The weights go into locals through if/else statements where a prelude is open (the branch not taken,
    /// whose acos has an infinite derivative at 1, computes nothing), else into conditional expressions.
    /// </summary>
    private StructValue Slerp(StructValue a, StructValue b, IrExpr t)
    {
        IrExpr F(double value) => Ir.Const(IrType.Float, value);
        IrExpr Compare(BinaryOp op, IrExpr left, double right) => new Binary(IrType.Bool, op, left, F(right));
        a = Materialized(a, "from");
        b = Materialized(b, "to");
        t = MaterializedScalar(t, "amount");
        IrExpr raw = MaterializedScalar(Dot(a, b), "cosine");
        IrExpr flip = Compare(BinaryOp.Less, raw, 0);
        IrExpr cos = MaterializedScalar(new Conditional(IrType.Float, flip, Negated(raw), raw), "cosineAbs");
        IrExpr sign = MaterializedScalar(new Conditional(IrType.Float, flip, F(-1), F(1)), "sign");
        IrExpr near = Compare(BinaryOp.Greater, cos, 0.999999);
        IrExpr Omega() => MathF("Acos", cos);
        IrExpr CurvedFirst(IrExpr omega) => Times(MathF("Sin", Times(Minus(F(1), t), omega)), Over(F(1), MathF("Sin", omega)));
        IrExpr CurvedSecond(IrExpr omega) => Times(Times(MathF("Sin", Times(t, omega)), Over(F(1), MathF("Sin", omega))), sign);
        IrExpr first, second;
        if (_prelude is { } into)
        {
            var s1 = new IrVar(SynthesizedName("slerpFrom"), IrType.Float);
            var s2 = new IrVar(SynthesizedName("slerpTo"), IrType.Float);
            var omega = new IrVar(SynthesizedName("omega"), IrType.Float);
            into.Add(new Declare(null, s1, F(0)));
            into.Add(new Declare(null, s2, F(0)));
            Block Do(params IrStmt[] statements) => new(statements.ToEquatableArray());
            into.Add(new If(null, near,
                Do(new Assign(null, s1.Ref, Minus(F(1), t)), new Assign(null, s2.Ref, Times(t, sign))),
                Do(new Declare(null, omega, Omega()), new Assign(null, s1.Ref, CurvedFirst(omega.Ref)), new Assign(null, s2.Ref, CurvedSecond(omega.Ref)))));
            (first, second) = (s1.Ref, s2.Ref);
        }
        else
        {
            first = new Conditional(IrType.Float, near, Minus(F(1), t), CurvedFirst(Omega()));
            second = new Conditional(IrType.Float, near, Times(t, sign), CurvedSecond(Omega()));
        }

        return new StructValue(a.Type, a.Leaves.ToDictionary(l => l.Key, l => Plus(Times(l.Value, first), Times(b.Leaves[l.Key], second))));
    }

    private static StructValue QuaternionConjugate(StructValue q) => new(q.Type, new Dictionary<string, IrExpr>
    {
        ["X"] = Negated(q.Leaves["X"]), ["Y"] = Negated(q.Leaves["Y"]), ["Z"] = Negated(q.Leaves["Z"]), ["W"] = q.Leaves["W"],
    });

    /// <summary>
    /// <c>Vector2/3/4.Transform(v, rotation)</c> as the library computes it: the vector as a quaternion (a Vector2 or
    /// Vector3 padded with 0 and 1: (x, y, 0, 1), (x, y, z, 1)), conjugated as rotation · (v · rotation*), and as many of
    /// its parts as the result has.
    /// </summary>
    private StructValue Rotated(ITypeSymbol result, StructValue value, StructValue rotation)
    {
        IrExpr Part(string field) => value.Leaves.TryGetValue(field, out IrExpr? leaf) ? leaf : Ir.Const(IrType.Float, field == "W" ? 1 : 0);
        var asQuaternion = new StructValue(rotation.Type, new[] { "X", "Y", "Z", "W" }.ToDictionary(k => k, Part));
        rotation = Materialized(rotation, "rotation");
        StructValue rotated = QuaternionProduct(rotation.Type, rotation, QuaternionProduct(rotation.Type, asQuaternion, QuaternionConjugate(rotation)));
        return new StructValue(result, StructLayout.Leaves(result).ToDictionary(l => l.Path, l => rotated.Leaves[l.Path]));
    }

    /// <summary>Whether a type is <c>System.Numerics.Complex</c>.</summary>
    internal static bool IsComplex(ITypeSymbol? type) =>
        type is INamedTypeSymbol { Name: "Complex", IsGenericType: false } named
        && Contract.InSystemNumerics(named);

    /// <summary>
    /// The members of <c>Complex</c>, as the pair (Real, Imaginary), each computed as the library computes it (checked
    /// bit for bit here): products and Smith's division, mixed operators with a double (which do not pass through
    /// (d, 0): −0 stays −0), <c>Abs</c> = <c>double.Hypot</c>, <c>Exp</c>, <c>Log</c>, <c>Sin</c>, <c>Cos</c>,
    /// <c>Pow(z, double)</c> through polar coordinates. Null for a member without a rule.
    /// </summary>
    private object? ComplexMember(IMethodSymbol method, IReadOnlyList<object> all)
    {
        ITypeSymbol complex = method.ContainingType;
        StructValue C(IrExpr re, IrExpr im) => new(complex, new Dictionary<string, IrExpr> { ["Real"] = re, ["Imaginary"] = im });
        IrExpr Re(int i) => ((StructValue)all[i]).Leaves["Real"];
        IrExpr Im(int i) => ((StructValue)all[i]).Leaves["Imaginary"];
        IrExpr D(int i) => Ir.ConvertTo((IrExpr)all[i], IrType.Double);
        bool Z(int i) => i < all.Count && all[i] is StructValue;
        IrExpr Math(string function, params IrExpr[] arguments) => Ir.Call(IrType.Double, function, arguments);
        IrExpr Hypot(IrExpr re, IrExpr im) => new MathCall(IrType.Double, "double", "Hypot", Ir.Array(re, im));
        IrExpr Const(double value) => Ir.Const(IrType.Double, value);
        int n = all.Count;
        switch (method.Name)
        {
            case "get_Real" when n == 1:
                return Re(0);
            case "get_Imaginary" when n == 1:
                return Im(0);
            case "get_Magnitude" or "Abs" when n == 1:
                return Hypot(Re(0), Im(0));
            case "get_Phase" when n == 1:
                return Math("Atan2", Im(0), Re(0));
            case "op_UnaryPlus" when n == 1:
                return all[0];
            case "op_UnaryNegation" or "Negate" when n == 1:
                return C(Negated(Re(0)), Negated(Im(0)));
            case "Conjugate" when n == 1:
                return C(Re(0), Negated(Im(0)));
            case "op_Addition" or "Add" when n == 2:
                return Z(0) && Z(1) ? C(Plus(Re(0), Re(1)), Plus(Im(0), Im(1))) : Z(0) ? C(Plus(Re(0), D(1)), Im(0)) : C(Plus(D(0), Re(1)), Im(1));
            case "op_Subtraction" or "Subtract" when n == 2:
                return Z(0) && Z(1) ? C(Minus(Re(0), Re(1)), Minus(Im(0), Im(1))) : Z(0) ? C(Minus(Re(0), D(1)), Im(0)) : C(Minus(D(0), Re(1)), Negated(Im(1)));
            case "op_Multiply" or "Multiply" when n == 2 && Z(0) && Z(1):
                StructValue a = Materialized((StructValue)all[0], "left"), b = Materialized((StructValue)all[1], "right");
                return C(Minus(Times(a.Leaves["Real"], b.Leaves["Real"]), Times(a.Leaves["Imaginary"], b.Leaves["Imaginary"])),
                    Plus(Times(a.Leaves["Imaginary"], b.Leaves["Real"]), Times(a.Leaves["Real"], b.Leaves["Imaginary"])));
            case "op_Multiply" or "Multiply" when n == 2:
                return Z(0) ? C(Times(Re(0), D(1)), Times(Im(0), D(1))) : C(Times(D(0), Re(1)), Times(D(0), Im(1)));
            case "op_Division" or "Divide" when n == 2 && Z(1):
            {
                // Smith's formula, on the branch the library takes; each branch computes its own ratio (the other's
                // may divide by zero, and its derivative must not reach the gradient).
                StructValue divisor = Materialized((StructValue)all[1], "divisor");
                IrExpr c = divisor.Leaves["Real"], d = divisor.Leaves["Imaginary"];
                IrExpr left = Z(0) ? Re(0) : D(0), right = Z(0) ? Im(0) : Const(0);
                if (Z(0))
                {
                    StructValue dividend = Materialized((StructValue)all[0], "dividend");
                    left = dividend.Leaves["Real"];
                    right = dividend.Leaves["Imaginary"];
                }

                IrExpr smaller = new Binary(IrType.Bool, BinaryOp.Less, Math("Abs", d), Math("Abs", c));
                IrExpr doc = Over(d, c), cod = Over(c, d);
                IrExpr firstDenominator = Plus(c, Times(d, doc)), secondDenominator = Plus(d, Times(c, cod));
                return Z(0)
                    ? C(new Conditional(IrType.Double, smaller, Over(Plus(left, Times(right, doc)), firstDenominator), Over(Plus(right, Times(left, cod)), secondDenominator)),
                        new Conditional(IrType.Double, smaller, Over(Minus(right, Times(left, doc)), firstDenominator), Over(Plus(Negated(left), Times(right, cod)), secondDenominator)))
                    : C(new Conditional(IrType.Double, smaller, Over(left, firstDenominator), Over(Times(left, cod), secondDenominator)),
                        new Conditional(IrType.Double, smaller, Over(Times(Negated(left), doc), firstDenominator), Over(Negated(left), secondDenominator)));
            }

            case "op_Division" or "Divide" when n == 2:
                return C(Over(Re(0), D(1)), Over(Im(0), D(1)));
            case "Exp" when n == 1:
                IrExpr grow = MaterializedScalar(Math("Exp", Re(0)), "expReal");
                return C(Times(grow, Math("Cos", Im(0))), Times(grow, Math("Sin", Im(0))));
            case "Log" when n == 1:
                return C(Math("Log", Hypot(Re(0), Im(0))), Math("Atan2", Im(0), Re(0)));
            case "Sin" when n == 1:
                return C(Times(Math("Sin", Re(0)), Math("Cosh", Im(0))), Times(Math("Cos", Re(0)), Math("Sinh", Im(0))));
            case "Cos" when n == 1:
                return C(Times(Math("Cos", Re(0)), Math("Cosh", Im(0))), Negated(Times(Math("Sin", Re(0)), Math("Sinh", Im(0)))));
            case "Pow" when n == 2 && Z(0) && !Z(1):
                StructValue z = Materialized((StructValue)all[0], "value");
                IrExpr power = MaterializedScalar(D(1), "power");
                IrExpr theta = MaterializedScalar(Times(power, Math("Atan2", z.Leaves["Imaginary"], z.Leaves["Real"])), "angle");
                IrExpr length = MaterializedScalar(Math("Pow", Hypot(z.Leaves["Real"], z.Leaves["Imaginary"]), power), "length");
                return C(Times(length, Math("Cos", theta)), Times(length, Math("Sin", theta)));
            case "Sqrt" when n == 1:
                return ComplexSqrt(Materialized((StructValue)all[0], "value"));
            case "FromPolarCoordinates" when n == 2:
                IrExpr magnitude = MaterializedScalar(D(0), "magnitude"), phase = MaterializedScalar(D(1), "phase");
                return C(Times(magnitude, Math("Cos", phase)), Times(magnitude, Math("Sin", phase)));
            case "get_Zero" when n == 0:
                return C(Const(0), Const(0));
            case "get_One" when n == 0:
                return C(Const(1), Const(0));
            case "get_ImaginaryOne" when n == 0:
                return C(Const(0), Const(1));
        }

        return null;
    }

    /// <summary>
    /// <c>Complex.Sqrt</c> with the library's value bit for bit (checked on millions of points), and a derivative of
    /// every order wherever the root is differentiable. With both parts scaled by ¼ near overflow, one part of the root
    /// is √((|z| ± re)/2) and the other im / (2·that). The library returns √re or i·√−re on the real axis; the general
    /// formula gives the same bits there, and keeps ∂/∂im and ∂²/∂im² (a constant zero would drop them for every real
    /// input), so the axis takes it too, with 0.0 + part turning the zero part's −0 into the library's +0. Only the
    /// origin, where no derivative exists, and an infinite imaginary part are cases of their own (a NaN part beside an
    /// infinite real part may give NaN in the other part than the library's). Written as if/else statements into the prelude when
    /// one is open (a branch not taken computes nothing and sends nothing into the gradient), else as conditionals.
    /// </summary>
    private StructValue ComplexSqrt(StructValue z)
    {
        IrExpr re = z.Leaves["Real"], im = z.Leaves["Imaginary"];
        IrExpr Const(double value) => Ir.Const(IrType.Double, value);
        IrExpr Math(string function, params IrExpr[] arguments) => Ir.Call(IrType.Double, function, arguments);
        IrExpr Compare(BinaryOp op, IrExpr left, double right) => new Binary(IrType.Bool, op, left, Const(right));
        IrExpr If(IrExpr condition, IrExpr then, IrExpr otherwise) => new Conditional(IrType.Double, condition, then, otherwise);
        IrExpr OtherPart(IrExpr numerator, IrExpr root) => Over(numerator, Times(Const(2.0), root));

        // The library's threshold: the largest x for which Hypot(x, x) + x does not overflow.
        double threshold = double.MaxValue / (System.Math.Sqrt(2.0) + 1.0);
        IrExpr scale = new Binary(IrType.Bool, BinaryOp.ConditionalOr,
            Compare(BinaryOp.GreaterOrEqual, Math("Abs", re), threshold), Compare(BinaryOp.GreaterOrEqual, Math("Abs", im), threshold));
        IrExpr origin = new Binary(IrType.Bool, BinaryOp.ConditionalAnd, Compare(BinaryOp.Equal, re, 0.0), Compare(BinaryOp.Equal, im, 0.0));
        IrExpr onAxis = Compare(BinaryOp.Equal, im, 0.0);
        // An infinite imaginary part: the library's (∞, im), whatever the real part.
        IrExpr infinite = Compare(BinaryOp.Greater, Math("Abs", im), double.MaxValue);
        IrExpr Root(IrExpr a, IrExpr b, bool plus) =>
            Math("Sqrt", Times((plus ? Plus : (System.Func<IrExpr, IrExpr, IrExpr>)Minus)(new MathCall(IrType.Double, "double", "Hypot", Ir.Array(a, b)), a), Const(0.5)));
        if (_prelude is null)
        {
            // No statements here: the same computation as nested conditional expressions.
            IrExpr a = If(scale, Times(re, Const(0.25)), re), b = If(scale, Times(im, Const(0.25)), im);
            IrExpr left = If(Compare(BinaryOp.Less, b, 0.0), Negated(Root(a, b, false)), Root(a, b, false)), right = Compare(BinaryOp.GreaterOrEqual, a, 0.0);
            IrExpr Finish(IrExpr part) => If(onAxis, Plus(Const(0.0), If(scale, Times(part, Const(2.0)), part)), If(scale, Times(part, Const(2.0)), part));
            return new StructValue(z.Type, new Dictionary<string, IrExpr>
            {
                ["Real"] = If(origin, Math("Sqrt", re), If(infinite, Math("Abs", im), Finish(If(right, Root(a, b, true), OtherPart(b, left))))),
                ["Imaginary"] = If(origin, Const(0.0), If(infinite, im, Finish(If(right, OtherPart(b, Root(a, b, true)), left)))),
            });
        }

        // double root_Real = 0, root_Imaginary = 0;
        // if (origin) √re else { scale; if (a >= 0) { x = √((|z|+a)/2); y = b/(2x) } else { … }; unscale; +0 on the axis }
        var x = new IrVar(SynthesizedName("root_Real"), IrType.Double);
        var y = new IrVar(SynthesizedName("root_Imaginary"), IrType.Double);
        var rescaled = new IrVar(SynthesizedName("rescaled"), IrType.Bool);
        var real = new IrVar(SynthesizedName("real"), IrType.Double);
        var imaginary = new IrVar(SynthesizedName("imaginary"), IrType.Double);
        _prelude.Add(new Declare(null, x, Const(0)));
        _prelude.Add(new Declare(null, y, Const(0)));
        Block Do(params IrStmt[] statements) => new(statements.ToEquatableArray());
        IrStmt Set(IrVar target, IrExpr value) => new Assign(null, target.Ref, value);
        IrStmt When(IrExpr condition, Block then, Block? otherwise = null) => new If(null, condition, then, otherwise ?? Do());
        Block general = Do(
            new Declare(null, rescaled, scale),
            new Declare(null, real, If(rescaled.Ref, Times(re, Const(0.25)), re)),
            new Declare(null, imaginary, If(rescaled.Ref, Times(im, Const(0.25)), im)),
            When(Compare(BinaryOp.GreaterOrEqual, real.Ref, 0.0),
                Do(Set(x, Root(real.Ref, imaginary.Ref, true)), Set(y, OtherPart(imaginary.Ref, x.Ref))),
                Do(Set(y, Root(real.Ref, imaginary.Ref, false)),
                    When(Compare(BinaryOp.Less, imaginary.Ref, 0.0), Do(Set(y, Negated(y.Ref)))),
                    Set(x, OtherPart(imaginary.Ref, y.Ref)))),
            When(rescaled.Ref, Do(Set(x, Times(x.Ref, Const(2.0))), Set(y, Times(y.Ref, Const(2.0))))),
            When(onAxis, Do(Set(x, Plus(Const(0.0), x.Ref)), Set(y, Plus(Const(0.0), y.Ref)))));
        _prelude.Add(When(origin, Do(Set(x, Math("Sqrt", re))), Do(When(infinite, Do(Set(x, Math("Abs", im)), Set(y, im)), general))));
        return new StructValue(z.Type, new Dictionary<string, IrExpr> { ["Real"] = x.Ref, ["Imaginary"] = y.Ref });
    }

    /// <summary>
    /// A vector built by a constructor: its float arguments and the fields of its vector arguments, in order, fill X, Y,
    /// Z, W (<c>new Vector4(v3, w)</c>); a single float fills them all (<c>new Vector3(s)</c>).
    /// </summary>
    private StructValue? NumericsConstructor(ITypeSymbol vector, IReadOnlyList<object> arguments, IOperation at)
    {
        var values = new List<IrExpr>();
        foreach (object argument in arguments)
        {
            if (argument is StructValue part) values.AddRange(part.Leaves.Values);
            else values.Add((IrExpr)argument);
        }

        var leaves = StructLayout.Leaves(vector);
        if (values.Count == 1 && leaves.Length > 1) values = Enumerable.Repeat(values[0], leaves.Length).ToList();
        if (values.Count != leaves.Length)
        {
            Report(DiagnosticDescriptors.UnsupportedExpression, at.Syntax, $"This '{vector.Name}' constructor", "build it from one float per field, or one for all");
            return null;
        }

        return new StructValue(vector, leaves.Select((l, i) => (l.Path, values[i])).ToDictionary(p => p.Path, p => p.Item2));
    }

    // The arithmetic as written, with no simplification: 0 + x is not x when x is −0.
    private static IrExpr Plus(IrExpr a, IrExpr b) => new Binary(Ir.Wider(a.Type, b.Type), BinaryOp.Add, a, b);

    private static IrExpr Minus(IrExpr a, IrExpr b) => new Binary(Ir.Wider(a.Type, b.Type), BinaryOp.Subtract, a, b);

    private static IrExpr Times(IrExpr a, IrExpr b) => new Binary(Ir.Wider(a.Type, b.Type), BinaryOp.Multiply, a, b);

    private static IrExpr Over(IrExpr a, IrExpr b) => new Binary(Ir.Wider(a.Type, b.Type), BinaryOp.Divide, a, b);

    private static IrExpr Negated(IrExpr a) => new Unary(a.Type, UnaryOp.Negate, a);

    private static StructValue Map(StructValue value, System.Func<string, IrExpr, IrExpr> leaf) =>
        new(value.Type, value.Leaves.ToDictionary(l => l.Key, l => leaf(l.Key, l.Value)));

    /// <summary>
    /// The library's dot product, in its order of additions: (x·x' + y·y') + z·z' for two and three fields, and for
    /// four, pairwise as its SIMD lanes add, (x·x' + y·y') + (z·z' + w·w').
    /// </summary>
    private static IrExpr Dot(StructValue a, StructValue b)
    {
        var products = a.Leaves.Select(l => Times(l.Value, b.Leaves[l.Key])).ToList();
        return products.Count == 4 ? Plus(Plus(products[0], products[1]), Plus(products[2], products[3])) : products.Aggregate(Plus);
    }

    private static IrExpr Sqrt(IrExpr value) => MathF("Sqrt", value);

    private static IrExpr MathF(string function, params IrExpr[] arguments) => Ir.Call(IrType.Float, function, arguments);

    /// <summary>A vector a rule reads more than once, in locals where a prelude is open.</summary>
    private StructValue Materialized(StructValue value, string stem) =>
        new(value.Type, value.Leaves.ToDictionary(l => l.Key, l => MaterializedScalar(l.Value, LocalName(stem, l.Key))));
}
