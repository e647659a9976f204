using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Backprop.Nn;
using Mnist;
using Xunit;

namespace Backprop.Runtime.Tests;

/// <summary>A short run of the main job, and its handling of bad input.</summary>
public class MnistSmokeTests
{
    public static TheoryData<string> Trainers() => new() { "per-sample", "float", "double", "float, 2 threads" };

    private static ITrainer Trainer(string kind) => kind switch
    {
        "per-sample" => new PerSampleTrainer(seed: 1, learningRate: 1e-3, threads: 2) { Shifts = 0 },
        "double" => new BatchTrainer<double>(seed: 1, learningRate: 1e-3, threads: 1, batch: 32) { Shifts = 0 },
        "float" => new BatchTrainer<float>(seed: 1, learningRate: 1e-3, threads: 1, batch: 32) { Shifts = 0 },
        _ => new BatchTrainer<float>(seed: 1, learningRate: 1e-3, threads: 2, batch: 32) { Shifts = 0 },
    };

    [Theory]
    [MemberData(nameof(Trainers))]
    public void One_epoch_on_a_thousand_digits_lowers_the_loss(string kind)
    {
        Split split = Split.Load(Path.Combine(AppContext.BaseDirectory, "data"));
        Assert.Equal((8000, 8000, 2000), (split.TrainCount, split.TestStart, split.TestCount));
        ITrainer trainer = Trainer(kind);
        using var disposal = trainer as IDisposable;
        var (lossBefore, accuracyBefore) = trainer.Evaluate(split.Data, split.TestStart, split.TestStart + split.TestCount);

        var batches = new MiniBatches(1000, 32, seed: 1);
        var losses = batches.Epoch(0).Select(b => trainer.Step(split.Data, b.Span, 0) / b.Length).ToList();
        var (lossAfter, accuracyAfter) = trainer.Evaluate(split.Data, split.TestStart, split.TestStart + split.TestCount);

        Assert.True(losses.TakeLast(5).Average() < 0.6 * losses.Take(3).Average(), $"training loss: {string.Join(", ", losses.Select(l => l.ToString("0.000")))}");
        Assert.True(lossAfter < 0.5 * lossBefore, $"test loss {lossBefore} -> {lossAfter}");
        Assert.True(accuracyAfter > 0.6 && accuracyAfter > accuracyBefore + 0.4, $"test accuracy {accuracyBefore} -> {accuracyAfter}");
    }

    [Theory]
    [InlineData("--epochs 0", "--epochs must be positive")]
    [InlineData("--lr fast", "--lr expects a positive number")]
    [InlineData("--batch", "--batch needs a value")]
    [InlineData("--colour blue", "unknown option '--colour'")]
    [InlineData("--precision half", "--precision is float or double")]
    [InlineData("--threads 0", "--threads must be positive")]
    [InlineData("--data /no/such/folder", "does not exist")]
    public void Bad_options_get_a_message_and_exit_code_2(string arguments, string message)
    {
        var (code, output) = Run(arguments);
        Assert.Equal(2, code);
        Assert.Contains(message, output);
        Assert.DoesNotContain("   at ", output); // no stack trace
    }

    [Fact]
    public void Corrupt_data_gets_a_message_and_exit_code_2()
    {
        string folder = Directory.CreateTempSubdirectory("backprop-mnist-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(folder, "mnist10k-images-idx3-ubyte.gz"), new byte[] { 0x1f, 0x8b, 8, 0, 1, 2, 3 });
            File.Copy(Path.Combine(AppContext.BaseDirectory, "data", "mnist10k-labels-idx1-ubyte.gz"), Path.Combine(folder, "mnist10k-labels-idx1-ubyte.gz"));
            var (code, output) = Run($"--data {folder}");
            Assert.Equal(2, code);
            Assert.Contains("mnist10k-images-idx3-ubyte.gz", output);
            Assert.DoesNotContain("   at ", output);

            File.Delete(Path.Combine(folder, "mnist10k-images-idx3-ubyte.gz"));
            (code, output) = Run($"--data {folder}");
            Assert.Equal(2, code);
            Assert.Contains("no MNIST data", output);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (int Code, string Output) Run(string arguments)
    {
        string program = Path.Combine(AppContext.BaseDirectory, "Mnist.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(program);
        foreach (string argument in arguments.Split(' ')) start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    [Fact]
    public void The_batched_trainers_in_float_and_double_and_on_two_threads_take_the_same_first_step()
    {
        // The same initial weights, the same batch: one step's weights agree to float precision, whatever the
        // precision and the number of threads (shares only change the order in which the gradient is summed).
        Split split = Split.Load(Path.Combine(AppContext.BaseDirectory, "data"));
        int[] batch = Enumerable.Range(0, 32).ToArray();
        using var one = new BatchTrainer<float>(seed: 3, learningRate: 1e-2, threads: 1, batch: 32) { Shifts = 2 };
        using var two = new BatchTrainer<float>(seed: 3, learningRate: 1e-2, threads: 2, batch: 32) { Shifts = 2 };
        using var wide = new BatchTrainer<double>(seed: 3, learningRate: 1e-2, threads: 1, batch: 32) { Shifts = 2 };
        double lossOne = one.Step(split.Data, batch, 0), lossTwo = two.Step(split.Data, batch, 0), lossWide = wide.Step(split.Data, batch, 0);
        Assert.Equal(lossOne, lossTwo, 1e-4);
        Assert.Equal(lossOne, lossWide, 1e-3);
        var (testOne, _) = one.Evaluate(split.Data, split.TestStart, split.TestStart + 200);
        var (testTwo, _) = two.Evaluate(split.Data, split.TestStart, split.TestStart + 200);
        var (testWide, _) = wide.Evaluate(split.Data, split.TestStart, split.TestStart + 200);
        Assert.Equal(testOne, testTwo, 1e-4);
        Assert.Equal(testOne, testWide, 1e-3);
    }
}
