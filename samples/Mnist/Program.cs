using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Backprop.Nn;
using Mnist;
using Spectre.Console;

// The main job: trains the hand-written network of Network.cs with the gradients Backprop.Gen generated for it.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

Options options;
try
{
    options = Options.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine("run with --help for the options");
    return 2;
}

if (options.Help)
{
    Console.WriteLine(Options.Usage);
    return 0;
}

Split split;
try
{
    split = Split.Load(options.DataDirectory ?? Path.Combine(AppContext.BaseDirectory, "data"));
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

int trainCount = Math.Min(options.Limit ?? split.TrainCount, split.TrainCount);
string mode = options.PerSample ? "one image at a time, double" : $"whole batches, {(options.Double ? "double" : "float")}";
AnsiConsole.MarkupLine($"[bold]MNIST[/]: {trainCount:N0} training digits, {split.TestCount:N0} test digits; " +
    $"784-128-10 ReLU network, Adam lr {options.LearningRate} with cosine decay, batch {options.Batch}, {options.Epochs} epochs, shifts up to {options.Shift} px, seed {options.Seed}; " +
    $"{mode}, {options.Threads} thread{(options.Threads == 1 ? "" : "s")}");

ITrainer trainer = options switch
{
    { PerSample: true } => new PerSampleTrainer(options.Seed, options.LearningRate, options.Threads) { Shifts = options.Shift },
    { Double: true } => new BatchTrainer<double>(options.Seed, options.LearningRate, options.Threads, options.Batch) { Shifts = options.Shift },
    _ => new BatchTrainer<float>(options.Seed, options.LearningRate, options.Threads, options.Batch) { Shifts = options.Shift },
};
var batches = new MiniBatches(trainCount, options.Batch, options.Seed);
var history = new List<(int Epoch, double TrainLoss, double TestLoss, double TestAccuracy)>();
var clock = Stopwatch.StartNew();

var table = new Table().AddColumns("epoch", "train loss", "test loss", "test accuracy", "time");
AnsiConsole.Progress()
    .AutoClear(true)
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
    .Start(context =>
    {
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            // Cosine decay of the learning rate, from --lr down to a twentieth of it in the last epoch.
            trainer.LearningRate = options.LearningRate * (0.05 + 0.95 * 0.5 * (1 + Math.Cos(Math.PI * epoch / options.Epochs)));
            ProgressTask task = context.AddTask($"epoch {epoch + 1}/{options.Epochs}", maxValue: batches.BatchesPerEpoch);
            double loss = 0;
            foreach (ReadOnlyMemory<int> batch in batches.Epoch(epoch))
            {
                loss += trainer.Step(split.Data, batch.Span, epoch);
                task.Increment(1);
            }

            var (testLoss, accuracy) = trainer.Evaluate(split.Data, split.TestStart, split.TestStart + split.TestCount);
            history.Add((epoch + 1, loss / trainCount, testLoss, accuracy));
            task.StopTask();
        }
    });

(trainer as IDisposable)?.Dispose();

foreach (var (epoch, trainLoss, testLoss, accuracy) in history)
{
    table.AddRow(epoch.ToString(), $"{trainLoss:0.0000}", $"{testLoss:0.0000}", $"{accuracy:P2}", "");
}

table.Rows.Update(history.Count - 1, 4, new Text($"{clock.Elapsed.TotalSeconds:0.0} s total"));
AnsiConsole.Write(table);

double final = history[^1].TestAccuracy;
Console.WriteLine($"test accuracy: {final * 100:0.00}%");
Console.WriteLine($"trained in {clock.Elapsed.TotalSeconds:0.0} s");

try
{
    string plot = Plots.Write(options.Plot, history.Select(h => (h.Epoch, h.TrainLoss, h.TestLoss, h.TestAccuracy)).ToList());
    Console.WriteLine($"loss and accuracy curves: {plot}");
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: could not write the plot: {e.Message}");
    return 2;
}

return 0;
