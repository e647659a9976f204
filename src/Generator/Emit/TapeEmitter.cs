using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.Differentiation;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Emit;

/// <summary>
/// Split mode with a tape: <c>…Record</c> runs the method's forward sweep once and keeps, in a pooled
/// <c>…Tape</c>, the values its reverse sweep reads; <c>…Replay</c> runs the reverse sweep from them. A generated caller
/// records in its own forward sweep and replays in its reverse, so a chain of calls (a network's <c>Loss</c> calling
/// its <c>Logits</c> calling its layers) runs each forward pass once, and a recursion of depth n costs n forward passes,
/// not n²/2. Tapes are chained through <c>Next</c> (the caller's chain for one call site: last recorded, first
/// replayed) and go back to a per-thread pool when replayed, so a steady training loop allocates nothing.
/// </summary>
internal static class TapeEmitter
{
    /// <summary>The members of the tape type, which a field for a variable of the same name must not take.</summary>
    private static readonly HashSet<string> Members = new() { "Next", "Rent", "Return", "s_free" };

    public static void Write(SourceWriter writer, CSharpPrinter printer, MethodModel model, BackwardBody body, string tapeName)
    {
        // A generic-math method's tape is generic in the same type parameters: DenseTape<T>.
        string declaredName = tapeName + model.TypeParameters + model.Constraints;
        tapeName += model.TypeParameters;
        Split split = Split.Of(model, body);
        if (!split.Splits)
        {
            // The forward sweep reads an adjoint (it cannot run before the reverse is asked for): the tape keeps nothing,
            // the record runs the method, and the replay its Pullback or Backward, which compute the forward again.
            split = new Split();
            body = Recomputing(model, body);
        }

        writer.WriteLine();
        WriteTapeType(writer, model, tapeName, declaredName, split);
        writer.WriteLine();
        WriteRecord(writer, printer, model, body, tapeName, split);
        writer.WriteLine();
        WriteReplay(writer, printer, model, body, tapeName, split);
    }

    /// <summary>A body whose forward sweep calls the method and whose reverse sweep calls its Pullback (or Backward).</summary>
    private static BackwardBody Recomputing(MethodModel model, BackwardBody original)
    {
        bool layer = model.Parameters.Any(p => p.IsOutput);
        bool isVoid = model.ReturnType.Equals(IrType.Void);
        string arguments = string.Join(", ", model.Parameters.Select(p => p.Name));
        string adjoints = string.Join(", ", model.Parameters.Select(p => p.Name)
            .Concat(model.Model is null ? Enumerable.Empty<string>() : new[] { model.GradientsName })
            .Concat(model.Parameters.Where(p => p.Differentiable).Select(p => (p.Type.IsScalar ? "ref " : "") + p.AdjointName))
            .Concat(isVoid ? Enumerable.Empty<string>() : new[] { model.SeedName }));
        var body = new BackwardBody { Result = isVoid ? null : "_value" };
        body.Validation.AddRange(original.Validation);
        string call = $"{model.Name}({arguments})";
        body.Forward.Add(isVoid
            ? new Evaluate(null, new Opaque(IrType.Void, call.Replace("{", "{{").Replace("}", "}}"), EquatableArray<IrExpr>.Empty))
            : new Declare(null, new IrVar("_value", model.ReturnType), new Opaque(model.ReturnType, call.Replace("{", "{{").Replace("}", "}}"), EquatableArray<IrExpr>.Empty)));
        body.Reverse.Add(new Evaluate(null, new Opaque(IrType.Void, $"{model.Name}{(layer ? "Pullback" : "Backward")}({adjoints})".Replace("{", "{{").Replace("}", "}}"),
            EquatableArray<IrExpr>.Empty)));
        return body;
    }

    /// <summary>
    /// How the body divides between the two methods: the declarations each makes, the variables the tape carries from
    /// one to the other (their names as fields), and the clean-up the record does if its forward sweep throws.
    /// </summary>
    private sealed class Split
    {
        public List<IrStmt> RecordDeclarations { get; } = new();

        public List<IrStmt> ReplayDeclarations { get; } = new();

        public List<(string Variable, string Field, IrType Type, bool Parameter)> Fields { get; } = new();

        public List<IrStmt> Cleanup { get; } = new();

