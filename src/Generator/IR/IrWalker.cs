using System;
using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.Model;

namespace Backprop.Gen.IR;

/// <summary>Traversals of the IR: the sub-expressions of a node, the variables an expression reads, and bottom-up rewriting.</summary>
internal static class IrWalker
{
    /// <summary>The direct sub-expressions of an expression.</summary>
    public static IEnumerable<IrExpr> Children(IrExpr expr)
    {
        switch (expr)
        {
            case Unary u: yield return u.Operand; break;
            case Binary b: yield return b.Left; yield return b.Right; break;
            case Conditional c: yield return c.Condition; yield return c.WhenTrue; yield return c.WhenFalse; break;
            case Cast c: yield return c.Operand; break;
            case MathCall m: foreach (IrExpr a in m.Arguments) yield return a; break;
            case DiffCall d:
                if (d.Receiver is not null) yield return d.Receiver;
                foreach (IrExpr a in d.Arguments) yield return a;
                if (d.Tape is not null) yield return d.Tape;
                break;
            case OpaqueCall o:
                if (o.Receiver is not null) yield return o.Receiver;
                foreach (IrExpr a in o.Arguments) yield return a;
                break;
            case RuntimeCall r:
                if (r.Receiver is not null) yield return r.Receiver;
                foreach (IrExpr a in r.Arguments) yield return a;
                break;
            case ElementAt e:
                yield return e.Array;
                foreach (IrExpr i in e.Indices) yield return i;
                break;
            case Member m when m.Receiver is not null: yield return m.Receiver; break;
            case NewArray n: foreach (IrExpr s in n.Sizes) yield return s; break;
            case Opaque o: foreach (IrExpr h in o.Holes) yield return h; break;
            case StructUpdate u:
                yield return u.Owner;
                foreach (FieldValue f in u.Fields) yield return f.Value;
                break;
            case Fused f: foreach (IrExpr a in f.Arguments) yield return a; break;
            case RefTo r: yield return r.Target; break;
            case BackwardCall b:
                foreach (IrExpr c in Children(b.Call)) yield return c;
                if (b.Gradients is not null) yield return b.Gradients;
                foreach (IrExpr a in b.Adjoints) yield return a;
                if (b.Seed is not null) yield return b.Seed;
                break;
        }
    }

    public static IEnumerable<IrExpr> DescendantsAndSelf(IrExpr expr)
    {
        yield return expr;
        foreach (IrExpr child in Children(expr))
        {
            foreach (IrExpr descendant in DescendantsAndSelf(child)) yield return descendant;
        }
    }

    /// <summary>The names of the variables an expression reads.</summary>
    public static IEnumerable<string> Reads(IrExpr expr) => DescendantsAndSelf(expr).OfType<VarRef>().Select(v => v.Name);

    /// <summary>Rebuilds an expression bottom-up, replacing each node for which <paramref name="map"/> returns non-null.</summary>
    public static IrExpr Rewrite(IrExpr expr, Func<IrExpr, IrExpr?> map)
    {
        IrExpr rebuilt = expr switch
        {
            Unary u => u with { Operand = Rewrite(u.Operand, map) },
            Binary b => b with { Left = Rewrite(b.Left, map), Right = Rewrite(b.Right, map) },
            Conditional c => c with { Condition = Rewrite(c.Condition, map), WhenTrue = Rewrite(c.WhenTrue, map), WhenFalse = Rewrite(c.WhenFalse, map) },
            Cast c => c with { Operand = Rewrite(c.Operand, map) },
            MathCall m => m with { Arguments = RewriteAll(m.Arguments, map) },
            DiffCall d => d with
            {
                Receiver = d.Receiver is null ? null : Rewrite(d.Receiver, map),
                Arguments = RewriteAll(d.Arguments, map),
                Tape = d.Tape is null ? null : Rewrite(d.Tape, map) as VarRef ?? d.Tape,
            },
            OpaqueCall o => o with { Receiver = o.Receiver is null ? null : Rewrite(o.Receiver, map), Arguments = RewriteAll(o.Arguments, map) },
            RuntimeCall r => r with { Receiver = r.Receiver is null ? null : Rewrite(r.Receiver, map), Arguments = RewriteAll(r.Arguments, map) },
            ElementAt e => e with { Array = Rewrite(e.Array, map), Indices = RewriteAll(e.Indices, map) },
            Member m when m.Receiver is not null => m with { Receiver = Rewrite(m.Receiver, map) },
            NewArray n => n with { Sizes = RewriteAll(n.Sizes, map) },
            Opaque o => o with { Holes = RewriteAll(o.Holes, map) },
            StructUpdate u => u with { Owner = Rewrite(u.Owner, map), Fields = u.Fields.Select(f => f with { Value = Rewrite(f.Value, map) }).ToEquatableArray() },
            Fused f => f with { Arguments = RewriteAll(f.Arguments, map), Original = Rewrite(f.Original, map) },
            RefTo r => r with { Target = Rewrite(r.Target, map) },
            BackwardCall b => b with
            {
                Call = (DiffCall)Rewrite(b.Call, map),
                Gradients = b.Gradients is null ? null : Rewrite(b.Gradients, map),
                Adjoints = RewriteAll(b.Adjoints, map),
                Seed = b.Seed is null ? null : Rewrite(b.Seed, map),
            },
            _ => expr,
        };
        return map(rebuilt) ?? rebuilt;
    }

