using System;
using System.Reflection;
using System.Text.RegularExpressions;
using Backprop.Gen.Tests.Infrastructure;
using Xunit;
using static Backprop.Gen.Tests.Infrastructure.GradientHarness;

namespace Backprop.Gen.Tests.Gradients;

/// <summary>
/// Row kernels beyond whole rows: a reverse sum of products over a row becomes <c>Kernels.Dot</c>; a row that runs to
/// the end of a row (a triangle's, from <c>s + 1</c>) with an element as its factor becomes a guarded
/// <c>Kernels.AddScaled</c>; a forward loop adding into a local array no other name reaches becomes
/// <c>Kernels.AddScaledExactly</c>, keeping the primal's value to the bit. An output array, which may share memory with an
/// input, keeps its loop.
/// </summary>
public class RowKernelTests
{
    private const string Source = """
        using System;
        using Backprop;

        namespace Rows;

        public static partial class Tri
        {
            // gmm's Q·(x − μ): a lower-triangular product into a local array, then its squared norm.
            [Differentiable]
            public static double Triangle(double[] l, double[] c, int d)
            {
                double[] product = new double[d];
                for (int j = 0; j < d; j++) product[j] = c[j] * c[j];
                for (int s = 0; s < d; s++)
                {
                    int column = s * (d - 1) - s * (s - 1) / 2 - s - 1;
                    for (int r = s + 1; r < d; r++) product[r] += l[column + r] * c[s];
                }

                double norm = 0;
                for (int j = 0; j < d; j++) norm += product[j] * product[j];
                return norm;
            }

            // Into an output array, which the caller may pass sharing memory with an input: a loop.
            [Differentiable]
            public static void IntoOutput(double[] l, double[] c, double[] y)
            {
                for (int r = 0; r < y.Length; r++) y[r] = c[r];
                for (int s = 0; s < c.Length; s++)
                {
                    for (int r = s + 1; r < y.Length; r++) y[r] += l[s * y.Length + r] * c[s];
                }
            }

        }
        """;

    private static readonly CompiledSource Compiled = new(Source);

    private static string Backward(string method) => Compiled.Backward("Tri", method);

    [Fact]
    public void A_triangular_product_runs_on_row_kernels()
    {
        string generated = Backward("Triangle");
        Assert.Contains("if (s + 1 < d)", generated);
        Assert.Contains("global::Backprop.CompilerServices.Kernels.AddScaledExactly(product, s + 1, c[s], l, column + (s + 1), d - (s + 1));", generated);
        Assert.Matches(new Regex(@"Kernels\.AddScaled\(dL, .*, c\[s\], _d_product, s \+ 1, d - \(s \+ 1\)\);"), generated);
        Assert.Contains("global::Backprop.CompilerServices.Kernels.AddScaled(dL, s * (d - 1) - s * (s - 1) / 2, c[s], _d_product, s + 1, d - (s + 1));", generated);
        Assert.Contains("double _sum_dC = global::Backprop.CompilerServices.Kernels.Dot(_d_product, s + 1, l, s * (d - 1) - s * (s - 1) / 2, d - (s + 1));", generated);
    }

    [Fact]
    public void An_output_that_may_share_memory_keeps_its_loop()
    {
        Assert.DoesNotContain("AddScaledExactly", Backward("IntoOutput"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(9)]
    [InlineData(20)]
    public void Gradients_match_finite_differences_and_the_value_is_the_primals_to_the_bit(int d)
    {
        Check(Compiled.Assembly, "Rows.Tri", "Triangle", r => new object?[] { RandomArray(r, d * (d - 1) / 2 + 1), RandomArray(r, d), d });

        MethodInfo primal = Invoke.Method(Compiled.Assembly, "Rows.Tri", "Triangle", 3);
        MethodInfo backward = Invoke.Method(Compiled.Assembly, "Rows.Tri", "TriangleBackward", 6);
        var random = new Random(d);
        double[] l = RandomArray(random, d * (d - 1) / 2 + 1), c = RandomArray(random, d);
        // A zero factor (c[0] = −0) and a −0 start: the forward kernel still adds, as the loop does.
        c[0] = -0.0;
        double value = (double)Invoke.Call(primal, new object?[] { l, c, d })!;
        double fromBackward = (double)Invoke.Call(backward, new object?[] { l, c, d, new double[l.Length], new double[d], 1.0 })!;
        Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(fromBackward));
    }
}
