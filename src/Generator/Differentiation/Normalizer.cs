using System;
using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

/// <summary>A method body in the one shape the later passes see.</summary>
/// <param name="Body">Hoisted declarations first, then the statements: Declare, Assign, Evaluate, Throw, If and Loop only.</param>
/// <param name="Variables">Every variable by name: parameters, locals, SSA versions, temporaries and flags.</param>
/// <param name="Result">The variable that holds the returned value, or null for a void method.</param>
/// <param name="ParameterVersions">For each parameter, the name of its last SSA version (itself when never reassigned).</param>
/// <param name="Hoisted">Variables declared at the top because a nested block declared them, or because they are flags.</param>
internal sealed record NormalizedBody(
    Block Body,
    IReadOnlyDictionary<string, IrVar> Variables,
    IrVar? Result,
    IReadOnlyCollection<string> Hoisted,
    IReadOnlyCollection<string> SsaNames);

/// <summary>
/// Brings a parsed body into one shape:
/// <list type="bullet">
/// <item><c>return</c>, <c>break</c> and <c>continue</c> become flags that guard the rest; where a branch always
/// exits, the statements after it move into the other branch instead, so that most methods need no flag at all.</item>
/// <item><c>for</c> loops of the form <c>for (int i = a; i &lt; b; i++)</c> become counted loops, whose reverse counts
/// back without storing anything; <c>foreach</c> over an array or span becomes such a loop; other loops become
/// <c>while</c> loops whose trips are counted.</item>
/// <item>Variables assigned only at the top level get one name per assignment (SSA: <c>y</c>, <c>y_1</c>), so that
/// straight-line code never overwrites a value the reverse sweep needs; variables declared in nested blocks are
/// declared at the top, so that the reverse sweep can see them.</item>
/// </list>
/// </summary>
internal sealed partial class Normalizer
{
    private readonly NameAllocator _names;
    private readonly IrType _returnType;
    private readonly Dictionary<string, IrVar> _variables = new();
    private readonly List<IrVar> _flags = new();
    private readonly Stack<LoopFrame> _loops = new();
    private readonly IrVar? _result;

    /// <summary>Variables the caller reads after the method: the fields of a struct result.</summary>
    private IReadOnlyList<string> _liveAtExit = System.Array.Empty<string>();

    /// <summary>Variables that keep their name to the end (an out or ref scalar's local, written back by name): no SSA.</summary>
    private HashSet<string> _pinned = new();
    private IrVar? _returnFlag;

    private sealed class LoopFrame
    {
        public IrVar? BreakFlag;
        public IrVar? ContinueFlag;
    }

    private Normalizer(NameAllocator names, IrType returnType)
    {
        _names = names;
        _returnType = returnType;
        _result = returnType.Equals(IrType.Void) ? null : new IrVar(names.Fresh("_result"), returnType);
    }

    public static NormalizedBody Normalize(MethodModel model, NameAllocator names)
    {
        var normalizer = new Normalizer(names, model.BodyReturnType)
        {
            _liveAtExit = model.ResultFields.Select(f => f.Variable).Concat(model.ScalarOutputs.Select(o => o.Variable)).ToList(),
            _pinned = new HashSet<string>(model.ScalarOutputs.Select(o => o.Variable)),
        };
        foreach (ParameterModel parameter in model.Parameters)
        {
            normalizer._variables[parameter.Name] = new IrVar(parameter.Name, parameter.Type);
        }

        foreach (ParameterModel member in FieldParameters(model))
        {
            normalizer._variables[member.Name] = new IrVar(member.Name, member.Type);
        }

        foreach (IrStmt stmt in IrWalker.AllStatements(model.Body))
        {
            if (stmt is Declare d) normalizer._variables[d.Variable.Name] = d.Variable;
            if (stmt is ForEach f) normalizer._variables[f.Item.Name] = f.Item;
        }

        if (normalizer._result is not null) normalizer._variables[normalizer._result.Name] = normalizer._result;
        List<IrStmt> lowered = normalizer.Lower(model.Body.Statements.ToList());
        return normalizer.HoistAndRename(lowered, model.Parameters.Select(p => p.Name).ToList());
    }

