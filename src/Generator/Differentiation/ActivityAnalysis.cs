using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.Diagnostics;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// Which values carry a derivative. A variable is <em>varied</em> when a differentiable parameter flows into it, and
/// <em>useful</em> when it flows into the result; it is <em>active</em> (gets an adjoint) when it is both. Everything
/// else, including ints, bools, indices and [NoDerivative] inputs, is plain forward code. Loops reach a fixpoint
/// because the analysis is per variable and flow-insensitive.
/// </summary>
internal sealed class ActivityAnalysis
{
    private readonly HashSet<string> _varied;
    private readonly HashSet<string> _useful;

    /// <summary>Active temporaries a builder introduced (see <see cref="WithTemporaries"/>); empty for the analysis itself.</summary>
    private readonly HashSet<string> _temporaries;

    private ActivityAnalysis()
        : this(new HashSet<string>(), new HashSet<string>(), new HashSet<string>())
    {
    }

    private ActivityAnalysis(HashSet<string> varied, HashSet<string> useful, HashSet<string> temporaries)
    {
        _varied = varied;
        _useful = useful;
        _temporaries = temporaries;
    }

    private bool Varied(string name) => _varied.Contains(name) || _temporaries.Contains(name);

    private bool Useful(string name) => _useful.Contains(name) || _temporaries.Contains(name);

    public static ActivityAnalysis Run(NormalizedBody body, IEnumerable<string> differentiableParameters, IEnumerable<string> outputs)
    {
        var analysis = new ActivityAnalysis();
        foreach (string parameter in differentiableParameters) analysis._varied.Add(parameter);
        List<IrStmt> statements = IrWalker.AllStatements(body.Body).ToList();

        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (IrStmt stmt in statements)
            {
                foreach (var (target, value) in Definitions(stmt))
                {
                    if (analysis.IsVariedInto(target, value) && analysis._varied.Add(target)) changed = true;
                }

                // A decimal (or Half, or any type the generator does not differentiate) computed from a varied value
                // is marked too: it never gets an adjoint, but a conversion back to double that reads it is BPG0108.
                if (UndifferentiatedTarget(stmt) is { } other && analysis.ReferencesVaried(other.Value) && analysis._varied.Add(other.Target)) changed = true;
            }
        }

        // The result and the outputs are what the derivative is of.
        if (body.Result is not null) analysis._useful.Add(body.Result.Name);
        foreach (string output in outputs) analysis._useful.Add(output);
        changed = true;
        while (changed)
        {
            changed = false;
            // Usefulness flows backwards: visiting the statements last to first settles straight-line code in one pass.
            for (int k = statements.Count - 1; k >= 0; k--)
            {
                IrStmt stmt = statements[k];
                foreach (var (target, value) in Definitions(stmt))
                {
                    if (!analysis._useful.Contains(target)) continue;
                    foreach (string name in value is DiffCall call && ActivityAnalysis.OutputArguments(call).Contains(target)
                                 ? analysis.CallInputs(call).SelectMany(analysis.FlowSources)
                                 : analysis.FlowSources(value))
                    {
                        if (analysis._useful.Add(name)) changed = true;
                    }
                }
            }
        }

