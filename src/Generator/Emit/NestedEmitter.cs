using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.Model;

namespace Backprop.Gen.Emit;

/// <summary>
/// Nested differentiation: for a static second-order method over scalars, two hidden layers through which a
/// [Differentiable] caller differentiates its calls to this method's Backward and Tangent.
/// <c>FNestedGradient(a…, scale, results)</c> writes <c>results = [F(a), scale·∂F/∂a…]</c> (what
/// <c>FBackward(a…, ref d…, scale)</c> computes); <c>FNestedTangent(a…, v…, results)</c> writes
/// <c>results = [F(a), ∇F(a)·v]</c> (what <c>FTangent(a…, v…, out t)</c> computes). Each has a Backward, a Pullback
/// and a Tangent, all from one <c>FHessianVector</c> call: with direction v, seed s and seed tangent σ it adds s·∇F to
/// its adjoints and σ·∇F + s·H·v to its Hessian outputs.
/// </summary>
internal static class NestedEmitter
{
    public static void Write(SourceWriter writer, MethodModel model)
    {
        var nested = new Names(model);
        foreach (bool tangent in new[] { false, true })
        {
            writer.WriteLine();
            Primal(writer, model, nested, tangent);
            foreach (bool pullback in new[] { false, true })
            {
                writer.WriteLine();
                Reverse(writer, model, nested, tangent, pullback);
            }

            writer.WriteLine();
            Forward(writer, model, nested, tangent);
        }
    }

    /// <summary>The hidden layers' own parameter names, clear of the method's.</summary>
    private sealed class Names
    {
        private readonly HashSet<string> _taken;

        public Names(MethodModel model)
        {
            _taken = new HashSet<string>(model.Parameters.SelectMany(p => new[] { p.Name, p.AdjointName, p.TangentName, p.DirectionName, p.HessianName }));
            Scale = Free("scale");
            Results = Free("results");
            DScale = Free("dScale");
            DResults = Free("dResults");
            TScale = Free("tScale");
            TResults = Free("tResults");
            Directions = model.Parameters.Select(p => p.DirectionName).ToList();
            Initials = model.Parameters.Select(p => Free("initial" + Capitalized(p))).ToList();
            DInitials = model.Parameters.Select(p => Free("dInitial" + Capitalized(p))).ToList();
            TInitials = model.Parameters.Select(p => Free("tInitial" + Capitalized(p))).ToList();
            DDirections = model.Parameters.Select(p => Free("dV" + p.DirectionName.Substring(1))).ToList();
            TDirections = model.Parameters.Select(p => Free("tV" + p.DirectionName.Substring(1))).ToList();
            Gradient = model.Parameters.Select(p => Free("_g" + Capitalized(p))).ToList();
            Hessian = model.Parameters.Select(p => Free("_h" + Capitalized(p))).ToList();
        }

        public string Scale { get; }
        public string Results { get; }
        public string DScale { get; }
        public string DResults { get; }
        public string TScale { get; }
        public string TResults { get; }
        public List<string> Directions { get; }
        public List<string> Initials { get; }
        public List<string> DInitials { get; }
        public List<string> TInitials { get; }

        private static string Capitalized(ParameterModel p) => p.AdjointName.Substring(1);
        public List<string> DDirections { get; }
        public List<string> TDirections { get; }

        /// <summary>The HessianVector's outputs in a layer's derivatives: the gradient and the Hessian times the direction.</summary>
        public List<string> Gradient { get; }

        public List<string> Hessian { get; }

        private string Free(string name)
        {
            while (!_taken.Add(name)) name += "_";
            return name;
        }
    }

    private static string Layer(MethodModel model, bool tangent) => model.Name + (tangent ? Parsing.NestedCalls.TangentSuffix : Parsing.NestedCalls.GradientSuffix);

    private static string Primals(MethodModel model) => string.Join(", ", model.Parameters.Select(p => p.Name));

    /// <summary>
    /// The inputs after the method's own: the scale and the adjoints' values before the call (the Backward adds into
    /// them, and the sums must be the Backward's own, bit for bit), or one direction per parameter.
    /// </summary>
    private static IEnumerable<string> Extra(MethodModel model, Names n, bool tangent) => tangent ? n.Directions : n.Initials.Prepend(n.Scale);

