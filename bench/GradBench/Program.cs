using System;
using System.IO;
using System.Text;
using Backprop.GradBench;

// A GradBench tool: one JSON message per line on stdin, one response per line on stdout (flushed), logs on stderr.
// Input lines reach 26 MB and outputs 46 MB: a large buffer each way.
var input = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false), false, 1 << 20);
using var output = new BufferedStream(Console.OpenStandardOutput(), 1 << 20);
var tool = new Tool();
while (input.ReadLine() is { } line)
{
    if (line.Length == 0) continue;
    tool.Respond(line, output);
    output.WriteByte((byte)'\n');
    output.Flush();
}
