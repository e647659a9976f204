using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.Model;

namespace Backprop.Gen.Emit;

/// <summary>
/// The header of a generated method, written the same way for every derivative (Backward, Pullback, Record, Replay,
/// Tangent, HessianVector and the convenience overloads): the XML docs (summary, one line per parameter, returns), the
/// attributes and the declaration. Each derivative says what goes in; <see cref="Write"/> writes it.
/// </summary>
internal sealed class MethodHeader
{
    private readonly MethodModel _model;
    private readonly List<string> _summary = new();
    private readonly List<(string Name, string Text)> _parameterDocs = new();
    private readonly List<string> _declarations = new();
    private string? _returns;
    private bool _hidden;

    /// <summary>A header that starts with the primal's parameters, each documented "As for" the primal.</summary>
    public MethodHeader(MethodModel model)
    {
        _model = model;
        foreach (ParameterModel parameter in model.Parameters)
        {
            Parameter(parameter.Name, $"As for <see cref=\"{model.Cref}\"/>.");
            _declarations.Add(parameter.Declaration);
        }
    }

    /// <summary>Lines of the summary, each one line of the generated file.</summary>
    public MethodHeader Summary(params string[] lines)
    {
        _summary.AddRange(lines);
        return this;
    }

    /// <summary>The documentation of a parameter (its name without a leading <c>@</c>).</summary>
    public MethodHeader Parameter(string name, string text)
    {
        _parameterDocs.Add((name.TrimStart('@'), text));
        return this;
    }

    /// <summary>Parameter declarations after those there are, in order.</summary>
    public MethodHeader Declare(IEnumerable<string> declarations)
    {
        _declarations.AddRange(declarations);
        return this;
    }

    public MethodHeader Declare(params string[] declarations) => Declare((IEnumerable<string>)declarations);

    public MethodHeader Returns(string text)
    {
        _returns = text;
        return this;
    }

    /// <summary>Hides the method from IntelliSense: it is for generated callers.</summary>
    public MethodHeader Hidden()
    {
        _hidden = true;
        return this;
    }

    /// <summary>Writes the docs, the attributes and <c>modifiers returnType name(parameters)</c>.</summary>
    public void Write(SourceWriter writer, string returnType, string name)
    {
        writer.WriteLine("/// <summary>");
        foreach (string line in _summary) writer.WriteLine("/// " + line);
        writer.WriteLine("/// </summary>");
        foreach (var (parameter, text) in _parameterDocs) writer.WriteLine($"/// <param name=\"{parameter}\">{text}</param>");
        if (_returns is not null) writer.WriteLine($"/// <returns>{_returns}</returns>");
        if (_hidden) writer.WriteLine("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        writer.WriteLine($"[global::System.CodeDom.Compiler.GeneratedCode(\"Backprop.Gen\", \"{GeneratorVersion.Value}\")]");
        // A generic-math method's derivatives repeat its type parameters and constraints.
        writer.WriteLine($"{_model.Modifiers} {returnType} {name}{_model.TypeParameters}({string.Join(", ", _declarations)}){_model.Constraints}");
    }

    /// <summary>The differentiable parameters, in order.</summary>
    public static IEnumerable<ParameterModel> Differentiable(MethodModel model) => model.Parameters.Where(p => p.Differentiable);

    /// <summary>An adjoint parameter's declaration: <c>double[]? dW</c>, <c>ref double dX</c>, an output's marked.</summary>
    public static string AdjointDeclaration(ParameterModel parameter) =>
        (parameter.IsOutput ? "[global::Backprop.OutputAdjoint] " : "") + parameter.AdjointType + " " + parameter.AdjointName;

    /// <summary>
    /// The seed parameter with its default, 1: <c>double seed = 1.0</c>. A struct seed has none (the caller says which
    /// fields it wants), nor has a generic one (<c>T.One</c> is no constant): an overload without the seed gives it.
    /// </summary>
    public static string SeedDeclaration(MethodModel model) => model.ReturnsStruct || model.IsGeneric
        ? model.ReturnType.Name + " " + model.SeedName
        : Defaulted(model.ReturnType, model.SeedName, 1);

    /// <summary>A declaration with a default value, or without one for a generic type, whose zero is no constant.</summary>
    public static string Defaulted(IR.IrType type, string name, double value) =>
        type.IsGeneric ? type.Name + " " + name : type.Name + " " + name + " = " + IR.Ir.Const(type, value).Text;

    /// <summary>The primal call as the docs show it: <c>F(x, y)</c>.</summary>
    public static string Call(MethodModel model) => model.Name + "(" + string.Join(", ", model.Parameters.Select(p => p.Name)) + ")";

    /// <summary>Text escaped for XML docs.</summary>
    public static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