    /// <summary>
    /// A model's differentiable members, as parameters the method never assigns: the variable is the member's name
    /// (<c>this.W1</c> where a parameter shadows it), and the adjoint is the member of the <c>Gradients</c> argument.
    /// </summary>
    public static IEnumerable<ParameterModel> ModelMembers(MethodModel model)
    {
        if (model.Model is null) yield break;
        foreach (Parsing.ModelMember member in model.Model.Members)
        {
            // (An array of structs goes through its field arrays: StructArrayFields.)
            if (member.NestedModel is not null || member.IsStructArray) continue;
            ParameterModel whole = MemberParameter(model, member);
            if (member.Leaves.IsEmpty)
            {
                yield return whole;
                continue;
            }

            // A struct member: one parameter per leaf (Offset.X, gradients.Offset.X).
            foreach (StructLeaf leaf in member.Leaves) yield return LeafOf(whole, leaf);
        }
    }

    /// <summary>
    /// Every leaf read through a struct, with the struct parameter or model member it belongs to: the struct parameters'
    /// fields (<see cref="StructFieldsWithLeaves"/>) and the model's struct members' (<c>Start.Angle</c>, owned by
    /// <c>Start</c>, whose adjoint is <c>gradients.Start</c>). A leaf behind a property is written back through its owner.
    /// </summary>
    public static IEnumerable<(ParameterModel Field, ParameterModel Owner, StructLeaf Leaf)> StructLeavesWithOwners(MethodModel model)
    {
        foreach (var field in StructFieldsWithLeaves(model)) yield return field;
        if (model.Model is null) yield break;
        foreach (Parsing.ModelMember member in model.Model.Members.Where(m => m.IsStruct))
        {
            ParameterModel owner = MemberParameter(model, member) with { Leaves = member.Leaves };
            foreach (StructLeaf leaf in member.Leaves) yield return (LeafOf(owner, leaf), owner, leaf);
        }
    }

    /// <summary>A model member as a parameter: its variable (<c>this.W1</c> where a parameter shadows it) and <c>gradients.W1</c>.</summary>
    private static ParameterModel MemberParameter(MethodModel model, Parsing.ModelMember member) =>
        new(model.Parameters.Any(p => p.Name == member.Name) ? "this." + member.Name : member.Name, member.Type, "", true, model.GradientsName + "." + member.Name, "");

    /// <summary>One leaf of a struct-valued model member, as a parameter of its own (<c>Offset.X</c>, <c>gradients.Offset.X</c>).</summary>
    private static ParameterModel LeafOf(ParameterModel member, StructLeaf leaf) =>
        new(member.Name + "." + leaf.Path, leaf.Type, "", true, member.AdjointName + "." + leaf.Path, "");

    /// <summary>
    /// The fields of the differentiable struct parameters, as parameters the method reads through a member access: the
    /// variable is the field's path (<c>p.X</c>, <c>p.Pos.X</c>), and its adjoint, tangent, direction and Hessian
    /// are the same fields of the struct parameters the generated methods take (<c>dP.X</c>, <c>tP.X</c>…).
    /// </summary>
    public static IEnumerable<ParameterModel> StructFields(MethodModel model) => StructFieldsWithLeaves(model).Select(f => f.Field);

    /// <summary>The struct parameters' fields with the parameter and leaf each comes from.</summary>
    public static IEnumerable<(ParameterModel Field, ParameterModel Owner, StructLeaf Leaf)> StructFieldsWithLeaves(MethodModel model)
    {
        // (An out struct's incoming fields are no inputs: the method works in locals of its own.)
        foreach (ParameterModel parameter in model.Parameters.Where(p => p.Type.IsScalar && p.Passing != Passing.Out))
        {
            foreach (StructLeaf leaf in parameter.Leaves)
            {
                string Field(string owner) => owner.Length == 0 ? "" : owner + "." + leaf.Path;
                bool differentiable = parameter.Differentiable && leaf.Type.IsFloating;
                yield return (new ParameterModel(Field(parameter.Name), leaf.Type, "", differentiable, Field(parameter.AdjointName), "",
                    TangentName: Field(parameter.TangentName), DirectionName: Field(parameter.DirectionName), HessianName: Field(parameter.HessianName)),
                    parameter, leaf);
            }
        }
    }

