using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Backprop.Gen.IR;

namespace Backprop.Gen.Emit;

/// <summary>
/// Prints IR as C#. Forward code is printed as the user wrote it (implicit conversions stay implicit, literals keep
/// their spelling); synthesized reverse code spells every conversion out, so that nothing depends on a context the
/// user's code had and the reverse lacks.
/// </summary>
internal sealed class CSharpPrinter
{
    private readonly SourceWriter _writer;

    public CSharpPrinter(SourceWriter writer) => _writer = writer;

    /// <summary>True while printing synthesized code.</summary>
    public bool Synthesized { get; set; }

    /// <summary>
    /// Prints each statement in the mode its origin calls for: the user's statements as written, synthesized ones
    /// (which have no source line) with every conversion spelled out.
    /// </summary>
    public void MixedStatements(IEnumerable<IrStmt> statements)
    {
        bool saved = Synthesized;
        foreach (IrStmt stmt in statements)
        {
            Synthesized = stmt.Origin is null;
            if (stmt is If or Loop)
            {
                // Control flow prints its children through Statements: keep the mixed choice inside too.
                Synthesized = false;
                MixedMode = true;
            }

            Statement(stmt);
            MixedMode = false;
        }

        Synthesized = saved;
    }

    private bool MixedMode { get; set; }

    // ------------------------------------------------------------ statements

    public void Statements(IEnumerable<IrStmt> statements)
    {
        bool first = true;
        IrStmt? previous = null;
        foreach (IrStmt stmt in statements)
        {
            if (stmt is Comment && !first && previous is not Comment) _writer.WriteLine();
            previous = stmt;
            bool saved = Synthesized;
            if (MixedMode && stmt is not (If or Loop)) Synthesized = stmt.Origin is null;
            Statement(stmt);
            Synthesized = saved;
            first = false;
        }
    }

    public void Statement(IrStmt stmt)
    {
        switch (stmt)
        {
            case Comment c:
                _writer.WriteLine("// " + c.Text);
                break;
            case Declare d:
                // A local keeps its declared type (`ulong k = 3` must not become an int); `var` only where the
                // initializer names it (`new T(…)`).
                string type = d.Initializer is RuntimeCall { Op: RuntimeOp.NewStack }
                    || d.Initializer is Opaque { Template: var created } && created.StartsWith("new ", System.StringComparison.Ordinal)
                    && d.Variable.Type.Element == ElementKind.Other && d.Variable.Type.IsScalar ? "var" : d.Variable.Type.Name;
                _writer.WriteLine(type + " " + d.Variable.Name + " = " + (d.Initializer is null ? DefaultText(d.Variable.Type) : Expr(d.Initializer)) + ";");
                break;
            case Assign a:
                _writer.WriteLine(Assignment(a) + ";");
                break;
            case Evaluate e:
                _writer.WriteLine(Expr(e.Expression) + ";");
                break;
            case Throw t:
                _writer.WriteLine("throw " + Expr(t.Exception) + ";");
                break;
            case Push p:
                _writer.WriteLine(p.Stack + ".Push(" + Expr(p.Value) + ");");
                break;
            case If i:
                IfStatement(i);
                break;
            case Loop l:
                LoopStatement(l);
                break;
            default:
                throw new InvalidOperationException("cannot print " + stmt.GetType().Name);
        }
    }

    private void IfStatement(If i)
    {
        if (i.Then.Statements.Count == 0 && i.Else.Statements.Count > 0)
        {
            i = new If(i.Origin, Negate(i.Condition), i.Else, Block.Empty);
        }

        _writer.OpenBlock("if (" + Expr(i.Condition) + ")");
        Statements(i.Then.Statements);
        _writer.CloseBlock();
        IrStmt? chained = i.Else.Statements.Count == 1 ? i.Else.Statements[0] as If : null;
        while (chained is If next)
        {
            _writer.OpenBlock("else if (" + Expr(next.Condition) + ")");
            Statements(next.Then.Statements);
            _writer.CloseBlock();
            if (next.Else.Statements.Count == 0) return;
            if (next.Else.Statements.Count == 1 && next.Else.Statements[0] is If further)
            {
                chained = further;
                continue;
            }

            _writer.OpenBlock("else");
            Statements(next.Else.Statements);
            _writer.CloseBlock();
            return;
        }

        if (i.Else.Statements.Count > 0)
        {
            _writer.OpenBlock("else");
            Statements(i.Else.Statements);
            _writer.CloseBlock();
        }
    }

