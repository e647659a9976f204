using System;
using System.Globalization;
using HigherOrder;

// Forward mode, reverse mode and second derivatives of the same functions, next to the reference numbers.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
bool allMatch = true;

Console.WriteLine("y = x² at x = 5");
var (y, gradient, hessian) = Functions.SquareHessian(5);
Report("y", y, 25);
Report("dy/dx", gradient[0], 10);
Report("d²y/dx²", hessian[0, 0], 2);
Functions.SquareTangent(5, 1, out double tangent);
Report("dy/dx (forward mode)", tangent, 10);

Console.WriteLine();
Console.WriteLine("z = x⁴ at x = 5");
var (_, dz) = Functions.FourthBackward(5);
Report("dz/dx", dz, 500);
Report("d²z/dx²", Functions.FourthHessian(5).Hessian[0, 0], 300);

Console.WriteLine();
Console.WriteLine("w = x⁸ at x = 5");
var (_, dw) = Functions.EighthBackward(5);
Report("dw/dx", dw, 625000);
Report("d²w/dx²", Functions.EighthHessian(5).Hessian[0, 0], 56 * Math.Pow(5, 6));

// Newton's method: x ← x − H⁻¹∇f, with the exact Hessian, from the classic start (−1.2, 1).
Console.WriteLine();
Console.WriteLine("Newton's method on Rosenbrock's valley from (-1.2, 1)");
double px = -1.2, py = 1;
for (int step = 1; step <= 20; step++)
{
    var (f, g, h) = Functions.RosenbrockHessian(px, py);
    double det = h[0, 0] * h[1, 1] - h[0, 1] * h[1, 0];
    double sx = (h[1, 1] * g[0] - h[0, 1] * g[1]) / det;
    double sy = (h[0, 0] * g[1] - h[1, 0] * g[0]) / det;
    px -= sx;
    py -= sy;
    Console.WriteLine($"  step {step,2}: f = {f,12:E3}  at ({px,10:0.000000}, {py,10:0.000000})");
    if (Math.Abs(sx) + Math.Abs(sy) < 1e-12) break;
}

Report("x at the minimum", px, 1, 1e-9);
Report("y at the minimum", py, 1, 1e-9);
return allMatch ? 0 : 1;

void Report(string name, double value, double reference, double tolerance = 1e-9)
{
    bool ok = Math.Abs(value - reference) <= tolerance * Math.Max(1, Math.Abs(reference));
    allMatch &= ok;
    Console.WriteLine($"  {name,-22} {value,14:0.######}   reference {reference,14:0.######}   {(ok ? "ok" : "MISMATCH")}");
}
