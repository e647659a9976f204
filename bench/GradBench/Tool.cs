using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace Backprop.GradBench;

/// <summary>
/// The protocol: <c>start</c>, <c>define</c>, <c>evaluate</c>, <c>analysis</c> and anything else, each answered with
/// its <c>id</c>. A message the tool cannot handle (bad JSON, an unknown module or function, an input of the wrong
/// shape, a non-finite result) gets <c>success: false</c> with an error, never a crash.
/// </summary>
internal sealed class Tool
{
    private readonly Dictionary<string, IModule> _modules = new(StringComparer.Ordinal)
    {
        ["hello"] = new Hello(),
        ["llsq"] = new Llsq(),
        ["lse"] = new Lse(),
        ["ode"] = new Ode(),
        ["det"] = new Det(),
        ["kmeans"] = new Kmeans(),
        ["gmm"] = new Gmm(),
        ["ba"] = new Ba(),
        ["ht"] = new Ht(),
        ["lstm"] = new Lstm(),
        ["particle"] = new Particle(),
        ["saddle"] = new Saddle(),
    };

    /// <summary>Writes the response to one message line (without the newline).</summary>
    public void Respond(string line, Stream output)
    {
        // The response is put together in a buffer: one that fails half way is replaced whole by an error.
        var buffer = new ArrayBufferWriter<byte>(1 << 12);
        Respond(line, buffer);
        output.Write(buffer.WrittenSpan);
    }

    private void Respond(string line, ArrayBufferWriter<byte> buffer)
    {
        var writer = new Utf8JsonWriter(buffer);
        JsonElement id = default;
        try
        {
            using JsonDocument message = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 256 });
            JsonElement root = message.RootElement;
            id = root.TryGetProperty("id", out JsonElement found) ? found.Clone() : default;
            string kind = root.TryGetProperty("kind", out JsonElement k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : "";
            switch (kind)
            {
                case "start":
                    writer.WriteStartObject();
                    WriteId(writer, id);
                    writer.WriteString("tool", "backprop-gen");
                    writer.WriteEndObject();
                    break;
                case "define":
                    string module = root.GetProperty("module").GetString() ?? "";
                    writer.WriteStartObject();
                    WriteId(writer, id);
                    writer.WriteBoolean("success", _modules.ContainsKey(module));
                    if (!_modules.ContainsKey(module)) writer.WriteString("error", $"module '{module}' is not implemented");
                    writer.WriteEndObject();
                    break;
                case "evaluate":
                    Evaluate(root, id, writer);
                    break;
                default:
                    writer.WriteStartObject();
                    WriteId(writer, id);
                    writer.WriteEndObject();
                    break;
            }
        }
        catch (Exception exception)
        {
            // Whatever went wrong with this message (bad JSON, a missing field, an unknown function, a non-finite
            // result), the eval hears about it and goes on: the tool never crashes on a message.
            buffer.Clear();
            writer = new Utf8JsonWriter(buffer);
            writer.WriteStartObject();
            WriteId(writer, id);
            writer.WriteBoolean("success", false);
            writer.WriteString("error", exception.GetType().Name + ": " + exception.Message);
            writer.WriteEndObject();
        }

        writer.Flush();
    }

    private void Evaluate(JsonElement root, JsonElement id, Utf8JsonWriter writer)
    {
        string module = root.GetProperty("module").GetString() ?? "";
        string function = root.GetProperty("function").GetString() ?? "";
        if (!_modules.TryGetValue(module, out IModule? implementation)) throw new KeyNotFoundException($"module '{module}' is not implemented");
        JsonElement input = root.GetProperty("input");
        Runs runs = Runs.From(input);
        Evaluation evaluation = implementation.Prepare(function, input);
        List<long> timings = runs.Time(evaluation.Run);

        // Written to a buffer first: a result that cannot be written (NaN) must not leave half a response behind.
        var buffer = new ArrayBufferWriter<byte>(1 << 16);
        using (var result = new Utf8JsonWriter(buffer)) evaluation.Write(result);
        writer.WriteStartObject();
        WriteId(writer, id);
        writer.WriteBoolean("success", true);
        writer.WritePropertyName("output");
        writer.WriteRawValue(buffer.WrittenSpan, skipInputValidation: true);
        writer.WriteStartArray("timings");
        foreach (long nanoseconds in timings)
        {
            writer.WriteStartObject();
            writer.WriteString("name", "evaluate");
            writer.WriteNumber("nanoseconds", nanoseconds);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteId(Utf8JsonWriter writer, JsonElement id)
    {
        writer.WritePropertyName("id");
        if (id.ValueKind == JsonValueKind.Undefined) writer.WriteNullValue();
        else id.WriteTo(writer);
    }
}