        public static Split Of(MethodModel model, BackwardBody body)
        {
            var split = new Split();
            // What only the replay has: the adjoints, the seed, the gradients holder, and what is computed from them.
            var replayOnly = new HashSet<string>(model.Parameters.Where(p => p.Differentiable).Select(p => p.AdjointName));
            replayOnly.Add(model.SeedName);
            replayOnly.Add(model.GradientsName);
            var declaredByRecord = new Dictionary<string, IrType>();
            foreach (IrStmt declaration in body.Declarations)
            {
                bool replay = IrWalker.NamesUsed(new[] { declaration }).Any(replayOnly.Contains);
                (replay ? split.ReplayDeclarations : split.RecordDeclarations).Add(declaration);
                if (declaration is Declare d)
                {
                    if (replay) replayOnly.Add(d.Variable.Name);
                    else declaredByRecord[d.Variable.Name] = d.Variable.Type;
                }
            }

            foreach (IrStmt stmt in IrWalker.AllStatements(body.Forward))
            {
                if (stmt is Declare d) declaredByRecord[d.Variable.Name] = d.Variable.Type;
            }

            // A parameter the forward sweep assigns has the forward's value in the reverse: the tape keeps it too.
            var assignedParameters = new HashSet<string>(body.Forward.SelectMany(IrWalker.AssignedVariables));
            foreach (ParameterModel parameter in model.Parameters.Where(p => assignedParameters.Contains(p.Name)))
            {
                declaredByRecord[parameter.Name] = parameter.Type;
            }

            var parameters = new HashSet<string>(model.Parameters.Select(p => p.Name));
            var used = new HashSet<string>(IrWalker.NamesUsed(body.Reverse.Concat(body.Epilogue).Concat(body.Finally).Concat(split.ReplayDeclarations)));
            var fieldNames = new HashSet<string>(Members);
            foreach (KeyValuePair<string, IrType> variable in declaredByRecord.OrderBy(v => v.Key, System.StringComparer.Ordinal))
            {
                (string name, IrType type) = (variable.Key, variable.Value);
                if (!used.Contains(name)) continue;
                string field = name;
                while (!fieldNames.Add(field)) field += "_";
                split.Fields.Add((name, field, type, parameters.Contains(name)));
            }

            // If the forward sweep throws, the record gives back what it rented, as the Backward's finally block would.
            split.Cleanup.AddRange(body.Finally.Where(s => !IrWalker.NamesUsed(new[] { s }).Any(replayOnly.Contains)));
            split.Splits = !IrWalker.NamesUsed(body.Forward.Concat(split.RecordDeclarations)).Any(replayOnly.Contains);
            return split;
        }

        /// <summary>Whether the forward sweep needs nothing only the replay has; else the two cannot be cut apart.</summary>
        public bool Splits { get; private set; }
    }

    /// <summary>
    /// A field's type: the variable's own, except for a callee's chain of tapes, held as an object (a callee's tape type
    /// may be less accessible than this one: a private method's, say) and cast back when the replay takes it.
    /// </summary>
    private static string FieldType(IrType type) => type.Element == ElementKind.Tape ? "object?" : type.Name;

    private static string Accessibility(MethodModel model) =>
        string.Join(" ", model.Modifiers.Split(' ').Where(m => m is "public" or "internal" or "private" or "protected"));

