using System;
using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

// Declarations hoisted to the method's top with unique names, dead stores and unread flags removed.
internal sealed partial class Normalizer
{
    private NormalizedBody HoistAndRename(List<IrStmt> statements, List<string> parameters)
    {
        statements = RemoveUnreadFlags(statements);

        // Where is each variable assigned? SSA applies to variables assigned only by top-level statements.
        var nestedDefs = new HashSet<string>();
        var nestedDecls = new HashSet<string>();
        foreach (IrStmt top in statements)
        {
            foreach (IrStmt inner in IrWalker.AllStatements(new Block(Ir.Array(top))).Skip(1))
            {
                if (IrWalker.AssignedVariable(inner) is { } name) nestedDefs.Add(name);
                if (inner is Declare d) nestedDecls.Add(d.Variable.Name);
            }
        }

        // A flag is declared at the top (hoisted) even where only a top-level statement assigns it (its other writes
        // were dead code, after a return): never renamed, or it would be declared twice.
        var flags = new HashSet<string>(_flags.Select(f => f.Name));
        var ssa = new HashSet<string>(_variables.Keys.Where(n => !nestedDefs.Contains(n) && !_pinned.Contains(n) && !flags.Contains(n) && !_variables[n].Type.IsFloatingContainer
            && _variables[n].Type.Shape != ShapeKind.Array));
        var current = new Dictionary<string, string>();
        var versions = new Dictionary<string, int>();
        var ssaNames = new HashSet<string>(parameters);
        var output = new List<IrStmt>();
        foreach (IrStmt top in statements)
        {
            IrStmt renamed = RenameReads(top, current);
            string? defined = IrWalker.AssignedVariable(top);
            if (defined is null || !ssa.Contains(defined))
            {
                output.Add(renamed);
                continue;
            }

            // An SSA variable is declared at its first assignment; a bare 'double y;' before it is dropped.
            if (top is Declare { Initializer: null }) continue;
            IrExpr value = renamed switch
            {
                Declare d => d.Initializer!,
                Assign a => a.Value,
                _ => throw new InvalidOperationException(),
            };

            string name;
            if (!versions.TryGetValue(defined, out int version) && !parameters.Contains(defined))
            {
                name = defined;
                versions[defined] = 0;
            }
            else
            {
                versions[defined] = version + 1;
                name = _names.Fresh(defined + "_" + (version + 1));
            }

            var variable = new IrVar(name, _variables[defined].Type);
            _variables[name] = variable;
            current[defined] = name;
            ssaNames.Add(name);
            output.Add(new Declare(top.Origin, variable, value));
        }

        // Declarations in nested blocks (and the flags) move to the top, so that the reverse sweep sees them.
        var hoisted = new List<IrVar>(_flags);
        output = output.Select(s => HoistDeclarations(s, hoisted, nested: false)).ToList();
        IrVar? result = _result is null ? null : _variables[current.TryGetValue(_result.Name, out string? resultName) ? resultName : _result.Name];
        if (_result is not null && !ssa.Contains(_result.Name)) hoisted.Insert(0, _result);
        var hoistedNames = new HashSet<string>(hoisted.Select(h => h.Name));

        var body = hoisted.Select(v => (IrStmt)new Declare(null, v, DefaultOf(v))).Concat(output).ToList();
        body = RemoveDeadStores(body, result is null ? _liveAtExit : _liveAtExit.Append(result.Name));
        return new NormalizedBody(new Block(body.ToEquatableArray()), _variables, result, hoistedNames, ssaNames);
    }

    private static IrExpr? DefaultOf(IrVar variable) => variable.Type.Element == ElementKind.Bool && variable.Type.IsScalar
        ? False
        : null;

    private static IrStmt RenameReads(IrStmt stmt, Dictionary<string, string> current)
    {
        if (current.Count == 0) return stmt;
        Func<string, string?> rename = n => current.TryGetValue(n, out string? to) ? to : null;
        IrStmt mapped = IrWalker.MapExpressions(stmt, e => IrWalker.Rename(e, rename));

        // The assigned variable of a top-level statement is renamed by the caller, not here.
        return (stmt, mapped) switch
        {
            (Assign { Target: VarRef original }, Assign renamed) => renamed with { Target = original },
            _ => mapped,
        };
    }

