using System;
using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using static Backprop.Gen.IR.Ir;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// Builds the forward sweep (the normalized primal plus saves) and the reverse sweep (each statement's adjoint, in
/// reverse order), as docs/how-it-works.md describes:
/// <list type="number">
/// <item>Preparation: subexpressions whose values a rule needs and that are not cheap to read again go into
/// temporaries (<c>_t0</c>); calls to other differentiable methods become statements of their own.</item>
/// <item>Plan: each statement's reverse, from the one rules table, split where an overwritten value is restored.</item>
/// <item>To-be-recorded: a forward dataflow over "values the reverse will read"; a statement saves the value it
/// overwrites only if that value is still to be read. Outside loops a save is a local; inside, a pooled stack.</item>
/// <item>Assembly: forward statements with their pushes, then the reverse statements with their pops.</item>
/// </list>
/// </summary>
internal sealed partial class ReverseBuilder
{
    private readonly MethodModel _model;
    private readonly NormalizedBody _body;
    private readonly Preparation _preparation;

    /// <summary>The analyses of the prepared program, made once before planning.</summary>
    private StepAnalysis _analysis = null!;

    /// <summary>The activity analysis, seen with the active temporaries this build's preparation introduced.</summary>
    private readonly ActivityAnalysis _activity;
    private readonly NameAllocator _names;
    private readonly Dictionary<string, IrVar> _variables;
    private readonly Dictionary<string, string> _adjoints = new();
    private readonly HashSet<string> _singleDefinition;
    private readonly HashSet<string> _counters = new();
    private readonly Dictionary<string, ParameterModel> _parameters;
    private readonly HashSet<string> _directParameters = new();
    private readonly HashSet<string> _members = new();
    private readonly List<IrVar> _adjointLocals = new();
    private readonly Dictionary<string, IrVar> _stacks = new();
    private readonly List<IrVar> _stackOrder = new();
    private readonly Dictionary<string, IrVar> _discards = new();
    private readonly List<IrVar> _discardOrder = new();

    private readonly Sweep _sweep;

    /// <summary>
    /// Whether this builds the Pullback: its outputs' adjoints are consumed, as every generated caller expects. On
    /// return each holds the gradient of the output's contents before the call (zero where the layer stored, the
    /// incoming gradient where it left the caller's values). The Backward reads them and leaves them unchanged.
    /// </summary>
    private bool IsPullback => _sweep == Sweep.Pullback;

    /// <summary>Whether this builds the reverse sweep second order transforms (see <see cref="Sweep.SecondOrderBase"/>).</summary>
    private bool IsSecondOrderBase => _sweep == Sweep.SecondOrderBase;

    private ReverseBuilder(MethodModel model, NormalizedBody body, ActivityAnalysis activity, NameAllocator names, Sweep sweep = Sweep.Backward)
    {
        _sweep = sweep;
        _model = model;
        _body = body;
        _names = names;
        _variables = new Dictionary<string, IrVar>(body.Variables.ToDictionary(p => p.Key, p => p.Value));
        _singleDefinition = new HashSet<string>(body.SsaNames);
        _preparation = new Preparation(activity, names, _variables, _singleDefinition);
        _activity = _preparation.Activity;
        _parameters = model.Parameters.ToDictionary(p => p.Name);
        foreach (ParameterModel member in Normalizer.ModelMembers(model))
        {
            _parameters[member.Name] = member;
            _members.Add(member.Name);
        }
    }

    /// <param name="sweep">Which method's sweeps to build: the Backward's, the Pullback's (which consume the outputs'
    /// adjoints), or the plain ones second order transforms.</param>
    public static BackwardBody Build(MethodModel model, NormalizedBody body, ActivityAnalysis activity, NameAllocator names, Sweep sweep = Sweep.Backward)
    {
        var builder = new ReverseBuilder(model, body, activity, names, sweep);
        return builder.Build();
    }

    private BackwardBody Build()
    {
        foreach (IrStmt stmt in IrWalker.AllStatements(_body.Body))
        {
            if (stmt is Loop { Counter: { } counter }) _counters.Add(counter.Name);
        }

        List<Step> steps = _preparation.PrepareBlock(_body.Body.Statements, topLevel: true, inLoop: false);
        _analysis = new StepAnalysis(steps, _model, _sweep, _parameters, _counters, _variables, _singleDefinition);
        ChooseDirectParameters(steps);
        foreach (Step step in Flatten(steps)) Plan(step);
        RecordToBeRecorded(steps);
        return Assemble(steps);
    }

    // ================================================================ preparation

    /// <summary>Scalar parameters never reassigned and never accumulated inside a loop add straight into their ref adjoint.</summary>
    private void ChooseDirectParameters(List<Step> steps)
    {
        var assigned = new HashSet<string>(Flatten(steps).Select(s => IrWalker.AssignedVariable(s.Stmt)).Where(n => n is not null)!);
        var readInLoops = new HashSet<string>(Flatten(steps).Where(s => s.InLoop).SelectMany(s => IrWalker.OwnExpressions(s.Stmt)).SelectMany(IrWalker.Reads));
        foreach (ParameterModel parameter in _parameters.Values)
        {
            if (parameter.Differentiable && parameter.Type.IsScalar && !assigned.Contains(parameter.Name) && !readInLoops.Contains(parameter.Name))
            {
                _directParameters.Add(parameter.Name);
            }
        }
    }

