using Backprop.Gen.Model;

namespace Backprop.Gen.IR;

/// <summary>An expression of the IR: a small, equatable, symbol-free tree.</summary>
internal abstract record IrExpr(IrType Type);

/// <summary>A literal, printed as <paramref name="Text"/>; <paramref name="Value"/> is its numeric value when it has one.</summary>
internal sealed record Constant(IrType Type, string Text, double Value) : IrExpr(Type);

/// <summary>A local, a parameter, a temporary or <c>this</c>.</summary>
internal sealed record VarRef(IrType Type, string Name) : IrExpr(Type);

internal enum UnaryOp
{
    Negate,
    Plus,
    Not,
    BitwiseNot,
}

/// <summary>
/// The overflow context of integer arithmetic or a conversion, where the user's code differs from the compilation's
/// default (a <c>checked</c> block in an unchecked build): the generated code repeats it, so it throws where the primal does.
/// </summary>
internal enum Overflow
{
    Default,
    Checked,
    Unchecked,
}

internal sealed record Unary(IrType Type, UnaryOp Op, IrExpr Operand, Overflow Overflow = Overflow.Default) : IrExpr(Type);

internal enum BinaryOp
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    ConditionalAnd,
    ConditionalOr,
    And,
    Or,
    ExclusiveOr,
    LeftShift,
    RightShift,
}

internal sealed record Binary(IrType Type, BinaryOp Op, IrExpr Left, IrExpr Right, Overflow Overflow = Overflow.Default) : IrExpr(Type);

/// <summary><c>Condition ? WhenTrue : WhenFalse</c>.</summary>
internal sealed record Conditional(IrType Type, IrExpr Condition, IrExpr WhenTrue, IrExpr WhenFalse) : IrExpr(Type);

/// <summary>
/// A numeric conversion; an implicit one is printed only where the context would not supply it. A conversion from a
/// type the generator does not differentiate (<c>decimal</c>, <c>Half</c>) to <c>double</c> or <c>float</c> keeps its
/// <paramref name="Location"/>, where a derivative lost on the way is reported (BPG0108).
/// </summary>
internal sealed record Cast(IrType Type, IrExpr Operand, bool IsImplicit, Overflow Overflow = Overflow.Default, LocationInfo? Location = null) : IrExpr(Type);

/// <summary>A call to a function of the derivative rules table, such as <c>Math.Exp</c> or <c>MathF.Tanh</c>.</summary>
/// <param name="Class">The declaring class, <c>global::System.Math</c> or <c>global::System.MathF</c>.</param>
/// <param name="Function">The rule's name, which is also the method's name.</param>
internal sealed record MathCall(IrType Type, string Class, string Function, EquatableArray<IrExpr> Arguments) : IrExpr(Type);

/// <summary>One parameter of a method whose Backward a differentiable call uses.</summary>
/// <param name="Name">The parameter's name.</param>
/// <param name="Type">The parameter's type.</param>
/// <param name="Differentiable">Whether the callee's Backward takes an adjoint for it.</param>
/// <param name="IsOutput">Whether the callee writes this array: its adjoint is the incoming gradient of the output.</param>
/// <param name="QuietOutput">For an output: whether the callee's generated reverse sweep never reads its contents (the
/// callee only stores plain arithmetic into it and never reads it back), so a caller need not keep them for it.</param>
internal sealed record CalleeParameter(string Name, IrType Type, bool Differentiable, bool IsOutput = false, bool QuietOutput = false);

