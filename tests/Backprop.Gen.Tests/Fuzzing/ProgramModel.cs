using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Backprop.Gen.Tests.Fuzzing;

/// <summary>A random program's expression: it prints itself as C# and offers smaller versions of itself for shrinking.</summary>
internal abstract record FExpr
{
    public abstract string Emit();

    /// <summary>Smaller expressions to try in place of this one, most aggressive first.</summary>
    public abstract IEnumerable<FExpr> Shrinks();

    public static string Number(double value) => value.ToString("0.0##", CultureInfo.InvariantCulture);
}

internal sealed record FVar(string Name) : FExpr
{
    public override string Emit() => Name;
    public override IEnumerable<FExpr> Shrinks() => new[] { new FConst(0.5) };
}

internal sealed record FConst(double Value) : FExpr
{
    public override string Emit() => Number(Value);
    public override IEnumerable<FExpr> Shrinks() => Value == 1 ? Array.Empty<FExpr>() : new[] { new FConst(1) };
}

/// <summary><c>a[index]</c>, where the index is an int expression kept in range.</summary>
internal sealed record FElement(string Array, string Index) : FExpr
{
    public override string Emit() => $"{Array}[{Index}]";
    public override IEnumerable<FExpr> Shrinks() => new[] { new FConst(0.5) };
}

internal sealed record FBinary(string Op, FExpr Left, FExpr Right) : FExpr
{
    public override string Emit() => Op == "/"
        ? $"({Left.Emit()} / (1.5 + {Right.Emit()} * {Right.Emit()}))" // a denominator that never reaches zero
        : $"({Left.Emit()} {Op} {Right.Emit()})";

    public override IEnumerable<FExpr> Shrinks() =>
        new[] { Left, Right }.Concat(Left.Shrinks().Select(l => this with { Left = l })).Concat(Right.Shrinks().Select(r => this with { Right = r }));
}

/// <summary>A Math function applied so that it stays in its domain and bounded.</summary>
internal sealed record FCall(string Function, FExpr Argument, FExpr? Second = null) : FExpr
{
    public override string Emit() => Function switch
    {
        "Exp" => $"Math.Exp(Math.Sin({Argument.Emit()}))",
        "Log" => $"Math.Log(1 + {Argument.Emit()} * {Argument.Emit()})",
        "Sqrt" => $"Math.Sqrt(1 + {Argument.Emit()} * {Argument.Emit()})",
        "Pow" => $"Math.Pow(1.2 + Math.Sin({Argument.Emit()}), {Second!.Emit()})",
        "Sigmoid" => $"1 / (1 + Math.Exp(-({Argument.Emit()})))",
        "Max" or "Min" or "Atan2" => $"Math.{Function}({Argument.Emit()}, {Second!.Emit()})",
        _ => $"Math.{Function}({Argument.Emit()})",
    };

    public override IEnumerable<FExpr> Shrinks()
    {
        yield return Argument;
        if (Second is not null) yield return Second;
        foreach (FExpr a in Argument.Shrinks()) yield return this with { Argument = a };
        if (Second is not null) foreach (FExpr b in Second.Shrinks()) yield return this with { Second = b };
    }
}

/// <summary>A call to one of the [Differentiable] helpers every fuzz class declares (see <see cref="FProgram.Helpers"/>).</summary>
internal sealed record FHelper(string Name, FExpr Argument, FExpr? Second, string? Array) : FExpr
{
    public override string Emit() => Name switch
    {
        "Mix" => $"Mix({Argument.Emit()}, {Second!.Emit()})",
        "Soft" => $"Soft({Argument.Emit()}, {Second!.Emit()})",
        "SoftSum" => $"SoftSum({Array}, {Argument.Emit()})",
        _ => $"Norm({Array}, {Argument.Emit()})",
    };

    public override IEnumerable<FExpr> Shrinks()
    {
        yield return Argument;
        if (Second is not null) yield return Second;
        foreach (FExpr a in Argument.Shrinks()) yield return this with { Argument = a };
        if (Second is not null) foreach (FExpr b in Second.Shrinks()) yield return this with { Second = b };
    }
}

