using System;
using System.Globalization;
using System.Linq;
using Xor;

// The XOR network: the four forward outputs and one gradient step against the reference numbers, then training to
// 100% on the four cases with the generated CostBackward.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
bool allOk = true;
var cases = new[] { (X1: 0.0, X2: 0.0, Y: 0.0), (X1: 0.0, X2: 1.0, Y: 1.0), (X1: 1.0, X2: 0.0, Y: 1.0), (X1: 1.0, X2: 1.0, Y: 0.0) };

double[] g1 = { 2, -2, 0 }, g2 = { 1, 3, -1 }, v = { 3, -2, -1 };
Console.WriteLine("Forward outputs");
double[] outputs = { 0.491, 0.083, 0.655, 0.197 };
for (int k = 0; k < 4; k++) Report($"f({cases[k].X1}, {cases[k].X2})", Network.Output(g1, g2, v, cases[k].X1, cases[k].X2), outputs[k], 3);

Console.WriteLine("One step on x = (1, 0), y = 0, learning rate 1");
double[] dG1 = new double[3], dG2 = new double[3], dV = new double[3];
Network.CostBackward(g1, g2, v, 1, 0, 0, dG1, dG2, dV);
ReportAll("v", v.Zip(dV, (a, b) => a - b).ToArray(), new[] { 2.870, -2.074, -1.148 });
ReportAll("g1", g1.Zip(dG1, (a, b) => a - b).ToArray(), new[] { 1.953, -2.0, -0.047 });
ReportAll("g2", g2.Zip(dG2, (a, b) => a - b).ToArray(), new[] { 1.074, 3.0, -0.926 });

Console.WriteLine();
Console.WriteLine("Training on the four cases (full batch, learning rate 2)");
int epoch = 0;
for (; epoch < 20000 && !Confident(); epoch++)
{
    Array.Clear(dG1);
    Array.Clear(dG2);
    Array.Clear(dV);
    double cost = 0;
    foreach (var (x1, x2, y) in cases) cost += Network.CostBackward(g1, g2, v, x1, x2, y, dG1, dG2, dV);
    for (int i = 0; i < 3; i++)
    {
        g1[i] -= 2 * dG1[i];
        g2[i] -= 2 * dG2[i];
        v[i] -= 2 * dV[i];
    }

    if (epoch % 200 == 0) Console.WriteLine($"  epoch {epoch,5}: cost {cost:0.000000}");
}

foreach (var (x1, x2, y) in cases)
{
    double f = Network.Output(g1, g2, v, x1, x2);
    Console.WriteLine($"  f({x1}, {x2}) = {f:0.0000} → {(f > 0.5 ? 1 : 0)}   target {y}");
}

bool solved = Solved();
Console.WriteLine(solved ? $"100% on XOR, every output within 0.1 of its target, after {epoch} epochs" : "did not learn XOR");
allOk &= solved;
Console.WriteLine(allOk ? "all reference numbers match" : "MISMATCH against the reference numbers");
return allOk ? 0 : 1;

bool Solved() => cases.All(c => (Network.Output(g1, g2, v, c.X1, c.X2) > 0.5 ? 1.0 : 0.0) == c.Y);

// Trains on until every output is within 0.1 of its target, not just on the right side of 0.5.
bool Confident() => cases.All(c => Math.Abs(Network.Output(g1, g2, v, c.X1, c.X2) - c.Y) < 0.1);

void Report(string name, double value, double reference, int digits)
{
    bool ok = Math.Round(value, digits) == reference;
    allOk &= ok;
    Console.WriteLine($"  {name,-10} {value,9:0.00000}   reference {reference,7}   {(ok ? "ok" : "MISMATCH")}");
}

void ReportAll(string name, double[] values, double[] references)
{
    for (int i = 0; i < values.Length; i++) Report($"{name}[{i}]", values[i], references[i], 3);
}