    private static IrExpr Negate(IrExpr condition) => condition switch
    {
        Unary { Op: UnaryOp.Not } not => not.Operand,
        _ => new Unary(IrType.Bool, UnaryOp.Not, condition),
    };

    private void LoopStatement(Loop l)
    {
        if (l.Counter is { } counter)
        {
            string compare = (l.Descending ? ">" : "<") + (l.Inclusive ? "=" : "");
            string step = l.Descending ? "--" : "++";
            _writer.OpenBlock($"for (int {counter.Name} = {Expr(l.Start!)}; {counter.Name} {compare} {Expr(l.Bound!)}; {counter.Name}{step})");
            Statements(l.Body.Statements);
            _writer.CloseBlock();
        }
        else if (l.TestFirst)
        {
            _writer.OpenBlock("while (" + Expr(l.Condition!) + ")");
            Statements(l.Body.Statements);
            _writer.CloseBlock();
        }
        else
        {
            _writer.OpenBlock("do");
            Statements(l.Body.Statements);
            _writer.CloseBlock(" while (" + Expr(l.Condition!) + ");");
        }
    }

    private string Assignment(Assign a)
    {
        string target = Expr(a.Target);
        if (a.Value is Binary { Op: BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply or BinaryOp.Divide, Overflow: Overflow.Default } b
            && b.Left.Equals(a.Target) && b.Type.Equals(a.Target.Type))
        {
            string op = b.Op switch
            {
                BinaryOp.Add => "+=",
                BinaryOp.Subtract => "-=",
                BinaryOp.Multiply => "*=",
                _ => "/=",
            };
            return target + " " + op + " " + Expr(b.Right);
        }

        return target + " = " + Expr(a.Value);
    }

    private static string DefaultText(IrType type) => type switch
    {
        { IsScalar: true, Element: ElementKind.Double or ElementKind.Int or ElementKind.Long } => "0",
        { IsScalar: true, Element: ElementKind.Float } => "0f",
        { IsScalar: true, Element: ElementKind.Generic } => type.Name + ".Zero",
        { IsScalar: true, Element: ElementKind.Bool } => "false",
        { Shape: ShapeKind.Array } => "null!",
        _ => "default",
    };

    // ------------------------------------------------------------ expressions

    private const int Primary = 15;
    private const int UnaryLevel = 14;
    private const int ConditionalLevel = 3;

    public string Expr(IrExpr e) => Print(e).Text;

    /// <summary>The overflow context of the expression being printed: inner operations in the same one need no wrapper.</summary>
    private Overflow _overflow = Overflow.Default;