/// <summary>
/// A conversion that stops the derivative: <c>(double)(int)(e * 2) * 0.25</c> (a step), <c>a[(int)(Abs(e) * 3) % a.Length]</c>
/// (an index computed from a value), <c>(double)checked((long)(Tanh(e) * 4)) * 0.125</c>. (A round trip through float would
/// carry the derivative, but its rounding swamps finite differences.)
/// </summary>
internal sealed record FConvert(string Kind, FExpr Operand, string? Array = null) : FExpr
{
    public override string Emit() => Kind switch
    {
        "step" => $"((double)(int)({Operand.Emit()} * 2.0) * 0.25)",
        "index" => $"{Array}[(int)(Math.Abs({Operand.Emit()}) * 3.0) % {Array}.Length]",
        _ => $"((double)checked((long)(Math.Tanh({Operand.Emit()}) * 4.0)) * 0.125)",
    };

    public override IEnumerable<FExpr> Shrinks() => new[] { Operand }.Concat(Operand.Shrinks().Select(o => this with { Operand = o }));
}

/// <summary><c>cond ? a : b</c> with a comparison of two expressions.</summary>
internal sealed record FConditional(FExpr Left, FExpr Right, FExpr WhenTrue, FExpr WhenFalse) : FExpr
{
    public override string Emit() => $"({Left.Emit()} > {Right.Emit()} ? {WhenTrue.Emit()} : {WhenFalse.Emit()})";

    public override IEnumerable<FExpr> Shrinks() => new[] { WhenTrue, WhenFalse }
        .Concat(WhenTrue.Shrinks().Select(t => this with { WhenTrue = t }))
        .Concat(WhenFalse.Shrinks().Select(f => this with { WhenFalse = f }));
}

/// <summary>
/// A field of a struct local, a member that returns early, or a dot product of two through the struct's own method:
/// <c>v0.P</c>, <c>v0.Clip()</c>, <c>v0.Dot(v1)</c>.
/// </summary>
internal sealed record FStructRead(string Struct, string Field, string? Other = null) : FExpr
{
    public override string Emit() => Other is null ? $"{Struct}.{Field}" : $"{Struct}.Dot({Other})";

    public override IEnumerable<FExpr> Shrinks() => new[] { new FConst(0.5) };
}

/// <summary>A call to the program's own random generic-math method: <c>G@@(u, v)</c>, called with doubles.</summary>
internal sealed record FGenericCall(FExpr Argument, FExpr Second) : FExpr
{
    public override string Emit() => $"G@@({Argument.Emit()}, {Second.Emit()})";

    public override IEnumerable<FExpr> Shrinks() => new[] { Argument, Second }
        .Concat(Argument.Shrinks().Select(a => this with { Argument = a }))
        .Concat(Second.Shrinks().Select(b => this with { Second = b }));
}

/// <summary>
/// A call to the method's local functions: <c>Lf(u, v)</c> (static), <c>Cap(u)</c> (capturing x1) or <c>Acc(u)</c>
/// (a loop and a branch, inlined with its statements).
/// </summary>
internal sealed record FLocalCall(FExpr Argument, FExpr? Second, bool Loop = false) : FExpr
{
    public override string Emit() => Loop ? $"Acc({Argument.Emit()})" : Second is null ? $"Cap({Argument.Emit()})" : $"Lf({Argument.Emit()}, {Second.Emit()})";

    public override IEnumerable<FExpr> Shrinks() => new[] { Argument }.Concat(Argument.Shrinks().Select(a => this with { Argument = a }));
}

/// <summary><c>e switch { &gt; 0.5 =&gt; a, &lt; -0.5 and &gt; -2 =&gt; b, _ =&gt; c }</c> inside an expression.</summary>
internal sealed record FSwitchExpr(FExpr Subject, FExpr A, FExpr B, FExpr C) : FExpr
{
    public override string Emit() => $"({Subject.Emit()} switch {{ > 0.5 => {A.Emit()}, < -0.5 and > -2.0 => {B.Emit()}, _ => {C.Emit()} }})";

    public override IEnumerable<FExpr> Shrinks() => new[] { A, B, C };
}

/// <summary>A random program's statement.</summary>
internal abstract record FStmt
{
    public abstract void Emit(StringBuilder text, int indent);