    /// <summary>
    /// The fields of the arrays (and spans) of structs, as array parameters: every generated method copies
    /// <c>pts[i].X</c> into <c>pts_X[i]</c> on entry (and the tangent's and direction's fields alike), works on those
    /// arrays, and adds the gradient arrays (<c>dPts_X</c>, <c>hPts_X</c>) back into the caller's structs on return
    /// (<see cref="StructArrays"/>).
    /// </summary>
    public static IEnumerable<(ParameterModel Field, ParameterModel Owner, StructLeaf Leaf)> StructArrayFields(MethodModel model)
    {
        foreach (ParameterModel parameter in model.Parameters.Where(p => !p.Type.IsScalar && !p.Leaves.IsEmpty))
        {
            foreach (StructLeaf leaf in parameter.Leaves)
            {
                string Field(string owner) => owner.Length == 0 ? "" : Parsing.Contract.FieldArrayName(owner, leaf.Path);
                bool differentiable = parameter.Differentiable && leaf.Type.IsFloating;
                yield return (new ParameterModel(Field(parameter.Name), IrType.ArrayOf(leaf.Type, 1), "", differentiable, Field(parameter.AdjointName), "",
                    IsOutput: parameter.IsOutput, TangentName: Field(parameter.TangentName), DirectionName: Field(parameter.DirectionName),
                    HessianName: Field(parameter.HessianName)),
                    parameter, leaf);
            }
        }

        // A model's array-of-structs member (Points): Points_X, its gradient's fields gathered in dPoints_X.
        foreach (Parsing.ModelMember member in model.Model?.Members.Where(m => m.IsStructArray) ?? Enumerable.Empty<Parsing.ModelMember>())
        {
            ParameterModel owner = MemberParameter(model, member) with { Leaves = member.Leaves };
            string adjoint = "d" + char.ToUpperInvariant(member.Name[0]) + member.Name.Substring(1);
            foreach (StructLeaf leaf in member.Leaves)
            {
                yield return (new ParameterModel(Parsing.Contract.FieldArrayName(member.Name, leaf.Path), IrType.ArrayOf(leaf.Type, 1), "", leaf.Type.IsFloating,
                    Parsing.Contract.FieldArrayName(adjoint, leaf.Path), ""), owner, leaf);
            }
        }
    }

    /// <summary>
    /// Everything the method reads as a parameter besides its own parameters: the model's members, the struct
    /// parameters' fields and the arrays of the fields of arrays of structs.
    /// </summary>
    public static IEnumerable<ParameterModel> FieldParameters(MethodModel model) => ModelMembers(model).Concat(StructData(model));

    /// <summary>The struct parameters' fields and the field arrays of the arrays of structs: the parameters read through a struct.</summary>
    public static IEnumerable<ParameterModel> StructData(MethodModel model) => StructFields(model).Concat(StructArrayFields(model).Select(f => f.Field));

    // ------------------------------------------------------------ control flow

    private List<IrStmt> Lower(List<IrStmt> statements)
    {
        var output = new List<IrStmt>();
        for (int i = 0; i < statements.Count; i++)
        {
            IrStmt stmt = statements[i];
            List<IrStmt> rest = statements.Skip(i + 1).ToList();
            if (stmt is If branch && rest.Count > 0)
            {
                // if (c) { ...; return x; } rest  ==>  if (c) { ...; return x; } else { rest }: no flag needed.
                bool thenExits = ExitsByJump(branch.Then);
                bool elseExits = ExitsByJump(branch.Else);
                if (thenExits && !Terminates(branch.Else))
                {
                    stmt = branch with { Else = Concat(branch.Else, rest) };
                    rest.Clear();
                }
                else if (elseExits && !Terminates(branch.Then))
                {
                    stmt = branch with { Then = Concat(branch.Then, rest) };
                    rest.Clear();
                }
            }

            bool merged = rest.Count == 0 && i < statements.Count - 1;
            List<IrVar> flags = ExitFlags(stmt);
            output.AddRange(LowerOne(stmt));
            if (merged || Terminates(stmt)) break;
            if (flags.Count > 0 && rest.Count > 0)
            {
                output.Add(new If(null, NoneSet(flags), new Block(Lower(rest).ToEquatableArray()), Block.Empty));
                break;
            }
        }

        return output;
    }

