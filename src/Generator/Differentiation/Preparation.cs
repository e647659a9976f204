using System;
using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using static Backprop.Gen.IR.Ir;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// Preparation, shared by reverse and forward mode: the body with temporaries (<c>_t0</c>) for the subexpressions a
/// rule needs and that are not cheap to read again, calls to other differentiable methods as statements of their own,
/// conditionals that need temporaries lowered to ifs, and the sigmoid pattern fused into one primitive. It names its
/// temporaries from the build's names, adds them to the build's variables, and keeps the active ones in a view of the
/// activity analysis (<see cref="Activity"/>), never in the analysis itself.
/// </summary>
internal sealed class Preparation
{
    private readonly NameAllocator _names;
    private readonly Dictionary<string, IrVar> _variables;
    private readonly HashSet<string> _singleDefinition;
    private readonly HashSet<string> _activeTemporaries = new();
    private readonly ActivityAnalysis _activity;

    /// <param name="activity">The method's activity analysis.</param>
    /// <param name="names">The build's names; temporaries take fresh ones.</param>
    /// <param name="variables">The build's variables, which the temporaries join.</param>
    /// <param name="singleDefinition">The variables defined once, at the top level; top-level temporaries join them.</param>
    public Preparation(ActivityAnalysis activity, NameAllocator names, Dictionary<string, IrVar> variables, HashSet<string> singleDefinition)
    {
        _names = names;
        _variables = variables;
        _singleDefinition = singleDefinition;
        _activity = activity.WithTemporaries(_activeTemporaries);
    }

    /// <summary>The activity analysis with this preparation's active temporaries.</summary>
    public ActivityAnalysis Activity => _activity;

    /// <summary>Temporaries assigned inside nested blocks, which the method declares at its top.</summary>
    public List<IrVar> Hoisted { get; } = new();

    /// <summary>
    /// The body prepared for differentiation (temporaries where rules reuse values, calls as statements of their
    /// own) as plain statements, with the temporaries nested blocks need declared, and the analysis that also counts
    /// the active temporaries: what forward mode starts from.
    /// </summary>
    public static (List<IrStmt> Statements, List<IrVar> Hoisted, ActivityAnalysis Activity) Statements(NormalizedBody body,
        ActivityAnalysis activity, NameAllocator names)
    {
        var preparation = new Preparation(activity, names, new Dictionary<string, IrVar>(body.Variables.ToDictionary(p => p.Key, p => p.Value)),
            new HashSet<string>(body.SsaNames));
        List<Step> steps = preparation.PrepareBlock(body.Body.Statements, topLevel: true, inLoop: false);
        return (ToStatements(steps), preparation.Hoisted, preparation.Activity);
    }

    private static List<IrStmt> ToStatements(List<Step> steps) => steps.Select(step => step.Kind switch
    {
        StepKind.If => ((If)step.Stmt) with { Then = new Block(ToStatements(step.Then).ToEquatableArray()), Else = new Block(ToStatements(step.Else).ToEquatableArray()) },
        StepKind.Loop => ((Loop)step.Stmt) with { Body = new Block(ToStatements(step.Body).ToEquatableArray()) },
        _ => step.Stmt,
    }).ToList();

    public List<Step> PrepareBlock(IEnumerable<IrStmt> statements, bool topLevel, bool inLoop)
    {
        var steps = new List<Step>();
        foreach (IrStmt stmt in statements) Prepare(stmt, topLevel, inLoop, steps);
        return steps;
    }