    /// <summary>Smaller versions of this statement (an empty list means "remove it" is the only shrink).</summary>
    public abstract IEnumerable<FStmt> Shrinks();

    protected static string Pad(int indent) => new(' ', indent * 4);

    public static void EmitAll(IEnumerable<FStmt> statements, StringBuilder text, int indent)
    {
        foreach (FStmt statement in statements) statement.Emit(text, indent);
    }

    /// <summary>The block with one statement removed or shrunk, each way in turn.</summary>
    public static IEnumerable<List<FStmt>> ShrinkBlock(List<FStmt> block)
    {
        for (int i = 0; i < block.Count; i++)
        {
            if (block[i].Removable) yield return block.Take(i).Concat(block.Skip(i + 1)).ToList();
        }

        for (int i = 0; i < block.Count; i++)
        {
            foreach (FStmt smaller in block[i].Shrinks())
            {
                var copy = block.ToList();
                copy[i] = smaller;
                yield return copy;
            }
        }
    }

    /// <summary>Declarations stay, because later statements read them; they shrink their value instead.</summary>
    public virtual bool Removable => true;
}

internal sealed record FDeclare(string Name, FExpr Value) : FStmt
{
    public override void Emit(StringBuilder text, int indent) => text.AppendLine($"{Pad(indent)}double {Name} = {Value.Emit()};");
    public override IEnumerable<FStmt> Shrinks() => Value.Shrinks().Select(v => this with { Value = v });
    public override bool Removable => false;
}

internal sealed record FAssign(string Name, string Op, FExpr Value) : FStmt
{
    public override void Emit(StringBuilder text, int indent) => text.AppendLine($"{Pad(indent)}{Name} {Op} {Value.Emit()};");
    public override IEnumerable<FStmt> Shrinks() => Value.Shrinks().Select(v => this with { Value = v });
}

/// <summary><c>int j = (i + 1) % a.Length;</c>: index arithmetic on loop counters, used as an index afterwards.</summary>
internal sealed record FDeclareIndex(string Name, string Value) : FStmt
{
    public override void Emit(StringBuilder text, int indent) => text.AppendLine($"{Pad(indent)}int {Name} = {Value};");
    public override IEnumerable<FStmt> Shrinks() => Array.Empty<FStmt>();
    public override bool Removable => false;
}

/// <summary><c>j = (j + 1) % a.Length;</c>: an index carried from one iteration to the next.</summary>
internal sealed record FStepIndex(string Name) : FStmt
{
    public override void Emit(StringBuilder text, int indent) => text.AppendLine($"{Pad(indent)}{Name} = ({Name} + 1) % a.Length;");
    public override IEnumerable<FStmt> Shrinks() => Array.Empty<FStmt>();
}

/// <summary>A local array, declared as long as the parameter array <c>a</c>.</summary>
internal sealed record FDeclareArray(string Name) : FStmt
{
    public override void Emit(StringBuilder text, int indent) => text.AppendLine($"{Pad(indent)}double[] {Name} = new double[a.Length];");
    public override IEnumerable<FStmt> Shrinks() => Array.Empty<FStmt>();
    public override bool Removable => false;
}

internal sealed record FStore(string Array, string Index, string Op, FExpr Value) : FStmt
{
    public override void Emit(StringBuilder text, int indent) => text.AppendLine($"{Pad(indent)}{Array}[{Index}] {Op} {Value.Emit()};");
    public override IEnumerable<FStmt> Shrinks() => Value.Shrinks().Select(v => this with { Value = v });
}

/// <summary><c>Squash(input, scale, output);</c>: a layer call writing a local array.</summary>
internal sealed record FLayer(string Input, FExpr Scale, string Output) : FStmt
{
    public override void Emit(StringBuilder text, int indent) => text.AppendLine($"{Pad(indent)}Squash({Input}, {Scale.Emit()}, {Output});");
    public override IEnumerable<FStmt> Shrinks() => Scale.Shrinks().Select(s => this with { Scale = s });
}