    private IrStmt HoistDeclarations(IrStmt stmt, List<IrVar> hoisted, bool nested)
    {
        switch (stmt)
        {
            case Declare d when nested:
                if (!hoisted.Contains(d.Variable)) hoisted.Add(d.Variable);
                return d.Initializer is null ? new Evaluate(null, new Constant(IrType.Void, "", 0)) : new Assign(d.Origin, d.Variable.Ref, d.Initializer);
            case If i:
                return i with { Then = HoistBlock(i.Then, hoisted), Else = HoistBlock(i.Else, hoisted) };
            case Loop l:
                return l with { Body = HoistBlock(l.Body, hoisted) };
            default:
                return stmt;
        }
    }

    private Block HoistBlock(Block block, List<IrVar> hoisted) =>
        new(block.Statements.Select(s => HoistDeclarations(s, hoisted, nested: true))
            .Where(s => s is not Evaluate { Expression: Constant { Text: "" } }).ToEquatableArray());

    /// <summary>
    /// Drops assignments to locals nobody reads, where the value calls nothing, and self-assignments: they cannot
    /// change the result, and repeating them would repeat the compiler's warnings about them in generated code.
    /// </summary>
    /// <param name="results">What the method hands back: its result, or the fields of a struct result.</param>
    private static List<IrStmt> RemoveDeadStores(List<IrStmt> statements, IEnumerable<string> results)
    {
        while (true)
        {
            var block = new Block(statements.ToEquatableArray());
            var read = new HashSet<string>(results);
            foreach (IrStmt stmt in IrWalker.AllStatements(block))
            {
                IEnumerable<IrExpr> expressions = stmt switch
                {
                    Assign { Target: VarRef } a => new[] { a.Value },
                    _ => IrWalker.OwnExpressions(stmt),
                };
                foreach (string name in expressions.SelectMany(IrWalker.Reads)) read.Add(name);
            }

            // A variable goes only with all of its assignments: one that calls something stays, declaration and all.
            var keep = new HashSet<string>(IrWalker.AllStatements(block)
                .Where(s => IrWalker.OwnExpressions(s).SelectMany(IrWalker.DescendantsAndSelf).Any(e => e is DiffCall or OpaqueCall or Opaque))
                .Select(IrWalker.AssignedVariable).Where(n => n is not null)!);
            bool Dead(IrStmt s) => (IrWalker.AssignedVariable(s) is { } name && !read.Contains(name) && !keep.Contains(name))
                || s is Assign { Target: VarRef target, Value: VarRef source } && target.Name == source.Name;
            if (!IrWalker.AllStatements(block).Any(Dead)) return statements;
            statements = IrWalker.Prune(block, Dead).Statements.ToList();
        }
    }

    /// <summary>A flag nobody reads (a return at the end of the method, say) is dropped with its assignments.</summary>
    private List<IrStmt> RemoveUnreadFlags(List<IrStmt> statements)
    {
        var block = new Block(statements.ToEquatableArray());
        var read = new HashSet<string>();
        foreach (IrStmt stmt in IrWalker.AllStatements(block))
        {
            foreach (IrExpr expr in IrWalker.OwnExpressions(stmt))
            {
                if (stmt is Assign a && ReferenceEquals(expr, a.Target)) continue;
                foreach (string name in IrWalker.Reads(expr)) read.Add(name);
            }
        }

        _flags.RemoveAll(f => !read.Contains(f.Name));
        var unread = new HashSet<string>(_variables.Values.Where(v => v.Type.Equals(IrType.Bool) && v.Name.StartsWith("_", StringComparison.Ordinal)
            && !read.Contains(v.Name)).Select(v => v.Name));
        return Strip(block, unread).Statements.ToList();
    }

    private static Block Strip(Block block, HashSet<string> unread) =>
        new(block.Statements
            .Where(s => !(s is Assign { Target: VarRef v } && unread.Contains(v.Name)))
            .Select(s => s switch
            {
                If i => i with { Then = Strip(i.Then, unread), Else = Strip(i.Else, unread) },
                Loop l => l with { Body = Strip(l.Body, unread) },
                _ => s,
            }).ToEquatableArray());
}