    private void Prepare(IrStmt stmt, bool topLevel, bool inLoop, List<Step> into)
    {
        switch (stmt)
        {
            case If branch:
                var ifStep = new Step(StepKind.If, branch, topLevel, inLoop);
                ifStep.Then.AddRange(PrepareBlock(branch.Then.Statements, false, inLoop));
                ifStep.Else.AddRange(PrepareBlock(branch.Else.Statements, false, inLoop));
                into.Add(ifStep);
                return;
            case Loop loop:
                var loopStep = new Step(StepKind.Loop, loop, topLevel, inLoop);
                loopStep.Body.AddRange(PrepareBlock(loop.Body.Statements, false, inLoop: true));
                into.Add(loopStep);
                return;
        }

        if (stmt is Evaluate { Expression: DiffCall layer } && ActivityAnalysis.OutputArguments(layer).Any(_activity.IsActive))
        {
            // A call made for its outputs: its arguments must be as cheap to read again as any operand.
            stmt = new Evaluate(stmt.Origin, PrepareArguments(layer, new PrepareContext(stmt.Origin, topLevel, inLoop, into)));
        }
        else if (ActivityAnalysis.Definition(stmt) is var (target, value) && _activity.IsActive(target) && _activity.IsVaried(value))
        {
            var context = new PrepareContext(stmt.Origin, topLevel, inLoop, into);
            IrExpr prepared = PrepareExpression(value, root: true, context);
            stmt = stmt switch
            {
                Declare d => d with { Initializer = prepared },
                Assign a => a with { Value = prepared },
                _ => stmt,
            };
        }

        into.Add(new Step(StepKind.Simple, stmt, topLevel, inLoop));
    }

    private sealed record PrepareContext(string? Origin, bool TopLevel, bool InLoop, List<Step> Into);

    /// <summary>Rewrites an active expression so that every value the reverse needs is cheap to read again.</summary>
    private IrExpr PrepareExpression(IrExpr e, bool root, PrepareContext context)
    {
        if (!_activity.IsVaried(e)) return e;
        switch (e)
        {
            case VarRef or ElementAt:
                return e;
            case Cast c:
                return c with { Operand = PrepareExpression(c.Operand, false, context) };
            case Unary u:
                return u with { Operand = PrepareExpression(u.Operand, false, context) };
            case Binary b when DerivativeRules.IsSigmoid(b, out IrExpr? x, out Func<IrExpr, IrExpr>? rebuild):
                IrExpr argument = PrepareExpression(x!, false, context);
                var fused = new Fused(b.Type, DerivativeRules.SigmoidPattern, Array(argument), rebuild!(argument));
                return root ? fused : Hoist(fused, context);
            case Binary { Op: BinaryOp.Add or BinaryOp.Subtract } b:
                return b with { Left = PrepareExpression(b.Left, false, context), Right = PrepareExpression(b.Right, false, context) };
            case Binary b:
                return b with { Left = PrepareOperand(b.Left, context), Right = PrepareOperand(b.Right, context) };
            case Conditional { Condition: Constant { Type.Element: ElementKind.Bool } constant } c:
                // true ? a : b is a; only the branch that runs needs preparing.
                IrExpr taken = PrepareExpression(constant.Value != 0 ? c.WhenTrue : c.WhenFalse, false, context);
                return constant.Value != 0 ? c with { WhenTrue = taken } : c with { WhenFalse = taken };
            case Conditional c:
                if (!WouldHoist(c.WhenTrue, false) && !WouldHoist(c.WhenFalse, false)) return c;
                return LowerConditional(c, context);
            case MathCall m:
                var call = m with { Arguments = m.Arguments.Select(a => PrepareOperand(a, context)).ToEquatableArray() };
                return root ? call : Hoist(call, context);
            case DiffCall d:
                DiffCall diffCall = PrepareArguments(d, context);
                return root ? diffCall : Hoist(diffCall, context);
            default:
                return e;
        }
    }

    /// <summary>A call's arguments, each made cheap to read again: its Backward gets them in the reverse sweep.</summary>
    private DiffCall PrepareArguments(DiffCall call, PrepareContext context)
    {
        // An argument that reads an array this same call writes must be taken before the call overwrites it.
        var outputs = new HashSet<string>(ActivityAnalysis.OutputArguments(call));
        IrExpr Argument(IrExpr a, int i)
        {
            if (call.Callee.Parameters[i].IsOutput) return a;
            if (Slices.TryMatch(a, out _, out _)) return a; // read again in the reverse, where its adjoint is the same slice
            IrExpr prepared = PrepareOperand(a, context);
            return prepared is not VarRef && IrWalker.Reads(prepared).Any(outputs.Contains) ? Hoist(prepared, context) : prepared;
        }

        return call with
        {
            Receiver = call.Receiver is null ? null : PrepareOperand(call.Receiver, context),
            Arguments = call.Arguments.Select(Argument).ToEquatableArray(),
        };
    }

