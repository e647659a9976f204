using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Backprop.Gen.Tests.Generation;

public class ScratchPrint(ITestOutputHelper output)
{
    [Fact]
    public void Print()
    {
        if (!System.IO.File.Exists("/tmp/scratch.cs")) return;
        var run = TestCompiler.Generate(System.IO.File.ReadAllText("/tmp/scratch.cs"));
        foreach (var d in run.GeneratorDiagnostics) output.WriteLine(d.ToString());
        foreach (var s in run.Sources) output.WriteLine(s.Value);
        foreach (var d in run.CompilationProblems) output.WriteLine(d.ToString());
    }
}
