using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Backprop.Gen.Diagnostics;

/// <summary>
/// Every diagnostic Backprop.Gen reports. Each one is documented in <c>docs/diagnostics.md</c> under its ID, and a test
/// keeps the two in step. Messages say what is wrong and what to do instead.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Backprop.Gen";
    private const string HelpBase = "https://github.com/backprop-gen/backprop-gen/blob/main/docs/diagnostics.md#";

    // BPG00xx: the method's declaration and the contract.
    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error("BPG0001",
        "Containing type must be partial",
        "Type '{0}' contains [Differentiable] method '{1}' and must be partial: add the 'partial' modifier so that the generated Backward can join it");

    public static readonly DiagnosticDescriptor UnsupportedReturnType = Error("BPG0002",
        "Return type must be double or float",
        "'{0}' returns '{1}': a [Differentiable] method returns double or float, or is void and writes its results into output arrays");

    public static readonly DiagnosticDescriptor UnknownWrtName = Error("BPG0003",
        "Unknown parameter in the wrt list",
        "'{0}' is not a parameter of '{1}': name its parameters with nameof, or remove the entry");

    public static readonly DiagnosticDescriptor WrtNotDifferentiable = Error("BPG0004",
        "Parameter in the wrt list cannot be differentiated",
        "Parameter '{0}' of type '{1}' cannot be differentiated: only double, float, arrays of them and spans of them carry derivatives");

    public static readonly DiagnosticDescriptor UnsupportedParameterModifier = Error("BPG0005",
        "This ref or out parameter is not supported",
        "Parameter '{0}' is passed by '{1}': {2}");

    public static readonly DiagnosticDescriptor GenericMethod = Error("BPG0006",
        "Type parameter is not a floating-point type",
        "'{0}' is generic over '{1}', which generated code cannot differentiate: constrain it with 'where {1} : System.Numerics.IFloatingPointIeee754<{1}>' (generic math), or write the method for double or float");

    public static readonly DiagnosticDescriptor NoBody = Error("BPG0007",
        "Method has no body",
        "'{0}' has no body to differentiate: give it one, or remove [Differentiable]");

    public static readonly DiagnosticDescriptor AsyncMethod = Error("BPG0008",
        "Async methods are not supported",
        "'{0}' is async: a [Differentiable] method must compute its result synchronously");

    public static readonly DiagnosticDescriptor NoDifferentiableParameters = Warning("BPG0009",
        "Method has no differentiable parameter",
        "'{0}' has no differentiable parameter, so its Backward only returns the value: {1}");

    public static readonly DiagnosticDescriptor FileLocalType = Error("BPG0010",
        "Containing type is file-local",
        "Type '{0}' is declared 'file', so the generated '{1}Backward' could not join it from another file: remove the 'file' modifier (make the type internal if it must stay hidden)");

    public static readonly DiagnosticDescriptor NotAMethod = Error("BPG0011",
        "[Differentiable] is only for methods",
        "[Differentiable] on {0} has no effect: {1}");

    public static readonly DiagnosticDescriptor StructParameter = Error("BPG0012",
        "This struct parameter is not differentiated",
        "Parameter '{0}' is a '{1}', a struct holding floating-point fields that the generator does not differentiate (it is not declared in source, has a private field or a field of another type, or has fields that cannot be set and no constructor that only assigns each of them from its own parameter): use a struct declared in source whose fields are all double, float or such structs (a readonly struct needs such a constructor), pass the fields as double parameters, or mark it [NoDerivative] if it is a constant");

    public static readonly DiagnosticDescriptor OutputLeftOutOfWrt = Error("BPG0013",
        "An output is left out of the wrt list",
        "'{0}' writes its results into '{1}', which the wrt list leaves out: name it in the list ([Differentiable(…, nameof({1}))]) so that its gradient flows back, or drop the list and mark the constant inputs [NoDerivative]");

    // BPG01xx: the body.
    public static readonly DiagnosticDescriptor UnsupportedStatement = Error("BPG0101",
        "Statement is not supported",
        "A '{0}' statement cannot be differentiated: {1}");

    public static readonly DiagnosticDescriptor UnsupportedExpression = Error("BPG0102",
        "Expression is not supported",
        "{0} cannot be differentiated: {1}");

    public static readonly DiagnosticDescriptor SideEffectInExpression = Error("BPG0103",
        "Assignment inside an expression",
        "'{0}' changes a variable inside an expression: make the assignment or increment a statement of its own");

    public static readonly DiagnosticDescriptor WriteToNonLocal = Error("BPG0104",
        "Write to a field or property",
        "'{0}' writes to a field or property, or to an array it holds: a [Differentiable] method may assign only its own locals, local arrays and array parameters; compute into a local (or a local array) and return it, or write through an output parameter");

    public static readonly DiagnosticDescriptor OutputReadBeforeWritten = Error("BPG0105",
        "Output read before it is written",
        "Output '{0}' is read here before the method has written it: an output's incoming values are not inputs. Write it first (for example h[i] = 0 before h[i] += …), or take the input in another parameter and write the result into '{0}'");

    public static readonly DiagnosticDescriptor ArrayLocalReassigned = Error("BPG0106",
        "Array local assigned more than once",
        "Array local '{0}' is assigned more than once or from something other than 'new': give each array its own local, created once with new");

    public static readonly DiagnosticDescriptor OutputAliasesArgument = Error("BPG0107",
        "A layer's output is also another of its arguments",
        "'{0}' is both an output of '{1}' and another of its arguments: a layer cannot work in place. Write the result into a new array (double[] {0}2 = new double[{0}.Length]) and use that");

    public static readonly DiagnosticDescriptor ConversionLosesDerivative = Error("BPG0108",
        "A derivative would pass through a type the generator does not differentiate",
        "This conversion brings back to '{0}' a '{1}' value computed from values that carry a derivative, which '{1}' arithmetic would lose: compute in double or float, or wrap the input in Gradient.Stop(…) if it is meant as a constant");

    // BPG02xx: calls and custom derivatives.
    public static readonly DiagnosticDescriptor NoDerivativeForCall = Error("BPG0201",
        "Call has no derivative",
        "A derivative flows through this call to '{0}', which has none: mark it [Differentiable], write a custom derivative with [DerivativeOf], or make its arguments constant with [NoDerivative]");

    public static readonly DiagnosticDescriptor LinqNotDifferentiable = Error("BPG0202",
        "LINQ is not differentiable",
        "A derivative flows through LINQ method '{0}': write the loop out, for example 'for (int i = 0; i < a.Length; i++) s += a[i];'");

    public static readonly DiagnosticDescriptor CustomDerivativeSignature = Error("BPG0203",
        "Custom derivative does not match the contract",
        "Custom derivative '{0}' does not match the Backward contract of '{1}': {2}");

    public static readonly DiagnosticDescriptor DerivativeOfTargetNotFound = Error("BPG0204",
        "Target of [DerivativeOf] not found",
        "'{0}' has no method '{1}' whose parameters match the leading parameters of '{2}': the derivative takes the target's parameters first, then the adjoints, then seed");

    public static readonly DiagnosticDescriptor ArgumentLosesDerivative = Error("BPG0205",
        "Argument's derivative would be lost",
        "The argument for parameter '{0}' of '{1}' carries a derivative, but '{1}' does not differentiate '{0}' ([NoDerivative], or not in its wrt list): the gradient through it would be lost");

    public static readonly DiagnosticDescriptor DerivativeOfNotStatic = Error("BPG0206",
        "Custom derivative must be static",
        "[DerivativeOf] method '{0}' is an instance method: add the 'static' modifier, since calls go through it as a static method");

    public static readonly DiagnosticDescriptor CalleeHasNoBackward = Error("BPG0207",
        "Callee has no Backward",
        "'{0}' is [Differentiable] but its assembly has no matching '{1}': build that assembly with Backprop.Gen");

    public static readonly DiagnosticDescriptor LayerMemberReadDirectly = Error("BPG0208",
        "A layer's members are read directly",
        "'{0}' reads a differentiable member of layer '{1}' directly: call one of the layer's [Differentiable] methods instead, so that its gradients go to gradients.{1}");

    public static readonly DiagnosticDescriptor ModelMemberNameClash = Error("BPG0209",
        "Model member named like a Gradients member",
        "Member '{0}' of model '{1}' has the name of a member of its generated Gradients class (Gradients, Clear, Accumulate, MultiplyBy, ApplyFrom): rename it, or mark it [NoDerivative]");

    public static readonly DiagnosticDescriptor CalleeLacksMode = Error("BPG0210",
        "Callee lacks a derivative mode",
        "'{0}' needs the {1} derivative of '{2}', which has none: add Modes = DifferentiationModes.{3} to its [Differentiable], or write {4} by hand");

    public static readonly DiagnosticDescriptor SecondOrderModelMethod = Error("BPG0211",
        "Second order is not supported on model methods",
        "'{0}' is a method of model class '{1}', which has no HessianVector yet: use Modes = Reverse or Forward here, or write the computation as a static method of arrays");

    public static readonly DiagnosticDescriptor TensorPrimitiveWithoutRule = Error("BPG0212",
        "TensorPrimitives operation without a derivative rule",
        "A derivative flows through '{0}', which has no {1} rule: write this step as a loop over the elements, where the scalar rules apply, or make its inputs constant (docs/supported.md lists the TensorPrimitives operations with rules)");

    public static readonly DiagnosticDescriptor CalleeNotDifferentiable = Error("BPG0213",
        "Callee cannot be differentiated",
        "'{0}' is not generated because its derivative goes through '{1}', which cannot be differentiated: fix the errors reported on '{1}', and '{0}' is generated again");

    // BPG9999: never a crash.
    public static readonly DiagnosticDescriptor InternalError = Error("BPG9999",
        "Backprop.Gen internal error",
        "Backprop.Gen could not generate the Backward of '{0}': {1}. The other methods are still generated; please report this.");

    public static ImmutableArray<DiagnosticDescriptor> All { get; } = ImmutableArray.Create(
        ContainingTypeNotPartial,
        UnsupportedReturnType,
        UnknownWrtName,
        WrtNotDifferentiable,
        UnsupportedParameterModifier,
        GenericMethod,
        NoBody,
        AsyncMethod,
        NoDifferentiableParameters,
        FileLocalType,
        NotAMethod,
        StructParameter,
        OutputLeftOutOfWrt,
        UnsupportedStatement,
        UnsupportedExpression,
        SideEffectInExpression,
        WriteToNonLocal,
        OutputReadBeforeWritten,
        ArrayLocalReassigned,
        OutputAliasesArgument,
        ConversionLosesDerivative,
        NoDerivativeForCall,
        LinqNotDifferentiable,
        CustomDerivativeSignature,
        DerivativeOfTargetNotFound,
        ArgumentLosesDerivative,
        DerivativeOfNotStatic,
        CalleeHasNoBackward,
        LayerMemberReadDirectly,
        ModelMemberNameClash,
        CalleeLacksMode,
        SecondOrderModelMethod,
        TensorPrimitiveWithoutRule,
        CalleeNotDifferentiable,
        InternalError);

    private static readonly Dictionary<string, DiagnosticDescriptor> Index = All.ToDictionary(d => d.Id);

    public static DiagnosticDescriptor ById(string id) => Index[id];

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());

    private static DiagnosticDescriptor Warning(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());
}