/// <summary>The derivative a differentiable call goes through: a generated or hand-written Backward.</summary>
/// <param name="Display">The primal's name for messages, such as <c>Net.Sigmoid</c>.</param>
/// <param name="Backward">The Backward to call: a qualified static method, or a method name for an instance call.</param>
/// <param name="Parameters">The primal's parameters, in order.</param>
/// <param name="TakesGradients">Whether the callee is a model method whose Backward takes the model's <c>Gradients</c>.</param>
/// <param name="Modes">The derivatives the callee has: 1 reverse, 2 forward (<c>…Tangent</c>), 4 second order (<c>…HessianVector</c>).</param>
/// <param name="HasPullback">Whether the callee, a layer, has a <c>…Pullback</c>: its reverse sweep alone, which a caller that has run it uses.</param>
/// <param name="Tape">The type of the callee's tape, when it records one (<c>…Record</c> and <c>…Replay</c>): its forward
/// pass keeps what its reverse sweep reads, so a caller runs it once. Null for a hand-written derivative or a checkpoint.</param>
/// <param name="TypeArguments">Type arguments the derivatives are called with, such as <c>&lt;double&gt;</c> for a
/// <c>TensorPrimitives</c> operation's generic rules; empty otherwise.</param>
/// <param name="Stem">What the callee's other derivatives' names start with (<c>Net.Dense</c> for <c>Net.DenseBackward</c>,
/// <c>Net.DensePullback</c>…); null for a custom derivative, which has its Backward only.</param>
/// <param name="Origin">Where the derivatives come from.</param>
/// <param name="Key">The <see cref="Parsing.Contract.Key"/> of a callee whose derivatives this compilation generates, so
/// that a caller is not generated when they are not; null for derivatives that exist already (written or compiled).</param>
internal sealed record Callee(string Display, string Backward, EquatableArray<CalleeParameter> Parameters, bool TakesGradients = false, Modes Modes = Modes.Reverse,
    bool HasPullback = false, string? Tape = null, string TypeArguments = "", string? Stem = null, CalleeOrigin Origin = CalleeOrigin.Method, string? Key = null)
{
    private string Named(string suffix) =>
        (Stem ?? throw new System.InvalidOperationException(Display + " has a Backward only")) + suffix + TypeArguments;

    /// <summary>The method's own name (<c>Dense</c> for <c>Net.Dense</c>), for naming the locals that serve its calls.</summary>
    public string Name => Display.Substring(Display.LastIndexOf('.') + 1);

    /// <summary>The Backward as a call names it, with its type arguments.</summary>
    public string BackwardCall() => Backward + TypeArguments;

    /// <summary>The callee's forward pass that records its tape.</summary>
    public string Record() => Named("Record");

    /// <summary>The callee's reverse sweep from its recorded tape.</summary>
    public string Replay() => Named("Replay");

    /// <summary>The name of the callee's split-mode reverse sweep, as the Backward's name is spelled.</summary>
    public string Pullback() => Named("Pullback");

    /// <summary>The name of the callee's forward-mode derivative, as the Backward's name is spelled.</summary>
    public string Tangent() => Named("Tangent");

    public string HessianVector() => Named("HessianVector");
}

/// <summary>Where a callee's derivatives come from.</summary>
internal enum CalleeOrigin
{
    /// <summary>The callee's own type: a generated Backward, or one written by hand beside the method.</summary>
    Method,

    /// <summary>A <c>[DerivativeOf]</c> registration.</summary>
    Registered,

    /// <summary>The runtime's rules for a <c>TensorPrimitives</c> operation.</summary>
    TensorPrimitives,
}

/// <summary>A call whose derivative is a Backward method (a [Differentiable] method or a custom derivative).</summary>
/// <param name="Primal">The primal method to call in the forward sweep: qualified, or a name for an instance call.</param>
/// <param name="Receiver">The instance for an instance method, else null.</param>
/// <param name="GradientsPath">For a model method: "" when called on this, else the layer member it is called on.</param>
/// <param name="Tape">The caller's chain of the callee's tapes, where this call records one: the forward sweep calls
/// <c>…Record(…, ref tapes)</c> and the reverse sweep <c>…Replay(…, ref tapes, …)</c>, last recorded first replayed.</param>
internal sealed record DiffCall(IrType Type, string Primal, IrExpr? Receiver, Callee Callee, EquatableArray<IrExpr> Arguments, LocationInfo? Location,
    string? GradientsPath = null, VarRef? Tape = null)
    : IrExpr(Type);

/// <summary>
/// A call to a method with no known derivative. It is plain forward code when no derivative flows through it, and an
/// error otherwise, unless a <c>[DerivativeOf]</c> registration under <paramref name="Key"/> supplies one.
/// </summary>
/// <param name="Method">The method to call: qualified, or a name for an instance call.</param>
/// <param name="Display">The method's name for messages.</param>
/// <param name="Key">The lookup key of <c>[DerivativeOf]</c> registrations.</param>
/// <param name="Known">What the parser recognised the method as, so that passes need not read its name.</param>
internal sealed record OpaqueCall(IrType Type, string Method, IrExpr? Receiver, EquatableArray<IrExpr> Arguments, string Display, string Key,
    KnownCall Known, LocationInfo? Location) : IrExpr(Type);

/// <summary>Library methods the passes treat specially, recognised by the parser from their symbols.</summary>
internal enum KnownCall
{
    /// <summary>Any other method.</summary>
    None,

    /// <summary>A <c>System.Linq.Enumerable</c> method.</summary>
    Linq,

