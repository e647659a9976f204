using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Xunit;

namespace Backprop.Gen.Tests.Infrastructure;

/// <summary>
/// Checks the derivatives of a method whose parameters are doubles, floats, integers and differentiable structs,
/// seen as one vector of floating leaves (a struct's fields and settable properties, recursively): the Backward's
/// gradient against central finite differences, and where they exist the Tangent along a random direction against
/// ⟨u, ∇f⟩ and the HessianVector against finite differences of the gradient.
/// </summary>
internal static class StructHarness
{
    /// <param name="step">The finite differences' step (float code wants about 1e-3).</param>
    /// <param name="tolerance">The relative tolerance against finite differences (float code wants about 1e-2).</param>
    public static void Check(Assembly assembly, string type, string method, Func<Random, object?[]> arguments, int points = 4, int seed = 3,
        double step = 1e-6, double tolerance = 1e-5)
    {
        var random = new Random(seed);
        for (int p = 0; p < points; p++) CheckAt(assembly, type, method, arguments(random), random, step, tolerance);
    }

    private static void CheckAt(Assembly assembly, string typeName, string method, object?[] args, Random random, double step, double tolerance)
    {
        // Forward mode and the Backward agree to rounding: exactly for double code, to float's precision for float code.
        double agreement = tolerance > 1e-5 ? 1e-4 : 1e-9;
        Type declaring = assembly.GetType(typeName, throwOnError: true)!;
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static;
        MethodInfo primal = declaring.GetMethods(all).Single(m => m.Name == method && m.GetParameters().Length == args.Length);
        MethodInfo backward = declaring.GetMethods(all).Where(m => m.Name == method + "Backward").OrderByDescending(m => m.GetParameters().Length).First();
        var names = primal.GetParameters().Select(q => q.Name!).ToList();
        var differentiable = Enumerable.Range(0, names.Count)
            .Where(i => backward.GetParameters().Any(q => q.Name == "d" + char.ToUpperInvariant(names[i][0]) + names[i].Substring(1))).ToList();
        Type result = primal.ReturnType;
        int outputs = Flatten(new[] { Invoke.Call(primal, args) }).Length;

        // A struct result is checked one field at a time: the seed is that field's unit vector, the function that field.
        double[] x = Flatten(differentiable.Select(i => args[i]));
        for (int j = 0; j < outputs; j++)
        {
            object seed = Unflatten(new[] { result }, Enumerable.Range(0, outputs).Select(k => k == j ? 1.0 : 0.0).ToArray())[0]!;
            double F(double[] point) => Flatten(new[] { Invoke.Call(primal, With(args, differentiable, point)) })[j];
            double[] Gradient(double[] point)
            {
                object?[] at = With(args, differentiable, point).Concat(differentiable.Select(i => Zero(args[i]!.GetType()))).Append(seed).ToArray();
                Invoke.Call(backward, at);
                return Flatten(at.Skip(args.Length).Take(differentiable.Count));
            }

            double[] gradient = Gradient(x);
            for (int k = 0; k < x.Length; k++)
            {
                double h = step * Math.Max(1, Math.Abs(x[k]));
                double[] up = (double[])x.Clone(), down = (double[])x.Clone();
                up[k] += h;
                down[k] -= h;
                double fd = (F(up) - F(down)) / (2 * h);
                Assert.True(Math.Abs(fd - gradient[k]) <= tolerance * Math.Max(1, Math.Abs(fd)), $"{method}: output {j}, leaf {k}: gradient {gradient[k]}, finite difference {fd}");
            }

            double[] u = x.Select(_ => random.NextDouble() * 2 - 1).ToArray();
            object?[] direction = Unflatten(differentiable.Select(i => args[i]!.GetType()), u);
            if (declaring.GetMethods(all).FirstOrDefault(m => m.Name == method + "Tangent") is { } tangentMethod)
            {
                object?[] tangentArgs = args.Concat(direction).Append(null).ToArray();
                Invoke.Call(tangentMethod, tangentArgs);
                double expected = u.Zip(gradient, (a, b) => a * b).Sum();
                double tangent = Flatten(new[] { tangentArgs[^1] })[j];
                Assert.True(Math.Abs(tangent - expected) <= agreement * Math.Max(1, Math.Abs(expected)), $"{method}: output {j}: tangent {tangent}, ⟨u, ∇f⟩ {expected}");
            }

            if (declaring.GetMethods(all).FirstOrDefault(m => m.Name == method + "HessianVector") is { } hvp)
            {
                object?[] hvpArgs = args.Concat(direction).Concat(differentiable.Select(i => Zero(args[i]!.GetType())))
                    .Concat(differentiable.Select(i => Zero(args[i]!.GetType()))).ToArray();
                ParameterInfo[] rest = hvp.GetParameters().Skip(hvpArgs.Length).ToArray();
                hvpArgs = hvpArgs.Concat(rest.Select((q, i) => i == 0 ? seed : q.HasDefaultValue ? q.DefaultValue : Activator.CreateInstance(q.ParameterType))).ToArray();
                Invoke.Call(hvp, hvpArgs);
                double[] product = Flatten(hvpArgs.Skip(args.Length + 2 * differentiable.Count).Take(differentiable.Count));
                double along = Math.Max(step, 1e-5);
                double[] plus = Gradient(x.Zip(u, (a, b) => a + along * b).ToArray()), minus = Gradient(x.Zip(u, (a, b) => a - along * b).ToArray());
                for (int k = 0; k < x.Length; k++)
                {
                    double fd = (plus[k] - minus[k]) / (2 * along);
                    Assert.True(Math.Abs(fd - product[k]) <= tolerance * Math.Max(1, Math.Abs(fd)), $"{method}: output {j}: (H·u)[{k}] {product[k]}, finite difference {fd}");
                }
            }
        }
    }

