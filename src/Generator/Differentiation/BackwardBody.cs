using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;

namespace Backprop.Gen.Differentiation;

/// <summary>The generated Backward body, in sections the emitter prints in order.</summary>
internal sealed class BackwardBody
{
    public List<IrStmt> Validation { get; } = new();
    public List<IrStmt> Declarations { get; } = new();
    public List<IrStmt> Forward { get; } = new();
    public List<IrStmt> Reverse { get; } = new();
    public List<IrStmt> Epilogue { get; } = new();
    public List<IrStmt> Finally { get; } = new();
    /// <summary>Every section's statements, in the order the emitter prints them (nested ones not included).</summary>
    public IEnumerable<IrStmt> Sections => Validation.Concat(Declarations).Concat(Forward).Concat(Reverse).Concat(Epilogue).Concat(Finally);

    /// <summary>The variable the Backward returns, or null for a void method.</summary>
    public string? Result { get; set; }

    /// <summary>A copy whose lists can change without touching this body; optionally with other sweeps and declarations.</summary>
    public BackwardBody Copy(IEnumerable<IrStmt>? forward = null, IEnumerable<IrStmt>? declarations = null, IEnumerable<IrStmt>? reverse = null)
    {
        var copy = new BackwardBody { Result = Result };
        copy.Validation.AddRange(Validation);
        copy.Declarations.AddRange(declarations ?? Declarations);
        copy.Forward.AddRange(forward ?? Forward);
        copy.Reverse.AddRange(reverse ?? Reverse);
        copy.Epilogue.AddRange(Epilogue);
        copy.Finally.AddRange(Finally);
        return copy;
    }
}

/// <summary>The reverse-mode methods built from one primal, which differ in how they treat outputs.</summary>
internal enum Sweep
{
    /// <summary><c>…Backward</c>: reads the outputs' incoming gradients and leaves them.</summary>
    Backward,

    /// <summary><c>…Pullback</c>: the reverse sweep alone for a caller that has run the layer; consumes the outputs' adjoints.</summary>
    Pullback,

    /// <summary>
    /// The Backward that second order (<c>…HessianVector</c>) differentiates: every output on a pooled copy, and each
    /// layer call taken to overwrite its outputs whole, because the callees' second-order derivatives leave the output
    /// adjoints they are given.
    /// </summary>
    SecondOrderBase,
}