    private static Block Concat(Block block, List<IrStmt> rest) => new(block.Statements.Concat(rest).ToEquatableArray());

    private IEnumerable<IrStmt> LowerOne(IrStmt stmt)
    {
        switch (stmt)
        {
            case Declare or Assign or Evaluate or Throw:
                return new[] { stmt };
            case If branch:
                return new[] { branch with { Then = LowerBlock(branch.Then), Else = LowerBlock(branch.Else) } };
            case Return ret when _result is null:
                return new IrStmt[] { new Assign(ret.Origin, ReturnFlag().Ref, True) };
            case Return ret:
                IrExpr value = ret.Value is null ? Ir.Const(_returnType, 0) : ret.Value;
                return new IrStmt[] { new Assign(ret.Origin, _result.Ref, value), new Assign(null, ReturnFlag().Ref, True) };
            case Break brk:
                return new[] { new Assign(brk.Origin, CurrentLoop().BreakFlag!.Ref, True) };
            case Continue cont:
                return new[] { new Assign(cont.Origin, CurrentLoop().ContinueFlag!.Ref, True) };
            case For loop:
                return LowerFor(loop);
            case While loop:
                return LowerLoop(loop.Origin, loop.Condition, loop.TestFirst, loop.Body, Block.Empty);
            case ForEach loop:
                return LowerForEach(loop);
            default:
                throw new InvalidOperationException("unexpected statement " + stmt.GetType().Name);
        }
    }

    private Block LowerBlock(Block block) => new(Lower(block.Statements.ToList()).ToEquatableArray());

    private IEnumerable<IrStmt> LowerForEach(ForEach loop)
    {
        var output = new List<IrStmt>();
        IrExpr collection = loop.Collection;
        if (collection is not VarRef)
        {
            var temp = new IrVar(_names.Numbered("_items"), collection.Type);
            _variables[temp.Name] = temp;
            output.Add(new Declare(loop.Origin, temp, collection));
            collection = temp.Ref;
        }

        var index = new IrVar(_names.Fresh("_i"), IrType.Int);
        _variables[index.Name] = index;
        var item = new Declare(loop.Origin, loop.Item, new ElementAt(loop.Item.Type, collection, Ir.Array<IrExpr>(index.Ref)));
        var body = new Block(new IrStmt[] { item }.Concat(loop.Body.Statements).ToEquatableArray());
        var asFor = new For(loop.Origin,
            new Block(Ir.Array<IrStmt>(new Declare(null, index, new Constant(IrType.Int, "0", 0)))),
            Ir.Compare(BinaryOp.Less, index.Ref, new Member(IrType.Int, collection, "Length")),
            new Block(Ir.Array<IrStmt>(new Assign(null, index.Ref, new Binary(IrType.Int, BinaryOp.Add, index.Ref, new Constant(IrType.Int, "1", 1))))),
            body);
        output.AddRange(LowerFor(asFor));
        return output;
    }

    private IEnumerable<IrStmt> LowerFor(For loop)
    {
        // for (int c = 0, k = 0; c < n; c++): the other variables are declared just before a loop counted by the first,
        // when their initializers do not read it and its own is a constant or a variable (so the order does not show).
        if (loop.Initializers.Statements.Count > 1 && loop.Initializers.Statements.All(s => s is Declare { Initializer: not null })
            && loop.Initializers.Statements[0] is Declare { Initializer: Constant or VarRef } counter
            && loop.Initializers.Statements.Skip(1).All(s => !IrWalker.Reads(((Declare)s).Initializer!).Contains(counter.Variable.Name))
            && loop with { Initializers = new Block(Ir.Array<IrStmt>(counter)) } is var byCounter && AsCountedLoop(byCounter) is not null)
        {
            var hoisted = new List<IrStmt>(Lower(loop.Initializers.Statements.Skip(1).ToList()));
            hoisted.AddRange(LowerFor(byCounter));
            return hoisted;
        }

        if (AsCountedLoop(loop) is { } counted)
        {
            var frame = new LoopFrame { ContinueFlag = ContainsJump<Continue>(loop.Body) ? NewFlag("_continue") : null };
            _loops.Push(frame);
            var body = new List<IrStmt>();
            if (frame.ContinueFlag is not null) body.Add(new Assign(null, frame.ContinueFlag.Ref, False));
            body.AddRange(Lower(loop.Body.Statements.ToList()));
            _loops.Pop();
            return new[] { counted with { Body = new Block(body.ToEquatableArray()) } };
        }

        var output = new List<IrStmt>();
        output.AddRange(Lower(loop.Initializers.Statements.ToList()));
        IrExpr condition = loop.Condition ?? True;
        output.AddRange(LowerLoop(loop.Origin, condition, testFirst: true, loop.Body, loop.Steps));
        return output;
    }

