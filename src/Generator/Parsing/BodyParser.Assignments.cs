using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using Backprop.Gen.Diagnostics;
using Backprop.Gen.Differentiation;
using Backprop.Gen.IR;
using Backprop.Gen.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;
using IrCast = Backprop.Gen.IR.Cast;

namespace Backprop.Gen.Parsing;

// Statements that assign: declarations (of scalars, arrays, structs and switch expressions), assignments, compound
// assignments and increments, and the targets they write.
internal sealed partial class BodyParser
{
    private void Declarator(IVariableDeclaratorOperation declarator, IVariableDeclarationOperation declaration, string origin, List<IrStmt> into)
    {
        ILocalSymbol local = declarator.Symbol;
        IVariableInitializerOperation? shared = declaration.Initializer;
        if (local.IsRef)
        {
            Report(DiagnosticDescriptors.UnsupportedStatement, declaration.Syntax, "ref local", "copy the value into an ordinary local, or index the array directly");
            return;
        }

        if (IsStruct(local.Type))
        {
            DeclareStruct(local, (declarator.Initializer ?? shared)?.Value, origin, into);
            return;
        }

        if (IsStructArrayLocal(local))
        {
            DeclareStructArray(local, (declarator.Initializer ?? shared)?.Value, origin, into);
            return;
        }

        var variable = new IrVar(_names[local], Contract.TypeOf(local.Type));
        IVariableInitializerOperation? initializer = declarator.Initializer ?? shared;
        if (initializer?.Value is IArrayCreationOperation { Initializer: { } elements } creation)
        {
            // new double[] { a, b } (or { { a, b }, { b, a } }) becomes a zeroed array and one store per element, so
            // elements may carry derivatives.
            into.Add(new Declare(origin, variable, NewArray(creation)));
            StoreElements(variable, elements, new List<IrExpr>(), origin, into);
            return;
        }

        if (variable.Type.IsFloating && initializer?.Value is ISwitchExpressionOperation)
        {
            // double y = k switch { … }: declared, then assigned in the arm taken.
            into.Add(new Declare(origin, variable, null));
            TrySwitchStatement(initializer.Value, (value, text) => new Assign(local.Name + " = " + text + ";", variable.Ref, value), into);
            return;
        }

        if (initializer is not null && variable.Type.IsFloatingContainer && initializer.Value is not IArrayCreationOperation
            && initializer.Value.Syntax is not (StackAllocArrayCreationExpressionSyntax or ImplicitStackAllocArrayCreationExpressionSyntax))
        {
            Report(DiagnosticDescriptors.ArrayLocalReassigned, initializer.Value.Syntax, local.Name);
            return;
        }

        into.Add(new Declare(origin, variable, initializer is null ? null : Expr(initializer.Value)));
    }

