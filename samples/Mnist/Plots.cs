using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Mnist;

/// <summary>The training curves, drawn with ScottPlot.</summary>
internal static class Plots
{
    /// <summary>Writes the losses (left axis) and the test accuracy (right axis) per epoch to a PNG; returns its full path.</summary>
    public static string Write(string path, IReadOnlyList<(int Epoch, double TrainLoss, double TestLoss, double TestAccuracy)> history)
    {
        double[] epochs = history.Select(h => (double)h.Epoch).ToArray();
        var plot = new ScottPlot.Plot();
        plot.Title("MNIST: a hand-written network trained with Backprop.Gen gradients");
        plot.XLabel("epoch");
        plot.YLabel("cross-entropy loss");

        var train = plot.Add.Scatter(epochs, history.Select(h => h.TrainLoss).ToArray());
        train.LegendText = "training loss (shifted digits)";
        var test = plot.Add.Scatter(epochs, history.Select(h => h.TestLoss).ToArray());
        test.LegendText = "test loss";
        var accuracy = plot.Add.Scatter(epochs, history.Select(h => h.TestAccuracy * 100).ToArray());
        accuracy.LegendText = "test accuracy (%)";
        accuracy.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "test accuracy (%)";
        plot.Axes.SetLimitsY(0, history.Max(h => System.Math.Max(h.TrainLoss, h.TestLoss)) * 1.1, plot.Axes.Left);
        plot.Axes.SetLimitsY(history.Min(h => h.TestAccuracy * 100) - 1, 100, plot.Axes.Right);
        plot.ShowLegend(ScottPlot.Alignment.MiddleRight);

        string full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { Length: > 0 } folder) Directory.CreateDirectory(folder);
        plot.SavePng(full, 900, 550);
        return full;
    }
}