        return analysis;
    }

    /// <summary>A local of a type that carries no derivative but may hold a number (decimal, Half), with its value.</summary>
    private static (string Target, IrExpr Value)? UndifferentiatedTarget(IrStmt stmt) => stmt switch
    {
        Declare { Variable.Type: { IsScalar: true, Element: ElementKind.Other } } d when d.Initializer is not null => (d.Variable.Name, d.Initializer),
        Assign { Target: VarRef { Type: { IsScalar: true, Element: ElementKind.Other } } v } a => (v.Name, a.Value),
        _ => null,
    };

    /// <summary>The variable (or array) a statement defines or stores into, and the value that flows into it.</summary>
    public static (string Target, IrExpr Value)? Definition(IrStmt stmt) => stmt switch
    {
        Declare { Initializer: { } init } d => (d.Variable.Name, init),
        Assign { Target: VarRef v } a => (v.Name, a.Value),
        Assign { Target: ElementAt { Array: VarRef array } } a => (array.Name, a.Value),
        _ => null,
    };

    /// <summary>
    /// Every variable or array a statement defines, with the value flowing into it: the assigned variable, the array of
    /// an element store, and the output arrays a call writes (each fed by the call's inputs).
    /// </summary>
    public static IEnumerable<(string Target, IrExpr Value)> Definitions(IrStmt stmt)
    {
        if (Definition(stmt) is { } single) yield return single;
        IrExpr? call = stmt switch
        {
            Evaluate { Expression: DiffCall c } => c,
            Declare { Initializer: DiffCall c } => c,
            Assign { Value: DiffCall c } => c,
            _ => null,
        };
        if (call is not DiffCall diffCall) yield break;
        foreach (string output in OutputArguments(diffCall)) yield return (output, diffCall);
    }

    /// <summary>
    /// The local or parameter arrays a call passes in its callee's output positions (with <paramref name="floatingOnly"/>,
    /// only those of floating outputs, leaving out the integer arrays a callee writes).
    /// </summary>
    public static IEnumerable<string> OutputArguments(DiffCall call, bool floatingOnly = false)
    {
        for (int i = 0; i < call.Arguments.Count; i++)
        {
            if (call.Callee.Parameters[i] is { IsOutput: true } output && (!floatingOnly || output.Type.CanBeActive)
                && IrWalker.PassedArray(call.Arguments[i]) is { } array)
            {
                yield return array.Name;
            }
        }
    }

    public bool IsActive(string name) => Varied(name) && Useful(name);

    /// <summary>Whether a derivative flows into <paramref name="target"/> from a definition's value (a call's inputs, for its outputs).</summary>
    public bool IsVariedInto(string target, IrExpr value) =>
        value is DiffCall call && OutputArguments(call).Contains(target)
            ? call.GradientsPath is not null || CallInputs(call).Any(IsVaried)
            : IsVaried(value);

    /// <summary>A call's differentiable inputs: the arguments of differentiable parameters that are not outputs.</summary>
    public IEnumerable<IrExpr> CallInputs(DiffCall call) =>
        call.Arguments.Where((_, i) => call.Callee.Parameters[i].Differentiable && !call.Callee.Parameters[i].IsOutput);

    /// <summary>
    /// A view of this analysis in which the names <paramref name="temporaries"/> holds (variables a builder introduces
    /// after the analysis ran: hoisted active subexpressions) are active too. The builder owns and fills that set; the
    /// analysis itself never changes, so every build of the method reads the same one.
    /// </summary>
    public ActivityAnalysis WithTemporaries(HashSet<string> temporaries) => new(_varied, _useful, temporaries);

    /// <summary>Whether a derivative flows through this expression's value.</summary>
    public bool IsVaried(IrExpr expr)
    {
        if (!expr.Type.CanBeActive) return false;
        return expr switch
        {
            VarRef v => Varied(v.Name),
            Unary { Op: UnaryOp.Negate or UnaryOp.Plus } u => IsVaried(u.Operand),
            Binary { Op: BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply or BinaryOp.Divide or BinaryOp.Remainder } b =>
                IsVaried(b.Left) || IsVaried(b.Right),
            Conditional c => IsVaried(c.WhenTrue) || IsVaried(c.WhenFalse),
            Cast c => IsVaried(c.Operand),
            MathCall m => !IsZeroRule(m) && m.Arguments.Any(IsVaried),
            Fused f => f.Arguments.Any(IsVaried),
            DiffCall d => d.GradientsPath is not null // a model method: the model's own members carry derivatives
                || (d.Receiver is not null && IsVaried(d.Receiver))
                || d.Arguments.Where((_, i) => !d.Callee.Parameters[i].IsOutput).Any(IsVaried),
            OpaqueCall o => o.Arguments.Concat(o.Receiver is null ? Enumerable.Empty<IrExpr>() : new[] { o.Receiver }).Any(ReferencesVaried),
            ElementAt e => IsVaried(e.Array),
            _ => false,
        };
    }

    /// <summary>
    /// Whether an expression mentions a varied variable in any form, even through a conversion the IR keeps opaque
    /// (an active array passed as <c>IEnumerable&lt;double&gt;</c>, say): a call that receives it could carry a derivative.
    /// </summary>
    public bool ReferencesVaried(IrExpr expr) => expr switch
    {
        VarRef v => Varied(v.Name),
        MathCall m when IsZeroRule(m) => false, // nothing flows out of Gradient.Stop
        _ => IrWalker.Children(expr).Any(ReferencesVaried),
    };

    /// <summary>Whether this expression is varied and its variables are useful: it needs adjoints.</summary>
    public bool IsActive(IrExpr expr) => IsVaried(expr) && FlowSources(expr).Any(Useful);

    public static bool IsZeroRule(MathCall call) =>
        DerivativeRules.TryGet(call.Function, call.Arguments.Count(a => a.Type.IsFloating), out DerivativeRule rule) && rule.IsZero;

    /// <summary>The variables whose derivatives flow into an expression's value (not indices, not conditions).</summary>
    public IEnumerable<string> FlowSources(IrExpr expr)
    {
        if (!expr.Type.CanBeActive) yield break;
        IEnumerable<IrExpr> children = expr switch
        {
            VarRef => Enumerable.Empty<IrExpr>(),
            Unary { Op: UnaryOp.Negate or UnaryOp.Plus } u => new[] { u.Operand },
            Binary { Op: BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply or BinaryOp.Divide or BinaryOp.Remainder } b => new[] { b.Left, b.Right },
            Conditional c => new[] { c.WhenTrue, c.WhenFalse },
            Cast c => new[] { c.Operand },
            MathCall m when !IsZeroRule(m) => m.Arguments,
            Fused f => f.Arguments,
            DiffCall d => d.Arguments.Where((_, i) => d.Callee.Parameters[i].Differentiable && !d.Callee.Parameters[i].IsOutput),
            OpaqueCall o => o.Arguments.SelectMany(IrWalker.DescendantsAndSelf).OfType<VarRef>(),
            ElementAt e => new[] { e.Array },
            _ => Enumerable.Empty<IrExpr>(),
        };
        if (expr is VarRef self) yield return self.Name;
        foreach (IrExpr child in children)
        {
            foreach (string name in FlowSources(child)) yield return name;
        }
    }

    /// <summary>
    /// Reports the calls a derivative would flow through without a derivative of their own, and arguments whose
    /// derivative a callee would drop. Only active statements matter: inactive code needs no derivative.
    /// </summary>
    public IEnumerable<DiagnosticInfo> Check(NormalizedBody body, bool reverseOnly = false)
    {
        foreach (IrStmt stmt in IrWalker.AllStatements(body.Body))
        {
            bool activeTarget = Definitions(stmt).Any(d => IsActive(d.Target));
            foreach (IrExpr root in IrWalker.OwnExpressions(stmt))
            {
                // A slice handed to a [Differentiable] callee as an input gets the same slice of the adjoint (reverse mode).
                var slices = new List<IrExpr>();
                if (reverseOnly)
                {
                    foreach (DiffCall call in IrWalker.DescendantsAndSelf(root).OfType<DiffCall>())
                    {
                        for (int i = 0; i < call.Arguments.Count; i++)
                        {
                            if (call.Callee.Parameters[i].IsOutput || !Slices.TryMatch(call.Arguments[i], out _, out _)) continue;
                            slices.AddRange(IrWalker.DescendantsAndSelf(call.Arguments[i]).OfType<OpaqueCall>());
                        }
                    }
                }

                // Under Gradient.Stop nothing flows out, so a value computed there needs no derivative.
                var stopped = IrWalker.DescendantsAndSelf(root).OfType<MathCall>().Where(IsZeroRule).SelectMany(IrWalker.DescendantsAndSelf).ToList();
                foreach (IrExpr expr in IrWalker.DescendantsAndSelf(root))
                {
                    if (slices.Any(s => ReferenceEquals(s, expr))) continue;
                    switch (expr)
                    {
                        case Cast { Location: { } at } conversion when activeTarget && expr.Type.IsFloating && conversion.Operand.Type.Element == ElementKind.Other
                            && ReferencesVaried(conversion.Operand) && !stopped.Any(s => ReferenceEquals(s, expr)):
                            yield return DiagnosticInfo.Create(DiagnosticDescriptors.ConversionLosesDerivative, at, conversion.Type.Name,
                                conversion.Operand.Type.Name.Replace("global::", ""));
                            break;
                        case OpaqueCall call when activeTarget && expr.Type.CanBeActive && IsVaried(expr) && !stopped.Any(s => ReferenceEquals(s, expr)):
                            yield return OpaqueCallDiagnostic(call);
                            break;
                        case OpaqueCall call when call.Arguments.Concat(call.Receiver is null ? Enumerable.Empty<IrExpr>() : new[] { call.Receiver })
                            .SelectMany(PassedArrays).Any(v => v.Type.IsFloatingContainer && IsActive(v.Name))
                            && !IsArrayShapeQuery(call):
                            // A call that receives an active array might change it behind the derivative's back.
                            yield return OpaqueCallDiagnostic(call);
                            break;
                        case OpaqueCall call when MayWriteDerivative(call):
                            // It could write a value carrying a derivative into an array behind the derivative's back: a varied
                            // scalar and any array (Array.Fill(t, w)), or a varied array and another array (Copy(x, t)).
                            yield return OpaqueCallDiagnostic(call);
                            break;
                        case DiffCall call when CallInputs(call).Any(IsVaried) && UntrackedOutput(call) is int untracked:
                            // The callee writes, through a slice or another expression, into an array this method cannot
                            // see being written: its gradient would silently be zero.
                            yield return DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedExpression, call.Location,
                                $"Writing the output '{call.Callee.Parameters[untracked].Name}' of '{call.Callee.Display}' into a slice or other expression",
                                "pass a whole local array as the output (double[] part = new double[n];) and copy its elements where they belong");
                            break;
                        case DiffCall call when CallInputs(call).Any(IsVaried) && LostOutput(call) is int lost:
                            // The callee writes values that depend on our inputs into an array it does not
                            // differentiate ([NoDerivative] scratch), and we read them back as if they carried a derivative.
                            yield return DiagnosticInfo.Create(DiagnosticDescriptors.ArgumentLosesDerivative, call.Location,
                                call.Callee.Parameters[lost].Name, call.Callee.Display);
                            break;
                        case DiffCall call when activeTarget && IsVaried(expr):
                            for (int i = 0; i < call.Arguments.Count; i++)
                            {
                                if (!call.Callee.Parameters[i].Differentiable && IsVaried(call.Arguments[i]))
                                {
                                    yield return DiagnosticInfo.Create(DiagnosticDescriptors.ArgumentLosesDerivative, call.Location,
                                        call.Callee.Parameters[i].Name, call.Callee.Display);
                                }
                            }

                            break;
                    }
                }
            }
        }
    }

    /// <summary>The position of an output that receives something other than an array or span variable (a slice).</summary>
    private static int? UntrackedOutput(DiffCall call)
    {
        for (int i = 0; i < call.Arguments.Count; i++)
        {
            if (call.Callee.Parameters[i].IsOutput && IrWalker.PassedArray(call.Arguments[i]) is null) return i;
        }

        return null;
    }

    /// <summary>The position of an output the callee does not differentiate, passed an array that is active here.</summary>
    private int? LostOutput(DiffCall call)
    {
        for (int i = 0; i < call.Arguments.Count; i++)
        {
            if (call.Callee.Parameters[i] is { IsOutput: true, Differentiable: false } && IrWalker.PassedArray(call.Arguments[i]) is { } array
                && IsActive(array.Name))
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether an opaque call could write a value carrying a derivative into an array behind the derivative's back:
    /// it takes a varied scalar and some array (<c>Array.Fill(t, w)</c>), or a varied array and another one
    /// (<c>Copy(x, t)</c>, a layer called on an object the generator cannot follow).
    /// </summary>
    private bool MayWriteDerivative(OpaqueCall call)
    {
        if (IsArrayShapeQuery(call)) return false;
        var arrays = call.Arguments.Concat(call.Receiver is null ? Enumerable.Empty<IrExpr>() : new[] { call.Receiver })
            .SelectMany(PassedArrays).Where(v => v.Type.IsFloatingContainer).Select(v => v.Name).Distinct().ToList();
        if (arrays.Count == 0) return false;
        if (call.Arguments.Any(a => a.Type.IsFloating && IsVaried(a))) return true;
        return arrays.Count > 1 && arrays.Any(Varied);
    }

    /// <summary>Why a derivative cannot flow through an opaque call: LINQ, a slice, or a call without a derivative.</summary>
    private static DiagnosticInfo OpaqueCallDiagnostic(OpaqueCall call)
    {
        if (Slices.IsSliceCall(call))
        {
            return DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedExpression, call.Location, "A slice of an array that carries a derivative",
                "copy the elements into a local array (double[] part = new double[n]; for (int i = 0; i < n; i++) part[i] = xs[start + i];) and pass that");
        }

        if (call.Known == KnownCall.TensorPrimitives)
        {
            return DiagnosticInfo.Create(DiagnosticDescriptors.TensorPrimitiveWithoutRule, call.Location, call.Display, "derivative");
        }

        return DiagnosticInfo.Create(call.Known == KnownCall.Linq ? DiagnosticDescriptors.LinqNotDifferentiable : DiagnosticDescriptors.NoDerivativeForCall, call.Location, call.Display);
    }

    /// <summary>
    /// The arrays an argument hands over: not those it only measures (<c>a.Length</c>, <c>a.GetLength(0)</c>) or reads
    /// an element of (<c>a[i]</c> passes a value).
    /// </summary>
    private static IEnumerable<VarRef> PassedArrays(IrExpr argument)
    {
        switch (argument)
        {
            case VarRef v:
                yield return v;
                yield break;
            case Member:
                yield break;
            case OpaqueCall call when IsArrayShapeQuery(call):
                yield break;
            case ElementAt element:
                foreach (VarRef v in element.Indices.SelectMany(PassedArrays)) yield return v;
                yield break;
        }

        foreach (VarRef v in IrWalker.Children(argument).SelectMany(PassedArrays)) yield return v;
    }

    private static bool IsArrayShapeQuery(OpaqueCall call) =>
        call.Known == KnownCall.ArrayShape && call.Type.IsIntegral;
}
