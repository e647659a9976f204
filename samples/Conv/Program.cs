using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Backprop;
using Backprop.Nn;
using Conv;
using Spectre.Console;

// A convolutional network written as a chain of layers: its gradient checked against finite differences, the model
// class version shown to train identically to the static one, then a short training run on the MNIST subset.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

const string Usage = "usage: dotnet run -c Release --project samples/Conv -- [--epochs <n>] [--seed <n>]";
int epochs = 3, seed = 1;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] is "--help" or "-h")
    {
        Console.WriteLine(Usage);
        Console.WriteLine("  --epochs <n>  training epochs (default 3)");
        Console.WriteLine("  --seed <n>    seed of the weights and the shuffling (default 1)");
        return 0;
    }

    bool ok = i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0;
    switch (args[i])
    {
        case "--epochs" when ok: epochs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--seed" when ok: seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"error: bad option '{args[i]}'; {Usage}");
            return 2;
    }
}

Digits data;
try
{
    data = Digits.Load(Path.Combine(AppContext.BaseDirectory, "data"));
}
catch (Exception e) when (e is IOException or InvalidDataException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

var parameters = Parameters.Create(seed);

// 1. The gradient against central finite differences, on three digits, for every kernel weight and bias and a
//    random sample of the dense weights. The biases start at zero, where every blank pixel of the image sits exactly
//    on the ReLU's kink; the check moves them off it, as training does after one step. The step is small (1e-5) so
//    that it seldom crosses a kink of the ReLU or a tie in the max-pooling.
var random = new Random(seed);
foreach (double[] biases in new[] { parameters.Bias, parameters.B }) for (int i = 0; i < biases.Length; i++) biases[i] = 0.2 * random.NextDouble() - 0.1;
var table = new Table().AddColumns("digit", "coordinates", "max relative error", "");
double worst = 0;
for (int n = 0; n < 3; n++)
{
    int label = data.Labels[n];
    int[] dense = Enumerable.Range(0, 40).Select(_ => random.Next(parameters.W.Length)).Distinct().ToArray();
    var coordinates = Enumerable.Range(0, parameters.Kernel.Length).Select(i => (Array: 0, Index: i))
        .Concat(Enumerable.Range(0, parameters.Bias.Length).Select(i => (Array: 1, Index: i)))
        .Concat(dense.Select(i => (Array: 2, Index: i)))
        .Concat(Enumerable.Range(0, parameters.B.Length).Select(i => (Array: 3, Index: i)))
        .ToArray();
    double[][] arrays = parameters.All;
    double Loss(double[] x)
    {
        for (int c = 0; c < coordinates.Length; c++) arrays[coordinates[c].Array][coordinates[c].Index] = x[c];
        return ConvNet.Loss(arrays[0], arrays[1], arrays[2], arrays[3], data.Image(n), label);
    }

    double[] point = coordinates.Select(c => arrays[c.Array][c.Index]).ToArray();
    double[][] gradients = arrays.Select(a => new double[a.Length]).ToArray();
    ConvNet.LossBackward(arrays[0], arrays[1], arrays[2], arrays[3], data.Image(n), label, gradients[0], gradients[1], gradients[2], gradients[3]);
    GradientCheckResult check = GradientCheck.Compare(coordinates.Select(c => gradients[c.Array][c.Index]).ToArray(), GradientCheck.NumericGradient(Loss, point, relativeStep: 1e-5));
    Loss(point);
    worst = Math.Max(worst, check.MaxRelativeError);
    table.AddRow(n.ToString(), coordinates.Length.ToString(), check.MaxRelativeError.ToString("0.0e+00"), check.Passed(1e-5) ? "[green]ok[/]" : "[red]FAILED[/]");
}

AnsiConsole.MarkupLine("[bold]Gradient check[/]: generated LossBackward against central finite differences (tolerance 1e-5)");
AnsiConsole.Write(table);
if (worst > 1e-5)
{
    Console.Error.WriteLine("error: the gradient check failed");
    return 1;
}

// 2. The model class (ConvModel, composed of ConvLayer and DenseLayer) against the static chain, from the same
//    weights, for 40 Adam steps on the same batches.
var identical = Training.CompareModelWithStatic(data, seed, steps: 40, batch: 16);
AnsiConsole.MarkupLine($"[bold]Model class[/]: 40 steps of ConvModel and of the static ConvNet end with weights that differ by at most {identical:0.0e+00}"
    + (identical == 0 ? " (bit for bit identical)" : ""));

// 3. Training, from fresh weights.
parameters = Parameters.Create(seed);
var clock = Stopwatch.StartNew();
double accuracy = 0;
for (int epoch = 0; epoch < epochs; epoch++)
{
    double loss = Training.Epoch(parameters, data, epoch, seed);
    accuracy = Training.Accuracy(parameters, data, 8000, 10000);
    Console.WriteLine($"epoch {epoch + 1}: train loss {loss:0.0000}, test accuracy {accuracy:P2} ({clock.Elapsed.TotalSeconds:0.0} s)");
}

Console.WriteLine($"test accuracy: {accuracy * 100:0.00}%");
return 0;