    private static void WriteTapeType(SourceWriter writer, MethodModel model, string tapeName, string declaredName, Split split)
    {
        writer.WriteLine("/// <summary>");
        writer.WriteLine($"/// What the reverse sweep of <see cref=\"{model.Cref}\"/> reads of its forward pass, kept by <c>{model.Name}Record</c> for");
        writer.WriteLine($"/// <c>{model.Name}Replay</c>. Generated code's plumbing: taken from and given back to a per-thread pool.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        writer.WriteLine($"[global::System.CodeDom.Compiler.GeneratedCode(\"Backprop.Gen\", \"{GeneratorVersion.Value}\")]");
        writer.OpenBlock($"{Accessibility(model)} sealed class {declaredName}");
        writer.WriteLine("[global::System.ThreadStatic]");
        writer.WriteLine($"private static {tapeName}? s_free;");
        writer.WriteLine();
        writer.WriteLine("/// <summary>The tape recorded before this one at the same call site (or the next free one in the pool).</summary>");
        writer.WriteLine($"public {tapeName}? Next;");
        foreach (var (variable, field, type, _) in split.Fields)
        {
            writer.WriteLine();
            writer.WriteLine($"/// <summary>The forward pass's <c>{variable.TrimStart('@')}</c>.</summary>");
            writer.WriteLine($"public {FieldType(type)} {field} = default!;");
        }

        writer.WriteLine();
        writer.WriteLine("/// <summary>A tape from the pool, or a new one.</summary>");
        writer.OpenBlock($"public static {tapeName} Rent()");
        writer.WriteLine($"{tapeName}? tape = s_free;");
        writer.WriteLine($"if (tape is null) return new {tapeName}();");
        writer.WriteLine("s_free = tape.Next;");
        writer.WriteLine("tape.Next = null;");
        writer.WriteLine("return tape;");
        writer.CloseBlock();
        writer.WriteLine();
        writer.WriteLine("/// <summary>Drops what the tape holds and gives it back to the pool.</summary>");
        writer.OpenBlock("public void Return()");
        foreach (var (_, field, _, _) in split.Fields) writer.WriteLine($"{field} = default!;");
        writer.WriteLine("Next = s_free;");
        writer.WriteLine("s_free = this;");
        writer.CloseBlock();
        writer.CloseBlock();
    }

    private static void WriteRecord(SourceWriter writer, CSharpPrinter printer, MethodModel model, BackwardBody body, string tapeName, Split split)
    {
        bool isVoid = model.ReturnType.Equals(IrType.Void);
        var header = new MethodHeader(model)
            .Summary(
                $"Runs <see cref=\"{model.Cref}\"/> and keeps what its reverse sweep reads on <paramref name=\"tapes\"/>, for",
                $"<c>{model.Name}Replay</c>: generated callers use the two so that the forward pass runs once.")
            .Parameter("tapes", "The call site's chain of tapes: the new tape goes first.")
            .Declare($"ref {tapeName}? tapes")
            .Hidden();
        if (!isVoid) header.Returns($"The value of <see cref=\"{model.Cref}\"/>.");
        header.Write(writer, model.ReturnType.Name, model.Name + "Record");
        writer.OpenBlock();
        printer.Synthesized = true;
        printer.Statements(split.RecordDeclarations);
        bool guarded = split.Cleanup.Count > 0;
        if (guarded)
        {
            writer.WriteLine("bool _recorded = false;");
            writer.OpenBlock("try");
        }

        printer.Synthesized = false;
        printer.Statements(body.Forward);
        printer.Synthesized = true;
        writer.WriteLine($"{tapeName} _tape = {tapeName}.Rent();");
        foreach (var (variable, field, _, _) in split.Fields) writer.WriteLine($"_tape.{field} = {variable};");
        writer.WriteLine("_tape.Next = tapes;");
        writer.WriteLine("tapes = _tape;");
        if (guarded) writer.WriteLine("_recorded = true;");
        if (!isVoid) writer.WriteLine("return " + body.Result + ";");
        if (guarded)
        {
            writer.CloseBlock();
            writer.OpenBlock("finally");
            writer.OpenBlock("if (!_recorded)");
            writer.WriteLine("// The forward sweep threw: give back what it rented.");
            printer.Statements(split.Cleanup);
            writer.CloseBlock();
            writer.CloseBlock();
        }

        writer.CloseBlock();
    }

    private static void WriteReplay(SourceWriter writer, CSharpPrinter printer, MethodModel model, BackwardBody body, string tapeName, Split split)
    {
        bool isVoid = model.ReturnType.Equals(IrType.Void);
        var header = new MethodHeader(model)
            .Summary(
                $"The reverse sweep of <see cref=\"{model.Cref}\"/> from the tape <c>{model.Name}Record</c> kept on <paramref name=\"tapes\"/>",
                $"(the first one, which it takes off): adds the gradients <c>{model.Name}Backward</c> adds, consuming the outputs'",
                "adjoints as a Pullback does. Call it with the arguments the record had, after the record and before the next one.")
            .Parameter("tapes", "The call site's chain of tapes.")
            .Declare($"ref {tapeName}? tapes")
            .Hidden();
        if (model.Model is not null)
        {
            header.Parameter(model.GradientsName, "Receives the gradient of each of this model's differentiable members, added.")
                .Declare("Gradients " + model.GradientsName);
        }

        foreach (ParameterModel parameter in MethodHeader.Differentiable(model))
        {
            string what = parameter.IsOutput
                ? $"The gradient flowing into the output <paramref name=\"{parameter.Name.TrimStart('@')}\"/>, consumed as by the Pullback."
                : $"Receives the gradient with respect to <paramref name=\"{parameter.Name.TrimStart('@')}\"/>, added.";
            header.Parameter(parameter.AdjointName, what).Declare(MethodHeader.AdjointDeclaration(parameter));
        }

        if (!isVoid) header.Parameter(model.SeedName, "The gradient flowing into the result.").Declare(MethodHeader.SeedDeclaration(model));
        header.Write(writer, "void", model.Name + "Replay");
        writer.OpenBlock();
        printer.Synthesized = true;
        printer.Statements(body.Validation);
        writer.WriteLine($"{tapeName} _tape = tapes ?? throw new global::System.InvalidOperationException(\"{model.Name}Replay without a tape: call {model.Name}Record first, with the same arguments.\");");
        writer.WriteLine("tapes = _tape.Next;");
        foreach (var (variable, field, type, parameter) in split.Fields)
        {
            string value = FieldType(type) == type.Name ? "_tape." + field : $"({type.Name})_tape.{field}";
            writer.WriteLine(parameter ? $"{variable} = {value};" : $"{type.Name} {variable} = {value};");
        }

        writer.WriteLine("_tape.Return();");
        printer.Statements(split.ReplayDeclarations);
        bool guarded = body.Finally.Count > 0;
        if (guarded) writer.OpenBlock("try");
        printer.Statements(body.Reverse);
        if (body.Epilogue.Count > 0)
        {
            // The epilogue is no statement's reverse: it hands the caller what the locals gathered.
            writer.WriteLine();
            writer.WriteLine("// back to the caller");
            printer.Statements(body.Epilogue);
        }

        if (guarded) writer.CloseTry(() => printer.Statements(body.Finally));

        writer.CloseBlock();
    }
}
