using System;
using System.Globalization;
using Backprop;
using NumericalGradient;

// The bowl: its generated gradient against the reference (6, 8) and against finite differences, and gradient descent.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
bool allOk = true;

var (value, d0, d1) = Bowl.FBackward(3, 4);
Console.WriteLine("f(x0, x1) = x0² + x1² at (3, 4)");
Report("f", value, 25);
Report("∂f/∂x0", d0, 6);
Report("∂f/∂x1", d1, 8);

double[] numeric = GradientCheck.NumericGradient(Bowl.At, new[] { 3.0, 4.0 });
Console.WriteLine($"  finite differences: ({numeric[0]:R}, {numeric[1]:R})");
GradientCheckResult check = GradientCheck.Check(Bowl.At, (x, g) => Bowl.AtBackward(x, g), new[] { 3.0, 4.0 });
Console.WriteLine($"  GradientCheck: {check}   {(check.Passed() ? "ok" : "FAILED")}");
allOk &= check.Passed();

Console.WriteLine();
Console.WriteLine("Gradient descent from (−3, 4), learning rate 0.1, 100 steps");
double a = -3, b = 4;
for (int step = 1; step <= 100; step++)
{
    var (_, g0, g1) = Bowl.FBackward(a, b);
    a -= 0.1 * g0;
    b -= 0.1 * g1;
    if (step is 1 or 10 or 50 or 100) Console.WriteLine($"  step {step,3}: ({a:0.000000000000}, {b:0.000000000000})");
}

bool converged = Math.Abs(a) < 1e-8 && Math.Abs(b) < 1e-8;
Console.WriteLine($"  within 1e-8 of (0, 0): {(converged ? "ok" : "MISMATCH")}");
allOk &= converged;
Console.WriteLine(allOk ? "all reference numbers match" : "MISMATCH against the reference numbers");
return allOk ? 0 : 1;

void Report(string name, double actual, double reference)
{
    bool ok = Math.Abs(actual - reference) <= 1e-12 * Math.Max(1, Math.Abs(reference));
    allOk &= ok;
    Console.WriteLine($"  {name,-7} {actual,8:0.####}   reference {reference,4}   {(ok ? "ok" : "MISMATCH")}");
}
