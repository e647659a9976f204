namespace Backprop.Gen.Model;

/// <summary>The derivatives a method is generated with, or a callee has (the attribute's <c>DifferentiationModes</c>).</summary>
[System.Flags]
internal enum Modes
{
    None = 0,

    /// <summary><c>…Backward</c> (and, for a layer, <c>…Pullback</c>; for generated callers, <c>…Record</c>/<c>…Replay</c>).</summary>
    Reverse = 1,

    /// <summary><c>…Tangent</c>.</summary>
    Forward = 2,

    /// <summary><c>…HessianVector</c> (implies the other two).</summary>
    SecondOrder = 4,
}

/// <summary>Flag tests that read as words.</summary>
internal static class ModesExtensions
{
    public static bool Has(this Modes modes, Modes mode) => (modes & mode) == mode;
}
