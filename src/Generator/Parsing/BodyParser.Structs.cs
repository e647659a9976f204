using System.Collections.Generic;
using System.Linq;
using Backprop.Gen.Diagnostics;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Backprop.Gen.Parsing;

// Differentiable structs (StructLayout), taken apart into their floating fields. A struct local becomes one scalar
// local per field (V2 p → p_X, p_Y); a struct parameter is read field by field (p.X), or copied into such locals
// first when the method writes it. Constructors, operators, methods and property getters declared in source that
// take or return such structs are inlined where they are used, so that everything downstream (activity, the reverse
// sweep, forward mode, second order) sees plain double arithmetic.
internal sealed partial class BodyParser
{
    /// <summary>A struct value: one IR expression per leaf, by path (<c>X</c>, <c>Pos.X</c>).</summary>
    private sealed class StructValue
    {
        public StructValue(ITypeSymbol type, Dictionary<string, IrExpr> leaves)
        {
            Type = type;
            Leaves = leaves;
        }

        public ITypeSymbol Type { get; }

        public Dictionary<string, IrExpr> Leaves { get; }

        /// <summary>A field: a leaf (<c>IrExpr</c>) or a nested struct (<c>StructValue</c>).</summary>
        public object? Member(string name, ITypeSymbol memberType)
        {
            if (Leaves.TryGetValue(name, out IrExpr? leaf)) return leaf;
            string prefix = name + ".";
            var inner = Leaves.Where(l => l.Key.StartsWith(prefix, System.StringComparison.Ordinal))
                .ToDictionary(l => l.Key.Substring(prefix.Length), l => l.Value);
            return inner.Count == 0 ? null : new StructValue(memberType, inner);
        }

        /// <summary>Replaces the leaves of a field (a leaf or a nested struct) with <paramref name="value"/>'s.</summary>
        public void Set(string name, object value)
        {
            if (value is IrExpr scalar)
            {
                Leaves[name] = scalar;
                return;
            }

            foreach (KeyValuePair<string, IrExpr> leaf in ((StructValue)value).Leaves) Leaves[name + "." + leaf.Key] = leaf.Value;
        }

        public StructValue Copy() => new(Type, new Dictionary<string, IrExpr>(Leaves));
    }

    /// <summary>The values an inlined member's parameters, locals and <c>this</c> stand for, innermost last.</summary>
    private sealed class InlineFrame
    {
        public Dictionary<ISymbol, object> Bound { get; } = new(SymbolEqualityComparer.Default);

        public StructValue? This { get; set; }

        public IMethodSymbol Member { get; init; } = null!;
    }

    private readonly List<InlineFrame> _frames = new();

    /// <summary>For a method returning a differentiable struct: the locals its fields are returned in.</summary>
    private StructValue? _result;

    /// <summary>The struct result's fields and the locals they are returned in (empty unless the method returns a struct).</summary>
    public EquatableArray<ResultField> ResultFields => _result is null ? EquatableArray<ResultField>.Empty
        : StructLayout.Leaves(_result.Type).Select(l => new ResultField(l, ((VarRef)_result.Leaves[l.Path]).Name)).ToEquatableArray();

    /// <summary>A struct result's locals, declared first (<c>double _result_X;</c>): each return assigns them and returns.</summary>
    private void DeclareStructResult(List<IrStmt> into)
    {
        if (!IsStruct(_method.ReturnType)) return;
        _result = NewStructLocals(_method.ReturnType, "_result");
        foreach (IrExpr leaf in _result.Leaves.Values) into.Add(new Declare(null, new IrVar(((VarRef)leaf).Name, leaf.Type), null));
    }

    /// <summary><c>return e;</c> in a method returning a struct: the result's fields, then a plain return.</summary>
    private void ReturnStruct(IOperation value, string origin, List<IrStmt> into)
    {
        if (StructOf(value) is not { } returned) return;
        AssignLeaves(_result!, returned, origin, into);
        into.Add(new Return(origin, null));
    }

    /// <summary>Struct locals of the method and struct parameters it writes: the scalar locals their leaves live in.</summary>
    private readonly Dictionary<ISymbol, StructValue> _structVariables = new(SymbolEqualityComparer.Default);

    private static bool IsStruct(ITypeSymbol? type) => StructLayout.IsDifferentiableStruct(type);