    private IEnumerable<IrStmt> LowerLoop(string? origin, IrExpr condition, bool testFirst, Block body, Block steps)
    {
        var frame = new LoopFrame
        {
            BreakFlag = ContainsJump<Break>(body) ? NewFlag("_break") : null,
            ContinueFlag = ContainsJump<Continue>(body) ? NewFlag("_continue") : null,
        };
        bool returns = IrWalker.AllStatements(body).Any(s => s is Return);
        _loops.Push(frame);
        var lowered = new List<IrStmt>();
        if (frame.ContinueFlag is not null) lowered.Add(new Assign(null, frame.ContinueFlag.Ref, False));
        lowered.AddRange(Lower(body.Statements.ToList()));
        _loops.Pop();

        var exits = new List<IrVar>();
        if (frame.BreakFlag is not null) exits.Add(frame.BreakFlag);
        if (returns) exits.Add(ReturnFlag());
        if (steps.Statements.Count > 0)
        {
            List<IrStmt> loweredSteps = Lower(steps.Statements.ToList());
            if (exits.Count > 0) lowered.Add(new If(null, NoneSet(exits), new Block(loweredSteps.ToEquatableArray()), Block.Empty));
            else lowered.AddRange(loweredSteps);
        }

        foreach (IrVar flag in exits) condition = Ir.Compare(BinaryOp.ConditionalAnd, condition, Not(flag.Ref));
        var output = new List<IrStmt>();
        if (frame.BreakFlag is not null) output.Add(new Assign(null, frame.BreakFlag.Ref, False));
        output.Add(new Loop(origin, null, null, null, false, false, condition, testFirst, new Block(lowered.ToEquatableArray())));
        return output;
    }

    /// <summary>
    /// <c>for (int i = a; i &lt; b; i++)</c> (or <c>&lt;=</c>, or counting down with <c>&gt;</c>, <c>&gt;=</c>) whose body
    /// never assigns i or anything the bound reads, and never leaves by break or return.
    /// </summary>
    private static Loop? AsCountedLoop(For loop)
    {
        if (loop.Initializers.Statements.Count != 1 || loop.Initializers.Statements[0] is not Declare { Initializer: { } start } declare
            || !declare.Variable.Type.Equals(IrType.Int)
            || loop.Condition is not Binary { Left: VarRef { } counterRead } condition || counterRead.Name != declare.Variable.Name
            || loop.Steps.Statements.Count != 1
            || loop.Steps.Statements[0] is not Assign { Target: VarRef stepTarget, Value: Binary { Left: VarRef stepRead, Right: Constant { Value: 1 } } step }
            || stepTarget.Name != declare.Variable.Name || stepRead.Name != declare.Variable.Name)
        {
            return null;
        }

        bool descending = step.Op == BinaryOp.Subtract;
        if (step.Op is not (BinaryOp.Add or BinaryOp.Subtract)) return null;
        bool inclusive;
        switch (condition.Op)
        {
            case BinaryOp.Less when !descending: inclusive = false; break;
            case BinaryOp.LessOrEqual when !descending: inclusive = true; break;
            case BinaryOp.Greater when descending: inclusive = false; break;
            case BinaryOp.GreaterOrEqual when descending: inclusive = true; break;
            default: return null;
        }

        IrExpr bound = condition.Right;
        var assigned = new HashSet<string>(IrWalker.AllStatements(loop.Body).Select(IrWalker.AssignedVariable).Where(n => n is not null)!);
        var stored = new HashSet<string>(IrWalker.AllStatements(loop.Body).Select(IrWalker.StoredArray).Where(n => n is not null)!);
        if (assigned.Contains(declare.Variable.Name)) return null;
        foreach (DiffCall call in IrWalker.AllStatements(loop.Body).SelectMany(IrWalker.OwnExpressions).SelectMany(IrWalker.DescendantsAndSelf).OfType<DiffCall>())
        {
            stored.UnionWith(ActivityAnalysis.OutputArguments(call));
        }

        if (IrWalker.Reads(bound).Any(assigned.Contains) || ReadsContents(bound, stored)) return null;
        if (IrWalker.DescendantsAndSelf(bound).Any(e => e is DiffCall)) return null;
        if (ContainsJump<Break>(loop.Body) || IrWalker.AllStatements(loop.Body).Any(s => s is Return)) return null;
        return new Loop(loop.Origin, declare.Variable, start, bound, inclusive, descending, null, true, loop.Body);
    }

