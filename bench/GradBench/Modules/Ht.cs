using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Backprop.GradBench;

/// <summary>
/// <c>ht</c>: hand tracking. A skinned hand model is posed by 26 parameters theta (a global rotation and translation,
/// then four angles per finger), and <c>objective</c> gives the residuals between measured points and the posed
/// hand's vertices (simple variant) or points on its triangles given by barycentric coordinates us (complicated);
/// <c>jacobian</c> is their Jacobian with respect to us and theta, from the generated Tangents.
/// </summary>
/// <remarks>
/// Forward mode, because the Jacobian is tall and thin: 3·ncorr rows (153,600 for hand11) but only 26 theta columns,
/// plus two us columns. A reverse sweep gives one row, a Tangent sweep one column, so 26 Tangent sweeps give every
/// theta column. The us columns are sparse: us[i] moves only the three rows of correspondence i, so one sweep with
/// every us[i][0] tangent set at once gives column 0 for all rows (each row sees only its own us[i][0]), and another
/// with every us[i][1] column 1. The us enter only <see cref="Residuals"/>, after the posed vertices, so those two
/// sweeps are Residuals' Tangent on the vertices of one primal <see cref="Pose"/> (their tangent is zero).
/// </remarks>
internal sealed partial class Ht : IModule
{
    /// <summary>
    /// The hand model, flattened once per input: 4×4 matrices row-major, 16 per bone; base positions homogeneous, 4 per
    /// vertex; each vertex's nonzero skinning weights as a list (its bones and weights from <c>First[v]</c> to
    /// <c>First[v + 1]</c>), since a vertex follows a few of the 22 bones; triangles, 3 vertex indices each.
    /// </summary>
    internal sealed class HandModel
    {
        public required int[] Parents { get; init; }
        public required double[] BaseRelatives { get; init; }
        public required double[] InverseBaseAbsolutes { get; init; }
        public required double[] BasePositions { get; init; }
        public required int[] First { get; init; }
        public required int[] Bone { get; init; }
        public required double[] Weight { get; init; }
        public required int[] Triangles { get; init; }
        public required bool IsMirrored { get; init; }

        public int Bones => Parents.Length;

        public int Vertices => First.Length - 1;
    }

    /// <summary>The residuals: measured points minus the posed hand's points (3 per correspondence, into <paramref name="err"/>).</summary>
    [Differentiable(Modes = DifferentiationModes.Forward)]
    public static void Objective(double[] theta, double[] us, HandModel model, int[] correspondences, [NoDerivative] double[] points, double[] err)
    {
        double[] positions = new double[3 * model.Vertices];
        Pose(theta, model, positions);
        Residuals(positions, us, model.Triangles, correspondences, points, err);
    }

    /// <summary>Every vertex of the hand posed by theta, 3 coordinates each: skinned by the bones, then moved globally.</summary>
    [Differentiable(Modes = DifferentiationModes.Forward)]
    public static void Pose(double[] theta, HandModel model, double[] positions)
    {
        int bones = model.Bones;
        double[] pose = new double[3 * (bones + 3)];
        PoseParameters(theta, pose);

        // Each bone's transform: its rest pose relative to its parent, turned by its Euler angles (pose column 3 + b),
        // chained from the root down (a parent comes before its children), then taken from the rest pose's frame.
        double[] rotation = new double[16];
        double[] relative = new double[16];
        double[] absolute = new double[16];
        double[] absolutes = new double[16 * bones];
        double[] transforms = new double[16 * bones];
        for (int b = 0; b < bones; b++)
        {
            EulerRotation(pose, 3 + b, rotation);
            Multiply(model.BaseRelatives, 16 * b, rotation, 0, relative, 0);
            int parent = model.Parents[b];
            if (parent == -1)
            {
                for (int e = 0; e < 16; e++) absolute[e] = relative[e];
            }
            else
            {
                Multiply(absolutes, 16 * parent, relative, 0, absolute, 0);
            }

            for (int e = 0; e < 16; e++) absolutes[16 * b + e] = absolute[e];
            Multiply(absolute, 0, model.InverseBaseAbsolutes, 16 * b, transforms, 16 * b);
        }

        // The global rotation (angle-axis, pose column 0; the global scale, column 1, is 1) and translation (column 2).
        double[] global = new double[9];
        AngleAxisRotation(pose, global);

        // Linear blend skinning: a vertex is the weighted sum of its rest position moved by each of its bones.
        for (int v = 0; v < model.Vertices; v++)
        {
            double bx = model.BasePositions[4 * v], by = model.BasePositions[4 * v + 1];
            double bz = model.BasePositions[4 * v + 2], bw = model.BasePositions[4 * v + 3];
            double x = 0, y = 0, z = 0;
            for (int k = model.First[v]; k < model.First[v + 1]; k++)
            {
                int t = 16 * model.Bone[k];
                double w = model.Weight[k];
                x += w * (transforms[t] * bx + transforms[t + 1] * by + transforms[t + 2] * bz + transforms[t + 3] * bw);
                y += w * (transforms[t + 4] * bx + transforms[t + 5] * by + transforms[t + 6] * bz + transforms[t + 7] * bw);
                z += w * (transforms[t + 8] * bx + transforms[t + 9] * by + transforms[t + 10] * bz + transforms[t + 11] * bw);
            }

            if (model.IsMirrored) x = -x;
            positions[3 * v] = global[0] * x + global[1] * y + global[2] * z + pose[6];
            positions[3 * v + 1] = global[3] * x + global[4] * y + global[5] * z + pose[7];
            positions[3 * v + 2] = global[6] * x + global[7] * y + global[8] * z + pose[8];
        }
    }

