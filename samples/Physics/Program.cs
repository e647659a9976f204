using System;
using System.Globalization;
using Physics;

// Aim a projectile with air drag at a target: gradient descent on the launch velocity, with the gradient of the miss
// distance through all 200 steps of the simulation from the generated MissBackward.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
const int Steps = 200;
const double Dt = 0.01, Drag = 0.02;
var target = new Vec2(12, 3);
var launch = new Vec2(5, 5);

Console.WriteLine($"target {target}, {Steps} steps of {Dt} s, drag {Drag}");
Console.WriteLine("step   launch velocity      lands at             miss");
double miss = double.NaN;
double rate = 0.05;
for (int step = 0; step <= 200; step++)
{
    Vec2 dLaunch = default;
    double dDrag = 0;
    double next = Projectile.MissBackward(launch, Drag, target, Steps, Dt, ref dLaunch, ref dDrag);
    if (step % 20 == 0 || next < 1e-10)
    {
        Console.WriteLine($"{step,4}   {launch,-19}  {Projectile.Simulate(launch, Drag, Steps, Dt),-19}  {Math.Sqrt(next):0.000000}");
    }

    miss = next;
    if (miss < 1e-10) break;
    launch = launch - rate * dLaunch;
}

// The same derivative by forward mode, and by finite differences, at the fitted launch velocity.
Vec2 dFinal = default;
double dDragFinal = 0;
Projectile.MissBackward(launch, Drag, target, Steps, Dt, ref dFinal, ref dDragFinal);
Projectile.MissTangent(launch, Drag, target, Steps, Dt, default, 1.0, out double tangentDrag);
double h = 1e-6;
double finiteDrag = (Projectile.Miss(launch, Drag + h, target, Steps, Dt) - Projectile.Miss(launch, Drag - h, target, Steps, Dt)) / (2 * h);
Console.WriteLine();
Console.WriteLine($"d miss / d drag at the fit: reverse {dDragFinal:0.000000}, forward {tangentDrag:0.000000}, finite differences {finiteDrag:0.000000}");

bool hit = Math.Sqrt(miss) < 1e-4;
bool agree = Math.Abs(dDragFinal - tangentDrag) <= 1e-9 * Math.Max(1, Math.Abs(tangentDrag))
    && Math.Abs(dDragFinal - finiteDrag) <= 1e-5 * Math.Max(1, Math.Abs(finiteDrag));
Console.WriteLine(hit ? $"hit: launch at {launch}, miss {Math.Sqrt(miss):0.0e+0}" : "MISMATCH: the fit did not reach the target");
if (!agree) Console.WriteLine("MISMATCH: the derivatives disagree");
return hit && agree ? 0 : 1;
