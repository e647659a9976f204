using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// The analyses of a prepared program that the reverse sweep's planning and assembly read, computed once and not
/// changed after: each step's position and the loops and branches around it, who reads and defines each variable,
/// the integers recomputed in the reverse instead of saved (aliases), and the outputs whose incoming gradient is read
/// in place (write-once) or passed on whole to one layer call.
/// </summary>
internal sealed class StepAnalysis
{
    private readonly List<Step> _flat;
    private readonly Dictionary<Step, int> _position = new();
    private readonly Dictionary<Step, List<Step>> _enclosingLoops = new();
    private readonly Dictionary<string, List<Step>> _readers = new();
    private readonly Dictionary<string, List<Step>> _definitions = new(); // whole-variable assignments only
    private readonly Dictionary<string, List<Step>> _anyDefinitions = new(); // every statement that defines or stores into a name
    private readonly Dictionary<string, IrExpr> _aliases = new();
    private readonly Dictionary<Step, List<(Step Branch, bool Then)>> _branches = new();
    private readonly HashSet<string> _writeOnceOutputs = new();
    private readonly HashSet<string> _passedOutputs = new();

    private readonly MethodModel _model;
    private readonly Sweep _sweep;
    private readonly IReadOnlyDictionary<string, ParameterModel> _parameters;
    private readonly HashSet<string> _counters;
    private readonly IReadOnlyDictionary<string, IrVar> _variables;
    private readonly HashSet<string> _singleDefinition;

    /// <summary>Indexes the prepared program: positions, enclosing loops, and who reads and defines what.</summary>
    public StepAnalysis(List<Step> steps, MethodModel model, Sweep sweep, IReadOnlyDictionary<string, ParameterModel> parameters,
        HashSet<string> counters, IReadOnlyDictionary<string, IrVar> variables, HashSet<string> singleDefinition)
    {
        _model = model;
        _sweep = sweep;
        _parameters = parameters;
        _counters = counters;
        _variables = variables;
        _singleDefinition = singleDefinition;
        _flat = Step.Flatten(steps).ToList();
        for (int i = 0; i < _flat.Count; i++) _position[_flat[i]] = i;
        IndexLoops(steps, new List<Step>());
        IndexBranches(steps, new List<(Step, bool)>());
        foreach (Step step in _flat)
        {
            foreach (string name in OwnReads(step)) AddTo(_readers, name, step);
            if (step.Kind == StepKind.Simple)
            {
                foreach (string name in ActivityAnalysis.Definitions(step.Stmt).Select(d => d.Target).Distinct()) AddTo(_anyDefinitions, name, step);
            }

            if (step.Kind == StepKind.Simple && IrWalker.AssignedVariable(step.Stmt) is { } target && ActivityAnalysis.Definition(step.Stmt) is not null)
            {
                AddTo(_definitions, target, step);
            }
        }

        FindAliases();
        FindWriteOnceOutputs();
    }