    /// <summary>
    /// The 3 × (bones + 3) pose matrix, column c at <c>pose[3c..3c+2]</c>: the global rotation theta[0..2], the scale
    /// (1, 1, 1), the translation theta[3..5], then per finger (bones 2–5, 6–9, …) two angles of its first joint and
    /// one of each of the next two; the rest stays 0.
    /// </summary>
    [Differentiable(Modes = DifferentiationModes.Forward)]
    public static void PoseParameters(double[] theta, double[] pose)
    {
        for (int j = 0; j < 3; j++)
        {
            pose[j] = theta[j];
            pose[3 + j] = 1;
            pose[6 + j] = theta[3 + j];
        }

        int i = 6;
        for (int finger = 0; finger < 5; finger++)
        {
            int c = 5 + 4 * finger;
            pose[3 * c] = theta[i];
            pose[3 * c + 1] = theta[i + 1];
            pose[3 * (c + 1)] = theta[i + 2];
            pose[3 * (c + 2)] = theta[i + 3];
            i += 4;
        }
    }

    /// <summary>
    /// The homogeneous 4×4 rotation <c>Rz(a1)·Ry(a2)·Rx(a0)</c> for the angles (a0, a1, a2) in pose column
    /// <paramref name="column"/>.
    /// </summary>
    [Differentiable(Modes = DifferentiationModes.Forward)]
    public static void EulerRotation(double[] pose, int column, double[] rotation)
    {
        double cx = Math.Cos(pose[3 * column]), sx = Math.Sin(pose[3 * column]);
        double cz = Math.Cos(pose[3 * column + 1]), sz = Math.Sin(pose[3 * column + 1]);
        double cy = Math.Cos(pose[3 * column + 2]), sy = Math.Sin(pose[3 * column + 2]);
        rotation[0] = cz * cy;
        rotation[1] = -sz * cx + cz * sy * sx;
        rotation[2] = sz * sx + cz * sy * cx;
        rotation[3] = 0;
        rotation[4] = sz * cy;
        rotation[5] = cz * cx + sz * sy * sx;
        rotation[6] = -cz * sx + sz * sy * cx;
        rotation[7] = 0;
        rotation[8] = -sy;
        rotation[9] = cy * sx;
        rotation[10] = cy * cx;
        rotation[11] = 0;
        rotation[12] = 0;
        rotation[13] = 0;
        rotation[14] = 0;
        rotation[15] = 1;
    }

    /// <summary>
    /// The 3×3 rotation (row-major) by the angle-axis vector in pose column 0: Rodrigues' formula
    /// <c>c·I + s·[n]× + (1 − c)·n·nᵀ</c>, or the identity for an angle under 1e-4.
    /// </summary>
    [Differentiable(Modes = DifferentiationModes.Forward)]
    public static void AngleAxisRotation(double[] pose, double[] rotation)
    {
        double angle = Math.Sqrt(pose[0] * pose[0] + pose[1] * pose[1] + pose[2] * pose[2]);
        if (angle < 1e-4)
        {
            for (int e = 0; e < 9; e++) rotation[e] = e % 4 == 0 ? 1 : 0;
            return;
        }

        double x = pose[0] / angle, y = pose[1] / angle, z = pose[2] / angle;
        double s = Math.Sin(angle), c = Math.Cos(angle);
        rotation[0] = x * x + (1 - x * x) * c;
        rotation[1] = x * y * (1 - c) - z * s;
        rotation[2] = x * z * (1 - c) + y * s;
        rotation[3] = x * y * (1 - c) + z * s;
        rotation[4] = y * y + (1 - y * y) * c;
        rotation[5] = y * z * (1 - c) - x * s;
        rotation[6] = x * z * (1 - c) - y * s;
        rotation[7] = z * y * (1 - c) + x * s;
        rotation[8] = z * z + (1 - z * z) * c;
    }

