using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Xunit;

namespace Backprop.Gen.Tests.Infrastructure;

/// <summary>
/// Checks a generated <c>…HessianVector</c>: its gradient equals the Backward's, its H·v equals central differences
/// of the Backward's gradient along v, and the Hessian it implies is symmetric (⟨u, H·v⟩ = ⟨v, H·u⟩).
/// </summary>
internal static class HessianHarness
{
    public static void Check(Assembly assembly, string type, string method, Func<Random, object?[]> arguments, int points = 3, int seed = 9)
    {
        var random = new Random(seed);
        for (int p = 0; p < points; p++) CheckAt(assembly, type, method, arguments(random), random);
    }

    private sealed record Shape(int Parameter, int[] Lengths, Type Element);

    public static void CheckAt(Assembly assembly, string type, string method, object?[] args, Random random)
    {
        Type declaring = assembly.GetType(type, throwOnError: true)!;
        MethodInfo primal = Invoke.Methods(declaring, method, args).Single(m => m.GetParameters().Length == args.Length);
        MethodInfo backward = Invoke.Backward(declaring, method, args);
        MethodInfo hvp = Invoke.Methods(declaring, method + "HessianVector", args).Single();
        var names = primal.GetParameters().Select(q => q.Name!).ToList();
        var differentiable = new List<int>();
        for (int i = 0; i < names.Count; i++)
        {
            string adjoint = "d" + char.ToUpperInvariant(names[i][0]) + names[i].Substring(1);
            while (names.Contains(adjoint)) adjoint += "_";
            if (backward.GetParameters().Any(q => q.Name == adjoint)) differentiable.Add(i);
        }

        double[] x = Flatten(args, differentiable);
        double[] Gradient(double[] point)
        {
            object?[] a = Unflatten(args, differentiable, point);
            object?[] call = a.Concat(differentiable.Select(i => Zero(a[i]))).Append(1.0).ToArray();
            Invoke.Call(backward, call);
            return Flatten(call.Skip(args.Length).Take(differentiable.Count).ToArray(), Enumerable.Range(0, differentiable.Count).ToList());
        }

        (double[] Gradient, double[] Hv) HessianVector(double[] v)
        {
            object?[] a = args.Select(Clone).ToArray();
            object?[] directions = Unflatten(differentiable.Select(i => args[i]).ToArray(), Enumerable.Range(0, differentiable.Count).ToList(), v);
            object?[] call = a.Concat(directions).Concat(differentiable.Select(i => Zero(a[i]))).Concat(differentiable.Select(i => Zero(a[i])))
                .Append(1.0).Append(0.0).ToArray();
            object? value = Invoke.Call(hvp, call);
            Assert.Equal(Invoke.Call(primal, args.Select(Clone).ToArray()), value);
            int d = differentiable.Count, start = args.Length + d;
            var indices = Enumerable.Range(0, d).ToList();
            return (Flatten(call.Skip(start).Take(d).ToArray(), indices), Flatten(call.Skip(start + d).Take(d).ToArray(), indices));
        }

        double[] u = x.Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] w = x.Select(_ => random.NextDouble() * 2 - 1).ToArray();
        (double[] g, double[] hu) = HessianVector(u);
        AssertClose(Gradient(x), g, 1e-12, $"{method}: the HessianVector's gradient differs from the Backward's");

        // H·u by central differences of the gradient along u (Richardson-extrapolated, per component).
        double[] numeric = new double[x.Length];
        for (int k = 0; k < x.Length; k++)
        {
            int component = k;
            numeric[k] = GradientCheck.NumericGradient(t => Gradient(x.Zip(u, (xi, ui) => xi + t[0] * ui).ToArray())[component], new[] { 0.0 })[0];
        }

        var result = GradientCheck.Compare(hu, numeric, 1e-5);
        Assert.True(result.Passed(1e-6), $"{method}: H·v {result}");

        // Symmetry: <w, H u> = <u, H w>.
        (_, double[] hw) = HessianVector(w);
        double left = w.Zip(hu, (a, b) => a * b).Sum(), right = u.Zip(hw, (a, b) => a * b).Sum();
        Assert.True(GradientCheck.RelativeError(left, right, 1e-8) < 1e-9, $"{method}: <w, Hu> = {left} but <u, Hw> = {right}");
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance, string message)
    {
        var result = GradientCheck.Compare(actual, expected, 1e-9);
        Assert.True(result.Passed(tolerance), message + ": " + result);
    }

    private static object? Zero(object? value) => value switch
    {
        double => 0.0,
        Array a => Array.CreateInstance(a.GetType().GetElementType()!, Enumerable.Range(0, a.Rank).Select(a.GetLength).ToArray()),
        _ => throw new InvalidOperationException(),
    };

    private static double[] Flatten(object?[] values, List<int> which) => which.SelectMany(i => values[i] switch
    {
        double d => new[] { d },
        double[] a => a,
        double[,] m => m.Cast<double>(),
        _ => throw new InvalidOperationException(),
    }).ToArray();

    private static object?[] Unflatten(object?[] template, List<int> which, double[] point)
    {
        object?[] result = template.Select(Clone).ToArray();
        int k = 0;
        foreach (int i in which)
        {
            switch (result[i])
            {
                case double:
                    result[i] = point[k++];
                    break;
                case double[] a:
                    for (int j = 0; j < a.Length; j++) a[j] = point[k++];
                    break;
                case double[,] m:
                    for (int r = 0; r < m.GetLength(0); r++)
                    for (int c = 0; c < m.GetLength(1); c++) m[r, c] = point[k++];
                    break;
            }
        }

        return result;
    }

    private static object? Clone(object? value) => value is Array array ? array.Clone() : value;
}
