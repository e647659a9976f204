using System;
using System.Collections.Generic;
using System.Linq;

namespace Backprop.Gen.Tests.Fuzzing;

/// <summary>
/// Generates random, well-typed [Differentiable] methods: expression trees over arithmetic and Math functions,
/// locals, reassignment, branches, bounded loops with loop-carried state, local arrays written and read, element
/// compound assignment, break, continue and early return. Every value stays bounded and in its function's domain.
/// </summary>
internal sealed class ProgramGenerator
{
    private readonly Random _random;
    private int _names;

    /// <summary>The number of layers the program being generated has (its statements may call them).</summary>
    private int _layers;

    /// <summary>Whether the statements being generated are a layer's body: no calls to layers, no return.</summary>
    private bool _inLayer;

    public ProgramGenerator(int seed)
    {
        _random = new Random(seed);
        _styles = new Random(seed ^ 0x5F3759DF);
    }

    /// <summary>
    /// Choices of style that leave the programs' shapes as they were (their own sequence, so the main one is unchanged):
    /// which struct type a program's struct locals have (FV, fields; RV, a readonly struct built through its
    /// constructor), and whether a field read goes through a member that returns early (Clip).
    /// </summary>
    private readonly Random _styles;

    private string _structType = "FV";

    private sealed class Scope
    {
        public Scope(Scope? parent, string? counter, string? loopKind = null)
        {
            Parent = parent;
            Counter = counter;
            LoopKind = loopKind;
        }

        public string? LoopKind { get; }

        /// <summary>The kind of the innermost loop around this scope.</summary>
        /// <summary>The innermost loop's kind (a switch section is no loop).</summary>
        public string? InnermostLoop => LoopKind is not null and not "switch" ? LoopKind : Parent?.InnermostLoop;

        /// <summary>Whether a break here would leave a switch section rather than a loop.</summary>
        public bool BreakLeavesSwitch => LoopKind == "switch" || LoopKind is null && Parent?.BreakLeavesSwitch == true;

        public Scope? Parent { get; }
        public string? Counter { get; }
        public List<string> Doubles { get; } = new();
        public List<string> Arrays { get; } = new();
        public List<string> Ints { get; } = new();
        public List<string> Structs { get; } = new();
        public IEnumerable<string> AllStructs => Structs.Concat(Parent?.AllStructs ?? Enumerable.Empty<string>());
        public IEnumerable<string> AllInts => Ints.Concat(Parent?.AllInts ?? Enumerable.Empty<string>());

        public IEnumerable<string> AllDoubles => Doubles.Concat(Parent?.AllDoubles ?? Enumerable.Empty<string>());
        public IEnumerable<string> AllArrays => Arrays.Concat(Parent?.AllArrays ?? Enumerable.Empty<string>());
        public IEnumerable<string> Counters => (Counter is null ? Enumerable.Empty<string>() : new[] { Counter }).Concat(Parent?.Counters ?? Enumerable.Empty<string>());
        public bool InLoop => Counters.Any();
    }

    public FProgram Next()
    {
        _names = 0;
        _structType = _styles.Next(2) == 0 ? "FV" : "RV";
        var layers = new List<FLayerDef>();
        int count = _random.Next(3) == 0 ? _random.Next(1, 3) : 0;
        for (int i = 0; i < count; i++) layers.Add(Layer());
        _layers = layers.Count;

        var root = new Scope(null, null);
        root.Doubles.AddRange(new[] { "x0", "x1", "x2" });
        root.Arrays.Add("a");
        List<FStmt> body = Block(root, depth: 0, count: _random.Next(2, 6));
        if (_layers > 0 && !body.Any(s => s is FDeclareArray))
        {
            // A program with layers calls one at least: give it a local array to write.
            string array = "t" + _names++;
            root.Arrays.Add(array);
            body.Insert(0, new FDeclareArray(array));
            body.Add(CallLayer(root));
        }

        return new FProgram(body, Expression(root, 2), layers, GenericBody());
    }

    /// <summary>
    /// The body of the program's generic-math method over <c>T u, T v</c>: a local, a branch on it, and a result, each a
    /// random expression of T's operators, functions (<c>T.Tanh</c>, <c>T.Max</c>…) and constants
    /// (<c>T.CreateChecked(0.5)</c>, <c>T.One</c>), bounded like the rest.
    /// </summary>
    private string GenericBody() =>
        $"        T w = {GenericExpression(2, "u", "v")};\n" +
        $"        if (w > {GenericExpression(1, "u", "v")}) w = {GenericExpression(2, "w", "u", "v")};\n" +
        $"        return {GenericExpression(2, "w", "u", "v")};\n";

