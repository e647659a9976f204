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
        DeclareLeaves(_result, null, null, into);
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
    /// The cheap test before <see cref="StructScalar"/>: a member of a struct, a user-defined operator, or a call that
    /// takes, returns or is on a struct (or a local function). Most operations a method holds are none of these.
    /// </summary>
    private static bool MayTouchStructs(IOperation operation)
    {
        static bool Struct(ITypeSymbol? type) => type is { TypeKind: TypeKind.Struct, SpecialType: SpecialType.None };
        return operation switch
        {
            IFieldReferenceOperation f => Struct(f.Instance?.Type) || Struct(f.Type),
            IPropertyReferenceOperation p => Struct(p.Instance?.Type) || Struct(p.Type),
            IInvocationOperation { TargetMethod: var m } => m.MethodKind == MethodKind.LocalFunction || Struct(m.ContainingType) || Struct(m.ReturnType)
                || m.Parameters.Any(q => Struct(q.Type)),
            IBinaryOperation b => b.OperatorMethod is not null && !IsGenericMath(b.OperatorMethod),
            IUnaryOperation u => u.OperatorMethod is not null && !IsGenericMath(u.OperatorMethod),
            _ => false,
        };
    }

    /// <summary>
    /// Struct parameters the body writes (<c>p.X += v</c>, <c>p = q</c>) are copied into scalar locals at the start,
    /// so that the parameter itself is read only there.
    /// </summary>
    private void CopyWrittenStructParameters(IOperation body, List<IrStmt> into)
    {
        foreach (IParameterSymbol parameter in _method.Parameters.Where(p => IsStruct(p.Type) && Contract.IsByValue(p)))
        {
            bool written = body.Descendants().Any(o => o switch
            {
                ISimpleAssignmentOperation a => RootParameter(a.Target, parameter),
                ICompoundAssignmentOperation c => RootParameter(c.Target, parameter),
                IIncrementOrDecrementOperation i => RootParameter(i.Target, parameter),
                _ => false,
            });
            if (written) DeclareStructLocals(parameter, _names[parameter], ParameterFields(parameter), null, into);
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
    private StructValue NewStructLocals(ITypeSymbol type, string stem) => Leafwise(type, l => new VarRef(l.Type, SynthesizedName(LocalName(stem, l.Path))));

    /// <summary>A local's name for a field of a variable: <c>p</c> and <c>Pos.X</c> give <c>p_Pos_X</c>.</summary>
    private static string LocalName(string variable, string path) => variable.TrimStart('@') + "_" + path.Replace("@", "").Replace('.', '_');

    /// <summary><c>V2 p = e;</c>: one declaration per leaf.</summary>
    private void DeclareStruct(ILocalSymbol local, IOperation? initializer, string origin, List<IrStmt> into)
    {
        // Where the initializer is an error (reported), the local is declared all the same, so its uses raise no more.
        DeclareStructLocals(local, _names[local], initializer is null ? null : StructOf(initializer), origin, into);
    }

    /// <summary>
    /// The scalar locals a struct variable (a local, a foreach item, an inlined member's parameter) lives in, named
    /// after <paramref name="stem"/>, registered as its storage and declared leaf by leaf from <paramref name="value"/>
    /// (without a value when there is none).
    /// </summary>
    private void DeclareStructLocals(ISymbol variable, string stem, StructValue? value, string? origin, List<IrStmt> into)
    {
        StructValue locals = NewStructLocals(variable is ILocalSymbol local ? local.Type : ((IParameterSymbol)variable).Type, stem);
        _structVariables[variable] = locals;
        DeclareLeaves(locals, value, origin, into);
    }

    /// <summary>One declaration per leaf of <paramref name="locals"/>, each with the same leaf of <paramref name="value"/>.</summary>
    private static void DeclareLeaves(StructValue locals, StructValue? value, string? origin, List<IrStmt> into)
    {
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

    /// <summary>Stores a struct value into a place leaf by leaf, leaving out the leaves it would store into themselves (<c>with</c>).</summary>
    private void AssignLeaves(StructValue place, StructValue value, string origin, List<IrStmt> into) =>
        StoreAll(place.Leaves.Where(leaf => !leaf.Value.Equals(value.Leaves[leaf.Key])).Select(leaf => (leaf.Value, (IrVar?)null, value.Leaves[leaf.Key])).ToList(), origin, into);

    /// <summary>
    /// Stores new values into several places as one assignment does (a struct's fields, a deconstruction's targets): where
    /// a new value reads a place stored before it (<c>(a, b) = (b, a)</c>), every new value goes into a temporary first.
    /// A store with a variable to declare declares it.
    /// </summary>
    private void StoreAll(IReadOnlyList<(IrExpr Target, IrVar? Declared, IrExpr Value)> stores, string origin, List<IrStmt> into)
    {
        var assigned = new HashSet<string>();
        bool clash = false;
        foreach (var store in stores)
        {
            if (IrWalker.Reads(store.Value).Any(assigned.Contains)) clash = true;
            if (store.Target is VarRef v) assigned.Add(v.Name);
            else if (IrWalker.StoredArray(new Assign(null, store.Target, store.Value)) is { } array) assigned.Add(array);
        }

        var values = stores.Select(store => store.Value).ToList();
        for (int i = 0; clash && i < stores.Count; i++)
        {
            if (values[i] is Constant) continue;
            var temp = new IrVar(SynthesizedName("_new_" + ((stores[i].Target as VarRef)?.Name ?? "element")), values[i].Type);
            into.Add(new Declare(origin, temp, values[i]));
            values[i] = temp.Ref;
        }

        for (int i = 0; i < stores.Count; i++)
        {
            into.Add(stores[i].Declared is { } declared ? new Declare(origin, declared, values[i]) : new Assign(origin, stores[i].Target, values[i]));
        }
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
        if (Targets(deconstruction.Target, value, stores)) StoreAll(stores, origin, into);
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
            case IArrayElementReferenceOperation or IPropertyReferenceOperation { Property.IsIndexer: true }:
                return StructArrayLocalElement(target) ?? OutputStructElement(target);
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
            if (!Contract.TypeOf(operation.Type!).IsScalar || _frames.Count == 0 && RootsAtThis(member.Instance) && !InModelStruct(member.Instance)) return null;
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
            case IConversionOperation { OperatorMethod.MethodKind: MethodKind.Conversion, Operand.Type: { } number } toComplex
                when IsComplex(type) && Contract.TypeOf(number) is { IsScalar: true } real && (real.IsFloating || real.IsIntegral):
                // Complex z = x: (x, 0), as the library's conversion builds it.
                return new StructValue(type, new Dictionary<string, IrExpr>
                {
                    ["Real"] = Ir.ConvertTo(Expr(toComplex.Operand), IrType.Double),
                    ["Imaginary"] = Ir.Const(IrType.Double, 0),
                });
            case ILocalReferenceOperation local when Frame()?.Bound.TryGetValue(local.Local, out object? boundLocal) == true:
                return boundLocal as StructValue;
            case ILocalReferenceOperation local when _structVariables.TryGetValue(local.Local, out StructValue? locals):
                return locals;
            case IParameterReferenceOperation parameter when Frame()?.Bound.TryGetValue(parameter.Parameter, out object? boundParameter) == true:
                return boundParameter as StructValue;
            case IParameterReferenceOperation parameter when _structVariables.TryGetValue(parameter.Parameter, out StructValue? copied):
                return copied;
            case IParameterReferenceOperation parameter when SymbolEqualityComparer.Default.Equals(parameter.Parameter.ContainingSymbol, _method):
                return ParameterFields(parameter.Parameter);
            case IArrayElementReferenceOperation { ArrayReference: IParameterReferenceOperation array, Indices.Length: 1 } element
                when IsStructArray(array.Parameter):
                NoteElementRead(array.Parameter, element, element.Indices);
                return FieldArrays(array.Parameter, type, Expr(element.Indices[0]));
            case IArrayElementReferenceOperation { ArrayReference: ILocalReferenceOperation } when StructArrayLocalElement(operation) is { } localElement:
                return localElement;
            case IArrayElementReferenceOperation when ModelStructArrayElement(operation) is { } memberElement:
                return memberElement;
            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: IParameterReferenceOperation span, Arguments.Length: 1 } indexer
                when IsStructArray(span.Parameter):
                return FieldArrays(span.Parameter, type, Expr(indexer.Arguments[0].Value));
            case IInstanceReferenceOperation when Frame()?.This is { } self:
                return self;
            case IInstanceReferenceOperation when _frames.Count == 0:
                // The differentiated method's own struct: its fields are constants, read as they are (this.X).
                return ReadThrough(type, new VarRef(Contract.TypeOf(type), "this"));
            case IFieldReferenceOperation or IPropertyReferenceOperation when ModelStruct(operation) is { } own:
                // A struct member of the model (Offset): its leaves are read in place (Offset.X), their adjoints are
                // the same leaves of gradients.Offset.
                return FieldVariables(type, MemberVariable(own.Name));
            case IFieldReferenceOperation or IPropertyReferenceOperation when MemberOf(operation) is { } member:
                return StructOf(member.Instance)?.Member(member.Name, type) as StructValue;
            case IFieldReferenceOperation { Instance: null } or IPropertyReferenceOperation { Instance: null }
                when operation is not IPropertyReferenceOperation { Property: var staticProperty } || IsStaticAutoProperty(staticProperty):
                // A static field or auto-property (World.Gravity): a constant, read field by field.
                return ReadThrough(type, Expr(operation));
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
        if (ConstantModelRead(operation) is { } constantRead) return ReadThrough(type, constantRead);
        Report(DiagnosticDescriptors.UnsupportedExpression, operation.Syntax, $"This value of the struct '{type.Name}'", UnsupportedStructAdvice(operation));
        return null;
    }

    /// <summary>A struct parameter of the differentiated method, read field by field: <c>p.X</c>, <c>p.Pos.X</c>.</summary>
    private StructValue ParameterFields(IParameterSymbol parameter) => FieldVariables(parameter.Type, _names[parameter]);

    /// <summary>A struct variable read field by field as variables of their own (<c>p.X</c>, <c>Offset.Pos.X</c>).</summary>
    private static StructValue FieldVariables(ITypeSymbol type, string owner) => Leafwise(type, l => new VarRef(l.Type, owner + "." + l.Path));

    /// <summary>A struct read field by field through a constant expression (<c>this.X</c>, <c>World.Gravity.Y</c>).</summary>
    private static StructValue ReadThrough(ITypeSymbol type, IrExpr owner) => Leafwise(type, l => new Member(l.Type, owner, l.Path));

    /// <summary>A struct value with one expression per leaf of its type.</summary>
    private static StructValue Leafwise(ITypeSymbol type, System.Func<StructLeaf, IrExpr> leaf) => new(type, StructLayout.Leaves(type).ToDictionary(l => l.Path, leaf));

    /// <summary>The same type, or tuples whose elements have the same types (their names may differ).</summary>
    private static bool SameLayout(ITypeSymbol from, ITypeSymbol to) =>
        SymbolEqualityComparer.Default.Equals(from, to)
        || from is INamedTypeSymbol { IsTupleType: true } a && to is INamedTypeSymbol { IsTupleType: true } b
            && a.TupleElements.Length == b.TupleElements.Length
            && a.TupleElements.Zip(b.TupleElements, (x, y) => SameLayout(x.Type, y.Type)).All(same => same);

    private static bool IsStaticAutoProperty(IPropertySymbol property) =>
        property.IsStatic && property.ContainingType.GetMembers().OfType<IFieldSymbol>().Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property));

    private static StructValue Zero(ITypeSymbol type) => Leafwise(type, l => Ir.Const(l.Type, 0));

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

}
