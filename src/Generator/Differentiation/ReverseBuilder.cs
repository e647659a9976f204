using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.IR;
using Backprop.Gen.Model;

namespace Backprop.Gen.Differentiation;

/// <summary>
/// Builds the forward sweep (the normalized primal plus saves) and the reverse sweep (each statement's adjoint, in
/// reverse order) of a Backward, a Pullback or the reverse sweep second order transforms, as docs/how-it-works.md
/// describes. Each phase is its own class, and they run in this order:
/// <list type="number">
/// <item><see cref="Preparation"/>: subexpressions whose values a rule needs and that are not cheap to read again go into
/// temporaries (<c>_t0</c>); calls to other differentiable methods become statements of their own.</item>
/// <item><see cref="StepAnalysis"/>: positions, enclosing loops and branches, readers and definitions, recomputable
/// integers, and the outputs read in place; made once, not changed after.</item>
/// <item><see cref="ReversePlanner"/>: each statement's reverse, from the rules tables, split where an overwritten
/// value is restored; the adjoint variables it names are kept by <see cref="AdjointVariables"/>.</item>
/// <item><see cref="ForwardReplay"/>: loops whose reverse can run forwards, recomputing an inactive recurrence
/// (<c>power *= t</c>) instead of saving it at every iteration.</item>
/// <item><see cref="ToBeRecorded"/>: a forward dataflow over "values the reverse will read"; a statement saves the
/// value it overwrites only if that value is still to be read. Outside loops a save is a local; inside, a pooled stack.</item>
/// <item><see cref="ReverseAssembler"/>: forward statements with their pushes, then the reverse statements with their
/// pops, and the declarations, epilogue and <c>finally</c> around them.</item>
/// </list>
/// </summary>
internal static class ReverseBuilder
{
    /// <param name="sweep">Which method's sweeps to build: the Backward's, the Pullback's (which consume the outputs'
    /// adjoints), or the plain ones second order transforms.</param>
    public static BackwardBody Build(MethodModel model, NormalizedBody body, ActivityAnalysis activity, NameAllocator names, Sweep sweep = Sweep.Backward)
    {
        var context = new ReverseContext(model, body, activity, names, sweep);
        List<Step> steps = context.Preparation.PrepareBlock(body.Body.Statements, topLevel: true, inLoop: false);
        var analysis = new StepAnalysis(steps, model, sweep, context.Parameters, context.Counters, context.Variables, context.SingleDefinition);
        var adjoints = new AdjointVariables(context, analysis, steps);
        var planner = new ReversePlanner(context, analysis, adjoints);
        foreach (Step step in Step.Flatten(steps)) planner.Plan(step);
        ForwardReplay.Mark(steps, analysis);
        new ToBeRecorded(analysis).Record(steps);
        return new ReverseAssembler(context, analysis, adjoints).Assemble(steps, planner.TapeChains);
    }
}

/// <summary>What every phase of one reverse build reads: the method, its normalized body, and the names in it.</summary>
internal sealed class ReverseContext
{
    public ReverseContext(MethodModel model, NormalizedBody body, ActivityAnalysis activity, NameAllocator names, Sweep sweep)
    {
        Model = model;
        Body = body;
        Names = names;
        Sweep = sweep;
        Variables = new Dictionary<string, IrVar>(body.Variables.ToDictionary(p => p.Key, p => p.Value));
        SingleDefinition = new HashSet<string>(body.SsaNames);
        Preparation = new Preparation(activity, names, Variables, SingleDefinition);
        Parameters = model.Parameters.ToDictionary(p => p.Name);
        foreach (ParameterModel member in Normalizer.ModelMembers(model))
        {
            Parameters[member.Name] = member;
            Members.Add(member.Name);
        }

        foreach (ParameterModel field in Normalizer.StructFields(model)) Parameters[field.Name] = field;
        foreach (var (field, _, _) in Normalizer.StructArrayFields(model))
        {
            // The field arrays' adjoints are the derivative's own pooled arrays (StructArrays): always there, no guard.
            Parameters[field.Name] = field;
            Members.Add(field.Name);
        }

        foreach (IrStmt stmt in IrWalker.AllStatements(body.Body))
        {
            if (stmt is Loop { Counter: { } counter }) Counters.Add(counter.Name);
        }
    }

    public MethodModel Model { get; }

    public NormalizedBody Body { get; }

    public NameAllocator Names { get; }

    /// <summary>Which method's sweeps this builds.</summary>
    public Sweep Sweep { get; }

    /// <summary>The method's variables, the preparation's temporaries added as it makes them.</summary>
    public Dictionary<string, IrVar> Variables { get; }

    /// <summary>Variables assigned once only (whose adjoint needs no reset at their definition).</summary>
    public HashSet<string> SingleDefinition { get; }

    /// <summary>The parameters, the model's members (its weights) and the struct parameters' fields, by name.</summary>
    public Dictionary<string, ParameterModel> Parameters { get; }

    /// <summary>The array parameters whose adjoints always exist: the model's members, and the field arrays of arrays of structs.</summary>
    public HashSet<string> Members { get; } = new();

    /// <summary>The counters of counted loops.</summary>
    public HashSet<string> Counters { get; } = new();

    /// <summary>The preparation shared by the phases: it owns the temporaries (and declares more for the assembler).</summary>
    public Preparation Preparation { get; }

    /// <summary>The activity analysis, seen with the active temporaries this build's preparation introduced.</summary>
    public ActivityAnalysis Activity => Preparation.Activity;
}