    private string GenericExpression(int depth, params string[] names)
    {
        string Inner() => GenericExpression(depth - 1, names);
        int roll = _random.Next(100);
        if (depth == 0 || roll < 25)
        {
            return _random.Next(4) == 0
                ? Pick(new[] { "T.One", "T.CreateChecked(0.5)", $"T.CreateChecked({Math.Round(_random.NextDouble() * 4 - 2, 2).ToString(System.Globalization.CultureInfo.InvariantCulture)})" })
                : Pick(names);
        }

        if (roll < 55) return $"({Inner()} {Pick(new[] { "+", "-", "*" })} {Inner()})";
        if (roll < 62) return $"({Inner()} / (T.One + {Inner()} * {Inner()}))";
        if (roll < 85)
        {
            string x = Inner();
            return Pick(new[] { $"T.Tanh({x})", $"T.Sin({x})", $"T.Exp(T.Tanh({x}))", $"T.Sqrt(T.One + {x} * {x})", $"T.Log(T.One + {x} * {x})", $"T.Atan({x})", $"T.Abs({x})" });
        }

        if (roll < 93) return $"T.{Pick(new[] { "Max", "Min" })}({Inner()}, {Inner()})";
        string left = Inner(), right = Inner();
        while (right == left) right = Inner(); // C# warns about comparing a variable with itself
        return $"({left} > {right} ? {Inner()} : {Inner()})";
    }

    /// <summary>
    /// A layer: <c>r</c> filled from <c>a</c> and <c>s</c>, then random statements over <c>r</c> and the scratch array
    /// <c>w</c>, with a data-dependent while loop among them half the time.
    /// </summary>
    private FLayerDef Layer()
    {
        _inLayer = true;
        // The fill reads only the inputs: r is not written yet, and w holds nothing of this call.
        var inputs = new Scope(null, null);
        inputs.Doubles.Add("s");
        inputs.Arrays.Add("a");
        FExpr fill = new FCall("Tanh", new FBinary("+", new FBinary("*", new FElement("a", "k"), new FVar("s")), Expression(inputs, 1)));
        var scope = new Scope(null, null);
        scope.Doubles.Add("s");
        scope.Arrays.AddRange(new[] { "a", "r", "w" });
        List<FStmt> body = Block(scope, depth: 1, count: _random.Next(0, 3));
        if (_random.Next(2) == 0) body.Add(new FDataWhile(Pick(new[] { "bubble", "walk" }), "r", "b" + _names++, Expression(scope, 1)));
        body.AddRange(Block(scope, depth: 1, count: _random.Next(0, 3)));

        _inLayer = false;
        return new FLayerDef(fill, body);
    }

    private FStmt CallLayer(Scope scope)
    {
        string output = Pick(scope.AllArrays.Where(a => a != "a").ToList());
        string input = Pick(scope.AllArrays.Where(a => a != output).ToList());
        return new FCallLayer(_random.Next(_layers), input, Expression(scope, 1), output, "ws" + _names++);
    }

    private List<FStmt> Block(Scope scope, int depth, int count)
    {
        var statements = new List<FStmt>();
        for (int i = 0; i < count; i++) statements.Add(Statement(scope, depth));
        return statements;
    }

    private FStmt Statement(Scope scope, int depth)
    {
        // Everyday C# in the method (not in layers): struct locals and their updates, switch statements.
        if (!_inLayer && _random.Next(100) < 14)
        {
            int kind = _random.Next(3);
            if (kind == 0 || !scope.AllStructs.Any())
            {
                string name = "v" + _names++;
                var declared = new FStructDeclare(name, Expression(scope, 1), Expression(scope, 1), Expression(scope, 1), _structType);
                scope.Structs.Add(name);
                return declared;
            }

            if (kind == 1 || depth >= 2)
            {
                var structs = scope.AllStructs.ToList();
                return new FStructUpdate(Pick(structs), _random.Next(2) == 0 ? null : Pick(structs), Expression(scope, 1), _structType);
            }

            Scope Section() => new(scope, null, "switch");
            return new FSwitch(Expression(scope, 1), Block(Section(), depth + 1, _random.Next(1, 3)), Block(Section(), depth + 1, _random.Next(1, 3)),
                Block(Section(), depth + 1, _random.Next(0, 2)));
        }

        int roll = _random.Next(100);
        if (roll < 6 && scope.InLoop) return DeclareIndex(scope);
        if (roll < 8 && scope.Ints.Count > 0) return new FStepIndex(Pick(scope.Ints));
        if (roll < 25) return Declare(scope);
        if (roll < 45) return Assign(scope);
        if (roll < 52 && depth == 0 && !_inLayer && !scope.AllArrays.Any(a => a != "a"))
        {
            string array = "t" + _names++;
            scope.Arrays.Add(array);
            return new FDeclareArray(array);
        }

        if (roll < 62 && scope.AllArrays.Any(a => a != "a") && scope.InLoop) return Store(scope);
        if (roll < 66 && scope.AllArrays.Any(a => a != "a") && !_inLayer)
        {
            if (_layers > 0 && _random.Next(2) == 0) return CallLayer(scope);
            string output = Pick(scope.AllArrays.Where(a => a != "a").ToList());
            string input = Pick(scope.AllArrays.Where(a => a != output).ToList());
            return _random.Next(3) == 0 ? new FBlur(input, output) : new FLayer(input, Expression(scope, 1), output);
        }

        if (roll < 74 && depth < 2) return If(scope, depth);
        if (roll < 88 && depth < 2) return Loop(scope, depth);
        if (roll < 96 && depth > 0) return Jump(scope);
        return Assign(scope);
    }