    private static object?[] With(object?[] args, List<int> differentiable, double[] point)
    {
        object?[] values = Unflatten(differentiable.Select(i => args[i]!.GetType()), point);
        object?[] result = (object?[])args.Clone();
        for (int j = 0; j < differentiable.Count; j++) result[differentiable[j]] = values[j];
        return result;
    }

    private static object Zero(Type type) => type == typeof(double) ? 0.0 : type == typeof(float) ? 0f : Activator.CreateInstance(type)!;

    /// <summary>
    /// A struct's data members: public instance fields (readonly ones too) and auto-properties (not indexers), a get-only
    /// one set through its backing field.
    /// </summary>
    private static IEnumerable<(Type Type, Func<object, object?> Get, Action<object, object?> Set)> Members(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Instance).Select(f => (f.FieldType, (Func<object, object?>)f.GetValue, (Action<object, object?>)f.SetValue))
            .Concat(type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0)
                .Select(p => (Property: p, Backing: type.GetField($"<{p.Name}>k__BackingField", BindingFlags.NonPublic | BindingFlags.Instance)))
                .Where(p => p.Property.SetMethod is not null || p.Backing is not null)
                .Select(p => (p.Property.PropertyType, (Func<object, object?>)p.Property.GetValue,
                    p.Property.SetMethod is not null ? (Action<object, object?>)p.Property.SetValue : p.Backing!.SetValue)));

    private static double[] Flatten(IEnumerable<object?> values)
    {
        var leaves = new List<double>();
        void Add(object? value)
        {
            switch (value)
            {
                case double d: leaves.Add(d); break;
                case float f: leaves.Add(f); break;
                case null: break;
                default: foreach (var member in Members(value.GetType())) Add(member.Get(value)); break;
            }
        }

        foreach (object? value in values) Add(value);
        return leaves.ToArray();
    }

    private static object?[] Unflatten(IEnumerable<Type> types, double[] leaves)
    {
        int k = 0;
        object Make(Type type)
        {
            if (type == typeof(double)) return leaves[k++];
            if (type == typeof(float)) return (float)leaves[k++];
            object boxed = Activator.CreateInstance(type)!;
            foreach (var member in Members(type)) member.Set(boxed, Make(member.Type));
            return boxed;
        }

        return types.Select(Make).ToArray();
    }
}
