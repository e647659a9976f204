using System;
using System.Globalization;
using System.Linq;
using TwoLayerNetwork;

// The 2-2-2 sigmoid network: one gradient step by the generated ErrorBackward, against the reference numbers, then
// training until the error is small.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

double[] w = { 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50 };
double[] input = { 0.05, 0.10 }, target = { 0.01, 0.99 };
const double rate = 0.5;
bool allOk = true;

double[] dW = new double[8];
double error = Network.ErrorBackward(w, input, target, dW);
Console.WriteLine("One step with learning rate 0.5");
Report("E before", error, 0.2397);
double[] stepped = w.Zip(dW, (wi, gi) => wi - rate * gi).ToArray();
double[] expected = { 0.1499, 0.1999, 0.2499, 0.2998, 0.3143, 0.3640, 0.4722, 0.5224 };
for (int i = 0; i < 8; i++) Report($"w{i + 1}", stepped[i], expected[i]);
Report("E after", Network.Error(stepped, input, target), 0.2326);

Console.WriteLine();
Console.WriteLine("Training (the gradient buffer is cleared each step: Backward methods add to it)");
w = stepped;
for (int step = 2; step <= 10000; step++)
{
    Array.Clear(dW);
    error = Network.ErrorBackward(w, input, target, dW);
    for (int i = 0; i < w.Length; i++) w[i] -= rate * dW[i];
    if (step is 10 or 100 or 1000 or 10000) Console.WriteLine($"  step {step,5}: E = {error:0.000000000}");
}

Console.WriteLine(allOk ? "all reference numbers match" : "MISMATCH against the reference numbers");
return allOk ? 0 : 1;

void Report(string name, double value, double reference)
{
    bool ok = Math.Round(value, 4) == reference;
    allOk &= ok;
    Console.WriteLine($"  {name,-9} {value,10:0.000000}   reference {reference,7:0.0000}   {(ok ? "ok" : "MISMATCH")}");
}
