using System;
using System.Linq;

namespace Backprop.Bench;

/// <summary>Names a benchmark class's workload in the quick report.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class WorkloadAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Seeded test data.</summary>
public static class Data
{
    public static double[] Vector(int length, int seed, double scale = 1, bool positive = false)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => positive ? random.NextDouble() * scale : (2 * random.NextDouble() - 1) * scale).ToArray();
    }

    public static double[] Concat(params double[][] parts) => parts.SelectMany(p => p).ToArray();
}

/// <summary>Central finite differences, one pair of evaluations per coordinate: the brute-force baseline.</summary>
public static class FiniteDifference
{
    public static double Gradient(Func<double[], double> f, double[] x, double[] into)
    {
        double[] point = (double[])x.Clone();
        for (int i = 0; i < point.Length; i++)
        {
            double xi = point[i], h = 1e-6 * Math.Max(1, Math.Abs(xi));
            point[i] = xi + h;
            double up = f(point);
            point[i] = xi - h;
            double down = f(point);
            point[i] = xi;
            into[i] = (up - down) / (2 * h);
        }

        return into[0];
    }
}

/// <summary>Checks, before anything is timed, that the generated and the hand-written gradients agree.</summary>
public static class Agreement
{
    public static void Check(string name, int length, Func<double[], double> generated, Func<double[], double> handWritten)
    {
        double[] a = new double[length], b = new double[length];
        generated(a);
        handWritten(b);
        Compare(name, a, b);
    }

    public static void Compare(string name, double[] generated, double[] handWritten)
    {
        if (generated.Length != handWritten.Length) throw new InvalidOperationException($"{name}: gradients of different lengths");
        double worst = 0;
        for (int i = 0; i < generated.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(generated[i] - handWritten[i]) / Math.Max(1e-3, Math.Max(Math.Abs(generated[i]), Math.Abs(handWritten[i]))));
        }

        if (!(worst <= 1e-9)) throw new InvalidOperationException($"{name}: the generated and hand-written gradients differ (worst relative difference {worst:E2})");
    }
}

/// <summary>PyTorch, run as a separate process on the same machine (Debian's python3-torch, one thread).</summary>
public static class PyTorch
{
    /// <summary>The median time of one training step of bench/pytorch/step.py, or null where PyTorch is not installed.</summary>
    public static double? StepMicroseconds(string dtype)
    {
        string script = System.IO.Path.Combine(Report.RepositoryRoot(), "bench", "pytorch", "step.py");
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("--dtype");
        start.ArgumentList.Add(dtype);
        start.Environment["OPENBLAS_NUM_THREADS"] = "1";
        start.Environment["OMP_NUM_THREADS"] = "1";
        try
        {
            using var process = System.Diagnostics.Process.Start(start);
            if (process is null) return null;
            string output = process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 && double.TryParse(output.Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double us)
                ? us
                : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