    /// <summary>The adjoint of a variable: <c>_d_name</c>, or the adjoint parameter itself where it accumulates directly.</summary>
    private IrExpr Adjoint(string name)
    {
        IrVar variable = _variables[name];
        if (_parameters.TryGetValue(name, out ParameterModel? parameter) && parameter.Differentiable
            && (!parameter.IsOutput || _analysis.IsPassedOutput(name))
            && (!parameter.Type.IsScalar || _directParameters.Contains(name)))
        {
            IrType adjointType = parameter.Type.Shape is ShapeKind.Span or ShapeKind.ReadOnlySpan
                ? IrType.SpanOf(parameter.Type.ElementType, readOnly: false)
                : parameter.Type;
            return new VarRef(adjointType, parameter.AdjointName);
        }

        if (name == _body.Result?.Name && _singleDefinition.Contains(name))
        {
            return new VarRef(variable.Type, _model.SeedName);
        }

        // An output's adjoint is a local array (a copy of the incoming gradient), or the incoming gradient itself
        // where the output is written once and never read (read only by the Backward, consumed by the Pullback).
        IrType type = _analysis.IsWriteOnceOutput(name) ? IrType.SpanOf(variable.Type.ElementType, readOnly: !IsPullback)
            : variable.Type.Shape is ShapeKind.Span or ShapeKind.ReadOnlySpan ? IrType.ArrayOf(variable.Type.ElementType, 1)
            : variable.Type;
        if (!_adjoints.TryGetValue(name, out string? adjoint))
        {
            string plain = name.Replace("this.", "");
            adjoint = _names.Fresh(plain.StartsWith("_", StringComparison.Ordinal) ? "_d" + plain : "_d_" + plain);
            _adjoints[name] = adjoint;
            _adjointLocals.Add(new IrVar(adjoint, type));
        }

        return new VarRef(type, adjoint);
    }

    /// <summary>An input array parameter, whose adjoint is the caller's (which may be null when not wanted).</summary>
    private bool IsParameterArray(string name) => _parameters.TryGetValue(name, out ParameterModel? p) && !p.Type.IsScalar && !p.IsOutput
        && !_members.Contains(name);

    /// <summary><c>_d_x += g</c>, or into the element of an adjoint array (guarded where the caller may pass none).</summary>
    private IrStmt Accumulate(IrExpr target, IrExpr contribution)
    {
        switch (target)
        {
            case VarRef v:
                IrExpr adjoint = Adjoint(v.Name);
                return new Assign(null, adjoint, Add(adjoint, ConvertTo(contribution, adjoint.Type)));
            case ElementAt { Array: VarRef array } element:
                IrExpr adjointArray = Adjoint(array.Name);
                var slot = new ElementAt(element.Type, adjointArray, element.Indices);
                IrStmt add = new Assign(null, slot, Add(slot, ConvertTo(contribution, element.Type)));
                return IsParameterArray(array.Name) ? WhenWanted(adjointArray, add) : add;
            default:
                throw new InvalidOperationException("cannot accumulate into " + target.GetType().Name);
        }
    }

    /// <summary>Runs a statement only when the caller passed an adjoint array (null or empty means "not wanted").</summary>
    private static IrStmt WhenWanted(IrExpr adjointArray, IrStmt stmt)
    {
        IrExpr wanted = adjointArray.Type.Shape == ShapeKind.Array
            ? Compare(BinaryOp.NotEqual, adjointArray, new Constant(IrType.Void, "null", 0))
            : new Unary(IrType.Bool, UnaryOp.Not, new Member(IrType.Bool, adjointArray, "IsEmpty"));
        return new If(null, wanted, new Block(Array(stmt)), Block.Empty);
    }

    private IrExpr NewAdjointTemp(IrExpr value, List<IrStmt> into)
    {
        var temp = new IrVar(_names.Numbered("_g"), value.Type);
        into.Add(new Declare(null, temp, value));
        return temp.Ref;
    }

    private static bool IsSimple(IrExpr e) => e is VarRef or Constant || e is ElementAt { Indices: var indices } && indices.All(i => i is VarRef or Constant);