    /// <summary>
    /// Outputs whose incoming gradient the reverse sweep can read in place, without a copy: the method never reads
    /// them, and a single statement stores into them, at most once per element (or several that never meet, see
    /// <see cref="DisjointStores"/>). Its index must tell apart the
    /// iterations of the loops around it, in mixed radix: <c>i</c>, <c>i * n + j</c>, <c>(i * n + j) * m + k</c>,
    /// where each inner counter runs from 0 to the fixed bound it is multiplied by. Then nothing accumulates into the
    /// output's adjoint and no element needs zeroing after its read. (The sweep second order transforms keeps the copy.)
    /// </summary>
    private void FindWriteOnceOutputs()
    {
        if (_sweep == Sweep.SecondOrderBase) return;
        foreach (ParameterModel output in _model.Parameters.Where(p => p.IsOutput && p.Differentiable && p.Type.Rank <= 1 && !p.Type.IsScalar))
        {
            // The one statement that may use the output other than through its length: a store, or a layer call.
            List<Step> users = _flat.Where(s => IrWalker.OwnExpressions(s.Stmt).Any(e => MentionsBeyondLength(e, output.Name))).ToList();
            if (users.Count > 1 && DisjointStores(output.Name, users)) _writeOnceOutputs.Add(output.Name);
            if (users.Count != 1) continue;
            Step user = users[0];
            if (_sweep == Sweep.Pullback && PassedOnOnce(output, user))
            {
                _passedOutputs.Add(output.Name);
                continue;
            }

            if (PlainStore(user, output.Name) is not { } target) continue;

            List<Loop> loops = _enclosingLoops[user].Select(l => (Loop)l.Stmt).ToList();
            if (!loops.All(l => l.IsCounted)) continue;
            // What the nest may change: its counters and every variable its body assigns.
            var changing = new HashSet<string>(loops.Select(l => l.Counter!.Name).Concat(loops.Count > 0 ? IrWalker.AssignedVariables(loops[0]) : Enumerable.Empty<string>()));
            if (SeparatesIterations(Resolve(target.Indices[0]), loops, loops.Count, changing)) _writeOnceOutputs.Add(output.Name);
        }
    }

    /// <summary>
    /// The element <paramref name="user"/> stores into the output, <c>y[i] = …</c> with one index, where neither the index
    /// nor the value reads the output; else null.
    /// </summary>
    private ElementAt? PlainStore(Step user, string output) =>
        user.Stmt is Assign { Target: ElementAt { Array: VarRef array, Indices.Count: 1 } target } store && array.Name == output
        && !target.Indices.Concat(new[] { store.Value }).Any(e => MentionsBeyondLength(e, output))
            ? target
            : null;

    /// <summary>
    /// Several stores into an output that never meet: constant indices outside loops, all different, and at most one
    /// store in a single counted loop, at its counter, which counts up from a constant above all of them
    /// (<c>slope[0] = x[0]; for (int i = 1; …) slope[i] = …;</c>, a boundary and the interior).
    /// </summary>
    private bool DisjointStores(string output, List<Step> users)
    {
        var points = new HashSet<double>();
        double? rangeStart = null;
        foreach (Step user in users)
        {
            if (PlainStore(user, output) is not { } target) return false;

            List<Loop> loops = _enclosingLoops[user].Select(l => (Loop)l.Stmt).ToList();
            IrExpr index = Resolve(target.Indices[0]);
            if (loops.Count == 0 && index is Constant { Type.IsIntegral: true } point && Ir.IsLiteral(point))
            {
                if (!points.Add(point.Value)) return false;
                continue;
            }

            if (loops.Count == 1 && rangeStart is null && loops[0] is { IsCounted: true, Descending: false, Start: Constant { Type.IsIntegral: true } start } loop
                && Ir.IsLiteral(start) && index is VarRef counter && counter.Name == loop.Counter!.Name)
            {
                rangeStart = start.Value;
                continue;
            }

            return false;
        }

        return points.All(p => rangeStart is null || p < rangeStart);
    }

    /// <summary>
    /// An output the method only hands on, in <paramref name="call"/>, to one layer call outside any loop or branch (a
    /// layer class's <c>Forward</c> that calls a toolkit layer): the callee's Pullback consumes the caller's incoming
    /// gradient itself. Only a Pullback passes it on so (a Backward must leave it, and gives the callee a copy), and only
    /// to a callee that consumes it: a hand-written Backward leaves it, and the copy path clears it after the call.
    /// </summary>
    private bool PassedOnOnce(ParameterModel output, Step call)
    {
        if (call.Stmt is not Evaluate { Expression: DiffCall layer } || !layer.Callee.HasPullback
            || _enclosingLoops[call].Count > 0 || _branches[call].Count > 0) return false;
        var positions = Enumerable.Range(0, layer.Arguments.Count).Where(i => MentionsBeyondLength(layer.Arguments[i], output.Name)).ToList();
        if (positions.Count != 1 || !(layer.Callee.Parameters[positions[0]] is { IsOutput: true, Differentiable: true } parameter)
            || IrWalker.PassedArray(layer.Arguments[positions[0]])?.Name != output.Name
            || layer.Receiver is not null && MentionsBeyondLength(layer.Receiver, output.Name))
        {
            return false;
        }

        // The callee's adjoint parameter must take the caller's: a span takes either, an array only an array.
        return parameter.Type.Shape is ShapeKind.Span or ShapeKind.ReadOnlySpan || output.Type.Shape == ShapeKind.Array;
    }