    private (string Text, int Level) Print(IrExpr e)
    {
        Overflow overflow = e switch
        {
            Binary b => b.Overflow,
            Unary u => u.Overflow,
            Cast c => c.Overflow,
            _ => Overflow.Default,
        };
        if (overflow != Overflow.Default && overflow != _overflow)
        {
            // The user's checked (or unchecked) context, kept so that the generated code throws where the primal does.
            Overflow outer = _overflow;
            _overflow = overflow;
            string plain = Print(e).Text;
            _overflow = outer;
            return ((overflow == Overflow.Checked ? "checked(" : "unchecked(") + plain + ")", Primary);
        }

        switch (e)
        {
            case Constant c:
                return (ConstantText(c), c.Text.StartsWith("-", StringComparison.Ordinal) ? UnaryLevel : Primary);
            case VarRef v:
                return (v.Name, Primary);
            case Member m:
                return (m.Receiver is null ? m.Name : At(m.Receiver, Primary) + "." + m.Name, Primary);
            case ElementAt el:
                return (At(el.Array, Primary) + "[" + string.Join(", ", el.Indices.Select(Expr)) + "]", Primary);
            case Unary u:
                string op = u.Op switch
                {
                    UnaryOp.Negate => "-",
                    UnaryOp.Plus => "+",
                    UnaryOp.Not => "!",
                    _ => "~",
                };
                string operand = At(u.Operand, UnaryLevel);
                if (operand.StartsWith("-", StringComparison.Ordinal) || operand.StartsWith("+", StringComparison.Ordinal)) operand = "(" + operand + ")";
                return (op + operand, UnaryLevel);
            case Binary b:
                int level = Level(b.Op);
                return (At(b.Left, level) + " " + Symbol(b.Op) + " " + At(b.Right, level + 1), level);
            case Conditional c:
                return (At(c.Condition, ConditionalLevel + 1) + " ? " + At(c.WhenTrue, ConditionalLevel) + " : " + At(c.WhenFalse, ConditionalLevel), ConditionalLevel);
            case Cast c when c.IsImplicit && !Synthesized:
                return Print(c.Operand);
            case Cast c:
                // (double)2 prints as 2.0; a decimal or other literal keeps its cast, since its Value is only approximate.
                if (c.Operand is Constant { Type.Element: ElementKind.Double or ElementKind.Float or ElementKind.Int or ElementKind.Long } constant
                    && c.Type.IsFloating && constant.Text != "default")
                {
                    return Print(Ir.Const(c.Type, constant.Value));
                }

                if (c.Type.Shape != ShapeKind.Scalar) return Print(c.Operand);
                if (c.Type.IsGeneric || c.Operand.Type.IsGeneric)
                {
                    // Generic math has no cast operators: T.CreateChecked(x), double.CreateChecked(t).
                    return (c.Type.Name + ".CreateChecked(" + Expr(c.Operand) + ")", Primary);
                }

                string inner = At(c.Operand, UnaryLevel);
                if (inner.StartsWith("-", StringComparison.Ordinal)) inner = "(" + inner + ")";
                return ("(" + c.Type.Name + ")" + inner, UnaryLevel);
            case MathCall m:
                return (m.Class + "." + m.Function + "(" + string.Join(", ", m.Arguments.Select(Expr)) + ")", Primary);
            case Fused f:
                return Print(f.Original);
            case DiffCall { Tape: { } tape } d:
                // The forward pass that keeps what the callee's reverse sweep reads, on this call site's chain of tapes.
                return (Call(d.Receiver, d.Callee.Record(), d.Arguments.Append(new RefTo(tape))), Primary);
            case DiffCall d:
                return (Call(d.Receiver, d.Primal, d.Arguments), Primary);
            case OpaqueCall o:
                return (Call(o.Receiver, o.Method, o.Arguments), Primary);
            case RuntimeCall r:
                return (Call(r.Receiver, RuntimeNames.Method(r), r.Arguments), Primary);
            case NewArray n:
                return ("new " + n.Type.ElementName + "[" + string.Join(", ", n.Sizes.Select(Expr)) + "]", Primary);
            case Opaque o:
                return (Fill(o), o.IsPrimary ? Primary : 0);
            case StructUpdate u:
                // With 'with' where the fields can be set, through the constructor where not (Complex, a readonly struct).
                return (Rebuilt(u.Type, u.Type.Constructor.IsEmpty ? Expr(u.Owner) : At(u.Owner, Primary), u.Fields.Select(f => (f.Path.Split('.'), Expr(f.Value))).ToList()),
                    u.Type.Constructor.IsEmpty ? 0 : Primary);
            case RefTo r:
                return ((r.Out ? "out " : "ref ") + Expr(r.Target), Primary);
            case Pop p:
                return (p.Stack + ".Pop()", Primary);
            case BackwardCall b:
                var arguments = b.Call.Arguments.AsEnumerable();
                if (b.Call.Tape is { } chain) arguments = arguments.Append(new RefTo(chain));
                if (b.Gradients is not null) arguments = arguments.Append(b.Gradients);
                arguments = arguments.Concat(b.Adjoints);
                if (b.Seed is not null) arguments = arguments.Append(b.Seed);
                // The caller has run the callee in its forward sweep: a layer's reverse sweep alone is enough.
                string method = b.Call.Tape is not null ? b.Call.Callee.Replay() : b.Call.Callee.HasPullback ? b.Call.Callee.Pullback() : b.Call.Callee.BackwardCall();
                return (Call(b.Call.Receiver, method, arguments), Primary);
            default:
                throw new InvalidOperationException("cannot print " + e.GetType().Name);
        }
    }

    private string At(IrExpr e, int level)
    {
        (string text, int actual) = Print(e);
        return actual < level ? "(" + text + ")" : text;
    }

    private string Call(IrExpr? receiver, string method, IEnumerable<IrExpr> arguments) =>
        (receiver is null ? "" : At(receiver, Primary) + ".") + method + "(" + string.Join(", ", arguments.Select(Expr)) + ")";

