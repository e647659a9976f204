namespace Backprop.Gen.Tests.Gradients;

/// <summary>The user code the construct tests compile: one method per construct, in one compilation.</summary>
internal static class ConstructSources
{
    public const string StraightLine = """
        using System;
        using Backprop;

        namespace Samples;

        public static partial class Straight
        {
            [Differentiable]
            public static double Reassign(double x, double y)
            {
                double z = x * y;
                z = z * z + x;
                z += y;
                z *= x;
                z -= 2 * y;
                z /= (1 + x * x);
                return z;
            }

            [Differentiable]
            public static double Unary(double x) => -x * -(x + 1) + +x;

            [Differentiable]
            public static double Casts(double x, int n)
            {
                float f = (float)x;
                double back = f * 2.0;
                int k = (int)(x * 10);
                return back * x + k + n / 2;
            }

            [Differentiable]
            public static double Functions1(double x)
            {
                double a = Math.Exp(x) + Math.Log(x + 3) + Math.Log10(x + 3) + Math.Log2(x + 3) + Math.Sqrt(x + 3) + Math.Cbrt(x + 3);
                double b = Math.Sin(x) + Math.Cos(x) + Math.Tan(x / 3) + Math.Asin(x / 3) + Math.Acos(x / 3) + Math.Atan(x);
                double c = Math.Sinh(x) + Math.Cosh(x) + Math.Tanh(x) + Math.Asinh(x) + Math.Acosh(x * x + 2) + Math.Atanh(x / 3);
                double d = double.Exp2(x) + double.Exp10(x / 3) + double.Sin(x) * double.Cos(x);
                return a * b + c + d;
            }

            [Differentiable]
            public static double Functions2(double x, double y)
            {
                double a = Math.Pow(x * x + 1, y) + Math.Pow(x, 2) + Math.Pow(x, 3) + Math.Pow(2, y) + Math.Atan2(y, x + 3);
                double b = Math.Log(x * x + 2, y * y + 2) + Math.Abs(x - y) + Math.Max(x, y) + Math.Min(x, 2 * y) + Math.Clamp(x, -0.3, 0.4);
                double c = Math.Floor(x) + Math.Ceiling(y) + Math.Round(x) + Math.Truncate(y) + Math.Sign(x) + Math.FusedMultiplyAdd(x, y, x);
                return a + b * c;
            }

            [Differentiable]
            public static double Functions3(double x, double y)
            {
                double a = Math.MaxMagnitude(x, 2 * y) + Math.MinMagnitude(x - 1, y) + Math.CopySign(x + 0.1, y) * y;
                double b = Math.IEEERemainder(x * 7, y + 2) + Math.BitIncrement(x) * Math.BitDecrement(y) + Math.ScaleB(x * y, 3);
                return a * b + a;
            }

            // The estimates differentiate as the exact functions they approximate.
            [Differentiable]
            public static double Estimates(double x) => Math.ReciprocalEstimate(x + 3) + Math.ReciprocalSqrtEstimate(x + 3);

            [Differentiable]
            public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

            // The stopped shift leaves the value's dependence on x intact, so the gradient is still exact.
            [Differentiable]
            public static double ShiftedLogSumExp(double x, double y)
            {
                double shift = Gradient.Stop(Math.Max(x, y));
                return shift + Math.Log(Math.Exp(x - shift) + Math.Exp(y - shift));
            }

            // Here the stop changes the derivative on purpose: d/dx of x·stop(x) is stop(x) = x, not 2x.
            [Differentiable]
            public static double HalfStopped(double x) => x * Gradient.Stop(x);

            [Differentiable]
            public static double Nested(double x, double y) => Math.Exp(Math.Sin(x * y) * Math.Cos(x)) / (1 + Math.Sqrt(y * y + 1));

            [Differentiable]
            public static double ArrayReads(double[] w, double[] x, int i)
            {
                double s = w[0] * x[i] + w[i + 1] * x[w.Length - 1];
                return s * w[2] / (1 + x[0] * x[0]);
            }

            [Differentiable]
            public static double SelfUse(double x) => x * x * x;

            [Differentiable]
            public static double ParameterReassigned(double x, double y)
            {
                x = x * y;
                y = Math.Sin(x) + y;
                x = x + y;
                return x * y;
            }

            private const double Scale = 1.5;

            [Differentiable]
            public static double UsesConstants(double x) => Scale * x * Math.PI + Math.E / (x * x + 1) + Math.Sqrt(2.0) * x;

            [Differentiable]
            public static double IntHelper(double x, int n) => x * Factorial(n) + Helper(n);

            private static int Factorial(int n) => n <= 1 ? 1 : n * Factorial(n - 1);

            private static double Helper(int n) => Math.Sqrt(n);
        }

        public static partial class Floats
        {
            [Differentiable]
            public static float Mix(float x, float y)
            {
                float z = MathF.Exp(x * 0.5f) * MathF.Tanh(y) + MathF.Sqrt(x * x + 1);
                return z / (1f + MathF.Abs(y)) + (float)Math.Sin(x);
            }

            [Differentiable]
            public static float Array(float[] w, float b) => w[0] * w[1] + b * w[2];
        }

        public static partial class Selection
        {
            [Differentiable("w")]
            public static double WrtOnly(double w, double b, double x) => w * x + b * b;

            [Differentiable]
            public static double NoDerivative(double w, [NoDerivative] double[] x, double b) => w * x[0] + b * x[1];
        }
        """;