    /// <summary>Whether an expression uses the variable other than through its <c>Length</c>.</summary>
    private static bool MentionsBeyondLength(IrExpr expr, string name) => expr switch
    {
        Member { Receiver: VarRef array, Name: "Length" } when array.Name == name => false,
        VarRef v => v.Name == name,
        _ => IrWalker.Children(expr).Any(child => MentionsBeyondLength(child, name)),
    };

    /// <summary>
    /// Whether an index takes a different value in each iteration of the first <paramref name="depth"/> loops:
    /// the innermost counter plus the outer loops' index times the innermost bound, the counter running from 0
    /// below that bound; the outermost loop's counter (plus any fixed offset) on its own.
    /// </summary>
    private static bool SeparatesIterations(IrExpr index, List<Loop> loops, int depth, HashSet<string> changing)
    {
        if (depth == 0) return loops.Count == 0;
        string counter = loops[depth - 1].Counter!.Name;
        bool IsCounter(IrExpr e) => e is VarRef v && v.Name == counter;
        // Fixed for the whole nest: arithmetic on variables (no array element, which a store or a layer call in the
        // loop could change) that the nest never changes.
        bool Fixed(IrExpr e) => IrWalker.IsVariableArithmetic(e) && !IrWalker.Reads(e).Any(changing.Contains);
        if (depth == 1)
        {
            return IsCounter(index)
                || index is Binary { Op: BinaryOp.Add or BinaryOp.Subtract } shifted && IsCounter(shifted.Left) && Fixed(shifted.Right)
                || index is Binary { Op: BinaryOp.Add } shiftedLeft && IsCounter(shiftedLeft.Right) && Fixed(shiftedLeft.Left);
        }

        Loop inner = loops[depth - 1];
        if (index is not Binary { Op: BinaryOp.Add } sum) return false;
        IrExpr? rest = IsCounter(sum.Right) ? sum.Left : IsCounter(sum.Left) ? sum.Right : null;
        if (rest is not Binary { Op: BinaryOp.Multiply } product) return false;
        if (inner.Descending || inner.Inclusive || inner.Start is not Constant { Value: 0 } || !Fixed(inner.Bound!)) return false;
        IrExpr? outer = product.Right.Equals(inner.Bound) ? product.Left : product.Left.Equals(inner.Bound) ? product.Right : null;
        return outer is not null && SeparatesIterations(outer, loops, depth - 1, changing);
    }

    private void IndexLoops(List<Step> steps, List<Step> loops)
    {
        foreach (Step step in steps)
        {
            _enclosingLoops[step] = loops;
            var inner = step.Kind == StepKind.Loop ? loops.Concat(new[] { step }).ToList() : loops;
            IndexLoops(step.Then, loops);
            IndexLoops(step.Else, loops);
            IndexLoops(step.Body, inner);
        }
    }

    private void IndexBranches(List<Step> steps, List<(Step, bool)> path)
    {
        foreach (Step step in steps)
        {
            _branches[step] = path;
            IndexBranches(step.Then, path.Concat(new[] { (step, true) }).ToList());
            IndexBranches(step.Else, path.Concat(new[] { (step, false) }).ToList());
            IndexBranches(step.Body, path);
        }
    }