    /// <summary>
    /// Whether an expression reads the elements of one of <paramref name="arrays"/>. Their lengths do not count: storing
    /// into an array's elements leaves its length alone, so <c>j &lt; y.Length</c> stays a fixed bound while the body
    /// writes <c>y[j]</c>.
    /// </summary>
    private static bool ReadsContents(IrExpr expr, HashSet<string> arrays) => expr switch
    {
        Member { Receiver: VarRef, Name: "Length" } => false,
        OpaqueCall { Known: KnownCall.ArrayShape, Receiver: VarRef } call => call.Arguments.Any(a => ReadsContents(a, arrays)),
        VarRef v => arrays.Contains(v.Name),
        _ => IrWalker.Children(expr).Any(c => ReadsContents(c, arrays)),
    };

    /// <summary>Whether a block holds a break or continue that belongs to the loop around it (not to a nested loop).</summary>
    private static bool ContainsJump<T>(Block block) where T : IrStmt => block.Statements.Any(ContainsJump<T>);

    private static bool ContainsJump<T>(IrStmt stmt) where T : IrStmt => stmt switch
    {
        T => true,
        If i => ContainsJump<T>(i.Then) || ContainsJump<T>(i.Else),
        _ => false,
    };

    /// <summary>The flags a statement may set that leave the block it stands in.</summary>
    private List<IrVar> ExitFlags(IrStmt stmt)
    {
        var flags = new List<IrVar>();
        if (_loops.Count > 0 && ContainsJump<Break>(stmt)) flags.Add(CurrentLoop().BreakFlag!);
        if (_loops.Count > 0 && ContainsJump<Continue>(stmt)) flags.Add(CurrentLoop().ContinueFlag!);
        bool returns = stmt is Return || (stmt is not (Declare or Assign or Evaluate or Throw) && IrWalker.AllStatements(new Block(Ir.Array(stmt))).Any(s => s is Return));
        if (returns) flags.Add(ReturnFlag());
        return flags;
    }

    /// <summary>Whether every path through the statement ends in a jump or a throw, so nothing after it runs.</summary>
    private static bool Terminates(IrStmt stmt) => stmt switch
    {
        Return or Break or Continue or Throw => true,
        If i => Terminates(i.Then) && Terminates(i.Else),
        _ => false,
    };

    private static bool Terminates(Block block) => block.Statements.Any(Terminates);

    /// <summary>Whether every path ends in a jump or a throw, and at least one in a jump (which would need a flag).</summary>
    private static bool ExitsByJump(Block block) =>
        Terminates(block) && IrWalker.AllStatements(block).Any(s => s is Return or Break or Continue);

    private LoopFrame CurrentLoop() => _loops.Peek();

    private IrVar ReturnFlag() => _returnFlag ??= NewFlag("_returned");

    private IrVar NewFlag(string name)
    {
        var flag = new IrVar(_names.Numbered(name), IrType.Bool);
        _variables[flag.Name] = flag;
        _flags.Add(flag);
        return flag;
    }

    private static readonly Constant True = new(IrType.Bool, "true", 1);
    private static readonly Constant False = new(IrType.Bool, "false", 0);

    private static IrExpr Not(IrExpr e) => new Unary(IrType.Bool, UnaryOp.Not, e);

    private static IrExpr NoneSet(List<IrVar> flags) =>
        flags.Skip(1).Aggregate(Not(flags[0].Ref), (acc, f) => Ir.Compare(BinaryOp.ConditionalAnd, acc, Not(f.Ref)));

}