    public const string ControlFlow = """
        using System;
        using Backprop;

        namespace Samples;

        public static partial class Flow
        {
            // Index arithmetic and flags computed from loop counters are recomputed in the reverse sweep; the
            // loop-carried 'previous' is not (it is read before its definition in the next iteration).
            // A row offset computed per row and used in the index of a stored element: computed again, not saved.
            [Differentiable]
            public static double Rows(double[] x, int width)
            {
                int rows = x.Length / width;
                double[] t = new double[x.Length];
                for (int r = 0; r < rows; r++)
                {
                    int at = r * width;
                    for (int c = 0; c < width; c++) t[at + c] = Math.Sin(x[at + c]) * x[at + c];
                }

                double s = 0;
                for (int i = 0; i < t.Length; i++) s += t[i] * t[i];
                return s;
            }

            // One bias per channel, read at every position: its adjoint is summed in a local, stored once per channel.
            [Differentiable]
            public static double BiasPerPosition(double[] w, double[] b, double[] x)
            {
                double loss = 0;
                for (int o = 0; o < b.Length; o++)
                {
                    for (int p = 0; p < x.Length; p++)
                    {
                        double s = b[o] + w[o] * x[p];
                        loss += s > 0 ? s * s : 0.1 * s;
                    }
                }

                return loss;
            }

            // A 1-D convolution whose taps are clipped to the signal with integer Max/Min: the bounds are recomputed.
            [Differentiable]
            public static double Clipped(double[] kernel, double[] x)
            {
                int half = kernel.Length / 2;
                double loss = 0;
                for (int c = 0; c < x.Length; c++)
                {
                    int left = c - half;
                    int first = Math.Max(0, -left), end = Math.Min(kernel.Length, x.Length - left);
                    double sum = 0;
                    for (int v = first; v < end; v++) sum += kernel[v] * x[left + v];
                    loss += Math.Tanh(sum) * sum;
                }

                return loss;
            }

            [Differentiable]
            public static double Stencil(double[] a, double[] k, int pad)
            {
                double total = 0;
                int previous = 0;
                for (int r = 0; r < a.Length; r++)
                {
                    double sum = 0;
                    for (int u = 0; u < k.Length; u++)
                    {
                        int y = r + u - pad;
                        bool inside = y >= 0 && y < a.Length;
                        if (!inside) continue;
                        int mirrored = a.Length - 1 - y;
                        sum += k[u] * a[y] * (y % 2 == 0 ? a[mirrored] : a[previous]);
                    }
                    previous = r / 2;
                    total += sum * sum;
                }
                return total;
            }

            [Differentiable]
            public static double Branch(double x, double y)
            {
                double m;
                if (x > y) m = x * x; else m = y * Math.Sin(x);
                if (m > 0.5 && x < 1 || y < -1) m = m * 3;
                return m + x;
            }

            [Differentiable]
            public static double Ternary(double x, double y) => x > 0 ? Math.Exp(x) * y : y * y - x;

            [Differentiable]
            public static double EarlyReturn(double x, double y)
            {
                if (x < -0.5) return x * y;
                double t = x + y;
                if (t > 0.5) { return Math.Sin(t); }
                t = t * t;
                return t - y;
            }

            [Differentiable]
            public static double Rnn(double w, double x, double b, int n)
            {
                double h = x;
                for (int i = 0; i < n; i++) h = Math.Tanh(w * h + b);
                return h;
            }

            [Differentiable]
            public static double Dot(double[] a, double[] b)
            {
                double s = 0;
                for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
                return s;
            }

            [Differentiable]
            public static double WhileLoop(double x, double limit)
            {
                double y = x;
                int steps = 0;
                while (y < limit && steps < 20)
                {
                    y = y * 1.5 + 0.1;
                    steps++;
                }

                return y * x;
            }

            [Differentiable]
            public static double DoLoop(double x)
            {
                double y = x;
                int k = 0;
                do
                {
                    y = Math.Sin(y) + x;
                    k++;
                } while (k < 3);
                return y;
            }

            [Differentiable]
            public static double BreakContinue(double[] a, double c)
            {
                double s = 0;
                for (int i = 0; i < a.Length; i++)
                {
                    if (a[i] < -0.8) continue;
                    s += a[i] * c;
                    if (s > 2) break;
                    s = s * 0.9;
                }

                return s;
            }

            [Differentiable]
            public static double ReturnInLoop(double[] a, double x)
            {
                double p = 1;
                for (int i = 0; i < a.Length; i++)
                {
                    p = p * (a[i] + x);
                    if (p > 5) return p * 2;
                }

                return p - x;
            }

            [Differentiable]
            public static double Nested(double[] w, double[] x, int rows)
            {
                int cols = x.Length;
                double total = 0;
                for (int r = 0; r < rows; r++)
                {
                    double sum = 0;
                    for (int c = 0; c < cols; c++) sum += w[r * cols + c] * x[c];
                    total += Math.Tanh(sum) * Math.Tanh(sum);
                }

                return total;
            }

            [Differentiable]
            public static double ForEachLoop(double[] a, double w)
            {
                double s = 0;
                foreach (double v in a) s += Math.Sin(v * w);
                return s;
            }

            [Differentiable]
            public static double Downward(double[] a)
            {
                double s = 1;
                for (int i = a.Length - 1; i >= 0; i--) s = s * a[i] + 1;
                return s;
            }

            [Differentiable]
            public static double LocalArray(double[] x, double w)
            {
                int n = x.Length;
                double[] h = new double[n];
                for (int i = 0; i < n; i++) h[i] = Math.Tanh(w * x[i]);
                double s = 0;
                for (int i = 0; i < n; i++) s += h[i] * h[(i + 1) % n];
                return s;
            }

            [Differentiable]
            public static double ArrayAccumulate(double[] x, double[] w)
            {
                double[] z = new double[3];
                for (int j = 0; j < 3; j++)
                    for (int i = 0; i < x.Length; i++)
                        z[j] += w[j * x.Length + i] * x[i];
                double max = z[0];
                for (int j = 1; j < 3; j++) if (z[j] > max) max = z[j];
                double sum = 0;
                for (int j = 0; j < 3; j++) sum += Math.Exp(z[j] - max);
                return Math.Log(sum) + max - z[1];
            }

            [Differentiable]
            public static double Overwrite(double[] x)
            {
                double[] t = new double[x.Length];
                for (int i = 0; i < x.Length; i++) t[i] = x[i] * x[i];
                for (int i = 0; i < x.Length; i++) t[i] = Math.Sin(t[i]) * x[i];
                double s = 0;
                for (int i = 0; i < x.Length; i++) s += t[i];
                return s;
            }

            [Differentiable]
            public static double Matrix(double[,] m, double[] v)
            {
                double s = 0;
                for (int i = 0; i < m.GetLength(0); i++)
                    for (int j = 0; j < m.GetLength(1); j++)
                        s += m[i, j] * v[j] * (i + 1);
                return s * s;
            }

            [Differentiable]
            public static double Spans(ReadOnlySpan<double> a, Span<double> b)
            {
                double s = 0;
                for (int i = 0; i < a.Length; i++) s += a[i] * b[i] * b[i];
                return s;
            }

            [Differentiable]
            public static double IndexWalk(double[] a, double x)
            {
                double s = x;
                int j = 0;
                while (j < a.Length)
                {
                    s = s * a[j] + Math.Sin(s);
                    j += 2;
                }

                return s;
            }

            [Differentiable]
            public static double BranchInLoop(double[] a, double x)
            {
                double s = x;
                for (int i = 0; i < a.Length; i++)
                {
                    if (a[i] * s > 0) s = s * a[i];
                    else s = Math.Sin(s) - a[i];
                }

                return s;
            }
        }
        """;