    /// <summary>A <c>TensorPrimitives</c> operation without a derivative rule (those with one are <see cref="DiffCall"/>s).</summary>
    TensorPrimitives,

    /// <summary><c>MemoryExtensions.AsSpan(array[, start[, length]])</c>.</summary>
    AsSpan,

    /// <summary><c>Span&lt;T&gt;.Slice</c> or <c>ReadOnlySpan&lt;T&gt;.Slice</c> on a span.</summary>
    SpanSlice,

    /// <summary>Another method named <c>AsSpan</c> or <c>Slice</c>: a slice the generator cannot follow.</summary>
    OtherSlice,

    /// <summary><c>GetLength</c>, <c>GetUpperBound</c> or <c>GetLowerBound</c> of an array: its shape, not its contents.</summary>
    ArrayShape,

    /// <summary>Integer <c>Math.Max</c>, <c>Min</c> or <c>Abs</c>: pure, no effects (the floating ones are rules).</summary>
    IntegerMath,

    /// <summary><c>double.IsFinite</c> or <c>float.IsFinite</c>.</summary>
    IsFinite,
}

/// <summary>
/// What generated code asks of the runtime (and of <c>System.Array</c>): pooled buffers, saves and restores, stacks of
/// saved values, vector kernels. Passes build and recognise these by kind; only the printer knows their C# names
/// (<see cref="Emit.RuntimeNames"/>).
/// </summary>
internal enum RuntimeOp
{
    /// <summary>A pooled zeroed array of the given length (the call's type is the array's).</summary>
    RentZeroed,

    /// <summary>A pooled copy of the first <c>length</c> elements of an array, or zeros for null: <c>(source, length)</c>.</summary>
    RentCopy,

    /// <summary>A zeroed array like another, reusing a given buffer when it fits: <c>(buffer, length)</c>.</summary>
    Zeroed,

    /// <summary>A pooled array grown to a length, zeroed: <c>(array, length)</c>.</summary>
    Grow,

    /// <summary>Gives a pooled array back: <c>(array)</c>.</summary>
    Return,

    /// <summary>Copies a saved copy back into an array and returns the copy to the pool: <c>(saved, array)</c>.</summary>
    Restore,

    /// <summary>Adds a local adjoint into the caller's buffer and returns it to the pool: <c>(local, callers)</c>.</summary>
    HandBack,

    /// <summary>An output's incoming gradient, read in place and consumed (zeros when none): <c>(incoming, length)</c>.</summary>
    Consume,

    /// <summary>An output's incoming gradient, read in place and left (zeros when none): <c>(incoming, length)</c>.</summary>
    ReadOnly,

    /// <summary>A slice of an adjoint, empty when the adjoint is: <c>(adjoint, start[, length])</c>.</summary>
    Slice,

    /// <summary>A pooled array of saved values, one per loop trip: <c>(trips)</c>.</summary>
    SaveRent,

    /// <summary>Gives a save array back: <c>(array)</c>.</summary>
    SaveReturn,

    /// <summary>A new pooled stack of saved values (the call's type is the stack's).</summary>
    NewStack,

    /// <summary>Reserves room for a loop's pushes on the receiving stack: <c>(trips)</c>.</summary>
    StackReserve,

    /// <summary>Gives the receiving stack's storage back.</summary>
    StackDispose,

    /// <summary>Pushes a row of an array onto the receiving stack, first to last: <c>(array, start, count)</c>.</summary>
    StackPushRange,

    /// <summary>Pops a row pushed by <see cref="StackPushRange"/> back into the array: <c>(array, start, count)</c>.</summary>
    StackPopRange,

    /// <summary>The vector kernel <c>into[intoStart + k] += scale · from[fromStart + k]</c>: <c>(into, intoStart, scale, from, fromStart, count)</c>.</summary>
    AddScaled,

    /// <summary>The same in a forward sweep, every element even for a zero factor (the primal's values to the bit).</summary>
    AddScaledExactly,

    /// <summary>The vector kernel <c>Σ a[aStart + k] · b[bStart + k]</c>: <c>(a, aStart, b, bStart, count)</c>.</summary>
    Dot,

    /// <summary>Whether every element of an array is finite: <c>(array)</c>.</summary>
    AllFinite,

    /// <summary>
    /// Throws unless an adjoint the caller passed has its primal's shape:
    /// <c>(adjoint, length, "adjoint's name", "primal's name")</c>, or <c>(adjoint, rows, columns, …)</c> for a matrix.
    /// </summary>
    CheckShape,