    /// <summary>Whether two statements sit in the two branches of one if, so one execution never runs both.</summary>
    private bool Exclusive(Step a, Step b) =>
        _branches[a].Any(x => _branches[b].Any(y => y.Branch == x.Branch && y.Then != x.Then));

    private static void AddTo(Dictionary<string, List<Step>> index, string name, Step step)
    {
        if (!index.TryGetValue(name, out List<Step>? list)) index[name] = list = new List<Step>();
        if (!list.Contains(step)) list.Add(step);
    }

    /// <summary>The variables a step's own expressions read (for an element store, its index and value, not the array).</summary>
    private static IEnumerable<string> OwnReads(Step step)
    {
        IEnumerable<IrExpr> expressions = step.Stmt switch
        {
            Assign { Target: VarRef } a => new[] { a.Value },
            Assign { Target: ElementAt target } a => target.Indices.Concat(new[] { a.Value }),
            _ => IrWalker.OwnExpressions(step.Stmt),
        };
        return expressions.SelectMany(IrWalker.Reads).Distinct();
    }

    private bool IsInside(Step step, Step loop) => _enclosingLoops[step].Contains(loop);

    /// <summary>
    /// Whether the adjoint of <paramref name="target"/> must start again from zero after the reverse of
    /// <paramref name="definition"/>. What the reverse gathers afterwards belongs to an older value, and is consumed by
    /// the reverse of an older definition (or, for a parameter, by the adjoint parameter at the end): if there is one
    /// that can run before this definition (earlier in the method, or in the same loop), the adjoint must be reset.
    /// </summary>
    public bool AdjointOutlivesDefinition(string target, Step definition)
    {
        if (_writeOnceOutputs.Contains(target)) return _sweep == Sweep.Pullback;
        if (_parameters.ContainsKey(target)) return true;
        int at = _position[definition];
        if (!_anyDefinitions.TryGetValue(target, out List<Step>? definitions)) return false;
        foreach (Step other in definitions)
        {
            if (_enclosingLoops[definition].Any(loop => IsInside(other, loop))) return true;
            if (_position[other] < at && !Exclusive(other, definition)) return true;
        }

        return false;
    }

    /// <summary>
    /// A copy of an array element made once per iteration of a counted loop (<c>double v = a[i];</c>, or a foreach
    /// item) whose array never changes is read again from the array in the reverse sweep instead of being saved.
    /// </summary>
    private void FindAliases()
    {
        foreach (KeyValuePair<string, List<Step>> entry in _definitions)
        {
            string name = entry.Key;
            List<Step> definitions = entry.Value;
            if (definitions.Count != 1) continue;
            Step definition = definitions[0];
            if (ActivityAnalysis.Definition(definition.Stmt) is not var (_, value) || value is not ElementAt { Array: VarRef array } element) continue;
            if (_enclosingLoops[definition].LastOrDefault() is not { Stmt: Loop { IsCounted: true } } loop) continue;
            if (!_variables[name].Type.IsScalar || _parameters.ContainsKey(name)) continue;
            // The array must not change inside the loop; stores elsewhere are undone in time by the usual saves,
            // because the reverse now reads the array there.
            bool arrayFixed = !_flat.Any(s => IsInside(s, loop) && IrWalker.StoredArray(s.Stmt) == array.Name)
                && (!_definitions.TryGetValue(array.Name, out List<Step>? arrayDefinitions) || arrayDefinitions.All(d => d.TopLevel && _enclosingLoops[d].Count == 0));
            bool indexFixed = element.Indices.SelectMany(IrWalker.Reads).All(index =>
                _counters.Contains(index) && _enclosingLoops[definition].Any(l => ((Loop)l.Stmt).Counter?.Name == index)
                || !_definitions.ContainsKey(index) && _parameters.ContainsKey(index)
                || _singleDefinition.Contains(index) && _definitions.TryGetValue(index, out List<Step>? d) && d.All(x => x.TopLevel));
            bool readInside = !_readers.TryGetValue(name, out List<Step>? readers) || readers.All(r => IsInside(r, loop));
            if (arrayFixed && indexFixed && readInside) _aliases[name] = value;
        }

        FindRecomputedIndices();
    }

