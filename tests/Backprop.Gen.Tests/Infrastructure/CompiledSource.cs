using System;
using System.Reflection;
using Xunit;

namespace Backprop.Gen.Tests.Infrastructure;

/// <summary>
/// One test source, generated and compiled once, lazily: its generated Backward methods as text and its assembly, the
/// compilation asserted clean (no generator diagnostic, no compile error) before the assembly is used.
/// </summary>
internal sealed class CompiledSource
{
    private readonly Lazy<GeneratorRun> _run;
    private readonly Lazy<Assembly> _assembly;

    public CompiledSource(string source)
    {
        _run = new Lazy<GeneratorRun>(() => TestCompiler.Generate(source));
        _assembly = new Lazy<Assembly>(() =>
        {
            Assert.Empty(_run.Value.GeneratorDiagnostics);
            Assert.Empty(_run.Value.CompilationProblems);
            return TestCompiler.Load(_run.Value);
        });
    }

    public GeneratorRun Run => _run.Value;

    public Assembly Assembly => _assembly.Value;

    /// <summary>The text of <c>&lt;method&gt;Backward</c> of type <paramref name="type"/> (its simple name).</summary>
    public string Backward(string type, string method) =>
        GeneratedMethods.Method(Run.Source("." + type + "." + method + ".Backward.g.cs"), method + "Backward");
}
