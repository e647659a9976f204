using Backprop.Gen.Model;

namespace Backprop.Gen.IR;

/// <summary>A variable of the IR: a local, a parameter or a temporary, with a name unique in its method.</summary>
internal sealed record IrVar(string Name, IrType Type)
{
    public VarRef Ref => new(Type, Name);
}

/// <summary>A statement of the IR. <paramref name="Origin"/> is its source text on one line, for comments.</summary>
internal abstract record IrStmt(string? Origin);

/// <summary>A list of statements.</summary>
internal sealed record Block(EquatableArray<IrStmt> Statements)
{
    public static readonly Block Empty = new(EquatableArray<IrStmt>.Empty);
}

/// <summary>A local declaration, with or without an initial value.</summary>
internal sealed record Declare(string? Origin, IrVar Variable, IrExpr? Initializer) : IrStmt(Origin);

/// <summary><c>Target = Value</c>, where the target is a <see cref="VarRef"/> or an <see cref="ElementAt"/>.</summary>
internal sealed record Assign(string? Origin, IrExpr Target, IrExpr Value) : IrStmt(Origin);

/// <summary>An expression evaluated for its effect, such as a call whose result is discarded.</summary>
internal sealed record Evaluate(string? Origin, IrExpr Expression) : IrStmt(Origin);

/// <summary><c>throw Exception;</c></summary>
internal sealed record Throw(string? Origin, IrExpr Exception) : IrStmt(Origin);

internal sealed record If(string? Origin, IrExpr Condition, Block Then, Block Else) : IrStmt(Origin);

/// <summary>A C# <c>for</c> loop as written: initializers, an optional condition, steps and a body.</summary>
internal sealed record For(string? Origin, Block Initializers, IrExpr? Condition, Block Steps, Block Body) : IrStmt(Origin);

/// <summary><c>while (c) body</c>, or <c>do body while (c)</c> when <paramref name="TestFirst"/> is false.</summary>
internal sealed record While(string? Origin, IrExpr Condition, Block Body, bool TestFirst) : IrStmt(Origin);

/// <summary><c>foreach (var item in collection) body</c> over an array or a span.</summary>
internal sealed record ForEach(string? Origin, IrVar Item, IrExpr Collection, Block Body) : IrStmt(Origin);

internal sealed record Break(string? Origin) : IrStmt(Origin);

internal sealed record Continue(string? Origin) : IrStmt(Origin);

internal sealed record Return(string? Origin, IrExpr? Value) : IrStmt(Origin);

/// <summary>
/// A loop after normalization. A counted loop (<see cref="Counter"/> set) runs
/// <c>for (int i = Start; i &lt; Bound; i++)</c> (or <c>&lt;=</c>, or counting down), and its reverse counts back
/// without storing anything. Any other loop runs <c>while (Condition) { Body }</c> and records its trip count.
/// </summary>
internal sealed record Loop(string? Origin, IrVar? Counter, IrExpr? Start, IrExpr? Bound, bool Inclusive, bool Descending,
    IrExpr? Condition, bool TestFirst, Block Body) : IrStmt(Origin)
{
    public bool IsCounted => Counter is not null;
}

/// <summary><c>Stack.Push(Value);</c>: saves a value the loop is about to overwrite and the reverse sweep needs.</summary>
internal sealed record Push(string Stack, IrExpr Value) : IrStmt((string?)null);

/// <summary>A comment line in the generated code.</summary>
internal sealed record Comment(string Text) : IrStmt((string?)null);
