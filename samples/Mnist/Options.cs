using System;
using System.Globalization;
using System.IO;

namespace Mnist;

/// <summary>The command line: <c>--epochs --batch --lr --seed --data --limit --shift --precision --threads --per-sample --plot</c>.</summary>
internal sealed record Options
{
    public int Epochs { get; init; } = 20;

    public int Batch { get; init; } = 32;

    public double LearningRate { get; init; } = 1e-3;

    public int Seed { get; init; } = 1;

    public string? DataDirectory { get; init; }

    public int? Limit { get; init; }

    public int Shift { get; init; } = 2;

    public string Plot { get; init; } = "loss.png";

    public bool Help { get; init; }

    /// <summary>Train one image at a time through the per-image network (the teaching version) instead of whole batches.</summary>
    public bool PerSample { get; init; }

    /// <summary>Whether the batched network computes in double rather than float.</summary>
    public bool Double { get; init; }

    /// <summary>Threads that share each mini-batch: the cores, up to 4, unless told otherwise.</summary>
    public int Threads { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 4);

    public const string Usage = """
        Trains a 784-128-10 network, written by hand and differentiated by Backprop.Gen, on MNIST digits.

        usage: dotnet run -c Release --project samples/Mnist -- [options]

          --epochs <n>    passes over the training digits (default 20)
          --batch <n>     digits per mini-batch (default 32)
          --lr <x>        Adam's learning rate (default 0.001)
          --seed <n>      seed of the initial weights and the shuffling (default 1)
          --data <dir>    a folder with the full MNIST files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
                          t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]) or with mnist10k-*; default: the
                          10,000-digit subset shipped with the sample (first 8,000 train, last 2,000 test)
          --limit <n>     train on the first n training digits only
          --shift <n>     augment: move each training digit by up to n pixels each way (default 2, 0 for none)
          --precision <p> float or double (default float)
          --threads <n>   threads that may share each mini-batch (default: the cores, up to 4); the extra threads
                          join in only while that is measured to be faster, so a busy neighbour does not slow the job
          --per-sample    train one image at a time, through the per-image network (double; the teaching version;
                          --threads then splits each batch's images)
          --plot <file>   where to write the loss and accuracy curves (default loss.png)
          --help          show this text
        """;

    /// <summary>Parses the arguments, or throws <see cref="ArgumentException"/> with a message for the user.</summary>
    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "--help" or "-h" or "-?")
            {
                options = options with { Help = true };
                continue;
            }

            if (name == "--per-sample")
            {
                options = options with { PerSample = true };
                continue;
            }

            if (!name.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{name}'");
            if (i + 1 >= args.Length) throw new ArgumentException($"{name} needs a value");
            string value = args[++i];
            options = name switch
            {
                "--epochs" => options with { Epochs = Positive(name, value) },
                "--batch" => options with { Batch = Positive(name, value) },
                "--lr" => options with { LearningRate = PositiveReal(name, value) },
                "--seed" => options with { Seed = Integer(name, value) },
                "--data" => options with { DataDirectory = Directory.Exists(value) ? value : throw new ArgumentException($"--data: the folder '{value}' does not exist") },
                "--limit" => options with { Limit = Positive(name, value) },
                "--shift" => options with { Shift = Integer(name, value) is >= 0 and <= 8 and var n ? n : throw new ArgumentException($"--shift must be between 0 and 8, not '{value}'") },
                "--precision" => options with { Double = value switch
                {
                    "float" => false,
                    "double" => true,
                    _ => throw new ArgumentException($"--precision is float or double, not '{value}'"),
                } },
                "--threads" => options with { Threads = Positive(name, value) },
                "--plot" => options with { Plot = value.Length > 0 ? value : throw new ArgumentException("--plot needs a file name") },
                _ => throw new ArgumentException($"unknown option '{name}'"),
            };
        }

        return options;
    }

    private static int Integer(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : throw new ArgumentException($"{name} expects an integer, not '{value}'");

    private static int Positive(string name, string value)
    {
        int n = Integer(name, value);
        return n > 0 ? n : throw new ArgumentException($"{name} must be positive, not {n}");
    }

    private static double PositiveReal(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && x > 0 && double.IsFinite(x)
            ? x
            : throw new ArgumentException($"{name} expects a positive number, not '{value}'");
}