/// <summary>
/// <c>Blur(input, a, output);</c>: a layer with clipped integer bounds, a bias read at every position and a ReLU, which
/// exercise recomputed Max/Min bounds, the summed bias gradient and zero-adjoint skipping in the caller's Pullback.
/// </summary>
internal sealed record FBlur(string Input, string Output) : FStmt
{
    public override void Emit(StringBuilder text, int indent) => text.AppendLine($"{Pad(indent)}Blur({Input}, a, {Output});");
    public override IEnumerable<FStmt> Shrinks() => Array.Empty<FStmt>();
}

internal sealed record FIf(FExpr Left, FExpr Right, List<FStmt> Then, List<FStmt> Else) : FStmt
{
    public override void Emit(StringBuilder text, int indent)
    {
        text.AppendLine($"{Pad(indent)}if ({Left.Emit()} > {Right.Emit()})");
        text.AppendLine($"{Pad(indent)}{{");
        EmitAll(Then, text, indent + 1);
        text.AppendLine($"{Pad(indent)}}}");
        if (Else.Count == 0) return;
        text.AppendLine($"{Pad(indent)}else");
        text.AppendLine($"{Pad(indent)}{{");
        EmitAll(Else, text, indent + 1);
        text.AppendLine($"{Pad(indent)}}}");
    }

    public override IEnumerable<FStmt> Shrinks() =>
        ShrinkBlock(Then).Select(t => this with { Then = t }).Concat(ShrinkBlock(Else).Select(e => this with { Else = e }));

    public override bool Removable => !Then.Concat(Else).Any(s => s is FDeclare or FDeclareArray);
}

/// <summary>A loop: a counted <c>for</c>, a <c>while</c> with its own counter, or a <c>foreach</c> over <c>a</c>.</summary>
internal sealed record FLoop(string Kind, string Counter, string Trips, List<FStmt> Body, FExpr? Guard = null) : FStmt
{
    public override void Emit(StringBuilder text, int indent)
    {
        string pad = Pad(indent);
        switch (Kind)
        {
            case "for":
                text.AppendLine($"{pad}for (int {Counter} = 0; {Counter} < {Trips}; {Counter}++)");
                break;
            case "down":
                text.AppendLine($"{pad}for (int {Counter} = {Trips} - 1; {Counter} >= 0; {Counter}--)");
                break;
            case "while":
                text.AppendLine($"{pad}int {Counter} = 0;");
                text.AppendLine($"{pad}while ({Counter} < {Trips}{(Guard is null ? "" : " && " + Guard.Emit() + " > -0.9")})");
                break;
        }

        text.AppendLine($"{pad}{{");
        EmitAll(Body, text, indent + 1);
        if (Kind == "while") text.AppendLine($"{pad}    {Counter}++;");
        text.AppendLine($"{pad}}}");
    }

    public override IEnumerable<FStmt> Shrinks() =>
        (Guard is null ? Enumerable.Empty<FStmt>() : new[] { this with { Guard = null } }).Concat(ShrinkBlock(Body).Select(b => this with { Body = b }));

    public override bool Removable => !Body.Any(s => s is FDeclare or FDeclareArray);
}

/// <summary><c>FV v0 = new FV(e, f) + k * new FV(g, x0);</c>: a struct local (FV, or the readonly RV), built with a constructor and operators.</summary>
internal sealed record FStructDeclare(string Name, FExpr P, FExpr Q, FExpr K, string Type = "FV") : FStmt
{
    public override void Emit(StringBuilder text, int indent) =>
        text.AppendLine($"{Pad(indent)}{Type} {Name} = new {Type}({P.Emit()}, {Q.Emit()}) + {K.Emit()} * new {Type}(x1, x0);");

    public override IEnumerable<FStmt> Shrinks() => P.Shrinks().Select(p => this with { P = p }).Concat(K.Shrinks().Select(k => this with { K = k }));

    public override bool Removable => false;
}

