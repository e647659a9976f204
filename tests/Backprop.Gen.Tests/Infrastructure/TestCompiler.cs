using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Backprop.Gen.Tests.Infrastructure;

/// <summary>The outcome of running the generator on in-memory sources.</summary>
internal sealed record GeneratorRun(
    CSharpCompilation Output,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    IReadOnlyDictionary<string, string> Sources,
    GeneratorDriverRunResult Result)
{
    /// <summary>The generated file whose hint name ends with <paramref name="suffix"/>.</summary>
    public string Source(string suffix) =>
        Sources.Single(s => s.Key.EndsWith(suffix, StringComparison.Ordinal)).Value;

    /// <summary>Every error, and every warning in generated code (the user's own code may lack XML docs).</summary>
    public IEnumerable<Diagnostic> CompilationProblems =>
        Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error
            || (d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true));
}

/// <summary>Compiles C# in memory with the generator, and loads the result to run it.</summary>
internal static class TestCompiler
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    public static readonly ImmutableArray<MetadataReference> References = Basic.Reference.Assemblies.Net80.References.All
        .Cast<MetadataReference>()
        .Append(MetadataReference.CreateFromFile(typeof(Backprop.DifferentiableAttribute).Assembly.Location))
        .Append(MetadataReference.CreateFromFile(System.IO.Path.Combine(AppContext.BaseDirectory, "net8.0-references", "System.Numerics.Tensors.dll")))
        .ToImmutableArray();

    public static CSharpCompilation Compilation(IEnumerable<string> sources, string assemblyName = "UserCode", IEnumerable<MetadataReference>? extra = null) =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            References.AddRange(extra ?? Enumerable.Empty<MetadataReference>()),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
                optimizationLevel: OptimizationLevel.Release, deterministic: true));

    public static GeneratorDriver Driver() => CSharpGeneratorDriver.Create(
        new[] { new BackwardGenerator().AsSourceGenerator() },
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorRun Generate(params string[] sources) => Generate(Compilation(sources));

    public static GeneratorRun Generate(CSharpCompilation compilation)
    {
        GeneratorDriver driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        GeneratorDriverRunResult result = driver.GetRunResult();
        var sources = result.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        return new GeneratorRun((CSharpCompilation)output, diagnostics, sources, result);
    }

    /// <summary>
    /// Generates, checks that neither the generator nor the compiler reports anything (not even a warning: the
    /// generated code must compile cleanly under TreatWarningsAsErrors), and loads the assembly.
    /// </summary>
    public static Assembly CompileAndLoad(params string[] sources)
    {
        GeneratorRun run = Generate(sources);
        return Load(run);
    }

    public static Assembly Load(GeneratorRun run)
    {
        Assert.True(run.GeneratorDiagnostics.IsEmpty, "generator diagnostics:\n" + string.Join("\n", run.GeneratorDiagnostics));
        var problems = run.CompilationProblems.ToList();
        Assert.True(problems.Count == 0, "compilation problems:\n" + string.Join("\n", problems) + "\n\n" + string.Join("\n\n", run.Sources.Values));
        using var stream = new MemoryStream();
        var emit = run.Output.Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        stream.Position = 0;
        var context = new AssemblyLoadContext("test" + Guid.NewGuid(), isCollectible: true);
        return context.LoadFromStream(stream);
    }
}

/// <summary>Calls static methods of a loaded assembly by name, for compile-and-run tests.</summary>
internal static class Invoke
{
    public static MethodInfo Method(Assembly assembly, string type, string name, int parameterCount) =>
        assembly.GetType(type, throwOnError: true)!.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance)
            .Single(m => m.Name == name && m.GetParameters().Length == parameterCount);

    /// <summary>
    /// The methods of <paramref name="declaring"/> named <paramref name="name"/>; a generic-math one is closed over the
    /// floating type of <paramref name="arguments"/> (the first double or float, or array or span of them), so that one
    /// generic source is checked as a double and as a float method.
    /// </summary>
    public static IEnumerable<MethodInfo> Methods(Type declaring, string name, object?[] arguments)
    {
        Type? element = arguments.Select(a => a switch
        {
            double or float => a.GetType(),
            Array array when array.GetType().GetElementType() is { } e && (e == typeof(double) || e == typeof(float)) => e,
            _ => null,
        }).FirstOrDefault(t => t is not null);
        foreach (MethodInfo method in declaring.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance))
        {
            if (method.Name != name) continue;
            yield return method.IsGenericMethodDefinition && element is not null ? method.MakeGenericMethod(element) : method;
        }
    }

    /// <summary>The full Backward of a method: of its overloads taking more than the primal's parameters, the one taking most (with the seed).</summary>
    public static MethodInfo Backward(Type declaring, string method, object?[] arguments) =>
        Methods(declaring, method + "Backward", arguments).Where(m => m.GetParameters().Length > arguments.Length)
            .OrderByDescending(m => m.GetParameters().Length).First();

    /// <summary>Calls a method; ref arguments are written back into <paramref name="arguments"/>.</summary>
    public static object? Call(MethodInfo method, object?[] arguments, object? instance = null)
    {
        try
        {
            return method.Invoke(instance, arguments);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception.InnerException).Throw();
            throw;
        }
    }
}
