using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Xunit;

namespace Backprop.Gen.Tests.Infrastructure;

/// <summary>
/// Checks a generated <c>…Tangent</c>: along a random direction u its tangent must equal ⟨u, ∇f⟩ from the generated
/// Backward (the dot-product identity ⟨J·u, v⟩ = ⟨u, Jᵀ·v⟩ with v = 1), and the directional finite difference.
/// </summary>
internal static class ForwardHarness
{
    public static void Check(Assembly assembly, string type, string method, Func<Random, object?[]> arguments, int points = 4, int seed = 5)
    {
        var random = new Random(seed);
        for (int p = 0; p < points; p++) CheckAt(assembly, type, method, arguments(random), random);
    }

    public static void CheckAt(Assembly assembly, string type, string method, object?[] args, Random random)
    {
        Type declaring = assembly.GetType(type, throwOnError: true)!;
        MethodInfo primal = Invoke.Methods(declaring, method, args).Single(m => m.GetParameters().Length == args.Length);
        MethodInfo backward = Invoke.Backward(declaring, method, args);
        MethodInfo tangentMethod = Invoke.Methods(declaring, method + "Tangent", args).Single();
        ParameterInfo[] backwardParameters = backward.GetParameters();
        var names = primal.GetParameters().Select(q => q.Name!).ToList();
        var differentiable = new List<int>();
        for (int i = 0; i < names.Count; i++)
        {
            string adjoint = "d" + char.ToUpperInvariant(names[i][0]) + names[i].Substring(1);
            while (names.Contains(adjoint)) adjoint += "_";
            if (backwardParameters.Any(q => q.Name == adjoint)) differentiable.Add(i);
        }

        // The direction, shaped like the differentiable parameters.
        object?[] direction = differentiable.Select(i => args[i] switch
        {
            double => (object)(random.NextDouble() * 2 - 1),
            float => (float)(random.NextDouble() * 2 - 1),
            double[] a => a.Select(_ => random.NextDouble() * 2 - 1).ToArray(),
            float[] a => a.Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(),
            double[,] a => Fill(new double[a.GetLength(0), a.GetLength(1)], random),
            _ => throw new InvalidOperationException(),
        }).ToArray();

        object?[] tangentArgs = args.Select(Clone).Concat(direction).Append(null).ToArray();
        object? value = Invoke.Call(tangentMethod, tangentArgs);
        Assert.Equal(Invoke.Call(primal, args.Select(Clone).ToArray()), value);
        double tangent = System.Convert.ToDouble(tangentArgs[^1], System.Globalization.CultureInfo.InvariantCulture);

        // ⟨u, ∇f⟩ from the Backward.
        object?[] backwardArgs = args.Select(Clone).Concat(differentiable.Select(i => args[i] switch
        {
            double => (object)0.0,
            float => 0f,
            Array a => Array.CreateInstance(a.GetType().GetElementType()!, Enumerable.Range(0, a.Rank).Select(a.GetLength).ToArray()),
            _ => throw new InvalidOperationException(),
        })).Append(backwardParameters[^1].ParameterType == typeof(float) ? 1f : (object)1.0).ToArray();
        Invoke.Call(backward, backwardArgs);
        double expected = 0;
        for (int k = 0; k < differentiable.Count; k++) expected += Dot(direction[k]!, backwardArgs[args.Length + k]!);

        bool isFloat = primal.ReturnType == typeof(float);
        double agreement = GradientCheck.RelativeError(tangent, expected, 1e-6);
        Assert.True(agreement < (isFloat ? 1e-4 : 1e-9), $"{method}: tangent {tangent} but <u, grad> = {expected}");

        double F(double[] t) => System.Convert.ToDouble(Invoke.Call(primal, Shift(args, differentiable, direction, t[0])), System.Globalization.CultureInfo.InvariantCulture);
        double numeric = GradientCheck.NumericGradient(F, new[] { 0.0 })[0];
        Assert.True(GradientCheck.RelativeError(tangent, numeric, isFloat ? 1e-2 : 1e-6) < (isFloat ? 5e-2 : 1e-6), $"{method}: tangent {tangent} but finite differences {numeric}");
    }

    private static object?[] Shift(object?[] args, List<int> differentiable, object?[] direction, double t)
    {
        object?[] shifted = args.Select(Clone).ToArray();
        for (int k = 0; k < differentiable.Count; k++)
        {
            int i = differentiable[k];
            shifted[i] = shifted[i] switch
            {
                double d => d + t * (double)direction[k]!,
                float f => (float)(f + t * (float)direction[k]!),
                double[] a => a.Zip((double[])direction[k]!, (x, u) => x + t * u).ToArray(),
                float[] a => a.Zip((float[])direction[k]!, (x, u) => (float)(x + t * u)).ToArray(),
                double[,] a => Add((double[,])a.Clone(), (double[,])direction[k]!, t),
                _ => shifted[i],
            };
        }

        return shifted;
    }

    private static double Dot(object u, object g) => (u, g) switch
    {
        (double a, double b) => a * b,
        (float a, float b) => a * b,
        (double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum(),
        (float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum(),
        (double[,] a, double[,] b) => a.Cast<double>().Zip(b.Cast<double>(), (x, y) => x * y).Sum(),
        _ => throw new InvalidOperationException(),
    };

    private static double[,] Fill(double[,] a, Random random)
    {
        for (int i = 0; i < a.GetLength(0); i++)
        for (int j = 0; j < a.GetLength(1); j++) a[i, j] = random.NextDouble() * 2 - 1;
        return a;
    }

    private static double[,] Add(double[,] a, double[,] u, double t)
    {
        for (int i = 0; i < a.GetLength(0); i++)
        for (int j = 0; j < a.GetLength(1); j++) a[i, j] += t * u[i, j];
        return a;
    }

    private static object? Clone(object? value) => value is Array array ? array.Clone() : value;
}