/// <summary><c>v0 = 0.5 * v0 + 0.5 * Math.Tanh(e) * v1;</c> or <c>v0.P = Math.Tanh(v0.P + e);</c>: a struct updated whole or by a field.</summary>
internal sealed record FStructUpdate(string Name, string? Other, FExpr Value, string Type = "FV") : FStmt
{
    // Bounded, as loop-carried state must be: the field squashed, the whole a contraction (|0.5 + 0.5 tanh| < 1). A
    // readonly RV's field is replaced through its constructor.
    public override void Emit(StringBuilder text, int indent) => text.AppendLine(Other is not null
        ? $"{Pad(indent)}{Name} = 0.5 * {Name} + 0.5 * Math.Tanh({Value.Emit()}) * {Other};"
        : Type == "RV"
            ? $"{Pad(indent)}{Name} = new RV(Math.Tanh({Name}.P + {Value.Emit()}), {Name}.Q);"
            : $"{Pad(indent)}{Name}.P = Math.Tanh({Name}.P + {Value.Emit()});");

    public override IEnumerable<FStmt> Shrinks() => Value.Shrinks().Select(v => this with { Value = v });
}

/// <summary>
/// <c>switch ((int)(Math.Abs(e) * 2.0) % 3) { case 0: …; break; case 1: case 2: …; break; default: …; break; }</c>: the
/// section taken depends on the values, and the derivative stops at the conversion.
/// </summary>
internal sealed record FSwitch(FExpr Subject, List<FStmt> First, List<FStmt> Second, List<FStmt> Otherwise) : FStmt
{
    public override void Emit(StringBuilder text, int indent)
    {
        string pad = Pad(indent);
        text.AppendLine($"{pad}switch ((int)(Math.Abs({Subject.Emit()}) * 2.0) % 4)");
        text.AppendLine($"{pad}{{");
        void Section(string labels, List<FStmt> body)
        {
            text.AppendLine($"{pad}    {labels}");
            text.AppendLine($"{pad}    {{");
            EmitAll(body, text, indent + 2);
            text.AppendLine($"{pad}        break;");
            text.AppendLine($"{pad}    }}");
        }

        Section("case 0:", First);
        Section("case 1: case 2:", Second);
        Section("default:", Otherwise);
        text.AppendLine($"{pad}}}");
    }

    public override IEnumerable<FStmt> Shrinks() =>
        ShrinkBlock(First).Select(b => this with { First = b })
            .Concat(ShrinkBlock(Second).Select(b => this with { Second = b }))
            .Concat(ShrinkBlock(Otherwise).Select(b => this with { Otherwise = b }));

    public override bool Removable => !First.Concat(Second).Concat(Otherwise).Any(s => s is FDeclare or FDeclareArray or FStructDeclare);
}

/// <summary><c>if (cond) break;</c>, <c>continue</c> or <c>return</c> inside a loop or branch.</summary>
internal sealed record FJump(string Kind, FExpr Left, FExpr Right, FExpr? Value) : FStmt
{
    public override void Emit(StringBuilder text, int indent) =>
        text.AppendLine($"{Pad(indent)}if ({Left.Emit()} > {Right.Emit()}) {(Kind == "return" ? "return " + Value!.Emit() : Kind)};");

    public override IEnumerable<FStmt> Shrinks() => Value is null ? Array.Empty<FStmt>() : Value.Shrinks().Select(v => this with { Value = v });
}

/// <summary><c>@@_L0(input, scale, output, scratch, n);</c>: a call to one of the program's own layers.</summary>
internal sealed record FCallLayer(int Layer, string Input, FExpr Scale, string Output, string Scratch) : FStmt
{
    public override void Emit(StringBuilder text, int indent)
    {
        // Each call gets its own scratch array: what one call leaves in it is no input of the next.
        text.AppendLine($"{Pad(indent)}double[] {Scratch} = new double[a.Length];");
        text.AppendLine($"{Pad(indent)}@@_L{Layer}({Input}, {Scale.Emit()}, {Output}, {Scratch}, n);");
    }

    public override IEnumerable<FStmt> Shrinks() => Scale.Shrinks().Select(s => this with { Scale = s });
}

