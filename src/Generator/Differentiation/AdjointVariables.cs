using System;
using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using static Backprop.Gen.IR.Ir;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// The adjoint variables of one reverse build, named on first use: <c>_d_x</c> for a local, the caller's adjoint
/// parameter where it accumulates directly (arrays, and scalar parameters never reassigned nor read in a loop), the seed
/// for the result, and one discard per type for a callee's adjoint nobody wants. Planning names them; assembly
/// declares them.
/// </summary>
internal sealed class AdjointVariables
{
    private readonly MethodModel _model;
    private readonly NormalizedBody _body;
    private readonly bool _isPullback;
    private readonly StepAnalysis _analysis;
    private readonly NameAllocator _names;
    private readonly IReadOnlyDictionary<string, IrVar> _variables;
    private readonly IReadOnlyDictionary<string, ParameterModel> _parameters;
    private readonly IReadOnlyCollection<string> _members;
    private readonly HashSet<string> _singleDefinition;
    private readonly HashSet<string> _writtenBack;
    private readonly Dictionary<string, string> _adjoints = new();
    private readonly List<IrVar> _adjointLocals = new();
    private readonly HashSet<string> _directParameters = new();
    private readonly Dictionary<string, IrVar> _discards = new();
    private readonly List<IrVar> _discardOrder = new();

    public AdjointVariables(ReverseContext context, StepAnalysis analysis, List<Step> steps)
    {
        _model = context.Model;
        _body = context.Body;
        _isPullback = context.Sweep == Sweep.Pullback;
        _analysis = analysis;
        _names = context.Names;
        _variables = context.Variables;
        _parameters = context.Parameters;
        _members = context.Members;
        _singleDefinition = context.SingleDefinition;
        // (A ref struct's fields too: its adjoint is replaced at the end, never added to in place.)
        _writtenBack = new HashSet<string>(Normalizer.StructLeavesWithOwners(context.Model).Where(f => !f.Leaf.Writable || f.Owner.Passing == Passing.Ref)
            .Select(f => f.Field.Name));
        ChooseDirectParameters(steps);
    }

    /// <summary>The adjoint locals named so far, in order of first use.</summary>
    public IReadOnlyList<IrVar> Locals => _adjointLocals;

    /// <summary>The discards handed to callees for adjoints nobody reads, one per type.</summary>
    public IReadOnlyList<IrVar> Discards => _discardOrder;

    /// <summary>
    /// Whether a struct parameter's field sits behind a property: its adjoint is gathered in a local and written back
    /// once with <c>with</c>, never added in place.
    /// </summary>
    public bool IsWrittenBack(string field) => _writtenBack.Contains(field);

    /// <summary>Whether a scalar parameter's adjoint accumulates straight into the caller's <c>ref</c> adjoint.</summary>
    public bool IsDirect(string parameter) => _directParameters.Contains(parameter);

    /// <summary>The local holding a variable's adjoint, if one was named.</summary>
    public bool TryGetLocal(string primal, out string local) => _adjoints.TryGetValue(primal, out local!);

    /// <summary>The variable whose adjoint a local holds.</summary>
    public string PrimalOf(IrVar adjoint) => _adjoints.First(p => p.Value == adjoint.Name).Key;

    /// <summary>The discard of a type: a zeroed local a callee adds into when nothing reads that adjoint.</summary>
    public IrVar Discard(IrType type)
    {
        if (!_discards.TryGetValue(type.Name, out IrVar? discard))
        {
            discard = new IrVar(_names.Numbered("_discard"), type);
            _discards[type.Name] = discard;
            _discardOrder.Add(discard);
        }

        return discard;
    }

    /// <summary>Scalar parameters never reassigned and never accumulated inside a loop add straight into their ref adjoint.</summary>
    private void ChooseDirectParameters(List<Step> steps)
    {
        var assigned = new HashSet<string>(Step.Flatten(steps).Select(s => IrWalker.AssignedVariable(s.Stmt)).Where(n => n is not null)!);
        var readInLoops = new HashSet<string>(Step.Flatten(steps).Where(s => s.InLoop).SelectMany(s => IrWalker.OwnExpressions(s.Stmt)).SelectMany(IrWalker.Reads));
        foreach (ParameterModel parameter in _parameters.Values)
        {
            // A ref scalar's adjoint holds the incoming gradient until the epilogue replaces it: never added to directly.
            if (parameter.Differentiable && parameter.Type.IsScalar && !assigned.Contains(parameter.Name) && !readInLoops.Contains(parameter.Name)
                && !_writtenBack.Contains(parameter.Name) && parameter.Passing != Passing.Ref)
            {
                _directParameters.Add(parameter.Name);
            }
        }
    }

    /// <summary>The adjoint of a variable: <c>_d_name</c>, or the adjoint parameter itself where it accumulates directly.</summary>
    public IrExpr Of(string name)
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
        IrType type = _analysis.IsWriteOnceOutput(name) ? IrType.SpanOf(variable.Type.ElementType, readOnly: !_isPullback)
            : variable.Type.Shape is ShapeKind.Span or ShapeKind.ReadOnlySpan ? IrType.ArrayOf(variable.Type.ElementType, 1)
            : variable.Type;
        if (!_adjoints.TryGetValue(name, out string? adjoint))
        {
            string plain = name.Replace("this.", "").Replace('.', '_');
            adjoint = _names.Fresh(plain.StartsWith("_", StringComparison.Ordinal) ? "_d" + plain : "_d_" + plain);
            _adjoints[name] = adjoint;
            _adjointLocals.Add(new IrVar(adjoint, type));
        }

        return new VarRef(type, adjoint);
    }

    /// <summary>An input array parameter, whose adjoint is the caller's (which may be null when not wanted).</summary>
    public bool IsParameterArray(string name) => _parameters.TryGetValue(name, out ParameterModel? p) && !p.Type.IsScalar && !p.IsOutput
        && !_members.Contains(name);

    /// <summary><c>_d_x += g</c>, or into the element of an adjoint array (guarded where the caller may pass none).</summary>
    public IrStmt Accumulate(IrExpr target, IrExpr contribution)
    {
        switch (target)
        {
            case VarRef v:
                IrExpr adjoint = Of(v.Name);
                return new Assign(null, adjoint, Add(adjoint, ConvertTo(contribution, adjoint.Type)));
            case ElementAt { Array: VarRef array } element:
                IrExpr adjointArray = Of(array.Name);
                var slot = new ElementAt(element.Type, adjointArray, element.Indices);
                IrStmt add = new Assign(null, slot, Add(slot, ConvertTo(contribution, element.Type)));
                return IsParameterArray(array.Name) ? WhenWanted(adjointArray, add) : add;
            default:
                throw new InvalidOperationException("cannot accumulate into " + target.GetType().Name);
        }
    }

    /// <summary>Runs a statement only when the caller passed an adjoint array (null or empty means "not wanted").</summary>
    public static IrStmt WhenWanted(IrExpr adjointArray, IrStmt stmt)
    {
        IrExpr wanted = adjointArray.Type.Shape == ShapeKind.Array
            ? Compare(BinaryOp.NotEqual, adjointArray, new Constant(IrType.Void, "null", 0))
            : new Unary(IrType.Bool, UnaryOp.Not, new Member(IrType.Bool, adjointArray, "IsEmpty"));
        return new If(null, wanted, new Block(Array(stmt)), Block.Empty);
    }
}