    /// <summary>
    /// Throws if an adjoint shares memory with an array the derivative reads:
    /// <c>(adjoint, "adjoint's name", "names, of, the, arrays", arrays…)</c>.
    /// </summary>
    AliasingCheck,

    /// <summary><c>Array.Clear</c>: <c>(array)</c> or <c>(array, start, length)</c>.</summary>
    ClearArray,

    /// <summary><c>Array.Empty&lt;T&gt;()</c> (the call's type is the array's).</summary>
    EmptyArray,
}

/// <summary>A call to the runtime: one <see cref="RuntimeOp"/>, its arguments, and for the stack operations the stack.</summary>
internal sealed record RuntimeCall(IrType Type, RuntimeOp Op, EquatableArray<IrExpr> Arguments, IrExpr? Receiver = null) : IrExpr(Type);

/// <summary>
/// The result of the call a derivative rule differentiates, in a partial the rule gives before the reverse sweep knows
/// where the result lives (a local, or a copy taken before a restore); it is replaced before anything prints.
/// </summary>
internal sealed record RuleResult(IrType Type) : IrExpr(Type);

/// <summary>An element of an array or span: <c>a[i]</c> or <c>a[i, j]</c>.</summary>
internal sealed record ElementAt(IrType Type, IrExpr Array, EquatableArray<IrExpr> Indices) : IrExpr(Type);

/// <summary>A field or property: <c>receiver.Name</c>, or a qualified static member when there is no receiver.</summary>
internal sealed record Member(IrType Type, IrExpr? Receiver, string Name) : IrExpr(Type);

/// <summary>A new zeroed array, <c>new double[n]</c> or <c>new double[n, m]</c>.</summary>
internal sealed record NewArray(IrType Type, EquatableArray<IrExpr> Sizes) : IrExpr(Type);

/// <summary>
/// An expression that carries no derivative and is kept as the user wrote it: <paramref name="Template"/> with
/// <c>{0}</c>, <c>{1}</c>… standing for the variables in <paramref name="Holes"/>.
/// </summary>
/// <param name="IsPrimary">Whether the text binds as a primary expression: otherwise it is parenthesized as an operand.</param>
internal sealed record Opaque(IrType Type, string Template, EquatableArray<IrExpr> Holes, bool IsPrimary = true) : IrExpr(Type);

/// <summary>
/// A pattern differentiated as one primitive of the rules table (the sigmoid <c>1 / (1 + Exp(-x))</c>): the forward
/// sweep prints <paramref name="Original"/> unchanged, and the reverse uses the rule <paramref name="Rule"/>.
/// </summary>
internal sealed record Fused(IrType Type, string Rule, EquatableArray<IrExpr> Arguments, IrExpr Original) : IrExpr(Type);

/// <summary><c>ref Target</c> (or <c>out Target</c>), an argument passed by reference to a derivative's parameter.</summary>
internal sealed record RefTo(IrExpr Target, bool Out = false) : IrExpr(Target.Type);

/// <summary><c>Stack.Pop()</c>: the value a loop saved, restored as the reverse sweep passes its statement again.</summary>
internal sealed record Pop(IrType Type, string Stack) : IrExpr(Type);

/// <summary>
/// A call to another method's Backward in a reverse sweep: <paramref name="Call"/>'s primal arguments, then (for a
/// model method) its gradients, then <paramref name="Adjoints"/>, then <paramref name="Seed"/> (none for a void callee).
/// Kept apart from opaque calls, so that forward mode can turn it into the callee's HessianVector.
/// </summary>
internal sealed record BackwardCall(IrType Type, DiffCall Call, IrExpr? Gradients, EquatableArray<IrExpr> Adjoints, IrExpr? Seed) : IrExpr(Type);

/// <summary>
/// <c>Owner with { Pos = Owner.Pos with { X = … } }</c>: a struct with some of its floating fields (by path) replaced.
/// The reverse sweep writes a struct parameter's gathered adjoint back with it where a property stands between the
/// struct and the field (a record struct's), so that no field is written in place.
/// </summary>
internal sealed record StructUpdate(IrType Type, IrExpr Owner, EquatableArray<FieldValue> Fields) : IrExpr(Type);

/// <summary>A new value for the floating field at <paramref name="Path"/> (<c>X</c>, <c>Pos.X</c>) of a <see cref="StructUpdate"/>.</summary>
internal sealed record FieldValue(string Path, IrExpr Value);
