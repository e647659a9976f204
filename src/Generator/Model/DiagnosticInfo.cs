using System.Linq;
using Backprop.Gen.Diagnostics;
using Microsoft.CodeAnalysis;

namespace Backprop.Gen.Model;

/// <summary>A diagnostic as plain data: the descriptor's ID, where, and the message arguments.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        new(descriptor.Id, location, arguments.ToEquatableArray());

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(DiagnosticDescriptors.ById(Id), Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None,
            Arguments.Cast<object>().ToArray());
}

/// <summary>A value paired with the diagnostics found while making it; the value is null when an error stopped it.</summary>
/// <param name="Key">What the value is made from, when callers refer to it by that (a method's <see cref="Parsing.Contract.Key"/>).</param>
internal sealed record Result<T>(T? Value, EquatableArray<DiagnosticInfo> Diagnostics, string? Key = null)
    where T : class
{
    public static Result<T> Failure(params DiagnosticInfo[] diagnostics) => new(null, diagnostics.ToEquatableArray());
}