    /// <summary>
    /// Struct parameters the body writes (<c>p.X += v</c>, <c>p = q</c>) are copied into scalar locals at the start,
    /// so that the parameter itself is read only there.
    /// </summary>
    private void CopyWrittenStructParameters(IOperation body, List<IrStmt> into)
    {
        foreach (IParameterSymbol parameter in _method.Parameters.Where(p => IsStruct(p.Type)))
        {
            bool written = body.Descendants().Any(o => o switch
            {
                ISimpleAssignmentOperation a => RootParameter(a.Target, parameter),
                ICompoundAssignmentOperation c => RootParameter(c.Target, parameter),
                IIncrementOrDecrementOperation i => RootParameter(i.Target, parameter),
                _ => false,
            });
            if (!written) continue;
            StructValue locals = NewStructLocals(parameter.Type, _names[parameter]);
            foreach (StructLeaf leaf in StructLayout.Leaves(parameter.Type))
            {
                into.Add(new Declare(null, new IrVar(((VarRef)locals.Leaves[leaf.Path]).Name, leaf.Type), new VarRef(leaf.Type, _names[parameter] + "." + leaf.Path)));
            }

            _structVariables[parameter] = locals;
        }
    }

    private static bool RootsAtThis(IOperation operation) => operation switch
    {
        IInstanceReferenceOperation => true,
        IFieldReferenceOperation { Instance: { } instance } => RootsAtThis(instance),
        IPropertyReferenceOperation { Instance: { } instance } => RootsAtThis(instance),
        _ => false,
    };

    private static bool RootParameter(IOperation target, IParameterSymbol parameter) => target switch
    {
        IParameterReferenceOperation p => SymbolEqualityComparer.Default.Equals(p.Parameter, parameter),
        IFieldReferenceOperation { Instance: { } instance } => RootParameter(instance, parameter),
        IPropertyReferenceOperation { Instance: { } instance } => RootParameter(instance, parameter),
        _ => false,
    };

    /// <summary>One new scalar local per leaf, named after the variable and the path (<c>p_X</c>, <c>body_Pos_X</c>).</summary>
    private StructValue NewStructLocals(ITypeSymbol type, string stem) =>
        new(type, StructLayout.Leaves(type).ToDictionary(l => l.Path, l => (IrExpr)new VarRef(l.Type, SynthesizedName(stem.TrimStart('@') + "_" + l.Path.Replace("@", "").Replace('.', '_')))));

    /// <summary><c>V2 p = e;</c>: one declaration per leaf.</summary>
    private void DeclareStruct(ILocalSymbol local, IOperation? initializer, string origin, List<IrStmt> into)
    {
        StructValue? value = initializer is null ? null : StructOf(initializer);
        if (initializer is not null && value is null) return;
        StructValue locals = NewStructLocals(local.Type, _names[local]);
        _structVariables[local] = locals;
        foreach (KeyValuePair<string, IrExpr> leaf in locals.Leaves)
        {
            into.Add(new Declare(origin, new IrVar(((VarRef)leaf.Value).Name, leaf.Value.Type), value?.Leaves[leaf.Key]));
        }
    }

    /// <summary>
    /// <c>p = e;</c> (or <c>p.Pos = e;</c>) for a struct place: one assignment per leaf. Where a new leaf reads a leaf
    /// assigned before it (<c>p = new V2(p.Y, p.X)</c>), the new values go through temporaries first.
    /// </summary>
    private bool AssignStruct(IOperation target, IOperation valueOperation, string origin, List<IrStmt> into)
    {
        if (StructTarget(target) is not { } place) return false;
        StructValue? value = StructOf(valueOperation);
        if (value is null) return true;
        AssignLeaves(place, value, origin, into);
        return true;
    }

    private void AssignLeaves(StructValue place, StructValue value, string origin, List<IrStmt> into)
    {
        var targets = place.Leaves.ToList();
        var assigned = new HashSet<string>();
        bool clash = false;
        foreach (KeyValuePair<string, IrExpr> leaf in targets)
        {
            if (IrWalker.Reads(value.Leaves[leaf.Key]).Any(assigned.Contains)) clash = true;
            assigned.Add(((VarRef)leaf.Value).Name);
        }

        foreach (KeyValuePair<string, IrExpr> leaf in targets)
        {
            IrExpr newValue = value.Leaves[leaf.Key];
            if (clash && newValue is not Constant)
            {
                var temp = new IrVar(SynthesizedName("_new_" + ((VarRef)leaf.Value).Name), leaf.Value.Type);
                into.Add(new Declare(origin, temp, newValue));
                value.Leaves[leaf.Key] = temp.Ref;
            }
        }

        foreach (KeyValuePair<string, IrExpr> leaf in targets) into.Add(new Assign(origin, leaf.Value, value.Leaves[leaf.Key]));
    }

