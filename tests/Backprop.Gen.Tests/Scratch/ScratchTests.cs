using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Backprop.Gen.Tests.Scratch;

public class ScratchTests(ITestOutputHelper output)
{
    [Fact]
    public void Print()
    {
        var src = System.IO.File.ReadAllText("/tmp/scratch.cs");
        var run = TestCompiler.Generate(src);
        foreach (var d in run.GeneratorDiagnostics) output.WriteLine(d.ToString());
        foreach (var s in run.Sources) output.WriteLine(s.Value);
        foreach (var d in run.CompilationProblems) output.WriteLine(d.ToString());
    }
}