    /// <summary>Adds <paramref name="g"/>·∂e/∂v to the adjoint of every active variable v in <paramref name="e"/>.</summary>
    private void Propagate(IrExpr e, IrExpr g, List<IrStmt> into, IrExpr? result = null)
    {
        if (!_activity.IsVaried(e) || IsConst(g, 0)) return;
        switch (e)
        {
            case VarRef or ElementAt:
                into.Add(Accumulate(e, g));
                return;
            case Cast c:
                Propagate(c.Operand, ConvertTo(g, c.Operand.Type), into);
                return;
            case Unary u:
                Propagate(u.Operand, OperatorRules.Of(u.Op).Adjoints(new OperatorInputs(u.Type, u.Operand, null, null), g)[0]!, into);
                return;
            case Binary b when OperatorRules.Of(b.Op) is { } rule:
                g = ShareAdjoint(g, b, into);
                IrExpr?[] contributions = rule.Adjoints(new OperatorInputs(b.Type, b.Left, b.Right, result), g);
                if (contributions[0] is { } left) Propagate(b.Left, left, into);
                if (contributions[1] is { } right) Propagate(b.Right, right, into);
                return;
            case Binary:
                return;
            case Conditional c when !IrWalker.DescendantsAndSelf(c.Condition).Any(n => n is VarRef or DiffCall or OpaqueCall or Opaque):
                // A constant condition: an if on it would be flagged as unreachable code, so select the adjoint instead.
                g = ShareAdjoint(g, c, into);
                Propagate(c.WhenTrue, Cond(c.Condition, g, Const(g.Type, 0)), into);
                Propagate(c.WhenFalse, Cond(c.Condition, Const(g.Type, 0), g), into);
                return;
            case Conditional c:
                g = ShareAdjoint(g, c, into);
                var whenTrue = new List<IrStmt>();
                var whenFalse = new List<IrStmt>();
                Propagate(c.WhenTrue, g, whenTrue);
                Propagate(c.WhenFalse, g, whenFalse);
                into.Add(new If(null, c.Condition, new Block(whenTrue.ToEquatableArray()), new Block(whenFalse.ToEquatableArray())));
                return;
            case MathCall or Fused:
                PropagateRule(e, g, result, into, into);
                return;
            default:
                throw new InvalidOperationException("no adjoint for " + e.GetType().Name);
        }
    }

    /// <summary>Materializes an adjoint that several operands share, so it is computed once.</summary>
    private IrExpr ShareAdjoint(IrExpr g, IrExpr node, List<IrStmt> into)
    {
        if (IsSimple(g)) return g;
        var varied = IrWalker.Children(node).Where(_activity.IsVaried).ToList();
        if (node is Conditional || varied.Count > 1 || varied.Any(c => c is not (VarRef or ElementAt or Cast { Operand: VarRef })))
        {
            return NewAdjointTemp(g, into);
        }

        return g;
    }

    /// <summary>
    /// The rule of a table primitive: for each active argument, g·∂f/∂arg. When the result is the statement's target,
    /// contributions that read only the result (not the target's old value) go to <paramref name="beforeRestore"/>,
    /// which runs while the target still holds the result; the rest go to <paramref name="afterRestore"/>.
    /// </summary>
    private void PropagateRule(IrExpr call, IrExpr g, IrExpr? result, List<IrStmt> beforeRestore, List<IrStmt> afterRestore, string? target = null)
    {
        (string name, EquatableArray<IrExpr> arguments) = call switch
        {
            MathCall m => (m.Function, m.Arguments),
            Fused f => (f.Rule, f.Arguments),
            _ => throw new InvalidOperationException(),
        };
        if (!DerivativeRules.TryGet(name, arguments.Count(a => a.Type.IsFloating), out DerivativeRule rule) || rule.Partials is null) return;
        var placeholder = new RuleResult(call.Type);
        var inputs = new RuleInputs(call.Type, arguments.Select(a => a.Type.IsFloating ? ConvertTo(a, call.Type) : a).ToArray(),
            result is null ? null : placeholder);
        IrExpr?[] partials = rule.Partials(inputs);
        int activeArguments = arguments.Count(_activity.IsVaried);
        if (activeArguments > 1) g = IsSimple(g) ? g : NewAdjointTemp(g, beforeRestore);
        IrExpr? resultCopy = null;
        for (int i = 0; i < arguments.Count; i++)
        {
            if (!_activity.IsVaried(arguments[i]) || partials[i] is not { } partial) continue;

            // A partial that also reads the target's old value (through an argument) must wait for the restore,
            // so it reads a copy of the result taken before.
            bool readsOld = target is not null && IrWalker.Reads(partial).Contains(target);
            List<IrStmt> into = readsOld || target is null ? afterRestore : beforeRestore;
            IrExpr resultValue = result ?? placeholder;
            if (readsOld && IrWalker.DescendantsAndSelf(partial).Any(e => e is RuleResult))
            {
                resultCopy ??= NewAdjointTemp(result!, beforeRestore);
                resultValue = resultCopy;
            }

            IrExpr contribution = Mul(g, IrWalker.Rewrite(partial, e => e is RuleResult ? resultValue : null));
            if (arguments[i] is VarRef or ElementAt)
            {
                into.Add(Accumulate(arguments[i], contribution));
            }
            else
            {
                IrExpr local = NewAdjointTemp(contribution, into);
                Propagate(arguments[i], local, afterRestore);
            }
        }
    }

    internal static IEnumerable<Step> Flatten(IEnumerable<Step> steps)
    {
        foreach (Step step in steps)
        {
            yield return step;
            foreach (Step inner in Flatten(step.Then.Concat(step.Else).Concat(step.Body))) yield return inner;
        }
    }
}