    private FStmt Declare(Scope scope)
    {
        string name = "v" + _names++;
        // A local function with a loop is inlined with its statements, which go before the statement that calls it: a
        // declaration's whole value is such a place (a condition or a ?: branch is not).
        FExpr value = !_inLayer && _random.Next(6) == 0 ? new FLocalCall(Expression(scope, 1), null, Loop: true) : Expression(scope, 2);
        scope.Doubles.Add(name);
        return new FDeclare(name, value);
    }

    private FStmt DeclareIndex(Scope scope)
    {
        string name = "j" + _names++;
        var sources = scope.Counters.Concat(scope.AllInts).ToList();
        string first = Pick(sources), second = Pick(sources);
        string value = _random.Next(3) switch
        {
            0 => $"({first} + {_random.Next(1, 4)}) % a.Length",
            1 => $"({first} * 2 + {second}) % a.Length",
            _ => $"a.Length - 1 - {first} % a.Length",
        };
        scope.Ints.Add(name);
        return new FDeclareIndex(name, value);
    }

    private FStmt Assign(Scope scope)
    {
        string target = Pick(scope.AllDoubles.ToList());
        FExpr value = Expression(scope, 2);
        if (!scope.InLoop) return new FAssign(target, Pick(new[] { "=", "+=", "-=", "*=" }), value);

        // Loop-carried state stays bounded: overwrite with a squashed value, or add a bounded one.
        return _random.Next(3) switch
        {
            0 => new FAssign(target, "=", new FCall("Tanh", new FBinary("+", new FBinary("*", new FVar(target), new FConst(0.7)), value))),
            1 => new FAssign(target, "+=", new FCall("Sin", value)),
            _ => new FAssign(target, "*=", new FCall("Tanh", value)),
        };
    }

    private FStmt Store(Scope scope)
    {
        string array = Pick(scope.AllArrays.Where(a => a != "a").ToList());
        return new FStore(array, Index(scope), Pick(new[] { "=", "+=" }), new FCall("Tanh", Expression(scope, 2)));
    }

    private FStmt If(Scope scope, int depth)
    {
        var then = new Scope(scope, null);
        var otherwise = new Scope(scope, null);
        var (left, right) = Comparison(scope, 1);
        return new FIf(left, right,
            Block(then, depth + 1, _random.Next(1, 3)),
            _random.Next(2) == 0 ? new List<FStmt>() : Block(otherwise, depth + 1, _random.Next(1, 3)));
    }

    private FStmt Loop(Scope scope, int depth)
    {
        string counter = "i" + _names++;
        string kind = Pick(new[] { "for", "for", "down", "while" });
        string trips = Pick(new[] { "n", "a.Length", "2" });
        var inner = new Scope(scope, counter, kind);
        FExpr? guard = kind == "while" && _random.Next(2) == 0 ? Expression(scope, 1) : null; // a data-dependent trip count
        return new FLoop(kind, counter, trips, Block(inner, depth + 1, _random.Next(1, 4)), guard);
    }

