using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Backprop.Gen.Diagnostics;
using Backprop.Gen.Emit;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Backprop.Gen.Parsing;

namespace Backprop.Gen.Differentiation;

/// <summary>The generated file of one method, or why there is none.</summary>
/// <param name="Key">The method's <see cref="Contract.Key"/>.</param>
/// <param name="Calls">The calls whose derivatives the file uses and this compilation generates (<see cref="CallGraph"/>).</param>
internal sealed record GeneratedSource(string? HintName, string? Text, EquatableArray<DiagnosticInfo> Diagnostics, string? Key = null,
    EquatableArray<CallSite> Calls = default)
{
    /// <summary>Whether the method has errors, so that nothing is generated for it (nor for its callers).</summary>
    public bool Failed => Differentiator.HasErrors(Diagnostics);
}

/// <summary>
/// The bodies of the methods one [Differentiable] method generates, built and optimized, ready to print: the Backward,
/// a layer's Pullback, the body its tape's Record and Replay divide between them, the Tangent and the HessianVector.
/// </summary>
internal sealed record GeneratedBodies(BackwardBody? Backward, BackwardBody? Pullback, BackwardBody? Taped, TangentBody? Tangent,
    HessianVectorBody? HessianVector, string SeedTangent);

/// <summary>
/// The transform step of the pipeline, for one method: Parse (done by then) → resolve custom derivatives → Normalize →
/// Analyse (activity; diagnostics) → Build (reverse, Pullback, tangent, Hessian-vector) → Optimize (named passes per
/// output) → Emit (printing only). It never throws: an internal failure becomes BPG9999 for this method alone.
/// </summary>
internal static class Differentiator
{
    public static GeneratedSource Run(Result<MethodModel> parsed, EquatableArray<CustomDerivative> customDerivatives, CancellationToken cancellationToken)
    {
        if (parsed.Value is not { } model) return new GeneratedSource(null, null, parsed.Diagnostics, parsed.Key);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            model = ResolveCustomDerivatives(model, customDerivatives);
            NameAllocator names = ContractNames(model);
            NormalizedBody body = Normalizer.Normalize(model, names);
            ActivityAnalysis activity = Analyze(model, body);

            var diagnostics = parsed.Diagnostics.Concat(activity.Check(body, reverseOnly: model.Modes == Modes.Reverse)).ToList();
            if (HasErrors(diagnostics)) return Failed(diagnostics, parsed.Key);
            // Every call a derivative goes through must have that derivative too.
            diagnostics.AddRange(MissingModes(model, body, activity));
            if (HasErrors(diagnostics)) return Failed(diagnostics, parsed.Key);

            GeneratedBodies bodies = StructArrays.Wrap(model, Optimize(model, Build(model, body, activity, names)), names);
            if (bodies.Tangent is not null) diagnostics.AddRange(bodies.Tangent.Diagnostics);
            if (HasErrors(diagnostics)) return Failed(diagnostics, parsed.Key);

            return new GeneratedSource(model.HintName, BackwardEmitter.Emit(model, bodies), diagnostics.ToEquatableArray(), parsed.Key,
                CallGraph.Calls(ActiveCalls(body, activity)));
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception exception)
        {
            var error = DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, model.Location, model.Name, exception.GetType().Name + ": " + exception.Message);
            return new GeneratedSource(null, null, parsed.Diagnostics.Concat(new[] { error }).ToEquatableArray(), parsed.Key);
        }
    }

    /// <summary>The names the contract gives (parameters, adjoints, the seed), which nothing generated may take.</summary>
    private static NameAllocator ContractNames(MethodModel model)
    {
        var names = new NameAllocator(model.ReservedNames);
        foreach (ParameterModel parameter in model.Parameters)
        {
            names.Reserve(parameter.Name);
            if (parameter.Differentiable) names.Reserve(parameter.AdjointName);
        }

        // The field arrays of arrays of structs, and theirs (pts_X, dPts_X, tPts_X…).
        foreach (var (field, _, _) in Normalizer.StructArrayFields(model))
        {
            foreach (string name in new[] { field.Name, field.AdjointName, field.TangentName, field.DirectionName, field.HessianName }) names.Reserve(name);
        }

        names.Reserve(model.SeedName);
        return names;
    }

    /// <summary>Which values vary with the differentiable inputs and are useful to the outputs.</summary>
    private static ActivityAnalysis Analyze(MethodModel model, NormalizedBody body) =>
        ActivityAnalysis.Run(body, model.Parameters.Where(p => p.Differentiable && !p.IsOutput && p.Passing != Passing.Out).Select(p => p.Name)
                .Concat(Normalizer.FieldParameters(model).Where(m => m.Differentiable && !m.IsOutput).Select(m => m.Name)),
            model.Parameters.Where(p => p.Differentiable && p.IsOutput).Select(p => p.Name)
                .Concat(Normalizer.FieldParameters(model).Where(m => m.Differentiable && m.IsOutput).Select(m => m.Name))
                .Concat(model.ResultFields.Select(f => f.Variable))
                .Concat(model.ScalarOutputs.Where(o => o.Parameter.Differentiable && o.Type.IsFloating).Select(o => o.Variable)));

    /// <summary>The Build step: each mode's body, from the same normalized body and analysis.</summary>
    private static GeneratedBodies Build(MethodModel model, NormalizedBody body, ActivityAnalysis activity, NameAllocator names)
    {
        // Each generated method gets its own names: the same temporaries may appear in two of them.
        NameAllocator Names() => new(names.Taken.Concat(body.Variables.Keys));
        BackwardBody? backward = model.Modes.Has(Modes.Reverse) ? ReverseBuilder.Build(model, body, activity, Names()) : null;
        // A layer's Pullback consumes its outputs' adjoints, so its reverse sweep is built on its own.
        // (A method with out or ref scalars has none: no generated caller calls it, and its out parameters need values.)
        BackwardBody? pullback = backward is not null && model.Parameters.Any(p => p.IsOutput) && model.ScalarOutputs.IsEmpty
            ? ReverseBuilder.Build(model, body, activity, Names(), Sweep.Pullback)
            : null;
        TangentBody? tangent = model.Modes.Has(Modes.Forward) ? TangentBuilder.Build(model, body, activity, Names()) : null;

        // Second order is forward mode applied to a Backward (its plain variant): it reuses that Backward's names.
        string seedTangent = Contract.Unique("seedTangent", model.Parameters.Select(p => p.Name));
        NameAllocator secondOrderNames = Names();
        HessianVectorBody? hessianVector = model.Modes.Has(Modes.SecondOrder) && backward is not null
            ? HessianVectorBuilder.Build(model, ReverseBuilder.Build(model, body, activity, secondOrderNames, Sweep.SecondOrderBase),
                new NameAllocator(secondOrderNames.Taken), seedTangent)
            : null;
        return new GeneratedBodies(backward, pullback, null, tangent, hessianVector, seedTangent);
    }

    /// <summary>The Optimize step: each reverse-mode output through its list of passes (<see cref="Optimizer"/>).</summary>
    private static GeneratedBodies Optimize(MethodModel model, GeneratedBodies built)
    {
        BackwardBody? backward = built.Backward is null ? null : Optimizer.Run(Optimizer.Finish, model, Optimizer.Run(Optimizer.Common, model, built.Backward));
        BackwardBody? tidied = built.Pullback is null ? null : Optimizer.Run(Optimizer.Common, model, built.Pullback);
        BackwardBody? pullback = tidied is null ? null : Optimizer.Run(Optimizer.FinishPullback, model, tidied);
        // The tape divides the Pullback's build (which consumes the outputs' adjoints), its forward sweep whole.
        BackwardBody? taped = model.TapeName is null || backward is null ? null
            : tidied is null ? backward : Optimizer.Run(Optimizer.Finish, model, tidied);
        return built with { Backward = backward, Pullback = pullback, Taped = taped };
    }

    internal static bool HasErrors(IEnumerable<DiagnosticInfo> diagnostics) =>
        diagnostics.Any(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);

    private static GeneratedSource Failed(IEnumerable<DiagnosticInfo> diagnostics, string? key) => new(null, null, diagnostics.Distinct().ToEquatableArray(), key);

    /// <summary>The calls a derivative flows through (so the generated code calls their derivatives), in order.</summary>
    private static IEnumerable<DiffCall> ActiveCalls(NormalizedBody body, ActivityAnalysis activity) =>
        IrWalker.AllStatements(body.Body).SelectMany(IrWalker.OwnExpressions).SelectMany(IrWalker.DescendantsAndSelf).OfType<DiffCall>()
            .Where(call => activity.IsVaried(call) || ActivityAnalysis.OutputArguments(call).Any(activity.IsActive));

    private static IEnumerable<DiagnosticInfo> MissingModes(MethodModel model, NormalizedBody body, ActivityAnalysis activity)
    {
        var seen = new HashSet<string>();
        foreach (DiffCall call in ActiveCalls(body, activity))
        {
            foreach (var (mode, name, suffix, flag) in new[]
            {
                (Modes.Reverse, "reverse-mode", "Backward", "Reverse"),
                (Modes.Forward, "forward-mode", "Tangent", "Forward"),
                (Modes.SecondOrder, "second-order", "HessianVector", "SecondOrder"),
            })
            {
                if (!model.Modes.Has(mode) || call.Callee.Modes.Has(mode) || !seen.Add(call.Callee.Display + flag)) continue;
                if (call.Callee.Origin == CalleeOrigin.TensorPrimitives)
                {
                    yield return DiagnosticInfo.Create(DiagnosticDescriptors.TensorPrimitiveWithoutRule, call.Location, call.Callee.Display, name);
                    continue;
                }

                yield return DiagnosticInfo.Create(DiagnosticDescriptors.CalleeLacksMode, call.Location, model.Name, name, call.Callee.Display, flag,
                    call.Callee.Display.Split('.').Last() + suffix);
            }
        }
    }

    /// <summary>Calls to methods registered with [DerivativeOf] go through their custom derivative.</summary>
    private static MethodModel ResolveCustomDerivatives(MethodModel model, EquatableArray<CustomDerivative> customDerivatives)
    {
        if (customDerivatives.IsEmpty) return model;
        var byKey = new Dictionary<string, Callee>();
        foreach (CustomDerivative derivative in customDerivatives) byKey[derivative.TargetKey] = derivative.Callee;
        IrExpr Resolve(IrExpr e) => IrWalker.Rewrite(e, node => node is OpaqueCall call && byKey.TryGetValue(call.Key, out Callee? callee)
            ? new DiffCall(call.Type, call.Method, call.Receiver, callee, call.Arguments, call.Location)
            : null);
        return model with { Body = Map(model.Body, Resolve) };
    }

    private static Block Map(Block block, Func<IrExpr, IrExpr> map) => new(block.Statements.Select(s => Map(s, map)).ToEquatableArray());

    private static IrStmt Map(IrStmt stmt, Func<IrExpr, IrExpr> map) => stmt switch
    {
        Declare d => d with { Initializer = d.Initializer is null ? null : map(d.Initializer) },
        Assign a => a with { Target = map(a.Target), Value = map(a.Value) },
        Evaluate e => e with { Expression = map(e.Expression) },
        Throw t => t with { Exception = map(t.Exception) },
        If i => i with { Condition = map(i.Condition), Then = Map(i.Then, map), Else = Map(i.Else, map) },
        For f => f with { Initializers = Map(f.Initializers, map), Condition = f.Condition is null ? null : map(f.Condition), Steps = Map(f.Steps, map), Body = Map(f.Body, map) },
        While w => w with { Condition = map(w.Condition), Body = Map(w.Body, map) },
        ForEach f => f with { Collection = map(f.Collection), Body = Map(f.Body, map) },
        Return r => r with { Value = r.Value is null ? null : map(r.Value) },
        _ => stmt,
    };
}