    /// <summary>
    /// An integer or bool computed in a counted loop from the loop counters and values that never change
    /// (<c>int y = r * stride + u - padding;</c>, or a flag like <c>y &lt; 0 || y &gt;= height</c>) is computed again
    /// in the reverse sweep instead of being saved on a stack: index arithmetic costs less than its memory traffic.
    /// </summary>
    private void FindRecomputedIndices()
    {
        foreach (KeyValuePair<string, List<Step>> entry in _definitions.OrderBy(e => _position[e.Value[0]]))
        {
            string name = entry.Key;
            if (entry.Value.Count != 1 || _aliases.ContainsKey(name) || _parameters.ContainsKey(name) || _counters.Contains(name)) continue;
            IrType type = _variables[name].Type;
            if (!type.IsScalar || !(type.IsIntegral || type.Element == ElementKind.Bool)) continue;
            Step definition = entry.Value[0];
            if (ActivityAnalysis.Definition(definition.Stmt) is not var (_, value)) continue;
            if (_enclosingLoops[definition].LastOrDefault() is not { Stmt: Loop { IsCounted: true } } loop) continue;
            if (!IsRecomputable(value, definition)) continue;
            // Every read must see this iteration's value: after the definition, in its loop, and within the branches
            // the definition sits in (outside them, the variable may still hold an older iteration's value).
            int at = _position[definition];
            List<(Step Branch, bool Then)> path = _branches[definition];
            bool readAfterInside = !_readers.TryGetValue(name, out List<Step>? readers)
                || readers.All(r => r != definition && IsInside(r, loop) && _position[r] > at
                    && _branches[r].Count >= path.Count && path.Select((b, i) => _branches[r][i] == b).All(same => same));
            if (readAfterInside) _aliases[name] = Resolve(value);
        }
    }

    /// <summary>
    /// Whether an expression can be evaluated again in the reverse sweep, anywhere inside the loops around
    /// <paramref name="at"/>, to the same value: arithmetic on constants, the enclosing loops' counters, parameters and
    /// top-level values never reassigned, array lengths, and other recomputed values.
    /// </summary>
    public bool IsRecomputable(IrExpr expr, Step at)
    {
        bool Fixed(string name) =>
            _counters.Contains(name) && _enclosingLoops[at].Any(l => ((Loop)l.Stmt).Counter?.Name == name)
            || _aliases.ContainsKey(name) && _aliases[name].Type.IsScalar && !_aliases[name].Type.IsFloatingElement
            || !_definitions.ContainsKey(name) && _parameters.ContainsKey(name)
            || _singleDefinition.Contains(name) && _definitions.TryGetValue(name, out List<Step>? d) && d.All(x => x.TopLevel && _enclosingLoops[x].Count == 0);

        return expr switch
        {
            Constant => true,
            VarRef v => Fixed(v.Name),
            Member { Receiver: VarRef array, Name: "Length" } => Fixed(array.Name),
            Unary u => IsRecomputable(u.Operand, at),
            Binary b => IsRecomputable(b.Left, at) && IsRecomputable(b.Right, at),
            Cast c => c.Type.IsScalar && !c.Type.IsFloatingElement && IsRecomputable(c.Operand, at),
            Conditional c => IsRecomputable(c.Condition, at) && IsRecomputable(c.WhenTrue, at) && IsRecomputable(c.WhenFalse, at),
            // Integer Max, Min and Abs (a convolution's kernel rows inside the image) are arithmetic too.
            OpaqueCall { Known: KnownCall.IntegerMath } o => o.Arguments.All(a => IsRecomputable(a, at)),
            _ => false,
        } && !expr.Type.IsFloatingElement;
    }

