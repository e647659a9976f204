using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Backprop.Bench;
using Backprop.Bench.Workloads;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Generated gradients against the forward pass, hand-written gradients and finite differences, side by side.
//   dotnet run -c Release --project bench -- --quick     short runs, one line per workload, docs/performance.md
//   dotnet run -c Release --project bench                the full BenchmarkDotNet suite (filters: --filter *Mlp*)
//   dotnet run -c Release --project bench -- --compile-cost   the generator's own cost alone
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// Nothing is timed unless the generated and hand-written gradients agree.
new TwoLayerBenchmark().Check();
new RnnBenchmark().Check();
new MlpSingleBenchmark().Check();
new ConvBenchmark().Check();
new LogSumExpBenchmark().Check();
new TrainingStepBenchmark().Check();
Console.WriteLine("self-check: generated and hand-written gradients agree on every workload");

Type[] workloads = { typeof(TwoLayerBenchmark), typeof(RnnBenchmark), typeof(MlpSingleBenchmark), typeof(MlpBatchBenchmark), typeof(TrainingStepBenchmark),
    typeof(ConvBenchmark), typeof(LogSumExpBenchmark) };
if (args.Contains("--compile-cost"))
{
    // The generator's own cost alone, to compare two builds of it side by side.
    CompileCost.Result alone = CompileCost.Measure();
    Console.WriteLine($"generator: {alone.WarmMsPerMethod:0.00} ms per method warm ({alone.ColdMs:0} ms cold for {alone.Methods}); " +
        $"one method of {alone.LongStatements} statements {alone.LongMethodMs:0} ms");
    return 0;
}

if (!args.Contains("--quick"))
{
    BenchmarkSwitcher.FromTypes(workloads).Run(args, DefaultConfig.Instance.AddDiagnoser(MemoryDiagnoser.Default));
    return 0;
}

IConfig quick = ManualConfig.CreateEmpty()
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(15).WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(100)))
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddColumnProvider(BenchmarkDotNet.Columns.DefaultColumnProviders.Instance)
    .AddLogger(BenchmarkDotNet.Loggers.NullLogger.Instance)
    .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.JoinSummary);

var rows = new List<(string Workload, Dictionary<string, (double Ns, long Bytes)> Methods)>();
foreach (Type workload in workloads)
{
    Summary summary = BenchmarkRunner.Run(workload, quick);
    var methods = summary.Reports.Where(r => r.ResultStatistics is not null).ToDictionary(
        r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name,
        r => (Ns: r.ResultStatistics!.Median, Bytes: r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase) ?? 0));
    string name = workload.GetCustomAttribute<WorkloadAttribute>()!.Name;
    rows.Add((name, methods));
    var (generated, generatedBytes) = methods["Generated"];
    Console.WriteLine($"{name}: generated/handwritten={generated / methods["HandWritten"].Ns:0.00} generated/forward={generated / methods["Forward"].Ns:0.00} allocated={generatedBytes}");
}

// PyTorch on the same machine in the same run, where it is installed (Debian's python3-torch: docs/performance.md).
var pytorch = new Dictionary<string, double>();
if (PyTorch.StepMicroseconds("float32") is double torchStep)
{
    pytorch[typeof(TrainingStepBenchmark).GetCustomAttribute<WorkloadAttribute>()!.Name] = torchStep * 1000;
    Console.WriteLine($"PyTorch float32 training step: {torchStep:0.0} µs");
}
else
{
    Console.WriteLine("PyTorch: not installed (apt-get install python3-torch libopenblas0-pthread), its column stays empty");
}

CompileCost.Result cost = CompileCost.Measure();
Console.WriteLine($"generator: {cost.WarmMsPerMethod:0.00} ms per method warm ({cost.ColdMs:0} ms cold for {cost.Methods}); " +
    $"after a one-method edit {cost.Regenerated} method(s) differentiated again, {cost.Cached} cached, in {cost.EditMs:0} ms; " +
    $"one method of {cost.LongStatements} statements {cost.LongMethodMs:0} ms");

string report = Report.Markdown(rows, pytorch, cost);
string docs = Path.Combine(Report.RepositoryRoot(), "docs", "performance.md");
File.WriteAllText(docs, report);
Console.WriteLine($"wrote {docs}");
return 0;