    private static EquatableArray<IrExpr> RewriteAll(EquatableArray<IrExpr> items, Func<IrExpr, IrExpr?> map) =>
        items.Select(i => Rewrite(i, map)).ToEquatableArray();

    /// <summary>Renames variable reads with <paramref name="rename"/> (which returns null to keep a name).</summary>
    public static IrExpr Rename(IrExpr expr, Func<string, string?> rename) =>
        Rewrite(expr, e => e is VarRef v && rename(v.Name) is { } name ? v with { Name = name } : null);

    /// <summary>Applies <paramref name="map"/> to every expression held directly by a statement, recursing into blocks.</summary>
    public static IrStmt MapExpressions(IrStmt stmt, Func<IrExpr, IrExpr> map) => stmt switch
    {
        Declare d => d with { Initializer = d.Initializer is null ? null : map(d.Initializer) },
        Assign a => a with { Target = map(a.Target), Value = map(a.Value) },
        Evaluate e => e with { Expression = map(e.Expression) },
        Throw t => t with { Exception = map(t.Exception) },
        Push p => p with { Value = map(p.Value) },
        Comment => stmt,
        If i => i with { Condition = map(i.Condition), Then = MapBlock(i.Then, map), Else = MapBlock(i.Else, map) },
        Loop l => l with
        {
            Start = l.Start is null ? null : map(l.Start),
            Bound = l.Bound is null ? null : map(l.Bound),
            Condition = l.Condition is null ? null : map(l.Condition),
            Body = MapBlock(l.Body, map),
        },
        _ => throw new InvalidOperationException("unexpected statement " + stmt.GetType().Name),
    };

    public static Block MapBlock(Block block, Func<IrExpr, IrExpr> map) =>
        new(block.Statements.Select(s => MapExpressions(s, map)).ToEquatableArray());

    /// <summary>Every statement of a list, depth first, including those nested in ifs and loops.</summary>
    public static IEnumerable<IrStmt> AllStatements(IEnumerable<IrStmt> statements) => statements.SelectMany(s => AllStatements(new Block(Ir.Array(s))));

    /// <summary>Every statement in a block, depth first, including those nested in ifs and loops.</summary>
    public static IEnumerable<IrStmt> AllStatements(Block block)
    {
        foreach (IrStmt stmt in block.Statements)
        {
            yield return stmt;
            IEnumerable<IrStmt> nested = stmt switch
            {
                If i => AllStatements(i.Then).Concat(AllStatements(i.Else)),
                Loop l => AllStatements(l.Body),
                For f => AllStatements(f.Initializers).Concat(AllStatements(f.Steps)).Concat(AllStatements(f.Body)),
                While w => AllStatements(w.Body),
                ForEach f => AllStatements(f.Body),
                _ => Enumerable.Empty<IrStmt>(),
            };
            foreach (IrStmt inner in nested) yield return inner;
        }
    }

    /// <summary>The expressions a statement holds directly (not those of nested statements).</summary>
    public static IEnumerable<IrExpr> OwnExpressions(IrStmt stmt)
    {
        switch (stmt)
        {
            case Declare { Initializer: { } init }: yield return init; break;
            case Assign a: yield return a.Target; yield return a.Value; break;
            case Evaluate e: yield return e.Expression; break;
            case Throw t: yield return t.Exception; break;
            case Push p: yield return p.Value; break;
            case If i: yield return i.Condition; break;
            case Loop l:
                if (l.Start is not null) yield return l.Start;
                if (l.Bound is not null) yield return l.Bound;
                if (l.Condition is not null) yield return l.Condition;
                break;
            case For f when f.Condition is not null: yield return f.Condition; break;
            case While w: yield return w.Condition; break;
            case ForEach f: yield return f.Collection; break;
            case Return { Value: { } v }: yield return v; break;
        }
    }

    /// <summary>Every name the statements read, declare, assign or count with, nested statements included.</summary>
    public static IEnumerable<string> NamesUsed(IEnumerable<IrStmt> statements) =>
        AllStatements(statements).SelectMany(s => OwnExpressions(s).SelectMany(Reads)
            .Concat(AssignedVariable(s) is { } assigned ? new[] { assigned } : Enumerable.Empty<string>())
            .Concat(s is Loop { Counter: { } counter } ? new[] { counter.Name } : Enumerable.Empty<string>()));

    /// <summary>The variable a statement assigns as a whole (not an element store), if any.</summary>
    public static string? AssignedVariable(IrStmt stmt) => stmt switch
    {
        Declare d => d.Variable.Name,
        Assign { Target: VarRef v } => v.Name,
        _ => null,
    };