    private static MethodHeader Header(MethodModel model, Names n, bool tangent, params string[] summary)
    {
        string type = model.ReturnType.Name;
        MethodHeader header = new MethodHeader(model).Summary(summary).Hidden();
        foreach (string extra in Extra(model, n, tangent))
        {
            header.Parameter(extra, tangent ? "A direction, one per parameter." : extra == n.Scale ? "The Backward's seed." : "An adjoint's value before the call.").Declare(type + " " + extra);
        }

        return header.Parameter(n.Results, tangent ? "Written: the value and the directional derivative." : "Written: the value and the scaled gradient.")
            .Declare(type + "[] " + n.Results);
    }

    private static void Primal(SourceWriter writer, MethodModel model, Names n, bool tangent)
    {
        Header(model, n, tangent, tangent
                ? $"<c>{model.Name}Tangent</c> as a layer, for generated callers that differentiate a call to it: the value and the derivative along the directions."
                : $"<c>{model.Name}Backward</c> as a layer, for generated callers that differentiate a call to it: the value and scale times the gradient.")
            .Write(writer, "void", Layer(model, tangent));
        writer.OpenBlock();
        // The Backward adds into its adjoints: the gradient's slots start where the caller's adjoints were.
        if (!tangent)
        {
            for (int i = 0; i < n.Initials.Count; i++) writer.WriteLine($"{n.Results}[{i + 1}] = {n.Initials[i]};");
        }

        writer.WriteLine($"{n.Results}[0] = {Value(model, n, tangent)};");
        writer.CloseBlock();
    }

    /// <summary>The call computing the layer's results the way the derivative it stands for does.</summary>
    private static string Value(MethodModel model, Names n, bool tangent) => tangent
        ? $"{model.Name}Tangent({Primals(model)}, {string.Join(", ", n.Directions)}, out {n.Results}[1])"
        : $"{model.Name}Backward({Primals(model)}, {string.Join(", ", model.Parameters.Select((_, i) => $"ref {n.Results}[{i + 1}]"))}, {n.Scale})";

    /// <summary>The layer's Backward (the layer, then the reverse) or Pullback (the reverse alone, consuming the results' adjoint).</summary>
    private static void Reverse(SourceWriter writer, MethodModel model, Names n, bool tangent, bool pullback)
    {
        string type = model.ReturnType.Name;
        List<string> inputs = model.Parameters.Select(p => p.AdjointName).Concat(tangent ? n.DDirections : n.DInitials.Prepend(n.DScale)).ToList();
        MethodHeader header = Header(model, n, tangent, pullback
            ? $"The reverse sweep of <c>{Layer(model, tangent)}</c> alone: adds the results' incoming gradient, through <c>{model.Name}HessianVector</c>, to the inputs' adjoints, and zeroes it."
            : $"Reverse-mode derivative of <c>{Layer(model, tangent)}</c>: writes the results, adds their incoming gradient, through <c>{model.Name}HessianVector</c>, to the inputs' adjoints.");
        foreach (string adjoint in inputs) header.Parameter(adjoint, "Adjoint, added to.").Declare("ref " + type + " " + adjoint);
        header.Parameter(n.DResults, "The results' incoming gradient (null: none).").Declare($"[global::Backprop.OutputAdjoint] {type}[]? {n.DResults}");
        header.Write(writer, "void", Layer(model, tangent) + (pullback ? "Pullback" : "Backward"));
        writer.OpenBlock();
        if (!pullback) writer.WriteLine($"{Layer(model, tangent)}({Primals(model)}, {string.Join(", ", Extra(model, n, tangent))}, {n.Results});");
        writer.WriteLine($"if ({n.DResults} is null) return;");
        var (g, h) = DeclareHessianVectorOutputs(writer, type, n);
        string r0 = $"{n.DResults}[0]";
        if (tangent)
        {
            // results = [F, ∇F·v]: with seed dResults[1] and seed tangent dResults[0] along v, the adjoints get
            // dResults[1]·∇F (the directions') and the Hessian outputs dResults[0]·∇F + dResults[1]·H·v (the inputs').
            writer.WriteLine($"{model.Name}HessianVector({Primals(model)}, {string.Join(", ", n.Directions)}, {Refs(g)}, {Refs(h)}, {n.DResults}[1], {r0});");
            for (int i = 0; i < g.Count; i++)
            {
                writer.WriteLine($"{model.Parameters[i].AdjointName} += {h[i]};");
                writer.WriteLine($"{n.DDirections[i]} += {g[i]};");
            }
        }
        else
        {
            // results = [F, scale·∇F]: along dResults[1..] the Hessian gives H·dResults, the adjoints ∇F.
            string along = string.Join(", ", model.Parameters.Select((_, i) => $"{n.DResults}[{i + 1}]"));
            writer.WriteLine($"{model.Name}HessianVector({Primals(model)}, {along}, {Refs(g)}, {Refs(h)});");
            for (int i = 0; i < g.Count; i++) writer.WriteLine($"{model.Parameters[i].AdjointName} += {r0} * {g[i]} + {n.Scale} * {h[i]};");
            writer.WriteLine($"{n.DScale} += {string.Join(" + ", g.Select((v, i) => $"{v} * {n.DResults}[{i + 1}]"))};");
            for (int i = 0; i < g.Count; i++) writer.WriteLine($"{n.DInitials[i]} += {n.DResults}[{i + 1}];");
        }

        if (pullback) writer.WriteLine($"global::System.Array.Clear({n.DResults});");
        writer.CloseBlock();
    }