    private void ExpressionStatement(IOperation expression, string origin, List<IrStmt> into)
    {
        switch (expression)
        {
            case IInvalidOperation nested:
                // FBackward(…, ref dA…); or FTangent(…, out double t);: the stores are all the statement does.
                NestedCall(nested, IrType.Void);
                return;
            case ISimpleAssignmentOperation { IsRef: false, Target: ILocalReferenceOperation local, Value: ISwitchExpressionOperation } switchAssignment
                when Contract.TypeOf(local.Type!).IsFloating:
                // y = k switch { … }: assigned in the arm taken.
                var assignedLocal = new VarRef(Contract.TypeOf(local.Type!), _names[local.Local]);
                TrySwitchStatement(switchAssignment.Value, (value, text) => new Assign(local.Local.Name + " = " + text + ";", assignedLocal, value), into);
                return;
            case ISimpleAssignmentOperation { IsRef: false } structAssignment when IsStruct(structAssignment.Target.Type):
                if (!AssignStruct(structAssignment.Target, structAssignment.Value, origin, into))
                {
                    Report(DiagnosticDescriptors.WriteToNonLocal, expression.Syntax, Origin(expression.Syntax));
                }

                return;
            case ICompoundAssignmentOperation { OperatorMethod: { } structOperator } structCompound when IsStruct(structCompound.Target.Type):
                // p += q with an operator declared in source: p = p + q.
                if (StructTarget(structCompound.Target) is not { } place)
                {
                    Report(DiagnosticDescriptors.WriteToNonLocal, expression.Syntax, Origin(expression.Syntax));
                    return;
                }

                if (Inline(structOperator, null, new[] { structCompound.Target, structCompound.Value }, expression) is StructValue sum)
                {
                    AssignLeaves(place, sum, origin, into);
                }

                return;
            case ISimpleAssignmentOperation assignment when !assignment.IsRef:
                // The value is read before the target is written (p[i] = p[i - 1] reads p first).
                IrExpr assigned = assignment.Value is IArrayCreationOperation ? new Constant(IrType.Void, "default", 0) : Expr(assignment.Value);
                IrExpr? target = AssignmentTarget(assignment.Target, expression, readsTarget: false);
                if (target is null) return;
                if (assignment.Value is IArrayCreationOperation { Initializer: not null })
                {
                    Report(DiagnosticDescriptors.UnsupportedExpression, assignment.Value.Syntax, "An array initializer outside a declaration",
                        "declare a new local with it: 'double[] v = { a, b };'");
                    return;
                }

                if (target.Type.IsFloatingContainer && assignment.Value is not IArrayCreationOperation)
                {
                    Report(DiagnosticDescriptors.ArrayLocalReassigned, assignment.Value.Syntax, Origin(assignment.Target.Syntax));
                    return;
                }

                into.Add(new Assign(origin, target, assignment.Value is IArrayCreationOperation ? Expr(assignment.Value) : assigned));
                return;
            case ICompoundAssignmentOperation compound:
                IrExpr? compoundTarget = AssignmentTarget(compound.Target, expression, readsTarget: true);
                if (compoundTarget is null) return;
                if (compound.OperatorMethod is not null && !IsGenericMath(compound.OperatorMethod))
                {
                    Report(DiagnosticDescriptors.UnsupportedExpression, expression.Syntax, "A user-defined operator", "use double or float arithmetic");
                    return;
                }

                IrExpr value = Expr(compound.Value);
                IrType operationType = Ir.Wider(compoundTarget.Type, value.Type);
                IrExpr left = compoundTarget.Type.Equals(operationType) ? compoundTarget : new IrCast(operationType, compoundTarget, IsImplicit: true);
                Overflow overflow = OverflowOf(compound.IsChecked, compound.Type);
                IrExpr combined = new Binary(operationType, BinaryOperator(compound.OperatorKind), left, value, overflow);
                if (!operationType.Equals(compoundTarget.Type)) combined = new IrCast(compoundTarget.Type, combined, IsImplicit: false, overflow);
                into.Add(new Assign(origin, compoundTarget, combined));
                return;
            case IIncrementOrDecrementOperation structStep when IsStruct(structStep.Target.Type):
                Report(DiagnosticDescriptors.UnsupportedExpression, expression.Syntax, $"'{Origin(expression.Syntax)}' on a struct", "write it as += 1 or -= 1");
                return;
            case IIncrementOrDecrementOperation step:
                IrExpr? stepTarget = AssignmentTarget(step.Target, expression, readsTarget: true);
                if (stepTarget is null) return;
                BinaryOp op = step.Kind == OperationKind.Increment ? BinaryOp.Add : BinaryOp.Subtract;
                Overflow stepOverflow = OverflowOf(step.IsChecked, step.Type);
                if (stepTarget.Type is { IsScalar: true, Element: ElementKind.Other })
                {
                    // c++ on a char, byte or short: the sum is an int (C# promotes), converted back.
                    into.Add(new Assign(origin, stepTarget, new IrCast(stepTarget.Type,
                        new Binary(IrType.Int, op, stepTarget, new Constant(IrType.Int, "1", 1), stepOverflow), IsImplicit: false, stepOverflow)));
                    return;
                }

                IrExpr one = stepTarget.Type.IsFloating ? Ir.Const(stepTarget.Type, 1) : new Constant(stepTarget.Type, "1", 1);
                into.Add(new Assign(origin, stepTarget, new Binary(stepTarget.Type, op, stepTarget, one, stepOverflow)));
                return;
            case IInvocationOperation:
                into.Add(new Evaluate(origin, Expr(expression)));
                return;
            case IThrowOperation thrown:
                into.Add(new Throw(origin, Thrown(thrown)));
                return;
            case IDeconstructionAssignmentOperation deconstruction when Deconstruct(deconstruction, origin, into):
                return;
            case IDeconstructionAssignmentOperation:
                Report(DiagnosticDescriptors.UnsupportedExpression, expression.Syntax, "A deconstruction",
                    "deconstruct a tuple of double or float values (or of differentiable structs), or assign each variable on its own");
                return;
            case IConditionalAccessOperation:
                Report(DiagnosticDescriptors.UnsupportedExpression, expression.Syntax, "A conditional access ('?.')",
                    "test for null with if (… is not null) and make the call inside");
                return;
            default:
                Report(DiagnosticDescriptors.UnsupportedStatement, expression.Syntax, "expression",
                    "only assignments, compound assignments, increments and calls can stand as statements");
                return;
        }
    }