    /// <summary>
    /// <c>(double s, double c) = (Math.Sin(t), Math.Cos(t));</c>, <c>var (a, b) = Pair(x);</c>, <c>(a, b) = (b, a);</c>:
    /// one declaration or assignment per element, through temporaries where a new value reads a variable assigned before it.
    /// </summary>
    private bool Deconstruct(IDeconstructionAssignmentOperation deconstruction, string origin, List<IrStmt> into)
    {
        if (!IsStruct(deconstruction.Value.Type)) return false;
        StructValue? value = StructOf(deconstruction.Value);
        if (value is null) return true;
        var stores = new List<(IrExpr Target, IrVar? Declared, IrExpr Value)>();
        if (!Targets(deconstruction.Target, value, stores)) return true;
        var assigned = new HashSet<string>();
        bool clash = false;
        foreach (var store in stores)
        {
            if (IrWalker.Reads(store.Value).Any(assigned.Contains)) clash = true;
            if (store.Target is VarRef v) assigned.Add(v.Name);
            else if (IrWalker.StoredArray(new Assign(null, store.Target, store.Value)) is { } array) assigned.Add(array);
        }

        for (int i = 0; i < stores.Count; i++)
        {
            if (!clash || stores[i].Value is Constant) continue;
            var temp = new IrVar(SynthesizedName("_new_" + ((stores[i].Target as VarRef)?.Name ?? "element")), stores[i].Value.Type);
            into.Add(new Declare(origin, temp, stores[i].Value));
            stores[i] = (stores[i].Target, stores[i].Declared, temp.Ref);
        }

        foreach (var (target, declared, newValue) in stores)
        {
            into.Add(declared is not null ? new Declare(origin, declared, newValue) : new Assign(origin, target, newValue));
        }

        return true;
    }

    /// <summary>The scalar places the elements of a deconstruction's target go to, in order, with their new values.</summary>
    private bool Targets(IOperation target, StructValue value, List<(IrExpr Target, IrVar? Declared, IrExpr Value)> stores)
    {
        IOperation inner = target is IDeclarationExpressionOperation { Expression: var declared } ? declared : target;
        if (inner is not ITupleOperation tuple)
        {
            Report(DiagnosticDescriptors.UnsupportedExpression, target.Syntax, "This deconstruction", "deconstruct into locals or a tuple of them");
            return false;
        }

        for (int i = 0; i < tuple.Elements.Length; i++)
        {
            IOperation element = tuple.Elements[i] is IDeclarationExpressionOperation { Expression: var one } ? one : tuple.Elements[i];
            object? part = value.Member("Item" + (i + 1), element.Type ?? value.Type);
            switch (element)
            {
                case IDiscardOperation:
                    continue;
                case ITupleOperation when part is StructValue nested:
                    if (!Targets(element, nested, stores)) return false;
                    continue;
                case ILocalReferenceOperation local when IsStruct(local.Type) && part is StructValue structPart:
                    bool isDeclared = tuple.Elements[i] is IDeclarationExpressionOperation || target is IDeclarationExpressionOperation;
                    if (isDeclared) _structVariables[local.Local] = NewStructLocals(local.Type!, _names[local.Local]);
                    foreach (KeyValuePair<string, IrExpr> leaf in _structVariables[local.Local].Leaves)
                    {
                        stores.Add((leaf.Value, isDeclared ? new IrVar(((VarRef)leaf.Value).Name, leaf.Value.Type) : null, structPart.Leaves[leaf.Key]));
                    }

                    continue;
                case ILocalReferenceOperation local when part is IrExpr scalar && (tuple.Elements[i] is IDeclarationExpressionOperation || target is IDeclarationExpressionOperation):
                    var variable = new IrVar(_names[local.Local], Contract.TypeOf(local.Type!));
                    stores.Add((variable.Ref, variable, scalar));
                    continue;
                default:
                    if (part is not IrExpr assignedValue || AssignmentTarget(element, element, readsTarget: false) is not { } place) return false;
                    stores.Add((place, null, assignedValue));
                    continue;
            }
        }

        return true;
    }

    /// <summary>The leaves a struct assignment target stands for: a struct local, or a struct field of one.</summary>
    private StructValue? StructTarget(IOperation target)
    {
        if (!IsStruct(target.Type)) return null;
        switch (target)
        {
            case ILocalReferenceOperation local when _structVariables.TryGetValue(local.Local, out StructValue? locals):
                return locals;
            case IParameterReferenceOperation parameter when _structVariables.TryGetValue(parameter.Parameter, out StructValue? copied):
                return copied;
            case IFieldReferenceOperation or IPropertyReferenceOperation when MemberOf(target) is { } owner && StructTarget(owner.Instance) is { } outer:
                return outer.Member(owner.Name, target.Type!) as StructValue;
            default:
                return null;
        }
    }