    public const string Calls = """
        using System;
        using Backprop;

        namespace Samples;

        public static partial class Calls
        {
            [Differentiable]
            public static double Square(double x) => x * x;

            [Differentiable]
            public static double Sum(double[] a)
            {
                double s = 0;
                for (int i = 0; i < a.Length; i++) s += a[i];
                return s;
            }

            [Differentiable]
            public static double Caller(double x, double y, double[] a) => Square(x * y) + 3 * Square(y) + Sum(a) * x;

            [Differentiable]
            public static double Power(double x, int n) => n == 0 ? 1 : x * Power(x, n - 1);

            [Differentiable]
            public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
            {
                double s = 0;
                for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
                return s;
            }

            // Slices of arrays and spans passed to a callee: its adjoint is the same slice of the array's adjoint.
            [Differentiable]
            public static double Rows(double[] w, double[] x, int n)
            {
                double loss = 0;
                for (int j = 0; j < w.Length / n; j++)
                {
                    double z = Dot(w.AsSpan(j * n, n), x.AsSpan(0, n)) + Dot(x.AsSpan(n), w.AsSpan(0, x.Length - n));
                    loss += Math.Tanh(z) * z;
                }

                return loss;
            }

            [Differentiable]
            public static double Shifted(ReadOnlySpan<double> v) => Dot(v.Slice(1), v.Slice(0, v.Length - 1)) + Dot(v.Slice(2, 2), v.Slice(0, 2));

            [Differentiable]
            public static double ShiftedArray(double[] v) => Shifted(v) * v[0];

            // Optional arguments left out take the callee's defaults; named arguments may come in any order.
            [Differentiable]
            public static double Scaled(double x, double scale = 1.5, int times = 2) => scale * Math.Pow(x, times);

            [Differentiable]
            public static double Defaults(double x, double y) => Scaled(x) + Scaled(y, 0.5) + Scaled(times: 3, x: x * y);

            [Differentiable]
            public static double Special(double x) => Erf(x) * x;

            [Differentiable]
            public static double InLoop(double[] a, double w)
            {
                double s = 0;
                for (int i = 0; i < a.Length; i++) s += Square(a[i] * w) + Other.Cube(s);
                return s;
            }

            public static double Erf(double x) => Math.Tanh(1.2 * x);

            public static double ErfBackward(double x, ref double dX, double seed = 1.0)
            {
                double t = Math.Tanh(1.2 * x);
                dX += seed * 1.2 * (1 - t * t);
                return t;
            }

            [Differentiable]
            public static double ThirdParty(double x, double y) => External.Softplus(x * y) + y;
        }

        public static partial class Other
        {
            [Differentiable]
            public static double Cube(double x) => x * x * x * 0.01;
        }

        public static class External
        {
            public static double Softplus(double x) => Math.Log(1 + Math.Exp(x));
        }

        public static class ExternalDerivatives
        {
            [DerivativeOf(typeof(External), nameof(External.Softplus))]
            public static double SoftplusBackward(double x, ref double dX, double seed = 1.0)
            {
                double value = Math.Log(1 + Math.Exp(x));
                dX += seed / (1 + Math.Exp(-x));
                return value;
            }
        }
        """;
}