    private IrExpr? AssignmentTarget(IOperation target, IOperation statement, bool readsTarget)
    {
        switch (target)
        {
            case ILocalReferenceOperation local when _structArrayLocals.ContainsKey(local.Local):
                Report(DiagnosticDescriptors.ArrayLocalReassigned, statement.Syntax, local.Local.Name);
                return null;
            case ILocalReferenceOperation local:
                return new VarRef(Contract.TypeOf(local.Type!), _names[local.Local]);
            case IParameterReferenceOperation parameter:
                return new VarRef(Contract.TypeOf(parameter.Type!), _names[parameter.Parameter]);
            case IArrayElementReferenceOperation { ArrayReference: IParameterReferenceOperation parameter } element:
                // Writing into a parameter array makes it an output of the method.
                IrExpr stored = Expr(element, noteRead: readsTarget);
                NoteWrite(parameter.Parameter);
                return stored;
            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: IParameterReferenceOperation parameter } indexer when IsSpan(indexer.Instance?.Type):
                IrExpr storedSpan = Expr(indexer, noteRead: readsTarget);
                NoteWrite(parameter.Parameter);
                return storedSpan;
            case IArrayElementReferenceOperation { ArrayReference: ILocalReferenceOperation } element:
                return Expr(element);
            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: ILocalReferenceOperation } indexer when IsSpan(indexer.Instance?.Type):
                return Expr(indexer);
            case IArrayElementReferenceOperation or IPropertyReferenceOperation { Property.IsIndexer: true }
                when Contract.TypeOf(target.Type!).IsFloating:
                // An array of a field or property (static S[0] = x * x, box.Buffer[0] = …): its values would carry
                // derivatives the generator cannot follow, since the array is not the method's own.
                Report(DiagnosticDescriptors.WriteToNonLocal, statement.Syntax, Origin(statement.Syntax));
                return null;
            case IArrayElementReferenceOperation element:
                return Expr(element);
            case IPropertyReferenceOperation { Property.IsIndexer: true } indexer when IsSpan(indexer.Instance?.Type):
                return Expr(indexer);
            case IFieldReferenceOperation or IPropertyReferenceOperation when LeafTarget(target) is { } leaf:
                // p.X = e on a struct local (or a struct parameter the method writes): the scalar local of that field.
                return leaf;
            case IFieldReferenceOperation or IPropertyReferenceOperation:
                Report(DiagnosticDescriptors.WriteToNonLocal, statement.Syntax, Origin(statement.Syntax));
                return null;
            default:
                Report(DiagnosticDescriptors.UnsupportedExpression, target.Syntax, "This assignment target", "assign a local or an element of a local array");
                return null;
        }
    }
}