    /// <summary>A leaf as an assignment target (<c>p.X = e</c>, <c>p.Pos.X += e</c>): the scalar local it lives in.</summary>
    private IrExpr? LeafTarget(IOperation target) =>
        Contract.TypeOf(target.Type!).IsFloating && MemberOf(target) is { } owner && StructTarget(owner.Instance) is { } place
            ? place.Member(owner.Name, target.Type!) as IrExpr
            : null;

    /// <summary>The instance and leaf name of a field, or of an auto-property, of a differentiable struct.</summary>
    private static (IOperation Instance, string Name)? MemberOf(IOperation operation) => operation switch
    {
        IFieldReferenceOperation { Instance: { } instance, Field: var field } when IsStruct(instance.Type) && !field.IsStatic =>
            (instance, Contract.Escape(StructLayout.MemberName(field))),
        IPropertyReferenceOperation { Instance: { } instance, Property: var property } when IsStruct(instance.Type) && StructLayout.IsDataProperty(property) =>
            (instance, Contract.Escape(property.Name)),
        _ => null,
    };

    /// <summary>
    /// A scalar read through a struct: a field (<c>p.X</c>), a computed property, an instance or static method or an
    /// operator declared in source that takes or returns differentiable structs. Null when the operation is none of these.
    /// </summary>
    private IrExpr? StructScalar(IOperation operation)
    {
        if (MemberOf(operation) is { } member)
        {
            // The differentiated method's own fields (a [Differentiable] method of the struct) stay as they are.
            if (!Contract.TypeOf(operation.Type!).IsScalar || _frames.Count == 0 && RootsAtThis(member.Instance)) return null;
            StructValue? owner = StructOf(member.Instance);
            if (owner is null) return new Constant(Contract.TypeOf(operation.Type!), "default", 0);
            return owner.Member(member.Name, operation.Type!) as IrExpr;
        }

        if (InlinedCall(operation) is { } call)
        {
            object? result = Inline(call.Method, call.Instance, call.Arguments, operation);
            return result as IrExpr ?? new Constant(Contract.TypeOf(operation.Type!), "default", 0);
        }

        return null;
    }

    /// <summary>
    /// A call to inline: a method, operator or property getter declared in source whose receiver, a parameter or the
    /// result is a differentiable struct (and which is not the method being differentiated).
    /// </summary>
    private (IMethodSymbol Method, IOperation? Instance, IReadOnlyList<IOperation> Arguments)? InlinedCall(IOperation operation)
    {
        (IMethodSymbol? method, IOperation? instance, IReadOnlyList<IOperation> arguments) = operation switch
        {
            IInvocationOperation i => (i.TargetMethod, i.Instance, Ordered(i.TargetMethod, i.Arguments)),
            IBinaryOperation { OperatorMethod: { } op } b => (op, null, new[] { b.LeftOperand, b.RightOperand }),
            IUnaryOperation { OperatorMethod: { } op } u => (op, null, new[] { u.Operand }),
            IPropertyReferenceOperation { Property: { GetMethod: { } getter, IsIndexer: false } property } p when !StructLayout.IsDataProperty(property) =>
                (getter, p.Instance, System.Array.Empty<IOperation>()),
            _ => (null, null, System.Array.Empty<IOperation>()),
        };
        if (method is null || SymbolEqualityComparer.Default.Equals(method, _method)) return null;
        if (IsNumericsVector(method.ContainingType)) return (method, method.IsStatic ? null : instance, arguments);
        if (method.DeclaringSyntaxReferences.IsEmpty) return null;
        // A local function is inlined where it is called, whatever it takes: it has no name outside the method.
        bool touchesStructs = method.MethodKind == MethodKind.LocalFunction || IsStruct(method.ReturnType)
            || (instance is not null && IsStruct(instance.Type) && !method.IsStatic) || method.Parameters.Any(p => IsStruct(p.Type));
        return touchesStructs ? (method, method.IsStatic ? null : instance, arguments) : null;
    }

    private static IReadOnlyList<IOperation> Ordered(IMethodSymbol method, IEnumerable<IArgumentOperation> arguments)
    {
        var ordered = new IOperation[method.Parameters.Length];
        foreach (IArgumentOperation argument in arguments)
        {
            if (argument.Parameter is not null) ordered[argument.Parameter.Ordinal] = argument.Value;
        }

        return ordered;
    }