/// <summary>
/// A loop whose trip count depends on the values its body changes: one bubble pass from the end of <c>r</c> (swaps
/// while the element before is smaller), or a walk that squashes elements while they stay above a threshold.
/// </summary>
internal sealed record FDataWhile(string Kind, string Array, string Counter, FExpr Value) : FStmt
{
    public override void Emit(StringBuilder text, int indent)
    {
        string pad = Pad(indent), c = Counter, r = Array;
        if (Kind == "bubble")
        {
            text.AppendLine($"{pad}int {c} = {r}.Length - 1;");
            text.AppendLine($"{pad}while ({c} > 0 && {r}[{c} - 1] < {r}[{c}])");
            text.AppendLine($"{pad}{{");
            text.AppendLine($"{pad}    double {c}t = {r}[{c}];");
            text.AppendLine($"{pad}    {r}[{c}] = {r}[{c} - 1];");
            text.AppendLine($"{pad}    {r}[{c} - 1] = {c}t;");
            text.AppendLine($"{pad}    {c}--;");
            text.AppendLine($"{pad}}}");
            return;
        }

        text.AppendLine($"{pad}int {c} = 0;");
        text.AppendLine($"{pad}while ({c} < {r}.Length && {r}[{c}] > -0.5)");
        text.AppendLine($"{pad}{{");
        text.AppendLine($"{pad}    {r}[{c}] = Math.Tanh({r}[{c}] * 0.9 + {Value.Emit()});");
        text.AppendLine($"{pad}    {c}++;");
        text.AppendLine($"{pad}}}");
    }

    public override IEnumerable<FStmt> Shrinks() => Value.Shrinks().Select(v => this with { Value = v });
}

/// <summary>
/// A layer of the program: <c>void L(double[] a, double s, double[] r, [NoDerivative] double[] w, int n)</c>. It fills
/// its output <c>r</c> first, may use <c>w</c> as scratch space, and goes on with random statements, data-dependent
/// while loops among them.
/// </summary>
internal sealed record FLayerDef(FExpr Fill, List<FStmt> Body)
{
    public void Emit(StringBuilder text, string name)
    {
        text.AppendLine("    [Differentiable(Modes = DifferentiationModes.SecondOrder)]");
        text.AppendLine($"    public static void {name}(double[] a, double s, double[] r, [NoDerivative] double[] w, int n)");
        text.AppendLine("    {");
        text.AppendLine($"        for (int k = 0; k < r.Length; k++) r[k] = {Fill.Emit()};");
        FStmt.EmitAll(Body, text, 2);
        text.AppendLine("    }");
    }

    public IEnumerable<FLayerDef> Shrinks() =>
        FStmt.ShrinkBlock(Body).Select(b => this with { Body = b }).Concat(Fill.Shrinks().Select(f => this with { Fill = f }));
}

/// <summary>A whole method: <c>double F(double x0, double x1, double x2, double[] a, int n)</c>, and its own layers.</summary>
/// <param name="Generic">The body of the program's generic-math method <c>G@@&lt;T&gt;(T u, T v)</c>, over T's operators and
/// functions, emitted when the program calls it.</param>
internal sealed record FProgram(List<FStmt> Body, FExpr Result, List<FLayerDef> Layers, string Generic = "")
{
    public const int ArrayLength = 4;