    /// <summary>The 4×4 product <c>a·b</c> (row-major, from offsets <paramref name="i"/> and <paramref name="j"/>) into <paramref name="product"/> at <paramref name="k"/>.</summary>
    [Differentiable(Modes = DifferentiationModes.Forward)]
    public static void Multiply(double[] a, int i, double[] b, int j, double[] product, int k)
    {
        for (int r = 0; r < 4; r++)
        {
            for (int c = 0; c < 4; c++)
            {
                double sum = 0;
                for (int m = 0; m < 4; m++) sum += a[i + 4 * r + m] * b[j + 4 * m + c];
                product[k + 4 * r + c] = sum;
            }
        }
    }

    /// <summary>
    /// Point i minus the hand's point it corresponds to: vertex <c>correspondences[i]</c> (simple, us empty), or the
    /// point <c>u0·p0 + u1·p1 + (1 − u0 − u1)·p2</c> of triangle <c>correspondences[i]</c> (complicated).
    /// </summary>
    [Differentiable(Modes = DifferentiationModes.Forward)]
    public static void Residuals(double[] positions, double[] us, int[] triangles, int[] correspondences, [NoDerivative] double[] points, double[] err)
    {
        for (int i = 0; i < correspondences.Length; i++)
        {
            if (us.Length == 0)
            {
                int v = correspondences[i];
                for (int j = 0; j < 3; j++) err[3 * i + j] = points[3 * i + j] - positions[3 * v + j];
            }
            else
            {
                int t = 3 * correspondences[i];
                int v0 = triangles[t], v1 = triangles[t + 1], v2 = triangles[t + 2];
                double u0 = us[2 * i], u1 = us[2 * i + 1];
                for (int j = 0; j < 3; j++)
                {
                    double point = u0 * positions[3 * v0 + j] + u1 * positions[3 * v1 + j] + (1 - u0 - u1) * positions[3 * v2 + j];
                    err[3 * i + j] = points[3 * i + j] - point;
                }
            }
        }
    }

    public Evaluation Prepare(string function, JsonElement input)
    {
        double[] theta = Json.Doubles(input.GetProperty("theta"));
        JsonElement usRows = input.GetProperty("us");
        double[] us = usRows.GetArrayLength() == 0 ? [] : Json.Matrix(usRows).Values;
        JsonElement data = input.GetProperty("data");
        int[] correspondences = Ints(data.GetProperty("correspondences"));
        double[] points = Json.Matrix(data.GetProperty("points")).Values;
        HandModel model = ReadModel(data.GetProperty("model"));
        int count = correspondences.Length;
        bool complicated = us.Length != 0;
        int targets = complicated ? model.Triangles.Length / 3 : model.Vertices;
        if (theta.Length != 26) throw new ArgumentException($"theta has {theta.Length} numbers, not 26");
        if (points.Length != 3 * count || (complicated && us.Length != 2 * count))
        {
            throw new ArgumentException("points and us must have one row (of 3 and 2 numbers) per correspondence");
        }

        foreach (int c in correspondences)
        {
            if (c < 0 || c >= targets) throw new ArgumentException($"correspondence {c} is not one of the {targets} {(complicated ? "triangles" : "vertices")}");
        }

        // The Jacobian column by column, as the Tangents give it (each sweep writes its column in place); written out
        // row by row.
        int offset = complicated ? 2 : 0;
        double[][] jacobian = new double[offset + theta.Length][];
        for (int k = 0; k < jacobian.Length; k++) jacobian[k] = new double[3 * count];
        double[] err = new double[3 * count];
        double[] tTheta = new double[theta.Length], tUs = new double[us.Length];
        double[] positions = new double[3 * model.Vertices];
        return function switch
        {
            "objective" => new Evaluation(() => Objective(theta, us, model, correspondences, points, err), w => Json.Write(w, err)),
            "jacobian" => new Evaluation(() =>
            {
                // tUs is all zero here: passing it, rather than null, spares each sweep zeroing a buffer of its size.
                for (int k = 0; k < theta.Length; k++)
                {
                    tTheta[k] = 1;
                    ObjectiveTangent(theta, us, model, correspondences, points, err, tTheta, tUs, jacobian[offset + k]);
                    tTheta[k] = 0;
                }

                if (complicated)
                {
                    Pose(theta, model, positions);
                    for (int k = 0; k < 2; k++)
                    {
                        for (int i = 0; i < count; i++) tUs[2 * i + k] = 1;
                        ResidualsTangent(positions, us, model.Triangles, correspondences, points, err, null, tUs, jacobian[k]);
                        Array.Clear(tUs);
                    }
                }
            }, w =>
            {
                w.WriteStartArray();
                for (int r = 0; r < 3 * count; r++)
                {
                    w.WriteStartArray();
                    foreach (double[] column in jacobian) w.WriteNumberValue(Json.Finite(column[r]));
                    w.WriteEndArray();
                }

                w.WriteEndArray();
            }),
            _ => throw new KeyNotFoundException($"ht has no function '{function}'"),
        };
    }