    /// <summary>
    /// The value of a struct-typed expression, leaf by leaf; null (with an error reported) where it cannot be taken
    /// apart.
    /// </summary>
    private StructValue? StructOf(IOperation operation)
    {
        ITypeSymbol type = operation.Type!;
        switch (operation)
        {
            case IConversionOperation { Operand.Type: { } from } sameType when SameLayout(from, type):
                // An identity conversion, the one a target-typed new(…) makes, or one between tuples that differ in names.
                return StructOf(sameType.Operand);
            case ILocalReferenceOperation local when Frame()?.Bound.TryGetValue(local.Local, out object? boundLocal) == true:
                return boundLocal as StructValue;
            case ILocalReferenceOperation local when _structVariables.TryGetValue(local.Local, out StructValue? locals):
                return locals;
            case IParameterReferenceOperation parameter when Frame()?.Bound.TryGetValue(parameter.Parameter, out object? boundParameter) == true:
                return boundParameter as StructValue;
            case IParameterReferenceOperation parameter when _structVariables.TryGetValue(parameter.Parameter, out StructValue? copied):
                return copied;
            case IParameterReferenceOperation parameter when SymbolEqualityComparer.Default.Equals(parameter.Parameter.ContainingSymbol, _method):
                return new StructValue(type, StructLayout.Leaves(type).ToDictionary(l => l.Path, l => (IrExpr)new VarRef(l.Type, _names[parameter.Parameter] + "." + l.Path)));
            case IInstanceReferenceOperation when Frame()?.This is { } self:
                return self;
            case IInstanceReferenceOperation when _frames.Count == 0:
                // The differentiated method's own struct: its fields are constants, read as they are (this.X).
                return new StructValue(type, StructLayout.Leaves(type).ToDictionary(l => l.Path,
                    l => (IrExpr)new Member(l.Type, new VarRef(Contract.TypeOf(type), "this"), l.Path)));
            case IFieldReferenceOperation or IPropertyReferenceOperation when MemberOf(operation) is { } member:
                return StructOf(member.Instance)?.Member(member.Name, type) as StructValue;
            case IFieldReferenceOperation { Instance: null } or IPropertyReferenceOperation { Instance: null }
                when operation is not IPropertyReferenceOperation { Property: var staticProperty } || IsStaticAutoProperty(staticProperty):
                // A static field or auto-property (World.Gravity): a constant, read field by field.
                IrExpr constant = Expr(operation);
                return new StructValue(type, StructLayout.Leaves(type).ToDictionary(l => l.Path, l => (IrExpr)new Member(l.Type, constant, l.Path)));
            case IDefaultValueOperation or IConversionOperation { Operand: IDefaultValueOperation }:
                return Zero(type);
            case ITupleOperation tuple:
                // (a, b): Item1 = a, Item2 = b (each converted to the element's type by C# already).
                var elements = new StructValue(type, new Dictionary<string, IrExpr>());
                for (int i = 0; i < tuple.Elements.Length; i++)
                {
                    if (FieldValue(tuple.Elements[i]) is not { } element) return null;
                    elements.Set("Item" + (i + 1), element);
                }

                return elements;
            case IObjectCreationOperation creation:
                return Construct(creation);
            case IWithOperation with:
                StructValue? copy = StructOf(with.Operand)?.Copy();
                return copy is null || !Initialize(copy, with.Initializer) ? null : copy;
            case IConditionalOperation { WhenFalse: not null } conditional:
                IrExpr condition = Expr(conditional.Condition);
                StructValue? whenTrue = StructOf(conditional.WhenTrue), whenFalse = StructOf(conditional.WhenFalse);
                if (whenTrue is null || whenFalse is null) return null;
                return new StructValue(type, whenTrue.Leaves.ToDictionary(l => l.Key, l => (IrExpr)new Conditional(l.Value.Type, condition, l.Value, whenFalse.Leaves[l.Key])));
        }

        if (InlinedCall(operation) is { } call) return Inline(call.Method, call.Instance, call.Arguments, operation) as StructValue;
        Report(DiagnosticDescriptors.UnsupportedExpression, operation.Syntax, $"This value of the struct '{type.Name}'",
            "build it with a constructor, an operator, a method or a property declared in source, an object initializer, 'with' or default");
        return null;
    }

    /// <summary>The same type, or tuples whose elements have the same types (their names may differ).</summary>
    private static bool SameLayout(ITypeSymbol from, ITypeSymbol to) =>
        SymbolEqualityComparer.Default.Equals(from, to)
        || from is INamedTypeSymbol { IsTupleType: true } a && to is INamedTypeSymbol { IsTupleType: true } b
            && a.TupleElements.Length == b.TupleElements.Length
            && a.TupleElements.Zip(b.TupleElements, (x, y) => SameLayout(x.Type, y.Type)).All(same => same);

