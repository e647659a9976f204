using System.Text;

namespace Backprop.Gen.Emit;

/// <summary>An indenting text writer for generated C#: four spaces a level, '\n' line endings.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public void WriteLine(string line = "")
    {
        if (line.Length > 0) _text.Append(' ', _indent * 4).Append(line);
        _text.Append('\n');
    }

    public void OpenBlock(string? header = null)
    {
        if (header is not null) WriteLine(header);
        WriteLine("{");
        _indent++;
    }

    public void CloseBlock(string suffix = "")
    {
        _indent--;
        WriteLine("}" + suffix);
    }

    /// <summary>Closes a <c>try</c> block and writes its <c>finally</c> block.</summary>
    public void CloseTry(System.Action writeFinally)
    {
        CloseBlock();
        OpenBlock("finally");
        writeFinally();
        CloseBlock();
    }

    public void Indent() => _indent++;

    public void Unindent() => _indent--;

    public override string ToString() => _text.ToString();
}
