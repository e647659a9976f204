using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Backprop.Gen.Tests.Packaging;

/// <summary>
/// The user's path, for real: pack the one Backprop.Gen package into a folder, create a fresh console project with
/// <c>dotnet new console</c>, add the package from that folder as the only feed, write [Differentiable] code, build and
/// run it and check its gradient, then check that an unsupported method fails the build with its BPG error.
/// </summary>
public sealed class PackageTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("backprop-package-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A build server may still hold a file; the temporary folder is cleaned by the system.
        }
    }

    private const string Version = "0.1.0-usertest";

    private const string Program = """
        using System;
        using System.Globalization;
        using Backprop;
        using Backprop.Nn;

        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var (value, dX, dY) = Functions.FBackward(1.5, -0.5);
        Console.WriteLine($"value={value:R} dX={dX:R} dY={dY:R}");
        double dZ = 0;
        Functions.SquashedBackward(0.25, ref dZ);
        Console.WriteLine($"dZ={dZ:R}");

        public static partial class Functions
        {
            [Differentiable]
            public static double F(double x, double y) => x * x * y + Math.Sin(x * y);

            // A toolkit activation, called across the package boundary.
            [Differentiable]
            public static double Squashed(double z) => Activations.Tanh(3 * z);
        }
        """;

    [Fact]
    public void The_package_works_in_a_fresh_console_project()
    {
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        string feed = Path.Combine(_root, "feed"), app = Path.Combine(_root, "app");

        Run(RepositoryRoot.Path, "pack", Path.Combine("src", "Runtime", "Backprop.Gen.Runtime.csproj"), "-c", configuration, "--no-build", "-o", feed, $"-p:PackageVersion={Version}");
        string package = Path.Combine(feed, $"Backprop.Gen.{Version}.nupkg");
        Assert.True(File.Exists(package), "dotnet pack made no " + package);
        using (var zip = System.IO.Compression.ZipFile.OpenRead(package))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("lib/net8.0/Backprop.Runtime.dll", entries);
            Assert.Contains("analyzers/dotnet/cs/Backprop.Gen.dll", entries);
            Assert.Contains("analyzers/dotnet/cs/Backprop.Gen.CodeFixes.dll", entries);
            Assert.DoesNotContain(entries, e => e.Contains("Microsoft.CodeAnalysis", StringComparison.Ordinal));
            Assert.Contains("README.md", entries);
        }

        Run(_root, "new", "console", "-o", app, "--name", "UserApp");
        // The package from the local feed; its one dependency (System.Numerics.Tensors) from the machine's usual sources.
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        string project = Path.Combine(app, "UserApp.csproj");
        File.WriteAllText(project, File.ReadAllText(project).Replace("</Project>", $"""
              <ItemGroup>
                <PackageReference Include="Backprop.Gen" Version="{Version}" />
              </ItemGroup>
            </Project>
            """, StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(app, "Program.cs"), Program);

        string printed = Run(app, "run", "-c", "Release");
        Match numbers = Regex.Match(printed, @"value=(\S+) dX=(\S+) dY=(\S+)\s+dZ=(\S+)");
        Assert.True(numbers.Success, "the program printed: " + printed);
        double Number(int group) => double.Parse(numbers.Groups[group].Value, CultureInfo.InvariantCulture);
        double x = 1.5, y = -0.5;
        Assert.Equal(x * x * y + Math.Sin(x * y), Number(1), 14);
        Assert.Equal(2 * x * y + y * Math.Cos(x * y), Number(2), 14);
        Assert.Equal(x * x + x * Math.Cos(x * y), Number(3), 14);
        Assert.Equal(3 * (1 - Math.Pow(Math.Tanh(0.75), 2)), Number(4), 14);

        // An unsupported method: the build fails with the generator's error, at the method.
        File.WriteAllText(Path.Combine(app, "Bad.cs"), """
            using Backprop;

            public static class NotPartial
            {
                [Differentiable]
                public static double G(double x) => x * x;
            }
            """);
        string failed = Run(app, expectSuccess: false, "build", "-c", "Release");
        Assert.Matches(@"Bad\.cs\(\d+,\d+\): error BPG0001", failed);
    }

    private string Run(string directory, params string[] arguments) => Run(directory, expectSuccess: true, arguments);

    private string Run(string directory, bool expectSuccess, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["NUGET_PACKAGES"] = Path.Combine(_root, "packages"); // no cached copy of an older package
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        using Process process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string text = process.StandardOutput.ReadToEnd() + stderr.Result;
        if (!process.WaitForExit(TimeSpan.FromMinutes(4)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"dotnet {string.Join(' ', arguments)} timed out");
        }

        output.WriteLine($"$ dotnet {string.Join(' ', arguments)}\n{text}");
        if (expectSuccess) Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed:\n{text}");
        else Assert.True(process.ExitCode != 0, $"dotnet {string.Join(' ', arguments)} should have failed:\n{text}");
        return text;
    }
}