    /// <summary>The model from its JSON: matrices flattened, the dense weights turned into per-vertex lists of their nonzero entries.</summary>
    private static HandModel ReadModel(JsonElement model)
    {
        int[] parents = Ints(model.GetProperty("parents"));
        int bones = parents.Length;
        if (bones < 22) throw new ArgumentException($"the pose parameters need 22 bones, the model has {bones}");
        for (int b = 0; b < bones; b++)
        {
            if (parents[b] >= b || parents[b] < -1) throw new ArgumentException($"bone {b} has parent {parents[b]}: a parent must come before its child");
        }

        double[] baseRelatives = Matrices(model.GetProperty("base_relatives"), bones);
        double[] inverseBaseAbsolutes = Matrices(model.GetProperty("inverse_base_absolutes"), bones);
        (double[] basePositions, int vertices, int coordinates) = Json.Matrix(model.GetProperty("base_positions"));
        (double[] weights, int weightRows, int weightColumns) = Json.Matrix(model.GetProperty("weights"));
        if (coordinates != 4 || weightRows != vertices || weightColumns != bones)
        {
            throw new ArgumentException($"base_positions must be {vertices}×4 and weights {vertices}×{bones}");
        }

        var first = new int[vertices + 1];
        var bone = new List<int>();
        var weight = new List<double>();
        for (int v = 0; v < vertices; v++)
        {
            for (int b = 0; b < bones; b++)
            {
                if (weights[v * bones + b] == 0) continue;
                bone.Add(b);
                weight.Add(weights[v * bones + b]);
            }

            first[v + 1] = bone.Count;
        }

        JsonElement triangleRows = model.GetProperty("triangles");
        var triangles = new int[3 * triangleRows.GetArrayLength()];
        int n = 0;
        foreach (JsonElement row in triangleRows.EnumerateArray())
        {
            if (row.GetArrayLength() != 3) throw new ArgumentException("a triangle has 3 vertices");
            foreach (JsonElement index in row.EnumerateArray())
            {
                int vertex = (int)index.GetDouble();
                if (vertex < 0 || vertex >= vertices) throw new ArgumentException($"triangle vertex {vertex} is not one of the {vertices} vertices");
                triangles[n++] = vertex;
            }
        }

        return new HandModel
        {
            Parents = parents,
            BaseRelatives = baseRelatives,
            InverseBaseAbsolutes = inverseBaseAbsolutes,
            BasePositions = basePositions,
            First = first,
            Bone = bone.ToArray(),
            Weight = weight.ToArray(),
            Triangles = triangles,
            IsMirrored = model.GetProperty("is_mirrored").GetBoolean(),
        };
    }

    private static int[] Ints(JsonElement array)
    {
        var values = new int[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray()) values[i++] = (int)item.GetDouble();
        return values;
    }

    /// <summary><paramref name="count"/> 4×4 matrices (lists of 4 rows of 4), row-major one after the other.</summary>
    private static double[] Matrices(JsonElement list, int count)
    {
        if (list.GetArrayLength() != count) throw new ArgumentException($"{list.GetArrayLength()} matrices for {count} bones");
        var values = new double[16 * count];
        int m = 0;
        foreach (JsonElement matrix in list.EnumerateArray())
        {
            (double[] entries, int rows, int columns) = Json.Matrix(matrix);
            if (rows != 4 || columns != 4) throw new ArgumentException("a bone's matrix is 4×4");
            entries.CopyTo(values, 16 * m++);
        }

        return values;
    }
}