    /// <summary>The [Differentiable] helpers the programs call: one of scalars, one of an array.</summary>
    public const string Helpers = """
            public struct FV
            {
                public double P, Q;
                public FV(double p, double q) { P = p; Q = q; }
                public static FV operator +(FV a, FV b) => new FV(a.P + b.P, a.Q + b.Q);
                public static FV operator *(double k, FV a) => new FV(k * a.P, k * a.Q);
                public readonly double Dot(FV o) => P * o.P + Q * o.Q;
                public readonly double Clip() { if (P > 1) return 1 + 0.1 * Q; if (P < -1) { return -1 - 0.1 * Q; } return P * Q; }
            }

            public readonly struct RV
            {
                public double P { get; }
                public double Q { get; }
                public RV(double p, double q) { P = p; Q = q; }
                public static RV operator +(RV a, RV b) => new RV(a.P + b.P, a.Q + b.Q);
                public static RV operator *(double k, RV a) => new RV(k * a.P, k * a.Q);
                public double Dot(RV o) => P * o.P + Q * o.Q;
                public double Clip() { if (P > 1) return 1 + 0.1 * Q; if (P < -1) { return -1 - 0.1 * Q; } return P * Q; }
            }

            [Differentiable(Modes = DifferentiationModes.SecondOrder)]
            public static double Mix(double u, double v) => Math.Tanh(u) * v + 0.1 * u * u;

            // Generic math, called with double: a softplus with a branch, and a loop over an array of T.
            [Differentiable(Modes = DifferentiationModes.SecondOrder)]
            public static T Soft<T>(T u, T v) where T : IFloatingPointIeee754<T>
            {
                T s = T.Log(T.One + T.Exp(-T.Abs(u))) + T.Max(u, T.Zero);
                if (v > s) s *= T.Tanh(v);
                return s * v + T.CreateChecked(0.25) * u;
            }

            [Differentiable(Modes = DifferentiationModes.SecondOrder)]
            public static T SoftSum<T>(T[] q, T scale) where T : IFloatingPointIeee754<T>
            {
                T s = T.Zero;
                for (int i = 0; i < q.Length; i++) s += Soft(q[i] * scale, T.CreateChecked(i) * T.CreateChecked(0.5));
                return s / T.CreateChecked(q.Length);
            }

            [Differentiable(Modes = DifferentiationModes.SecondOrder)]
            public static void Squash(double[] q, double scale, double[] r)
            {
                for (int i = 0; i < q.Length; i++) r[i] = Math.Tanh(q[i] * scale) + 0.1 * q[(i + 1) % q.Length];
            }

            [Differentiable(Modes = DifferentiationModes.SecondOrder)]
            public static void Blur(double[] q, double[] bias, double[] r)
            {
                for (int c = 0; c < r.Length; c++)
                {
                    int first = Math.Max(0, c - 1), end = Math.Min(q.Length, c + 2);
                    double s = bias[0];
                    for (int v = first; v < end; v++) s += q[v] * (0.5 + 0.25 * v);
                    r[c] = s > 0 ? s : 0;
                }
            }

            [Differentiable(Modes = DifferentiationModes.SecondOrder)]
            public static double Norm(double[] q, double scale)
            {
                double s = 0;
                for (int i = 0; i < q.Length; i++) s += q[i] * q[i] * scale;
                return Math.Sqrt(1 + s);
            }
        """;

    public string Emit(string name)
    {
        var text = new StringBuilder();
        for (int i = 0; i < Layers.Count; i++) Layers[i].Emit(text, name + "_L" + i);
        var body = new StringBuilder();
        FStmt.EmitAll(Body, body, 2);
        body.AppendLine($"        return {Result.Emit()};");
        string code = body.ToString();
        if (code.Contains("G@@(") || text.ToString().Contains("G@@(")) // the method or one of its layers calls it
        {
            text.AppendLine("    [Differentiable(Modes = DifferentiationModes.SecondOrder)]");
            text.AppendLine("    public static T G@@<T>(T u, T v) where T : IFloatingPointIeee754<T>");
            text.AppendLine("    {");
            text.Append(Generic);
            text.AppendLine("    }");
        }

        text.AppendLine("    [Differentiable(Modes = DifferentiationModes.SecondOrder)]");
        text.AppendLine($"    public static double {name}(double x0, double x1, double x2, double[] a, int n)");
        text.AppendLine("    {");
        // The local functions the body calls: one static, one capturing a parameter.
        if (code.Contains("Lf(")) text.AppendLine("        static double Lf(double u, double v) => Math.Sin(u) * v + 0.5 * u;");
        if (code.Contains("Cap(")) text.AppendLine("        double Cap(double u) => u * x1 + 0.25;");
        if (code.Contains("Acc(")) text.AppendLine("        double Acc(double u) { double s = 0; for (int k = 0; k < 3; k++) { s += Math.Sin(u * k) * 0.5; if (s > 1) s *= 0.5; } return s * x2; }");
        text.Append(code);
        text.AppendLine("    }");
        return text.ToString().Replace("@@", name);
    }

    public IEnumerable<FProgram> Shrinks() =>
        FStmt.ShrinkBlock(Body).Select(b => this with { Body = b })
            .Concat(Result.Shrinks().Select(r => this with { Result = r }))
            .Concat(Layers.SelectMany((layer, i) => layer.Shrinks().Select(smaller =>
            {
                var layers = Layers.ToList();
                layers[i] = smaller;
                return this with { Layers = layers };
            })));
}