    /// <summary>The layer's Tangent: the results as the layer writes them, and their tangents from one HessianVector along the inputs' tangents.</summary>
    private static void Forward(SourceWriter writer, MethodModel model, Names n, bool tangent)
    {
        string type = model.ReturnType.Name;
        List<string> tangents = model.Parameters.Select(p => p.TangentName).Concat(tangent ? n.TDirections : n.TInitials.Prepend(n.TScale)).ToList();
        MethodHeader header = Header(model, n, tangent,
            $"Forward-mode derivative of <c>{Layer(model, tangent)}</c>: writes the results and their tangents, through <c>{model.Name}HessianVector</c>.");
        foreach (string t in tangents) header.Parameter(t, "Tangent.").Declare(type + " " + t);
        header.Parameter(n.TResults, "Written: the results' tangents (null: not wanted).").Declare($"{type}[]? {n.TResults}");
        header.Write(writer, "void", Layer(model, tangent) + "Tangent");
        writer.OpenBlock();
        writer.WriteLine($"{Layer(model, tangent)}({Primals(model)}, {string.Join(", ", Extra(model, n, tangent))}, {n.Results});");
        writer.WriteLine($"if ({n.TResults} is null) return;");
        var (g, h) = DeclareHessianVectorOutputs(writer, type, n);
        // Along the inputs' tangents ȧ: the adjoints get ∇F, the Hessian outputs H·ȧ.
        writer.WriteLine($"{model.Name}HessianVector({Primals(model)}, {string.Join(", ", model.Parameters.Select(p => p.TangentName))}, {Refs(g)}, {Refs(h)});");
        string dot = string.Join(" + ", g.Select((v, i) => $"{v} * {model.Parameters[i].TangentName}"));
        writer.WriteLine($"{n.TResults}[0] = {dot};");
        if (tangent)
        {
            // d(∇F·v) = (H·ȧ)·v + ∇F·v̇
            writer.WriteLine($"{n.TResults}[1] = {string.Join(" + ", h.Select((v, i) => $"{v} * {n.Directions[i]}").Concat(g.Select((v, i) => $"{v} * {n.TDirections[i]}")))};");
        }
        else
        {
            // d(initial + scale·∇F) = initial̇ + ṡcale·∇F + scale·H·ȧ
            for (int i = 0; i < g.Count; i++) writer.WriteLine($"{n.TResults}[{i + 1}] = {n.TInitials[i]} + {n.TScale} * {g[i]} + {n.Scale} * {h[i]};");
        }

        writer.CloseBlock();
    }

    /// <summary><c>double _gX = 0, …, _hX = 0, …;</c>: the locals a layer derivative's HessianVector call adds into.</summary>
    private static (List<string> Gradient, List<string> Hessian) DeclareHessianVectorOutputs(SourceWriter writer, string type, Names n)
    {
        writer.WriteLine($"{type} {string.Join(", ", n.Gradient.Concat(n.Hessian).Select(v => v + " = 0"))};");
        return (n.Gradient, n.Hessian);
    }

    private static string Refs(IEnumerable<string> names) => string.Join(", ", names.Select(v => "ref " + v));
}
