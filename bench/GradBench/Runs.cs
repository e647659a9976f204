using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text.Json;

namespace Backprop.GradBench;

/// <summary>
/// GradBench's timing rule: run the function until it has run at least <c>min_runs</c> times and the runs add up to
/// at least <c>min_seconds</c>, one timing per run, the JSON conversion outside them.
/// </summary>
internal readonly record struct Runs(int MinRuns, double MinSeconds)
{
    public static Runs From(JsonElement input) =>
        input.ValueKind == JsonValueKind.Object
            ? new Runs(input.TryGetProperty("min_runs", out JsonElement runs) ? Math.Max(1, (int)runs.GetDouble()) : 1,
                input.TryGetProperty("min_seconds", out JsonElement seconds) ? seconds.GetDouble() : 0)
            : new Runs(1, 0);

    public List<long> Time(Action run)
    {
        var timings = new List<long>();
        double elapsed = 0;
        do
        {
            long start = Stopwatch.GetTimestamp();
            run();
            long ticks = Stopwatch.GetTimestamp() - start;
            long nanoseconds = (long)(ticks * (1e9 / Stopwatch.Frequency));
            timings.Add(nanoseconds);
            elapsed += nanoseconds / 1e9;
        }
        while (timings.Count < MinRuns || elapsed < MinSeconds);
        return timings;
    }
}

/// <summary>One function of a module, its input converted: <see cref="Run"/> is timed, <see cref="Write"/> is not.</summary>
internal sealed record Evaluation(Action Run, Action<Utf8JsonWriter> Write);

/// <summary>A GradBench module: its functions, each made ready from its JSON input.</summary>
internal interface IModule
{
    /// <summary>The function ready to run on <paramref name="input"/>; throws for an unknown function or a bad input.</summary>
    Evaluation Prepare(string function, JsonElement input);
}

/// <summary>Reading and writing the JSON shapes the evals use.</summary>
internal static class Json
{
    public static double[] Doubles(JsonElement array)
    {
        var values = new double[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray()) values[i++] = item.GetDouble();
        return values;
    }

    public static int Int(JsonElement input, string name) => (int)input.GetProperty(name).GetDouble();

    /// <summary>A list of equally long lists of numbers, row-major, with its row count and row length.</summary>
    public static (double[] Values, int Rows, int Columns) Matrix(JsonElement rows)
    {
        int count = rows.GetArrayLength();
        int columns = count == 0 ? 0 : rows[0].GetArrayLength();
        var values = new double[count * columns];
        int r = 0;
        foreach (JsonElement row in rows.EnumerateArray())
        {
            if (row.GetArrayLength() != columns) throw new ArgumentException($"row {r} has {row.GetArrayLength()} numbers, the first {columns}");
            int c = 0;
            foreach (JsonElement item in row.EnumerateArray()) values[r * columns + c++] = item.GetDouble();
            r++;
        }

        return (values, count, columns);
    }

    /// <summary>Row-major values as a list of <paramref name="rows"/> lists (empty ones where a row has no columns).</summary>
    public static void WriteMatrix(Utf8JsonWriter writer, double[] values, int rows)
    {
        int columns = rows == 0 ? 0 : values.Length / rows;
        writer.WriteStartArray();
        for (int r = 0; r < rows; r++) Write(writer, values.AsSpan(r * columns, columns));
        writer.WriteEndArray();
    }

    public static void Write(Utf8JsonWriter writer, ReadOnlySpan<double> values)
    {
        writer.WriteStartArray();
        foreach (double value in values) writer.WriteNumberValue(Finite(value));
        writer.WriteEndArray();
    }

    /// <summary>A finite number, or an error: JSON has no NaN or infinity.</summary>
    public static double Finite(double value) =>
        double.IsFinite(value) ? value : throw new ArgumentException($"the result holds {value}, which JSON cannot carry");
}