    private string ConstantText(Constant c)
    {
        if (c.Type.IsGeneric && c.Text.All(ch => char.IsDigit(ch) || ch == '-' || ch == '.')) return Ir.Const(c.Type, c.Value).Text;
        if (!Synthesized || !c.Type.IsFloating) return c.Text;

        // A literal from the user's code may be an int that the context widened; spell it as a floating literal.
        bool plain = c.Text.All(ch => char.IsDigit(ch) || ch == '-');
        if (!plain) return c.Text;
        return c.Type.Element == ElementKind.Float ? c.Text + "f" : c.Text + ".0";
    }

    /// <summary>
    /// The struct <paramref name="owner"/> of type <paramref name="type"/> with the fields at the given paths replaced,
    /// level by level: through its constructor where its fields cannot be set (<c>new Vec2(…, owner.Y)</c>), otherwise
    /// with <c>with</c> (<c>owner with { Pos = new Vec2(owner.Pos.X + …, owner.Pos.Y), Mass = … }</c>).
    /// </summary>
    internal static string Rebuilt(IrType type, string owner, List<(string[] Path, string Value)> fields)
    {
        var byMember = fields.GroupBy(f => f.Path[0]).ToDictionary(g => g.Key, g => g.ToList());
        string Member(string member, List<(string[] Path, string Value)> replaced)
        {
            if (replaced.Count == 1 && replaced[0].Path.Length == 1) return replaced[0].Value;
            IrType inner = type.Members.FirstOrDefault(m => m.Name == member)?.Type ?? new IrType(ShapeKind.Scalar, ElementKind.Other, 0, "", "");
            return Rebuilt(inner, owner + "." + member, replaced.Select(f => (f.Path.Skip(1).ToArray(), f.Value)).ToList());
        }

        return type.Constructor.IsEmpty
            ? owner + " with { " + string.Join(", ", byMember.Select(m => m.Key + " = " + Member(m.Key, m.Value))) + " }"
            : "new " + type.Name + "(" + string.Join(", ", type.Constructor.Select(member =>
                byMember.TryGetValue(member, out var replaced) ? Member(member, replaced) : owner + "." + member)) + ")";
    }

    private string Fill(Opaque o)
    {
        var text = new StringBuilder();
        string template = o.Template;
        for (int i = 0; i < template.Length; i++)
        {
            char ch = template[i];
            if (ch == '{' && i + 1 < template.Length && template[i + 1] == '{')
            {
                text.Append('{');
                i++;
            }
            else if (ch == '}' && i + 1 < template.Length && template[i + 1] == '}')
            {
                text.Append('}');
                i++;
            }
            else if (ch == '{')
            {
                int end = template.IndexOf('}', i);
                int hole = int.Parse(template.Substring(i + 1, end - i - 1), System.Globalization.CultureInfo.InvariantCulture);
                text.Append(At(o.Holes[hole], Primary));
                i = end;
            }
            else
            {
                text.Append(ch);
            }
        }

        return text.ToString();
    }

    private static int Level(BinaryOp op) => op switch
    {
        BinaryOp.Multiply or BinaryOp.Divide or BinaryOp.Remainder => 13,
        BinaryOp.Add or BinaryOp.Subtract => 12,
        BinaryOp.LeftShift or BinaryOp.RightShift => 11,
        BinaryOp.Less or BinaryOp.LessOrEqual or BinaryOp.Greater or BinaryOp.GreaterOrEqual => 10,
        BinaryOp.Equal or BinaryOp.NotEqual => 9,
        BinaryOp.And => 8,
        BinaryOp.ExclusiveOr => 7,
        BinaryOp.Or => 6,
        BinaryOp.ConditionalAnd => 5,
        _ => 4,
    };

    private static string Symbol(BinaryOp op) => op switch
    {
        BinaryOp.Add => "+",
        BinaryOp.Subtract => "-",
        BinaryOp.Multiply => "*",
        BinaryOp.Divide => "/",
        BinaryOp.Remainder => "%",
        BinaryOp.Equal => "==",
        BinaryOp.NotEqual => "!=",
        BinaryOp.Less => "<",
        BinaryOp.LessOrEqual => "<=",
        BinaryOp.Greater => ">",
        BinaryOp.GreaterOrEqual => ">=",
        BinaryOp.ConditionalAnd => "&&",
        BinaryOp.ConditionalOr => "||",
        BinaryOp.And => "&",
        BinaryOp.Or => "|",
        BinaryOp.ExclusiveOr => "^",
        BinaryOp.LeftShift => "<<",
        _ => ">>",
    };
}