    private FStmt Jump(Scope scope)
    {
        // A continue in a while loop would skip the counter's increment at the end of the body.
        // (A break in a switch section leaves the switch, which the generator accepts only as the section's last statement.)
        var kinds = new List<string> { "return" };
        if (scope.InLoop && !scope.BreakLeavesSwitch) kinds.Add("break");
        if (scope.InLoop && scope.InnermostLoop != "while") kinds.Add("continue");
        string kind = Pick(kinds);
        if (_inLayer && kind == "return") kind = scope.InLoop ? "break" : "skip";
        if (kind == "skip") return Assign(scope);
        var (left, right) = Comparison(scope, 1);
        return new FJump(kind, left, right, kind == "return" ? Expression(scope, 2) : null);
    }

    private string Index(Scope scope)
    {
        var counters = scope.Counters.ToList();
        if (counters.Count == 0 || _random.Next(4) == 0) return _random.Next(FProgram.ArrayLength).ToString();
        if (scope.AllInts.Any() && _random.Next(2) == 0) return Pick(scope.AllInts.ToList());
        string counter = Pick(counters);
        return _random.Next(3) == 0 ? $"({counter} + 1) % a.Length" : counter;
    }

    private FExpr Expression(Scope scope, int depth)
    {
        int roll = _random.Next(100);
        if (depth == 0 || roll < 30) return Leaf(scope);
        if (roll < 60) return new FBinary(Pick(new[] { "+", "-", "*", "*", "/" }), Expression(scope, depth - 1), Expression(scope, depth - 1));
        if (roll < 68 && !_inLayer && _random.Next(3) == 0)
        {
            return _random.Next(2) == 0 ? new FLocalCall(Expression(scope, depth - 1), Expression(scope, depth - 1)) : new FLocalCall(Expression(scope, depth - 1), null);
        }

        if (roll < 68)
        {
            return _random.Next(5) switch
            {
                0 => new FHelper("Mix", Expression(scope, depth - 1), Expression(scope, depth - 1), null),
                4 => new FGenericCall(Expression(scope, depth - 1), Expression(scope, depth - 1)),
                1 => new FHelper("Soft", Expression(scope, depth - 1), Expression(scope, depth - 1), null),
                2 => new FHelper("SoftSum", Expression(scope, depth - 1), null, Pick(scope.AllArrays.ToList())),
                _ => new FHelper("Norm", Expression(scope, depth - 1), null, Pick(scope.AllArrays.ToList())),
            };
        }

        if (roll < 90)
        {
            string function = Pick(new[] { "Exp", "Log", "Sqrt", "Sin", "Cos", "Tanh", "Atan", "Sigmoid", "Pow", "Max", "Min", "Abs", "Atan2" });
            FExpr? second = function switch
            {
                "Pow" => _random.Next(2) == 0 ? new FConst(_random.Next(1, 4)) : Expression(scope, depth - 1),
                "Max" or "Min" or "Atan2" => Expression(scope, depth - 1),
                _ => null,
            };
            return new FCall(function, Expression(scope, depth - 1), second);
        }

        if (roll < 93)
        {
            // A conversion: to an int as a step or an index (the derivative stops there), or through a checked long.
            string kind = Pick(new[] { "step", "index", "long" });
            return new FConvert(kind, Expression(scope, depth - 1), kind == "index" ? Pick(scope.AllArrays.ToList()) : null);
        }

        if (_random.Next(3) == 0) return new FSwitchExpr(Expression(scope, 0), Expression(scope, depth - 1), Expression(scope, depth - 1), Expression(scope, depth - 1));
        var (l, r) = Comparison(scope, 0);
        return new FConditional(l, r, Expression(scope, depth - 1), Expression(scope, depth - 1));
    }

    /// <summary>Two sides of a comparison that differ (C# warns about comparing a variable with itself).</summary>
    private (FExpr Left, FExpr Right) Comparison(Scope scope, int depth)
    {
        while (true)
        {
            FExpr left = Expression(scope, depth), right = Expression(scope, depth);
            if (left.Emit() != right.Emit()) return (left, right);
        }
    }

    private FExpr Leaf(Scope scope)
    {
        int roll = _random.Next(100);
        if (roll < 8 && scope.AllStructs.Any())
        {
            var structs = scope.AllStructs.ToList();
            if (_random.Next(3) == 0) return new FStructRead(Pick(structs), "", Pick(structs));
            var read = new FStructRead(Pick(structs), Pick(new[] { "P", "Q" }));
            return _styles.Next(3) == 0 ? read with { Field = "Clip()" } : read;
        }

        if (roll < 55) return new FVar(Pick(scope.AllDoubles.ToList()));
        if (roll < 80) return new FElement(Pick(scope.AllArrays.ToList()), Index(scope));
        return new FConst(Math.Round(_random.NextDouble() * 4 - 2, 2));
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];
}