    /// <summary>
    /// The variables a statement assigns as a whole, nested statements included; a call that records or replays a tape
    /// assigns the chain of tapes it is handed by reference.
    /// </summary>
    public static IEnumerable<string> AssignedVariables(IrStmt stmt) =>
        AllStatements(new Block(Ir.Array(stmt))).SelectMany(s => (AssignedVariable(s) is { } name ? new[] { name } : Enumerable.Empty<string>())
            .Concat(OwnExpressions(s).SelectMany(DescendantsAndSelf).Select(TapeOf).Where(t => t is not null).Select(t => t!.Name)));

    /// <summary>The chain of tapes a call records onto or replays from, if it does.</summary>
    public static VarRef? TapeOf(IrExpr expr) => expr switch
    {
        DiffCall { Tape: { } tape } => tape,
        BackwardCall { Call.Tape: { } tape } => tape,
        _ => null,
    };

    /// <summary>The array variable an argument passes whole, directly or through a conversion (an array passed as a span).</summary>
    public static VarRef? PassedArray(IrExpr argument) => argument switch
    {
        VarRef v => v,
        Cast { Operand: VarRef v } => v,
        _ => null,
    };

    /// <summary>
    /// Whether an expression is arithmetic on variables alone: constants, variables, array lengths, operators, casts and
    /// integer <c>Math.Max</c>/<c>Min</c>/<c>Abs</c> (<see cref="KnownCall.IntegerMath"/>; a <see cref="MathCall"/> is always floating). It reads no array element and calls nothing else, so its value
    /// can change only where one of the variables it reads is assigned.
    /// </summary>
    public static bool IsVariableArithmetic(IrExpr expr) => expr switch
    {
        Constant or VarRef => true,
        Member { Receiver: VarRef, Name: "Length" } => true,
        Unary u => IsVariableArithmetic(u.Operand),
        Binary b => IsVariableArithmetic(b.Left) && IsVariableArithmetic(b.Right),
        Cast c => IsVariableArithmetic(c.Operand),
        Conditional c => IsVariableArithmetic(c.Condition) && IsVariableArithmetic(c.WhenTrue) && IsVariableArithmetic(c.WhenFalse),
        OpaqueCall { Known: KnownCall.IntegerMath } o => o.Arguments.All(IsVariableArithmetic),
        _ => false,
    };

    /// <summary>An if with <paramref name="map"/> applied to both branches, a loop with it applied to its body, or the statement as it is.</summary>
    public static IrStmt MapBlocks(IrStmt stmt, System.Func<IReadOnlyList<IrStmt>, IEnumerable<IrStmt>> map) => stmt switch
    {
        If branch => branch with { Then = new Block(map(branch.Then.Statements).ToEquatableArray()), Else = new Block(map(branch.Else.Statements).ToEquatableArray()) },
        Loop loop => loop with { Body = new Block(map(loop.Body.Statements).ToEquatableArray()) },
        _ => stmt,
    };

    /// <summary>The block without the statements <paramref name="dead"/> picks, at any depth.</summary>
    public static Block Prune(Block block, System.Func<IrStmt, bool> dead) =>
        new(block.Statements.Where(s => !dead(s)).Select(s => s switch
        {
            If i => i with { Then = Prune(i.Then, dead), Else = Prune(i.Else, dead) },
            Loop l => l with { Body = Prune(l.Body, dead) },
            _ => s,
        }).ToEquatableArray());

    /// <summary>The array an element store writes into, if the statement is one.</summary>
    public static string? StoredArray(IrStmt stmt) => stmt is Assign { Target: ElementAt { Array: VarRef array } } ? array.Name : null;
}

/// <summary>Hands out names that clash with nothing in the method: the user's names are kept, generated ones numbered.</summary>
internal sealed class NameAllocator
{
    private readonly HashSet<string> _taken;
    private readonly Dictionary<string, int> _counters = new();

    public NameAllocator(IEnumerable<string> taken) => _taken = new HashSet<string>(taken);

    /// <summary>Every name handed out or reserved so far.</summary>
    public IEnumerable<string> Taken => _taken;

    public void Reserve(string name) => _taken.Add(name);

    public bool IsTaken(string name) => _taken.Contains(name);

    /// <summary>
    /// A generated name built from a user's name drops the user's verbatim <c>@</c> (<c>@out</c> gives <c>_d_out</c>,
    /// not <c>_d_@out</c>): only a name that starts with it may carry it.
    /// </summary>
    public static string Identifier(string name) => name.Length < 2 || name.IndexOf('@', 1) < 0 ? name : name[0] + name.Substring(1).Replace("@", "");

    /// <summary><paramref name="name"/> itself when free, else <c>name_1</c>, <c>name_2</c>…</summary>
    public string Fresh(string name)
    {
        name = Identifier(name);
        if (_taken.Add(name)) return name;
        for (int i = 1; ; i++)
        {
            string candidate = name + "_" + i;
            if (_taken.Add(candidate)) return candidate;
        }
    }

    /// <summary>A numbered name: <c>_t0</c>, <c>_t1</c>…</summary>
    public string Numbered(string prefix)
    {
        prefix = Identifier(prefix);
        _counters.TryGetValue(prefix, out int next);
        while (true)
        {
            string candidate = prefix + next++;
            if (_taken.Add(candidate))
            {
                _counters[prefix] = next;
                return candidate;
            }
        }
    }
}