    private static bool IsStaticAutoProperty(IPropertySymbol property) =>
        property.IsStatic && property.ContainingType.GetMembers().OfType<IFieldSymbol>().Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property));

    private static StructValue Zero(ITypeSymbol type) =>
        new(type, StructLayout.Leaves(type).ToDictionary(l => l.Path, l => (IrExpr)Ir.Const(l.Type, 0)));

    /// <summary><c>new V2(a, b) { Z = c }</c>: zero, the constructor's assignments, then the initializer's.</summary>
    private StructValue? Construct(IObjectCreationOperation creation)
    {
        StructValue value = Zero(creation.Type!);
        if (IsNumericsVector(creation.Type) && creation.Constructor is { Parameters.IsEmpty: false } builtIn)
        {
            var values = new List<object>();
            foreach (IOperation argument in Ordered(builtIn, creation.Arguments))
            {
                if (argument is null || FieldValue(argument) is not { } part) return null;
                values.Add(part);
            }

            return NumericsConstructor(creation.Type!, values, creation) is { } built && (creation.Initializer is null || Initialize(built, creation.Initializer)) ? built : null;
        }

        if (creation.Constructor is { } constructor && !(constructor.IsImplicitlyDeclared && constructor.Parameters.IsEmpty))
        {
            if (!RunConstructor(constructor, value, Ordered(constructor, creation.Arguments), creation)) return null;
        }

        return creation.Initializer is null || Initialize(value, creation.Initializer) ? value : null;
    }

    /// <summary>Applies an object initializer's or a <c>with</c> expression's member assignments.</summary>
    private bool Initialize(StructValue value, IObjectOrCollectionInitializerOperation initializer)
    {
        foreach (IOperation member in initializer.Initializers)
        {
            if (member is not ISimpleAssignmentOperation { Target: var target } assignment || MemberOf(target) is not { } field
                || FieldValue(assignment.Value) is not { } fieldValue)
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, member.Syntax, "This initializer", "assign the struct's fields and auto-properties only");
                return false;
            }

            value.Set(field.Name, fieldValue);
        }

        return true;
    }

    /// <summary>A field's new value: a scalar expression, or a struct value for a nested struct.</summary>
    private object? FieldValue(IOperation operation) => IsStruct(operation.Type) ? StructOf(operation) : Expr(operation);

    /// <summary>
    /// Runs a constructor declared in source on <paramref name="value"/>: its <c>: this(…)</c> call, then its
    /// assignments to fields and auto-properties, in order. A record struct's primary constructor sets the
    /// properties its parameters name.
    /// </summary>
    private bool RunConstructor(IMethodSymbol constructor, StructValue value, IReadOnlyList<IOperation> arguments, IOperation at)
    {
        var frame = new InlineFrame { Member = constructor, This = value };
        for (int i = 0; i < constructor.Parameters.Length; i++)
        {
            if (arguments[i] is null || FieldValue(arguments[i]) is not { } argument) return false;
            frame.Bound[constructor.Parameters[i]] = argument;
        }

        SyntaxNode? syntax = constructor.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken);
        if (syntax is TypeDeclarationSyntax)
        {
            // A primary constructor: record struct V2(double X, double Y) sets X and Y.
            foreach (IParameterSymbol parameter in constructor.Parameters)
            {
                if (value.Member(Contract.Escape(parameter.Name), parameter.Type) is null)
                {
                    return InlineError(constructor, at, "a primary constructor whose parameters are not the record's properties");
                }

                value.Set(Contract.Escape(parameter.Name), frame.Bound[parameter]);
            }

            return true;
        }

        if (syntax is null || OperationOf(syntax) is not IConstructorBodyOperation body) return InlineError(constructor, at, "a constructor without a body");
        _frames.Add(frame);
        try
        {
            if (body.Initializer is IExpressionStatementOperation { Operation: IInvocationOperation { TargetMethod.MethodKind: MethodKind.Constructor } chained })
            {
                if (!RunConstructor(chained.TargetMethod, value, Ordered(chained.TargetMethod, chained.Arguments), at)) return false;
            }

            foreach (IOperation statement in body.BlockBody?.Operations ?? System.Collections.Immutable.ImmutableArray<IOperation>.Empty)
            {
                if (statement is not IExpressionStatementOperation { Operation: ISimpleAssignmentOperation { Target: var target } assignment }
                    || MemberOf(target) is not { Instance: IInstanceReferenceOperation } field || FieldValue(assignment.Value) is not { } fieldValue)
                {
                    return InlineError(constructor, statement, "a statement other than an assignment to one of the struct's fields");
                }

                value.Set(field.Name, fieldValue);
            }

            return true;
        }
        finally
        {
            _frames.RemoveAt(_frames.Count - 1);
        }
    }

    /// <summary>
    /// Inlines a method, operator or property getter declared in source: its parameters (and <c>this</c>) stand for
    /// the arguments' values, its locals for their initializers, and its returned value is the result (a scalar
    /// <c>IrExpr</c> or a <c>StructValue</c>). Its body must be an expression, or locals and one return.
    /// </summary>
    private object? Inline(IMethodSymbol method, IOperation? instance, IReadOnlyList<IOperation> arguments, IOperation at)
    {
        if (_frames.Count >= 16 || _frames.Any(f => SymbolEqualityComparer.Default.Equals(f.Member, method)))
        {
            InlineError(method, at, "a call to itself");
            return null;
        }

        if (IsNumericsVector(method.ContainingType))
        {
            StructValue? receiver = instance is null ? null : StructOf(instance);
            var values = new List<object>();
            foreach (IOperation argument in arguments)
            {
                if (argument is null || FieldValue(argument) is not { } value) return null;
                values.Add(value);
            }

            return instance is not null && receiver is null ? null : Numerics(method, receiver, values, at);
        }

        var frame = new InlineFrame { Member = method };
        if (instance is not null)
        {
            if (!IsStruct(instance.Type))
            {
                InlineError(method, at, "a receiver that is not a differentiable struct");
                return null;
            }

            frame.This = StructOf(instance);
            if (frame.This is null) return null;
        }

        for (int i = 0; i < method.Parameters.Length; i++)
        {
            if (arguments[i] is null || method.Parameters[i].RefKind is RefKind.Ref or RefKind.Out)
            {
                InlineError(method, at, "a ref, out or optional parameter");
                return null;
            }

            if (FieldValue(arguments[i]) is not { } argument) return null;
            frame.Bound[method.Parameters[i]] = argument;
        }

        SyntaxNode? syntax = method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken);
        IOperation? body = syntax is null ? null : OperationOf(syntax);
        foreach (IParameterSymbol parameter in method.Parameters) frame.Bound[parameter] = Materialize(frame.Bound[parameter], parameter, body);
        if (frame.This is not null) frame.This = (StructValue)Materialize(frame.This, null, body);
        if (method.IsGenericMethod)
        {
            InlineError(method, at, "type parameters");
            return null;
        }

        IEnumerable<IOperation> statements = body switch
        {
            ILocalFunctionOperation { Body: { } local } => local.Operations,
            IMethodBodyOperation { BlockBody: { } block } => block.Operations,
            IMethodBodyOperation { ExpressionBody: { } expression } => expression.Operations,
            IBlockOperation block => block.Operations,
            _ => System.Array.Empty<IOperation>(),
        };
        _frames.Add(frame);
        try
        {
            foreach (IOperation statement in statements)
            {
                switch (statement)
                {
                    case IVariableDeclarationGroupOperation group when group.Declarations.SelectMany(d => d.Declarators).All(d => (d.Initializer ?? DeclarationInitializer(d)) is not null):
                        foreach (IVariableDeclaratorOperation declarator in group.Declarations.SelectMany(d => d.Declarators))
                        {
                            if (FieldValue((declarator.Initializer ?? DeclarationInitializer(declarator))!.Value) is not { } local) return null;
                            frame.Bound[declarator.Symbol] = Materialize(local, declarator.Symbol, body);
                        }

                        continue;
                    case IReturnOperation { ReturnedValue: { } returned }:
                        return FieldValue(returned);
                    default:
                        InlineError(method, statement, "a statement other than local declarations and one return");
                        return null;
                }
            }

            InlineError(method, at, "a body that does not end in a return");
            return null;
        }
        finally
        {
            _frames.RemoveAt(_frames.Count - 1);
        }
    }

    private static IVariableInitializerOperation? DeclarationInitializer(IVariableDeclaratorOperation declarator) =>
        (declarator.Parent as IVariableDeclarationOperation)?.Initializer;

    /// <summary>What an inlined member's parameter or local stands for, or null outside inlined members.</summary>
    private object? Bound(IOperation reference)
    {
        ISymbol? symbol = reference switch
        {
            ILocalReferenceOperation local => local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            _ => null,
        };
        return symbol is not null && Frame() is { } frame && frame.Bound.TryGetValue(symbol, out object? value) ? value : null;
    }

    /// <summary>A taken-apart struct used as a whole value where only its fields exist.</summary>
    private IrExpr WholeStruct(IOperation operation) =>
        Unsupported(operation, $"The struct '{Origin(operation.Syntax)}' used as a whole value here",
            "pass or use its fields, or a method declared in source that takes the struct");

    /// <summary>Parses what may not run (a branch of ?:, the right of &amp;&amp;) with nothing computed ahead of it.</summary>
    private T WithoutPrelude<T>(System.Func<T> parse)
    {
        List<IrStmt>? outer = _prelude;
        _prelude = null;
        try
        {
            return parse();
        }
        finally
        {
            _prelude = outer;
        }
    }

    /// <summary>
    /// Where a prelude is open, a value an inlined member reads more than once goes into locals first
    /// (<c>double velocity_X = …;</c>), named after the member's own parameter or local; otherwise it stays an expression.
    /// </summary>
    /// <param name="symbol">The parameter or local; null for <c>this</c>.</param>
    private object Materialize(object value, ISymbol? symbol, IOperation? body)
    {
        if (_prelude is null || body is null) return value;
        IrExpr Leaf(IrExpr scalar, string? path)
        {
            if (scalar is VarRef or Constant || Uses(body, symbol, path) <= 1) return scalar;
            string stem = symbol?.Name ?? "self";
            var local = new IrVar(SynthesizedName(stem + (path is null ? "" : "_" + path.Replace("@", "").Replace('.', '_'))), scalar.Type);
            _prelude.Add(new Declare(null, local, scalar));
            return local.Ref;
        }

        return value is StructValue structValue
            ? new StructValue(structValue.Type, structValue.Leaves.ToDictionary(l => l.Key, l => Leaf(l.Value, l.Key)))
            : Leaf((IrExpr)value, null);
    }

    /// <summary>
    /// How many times a member's body reads a parameter or local (or one leaf of it, <paramref name="path"/>): a read of
    /// the whole struct, or of a nested struct holding the leaf, counts for the leaf.
    /// </summary>
    private static int Uses(IOperation body, ISymbol? symbol, string? path) => body.Descendants().Count(o =>
    {
        bool reads = o switch
        {
            ILocalReferenceOperation l => SymbolEqualityComparer.Default.Equals(l.Local, symbol),
            IParameterReferenceOperation p => SymbolEqualityComparer.Default.Equals(p.Parameter, symbol),
            IInstanceReferenceOperation => symbol is null,
            _ => false,
        };
        if (!reads) return false;
        if (path is null) return true;
        string reached = "";
        for (IOperation current = o; current.Parent is { } parent && MemberOf(parent) is { } member && member.Instance == current; current = parent)
        {
            reached = reached.Length == 0 ? member.Name : reached + "." + member.Name;
        }

        return reached.Length == 0 || reached == path || path.StartsWith(reached + ".", System.StringComparison.Ordinal);
    });

    private InlineFrame? Frame() => _frames.Count == 0 ? null : _frames[_frames.Count - 1];

    /// <summary>The operation of a member declared in source (in any file of the compilation).</summary>
    private IOperation? OperationOf(SyntaxNode syntax)
    {
        SyntaxNode node = syntax switch
        {
            PropertyDeclarationSyntax { ExpressionBody: { } arrow } => arrow,
            _ => syntax,
        };
        return _compilation.GetSemanticModel(node.SyntaxTree).GetOperation(node, _cancellationToken);
    }

    /// <summary>A struct member that cannot be inlined: an error at the member's code that names the method using it.</summary>
    private bool InlineError(IMethodSymbol member, IOperation at, string what)
    {
        string name = member.MethodKind switch
        {
            MethodKind.Constructor => member.ContainingType.Name + " constructor",
            MethodKind.PropertyGet => member.AssociatedSymbol?.Name ?? member.Name,
            _ => member.ContainingType.Name + "." + member.Name,
        };
        string subject = member.MethodKind == MethodKind.LocalFunction ? $"The local function '{member.Name}'" : $"'{name}'";
        Report(DiagnosticDescriptors.UnsupportedExpression, at.Syntax, $"{subject}, used by {_method.Name}, contains {what}; it",
            member.MethodKind == MethodKind.LocalFunction
                ? "write it as one expression (or locals and one return), or make it a [Differentiable] method of the type"
                : "write it as one expression over the struct's fields (or locals and one return), or use the fields directly in the method");
        return false;
    }
}
