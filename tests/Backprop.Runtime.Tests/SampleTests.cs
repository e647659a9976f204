using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using Xunit;

namespace Backprop.Runtime.Tests;

/// <summary>The reference-number samples, run as a user runs them: each prints its numbers next to the reference and exits 0 only if all match.</summary>
public class SampleTests
{
    [Theory]
    [InlineData("TwoLayerNetwork", "w8          0.522376   reference  0.5224   ok")]
    [InlineData("NumericalGradient", "within 1e-8 of (0, 0): ok")]
    [InlineData("Xor", "100% on XOR")]
    [InlineData("ComputationalGraph", "∂price/∂tax")]
    [InlineData("HigherOrder", "625000")]
    [InlineData("Physics", "hit: launch at (7.174, 12.501)")]
    public async Task Sample_prints_the_reference_numbers_and_succeeds(string sample, string expected)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, sample + ".dll"));
        using Process process = Process.Start(start)!;
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{sample} exited with {process.ExitCode}:\n{output}\n{await errors}");
        Assert.Contains(expected, output);
        Assert.DoesNotContain("MISMATCH", output);
    }
}
