using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Xunit;

namespace Backprop.Gen.Tests.Infrastructure;

/// <summary>
/// Checks a generated Backward against central finite differences of its primal, through reflection, at random
/// points: every differentiable scalar and every element of every differentiable array is one coordinate.
/// </summary>
internal static class GradientHarness
{
    /// <summary>
    /// Runs the check at <paramref name="points"/> random points. <paramref name="arguments"/> makes the primal's
    /// arguments for one point (arrays with their lengths, ints with their values).
    /// </summary>
    public static void Check(Assembly assembly, string type, string method, Func<Random, object?[]> arguments,
        int points = 5, int seed = 1, double tolerance = 1e-6, object? instance = null)
    {
        var random = new Random(seed);
        for (int p = 0; p < points; p++)
        {
            object?[] args = arguments(random);
            CheckAt(assembly, type, method, args, random, tolerance, instance);
        }
    }

    public static void CheckAt(Assembly assembly, string type, string method, object?[] args, Random random, double tolerance = 1e-6, object? instance = null)
    {
        Type declaring = assembly.GetType(type, throwOnError: true)!;
        MethodInfo primal = Invoke.Methods(declaring, method, args).Single(m => m.GetParameters().Length == args.Length);
        ParameterInfo[] primalParameters = primal.GetParameters();
        MethodInfo backward = Invoke.Methods(declaring, method + "Backward", args).Where(m => m.GetParameters().Length > args.Length
            && m.GetParameters().Take(args.Length).Select(q => q.ParameterType).SequenceEqual(primalParameters.Select(q => q.ParameterType)))
            .OrderByDescending(m => m.GetParameters().Length).First();
        ParameterInfo[] backwardParameters = backward.GetParameters();
        var names = primalParameters.Select(q => q.Name!).ToList();
        var adjointIndex = new Dictionary<int, int>();
        var taken = new HashSet<string>(names);
        for (int i = 0; i < primalParameters.Length; i++)
        {
            // The contract's names: dX, with an underscore while it clashes with a parameter or an earlier adjoint.
            string adjoint = "d" + char.ToUpperInvariant(names[i][0]) + names[i].Substring(1);
            while (!taken.Add(adjoint)) adjoint += "_";
            int at = Array.FindIndex(backwardParameters, q => q.Name == adjoint);
            if (at >= 0) adjointIndex[i] = at;
        }

        // The coordinates: (parameter, element index or -1 for a scalar).
        var coordinates = new List<(int Parameter, int[]? Index)>();
        foreach (int i in adjointIndex.Keys.OrderBy(k => k))
        {
            switch (args[i])
            {
                case double or float:
                    coordinates.Add((i, null));
                    break;
                case Array array:
                    foreach (int[] index in Indices(array)) coordinates.Add((i, index));
                    break;
            }
        }

        double seedValue = 0.5 + random.NextDouble();
        object?[] backwardArgs = new object?[backwardParameters.Length];
        for (int i = 0; i < args.Length; i++) backwardArgs[i] = Clone(args[i]);
        foreach (var (parameter, at) in adjointIndex)
        {
            backwardArgs[at] = args[parameter] switch
            {
                double => 0.0,
                float => 0f,
                Array array => Array.CreateInstance(array.GetType().GetElementType()!, Enumerable.Range(0, array.Rank).Select(array.GetLength).ToArray()),
                _ => throw new InvalidOperationException(),
            };
        }

        Type seedType = backwardParameters[^1].ParameterType;
        backwardArgs[^1] = seedType == typeof(float) ? (object)(float)seedValue : seedValue;
        object? value = Invoke.Call(backward, backwardArgs, instance);
        object? primalValue = Invoke.Call(primal, args.Select(Clone).ToArray(), instance);
        Assert.Equal(primalValue, value); // the forward part computes bit for bit the same value

        bool isFloat = primal.ReturnType == typeof(float);
        double Evaluate(double[] point)
        {
            object?[] perturbed = args.Select(Clone).ToArray();
            for (int c = 0; c < coordinates.Count; c++) Set(perturbed, coordinates[c], point[c]);
            return System.Convert.ToDouble(Invoke.Call(primal, perturbed, instance), System.Globalization.CultureInfo.InvariantCulture);
        }

        double[] x = coordinates.Select(c => Get(args, c)).ToArray();
        double[] numeric = Backprop.GradientCheck.NumericGradient(Evaluate, x);
        double[] analytic = coordinates.Select(c => Get(backwardArgs, (adjointIndex[c.Parameter], c.Index)) / seedValue).ToArray();
        var result = Backprop.GradientCheck.Compare(analytic, numeric, floor: isFloat ? 1e-2 : 1e-6);
        double limit = isFloat ? Math.Max(tolerance, 5e-2) : tolerance;
        Assert.True(result.Passed(limit),
            $"{method}: {result} (coordinate {Describe(names, coordinates, result.Index)}) at [{string.Join(", ", x.Select(v => v.ToString("R")))}]");
    }

    private static string Describe(List<string> names, List<(int Parameter, int[]? Index)> coordinates, int index) =>
        index < 0 ? "none" : names[coordinates[index].Parameter] + (coordinates[index].Index is { } at ? "[" + string.Join(",", at) + "]" : "");

    private static IEnumerable<int[]> Indices(Array array)
    {
        if (array.Rank == 1)
        {
            for (int i = 0; i < array.Length; i++) yield return new[] { i };
        }
        else
        {
            for (int i = 0; i < array.GetLength(0); i++)
            for (int j = 0; j < array.GetLength(1); j++) yield return new[] { i, j };
        }
    }

    private static object? Clone(object? value) => value is Array array ? array.Clone() : value;

    private static double Get(object?[] values, (int Parameter, int[]? Index) c)
    {
        object? value = c.Index is null ? values[c.Parameter] : ((Array)values[c.Parameter]!).GetValue(c.Index);
        return System.Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Set(object?[] values, (int Parameter, int[]? Index) c, double v)
    {
        if (c.Index is null)
        {
            values[c.Parameter] = values[c.Parameter] is float ? (object)(float)v : v;
            return;
        }

        var array = (Array)values[c.Parameter]!;
        array.SetValue(array.GetType().GetElementType() == typeof(float) ? (object)(float)v : v, c.Index);
    }

    public static double[] RandomArray(Random random, int length, double scale = 1.0) =>
        Enumerable.Range(0, length).Select(_ => (random.NextDouble() * 2 - 1) * scale).ToArray();

    public static double RandomScalar(Random random, double scale = 1.0) => (random.NextDouble() * 2 - 1) * scale;
}