    /// <summary>An expression with the recomputed values it reads replaced by their own expressions.</summary>
    public IrExpr Resolve(IrExpr expr) =>
        IrWalker.Rewrite(expr, n => n is VarRef v && _aliases.TryGetValue(v.Name, out IrExpr? alias) ? alias : null);

    /// <summary>Replaces reads of aliased copies in reverse code by the element they copy.</summary>
    public IrStmt Rematerialize(IrStmt stmt) => _aliases.Count == 0
        ? stmt
        : IrWalker.MapExpressions(stmt, e => IrWalker.Rewrite(e, n => n is VarRef v && _aliases.TryGetValue(v.Name, out IrExpr? alias) ? alias : null));

    /// <summary>Every step, in program order.</summary>
    public IReadOnlyList<Step> Flat => _flat;

    /// <summary>Which method's sweeps are being built.</summary>
    public Sweep Sweep => _sweep;

    /// <summary>For each name, every statement that defines or stores into it.</summary>
    public IReadOnlyDictionary<string, List<Step>> AnyDefinitions => _anyDefinitions;

    /// <summary>Outputs whose incoming gradient the reverse sweep reads in place (see <see cref="FindWriteOnceOutputs"/>).</summary>
    public bool IsWriteOnceOutput(string name) => _writeOnceOutputs.Contains(name);

    /// <summary>Outputs handed on whole to one layer call, whose Pullback takes the caller's gradient directly.</summary>
    public bool IsPassedOutput(string name) => _passedOutputs.Contains(name);

    /// <summary>The primal variables statements read (loop counters aside): what a planned reverse needs kept.</summary>
    public void CollectReads(IEnumerable<IrStmt> statements, HashSet<string> into)
    {
        foreach (IrStmt stmt in statements)
        {
            switch (stmt)
            {
                case Assign a:
                    if (a.Target is ElementAt target) foreach (IrExpr index in target.Indices) CollectReads(index, into);
                    CollectReads(a.Value, into);
                    break;
                case If i:
                    CollectReads(i.Condition, into);
                    CollectReads(i.Then.Statements, into);
                    CollectReads(i.Else.Statements, into);
                    break;
                default:
                    foreach (IrExpr expr in IrWalker.OwnExpressions(stmt)) CollectReads(expr, into);
                    break;
            }
        }
    }

    /// <summary>The primal variables an expression reads; an array's length does not count as reading its content.</summary>
    public void CollectReads(IrExpr expr, HashSet<string> into)
    {
        switch (expr)
        {
            case Member { Receiver: VarRef, Name: "Length" or "LongLength" or "Rank" }:
                return;
            case OpaqueCall { Known: KnownCall.ArrayShape, Receiver: VarRef } call:
                foreach (IrExpr argument in call.Arguments) CollectReads(argument, into);
                return;
            case VarRef v:
                if (_variables.ContainsKey(v.Name) && !_counters.Contains(v.Name)) into.Add(v.Name);
                return;
            case BackwardCall { Call: var call } backward:
                // A callee's reverse sweep reads its inputs, but not an output it only stores plain arithmetic into.
                if (call.Receiver is { } receiver) CollectReads(receiver, into);
                for (int i = 0; i < call.Arguments.Count; i++)
                {
                    if (call.Callee.Parameters[i] is { IsOutput: true, QuietOutput: true } && IrWalker.PassedArray(call.Arguments[i]) is not null) continue;
                    CollectReads(call.Arguments[i], into);
                }

                if (backward.Gradients is { } gradients) CollectReads(gradients, into);
                foreach (IrExpr adjoint in backward.Adjoints) CollectReads(adjoint, into);
                if (backward.Seed is { } seed) CollectReads(seed, into);
                return;
        }

        foreach (IrExpr child in IrWalker.Children(expr)) CollectReads(child, into);
    }
}