    private IrExpr PrepareOperand(IrExpr e, PrepareContext context)
    {
        IrExpr prepared = PrepareExpression(e, false, context);
        return IsCheap(prepared) ? prepared : Hoist(prepared, context);
    }

    /// <summary>Whether preparing an expression would introduce a temporary.</summary>
    private bool WouldHoist(IrExpr e, bool root)
    {
        if (!_activity.IsVaried(e)) return false;
        return e switch
        {
            VarRef or ElementAt => false,
            Cast c => WouldHoist(c.Operand, false),
            Unary u => WouldHoist(u.Operand, false),
            Binary b when DerivativeRules.IsSigmoid(b, out IrExpr? x, out _) => !root || WouldHoist(x!, false),
            Binary { Op: BinaryOp.Add or BinaryOp.Subtract } b => WouldHoist(b.Left, false) || WouldHoist(b.Right, false),
            Binary b => OperandHoists(b.Left) || OperandHoists(b.Right),
            Conditional { Condition: Constant constant } c => WouldHoist(constant.Value != 0 ? c.WhenTrue : c.WhenFalse, false),
            Conditional c => WouldHoist(c.WhenTrue, false) || WouldHoist(c.WhenFalse, false),
            MathCall m => !root || m.Arguments.Any(OperandHoists),
            DiffCall d => !root || d.Arguments.Any(OperandHoists),
            _ => false,
        };
    }

    private bool OperandHoists(IrExpr e) => WouldHoist(e, false) || !IsCheap(e);

    /// <summary>Cheap to evaluate again in the reverse sweep: leaves and a little arithmetic over them.</summary>
    private static bool IsCheap(IrExpr e) => Size(e) <= 5 && IrWalker.DescendantsAndSelf(e).All(x => x is Constant or VarRef or Member
        or ElementAt { Array: VarRef } or Cast or Unary { Op: UnaryOp.Negate or UnaryOp.Plus }
        or Binary { Op: BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply or BinaryOp.Divide });

    /// <summary>The floating operations in an expression; integer index arithmetic is free to evaluate again.</summary>
    private static int Size(IrExpr e) => e switch
    {
        ElementAt => 1,
        Cast c => Size(c.Operand),
        _ when !e.Type.IsFloatingElement => 0,
        _ => 1 + IrWalker.Children(e).Sum(Size),
    };

    private IrExpr Hoist(IrExpr value, PrepareContext context)
    {
        IrVar temp = NewVariable("_t", value.Type);
        if (_activity.IsVaried(value)) _activeTemporaries.Add(temp.Name);
        AddDefinition(temp, value, context);
        return temp.Ref;
    }

    private void AddDefinition(IrVar variable, IrExpr value, PrepareContext context)
    {
        if (context.TopLevel)
        {
            _singleDefinition.Add(variable.Name);
            context.Into.Add(new Step(StepKind.Simple, new Declare(context.Origin, variable, value), true, context.InLoop));
        }
        else
        {
            Hoisted.Add(variable);
            context.Into.Add(new Step(StepKind.Simple, new Assign(context.Origin, variable.Ref, value), false, context.InLoop));
        }
    }

    /// <summary><c>c ? a : b</c> whose branches need temporaries becomes an if, so only the taken branch runs.</summary>
    private IrExpr LowerConditional(Conditional c, PrepareContext context)
    {
        IrVar temp = NewVariable("_t", c.Type);
        _activeTemporaries.Add(temp.Name);
        Hoisted.Add(temp);
        var branch = new If(context.Origin, c.Condition, Block.Empty, Block.Empty);
        var step = new Step(StepKind.If, branch, context.TopLevel, context.InLoop);
        Prepare(new Assign(context.Origin, temp.Ref, c.WhenTrue), false, context.InLoop, step.Then);
        Prepare(new Assign(context.Origin, temp.Ref, c.WhenFalse), false, context.InLoop, step.Else);
        context.Into.Add(step);
        return temp.Ref;
    }


    // ================================================================ adjoints

    public IrVar NewVariable(string prefix, IrType type)
    {
        var variable = new IrVar(_names.Numbered(prefix), type);
        _variables[variable.Name] = variable;
        return variable;
    }
}
