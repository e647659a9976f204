using System;
using System.Linq;
using Backprop.CompilerServices;
using Xunit;

namespace Backprop.Runtime.Tests;

/// <summary>
/// The vectorized kernels generated reverse sweeps call must give exactly what the scalar loops they replace give:
/// bit for bit, at every length around the vector width, at any offsets, for both element types.
/// </summary>
public class KernelTests
{
    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(1, 0, 3)]
    [InlineData(3, 2, 0)]
    [InlineData(7, 1, 1)]
    [InlineData(8, 0, 0)]
    [InlineData(17, 5, 2)]
    [InlineData(64, 3, 9)]
    [InlineData(784, 0, 784)]
    public void AddScaled_is_the_scalar_loop_bit_for_bit(int count, int intoStart, int fromStart)
    {
        var random = new Random(count * 31 + intoStart);
        double[] into = Enumerable.Range(0, intoStart + count + 4).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] from = Enumerable.Range(0, fromStart + count + 3).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double scale = random.NextDouble() * 3 - 1.5;
        double[] expected = (double[])into.Clone();
        for (int k = 0; k < count; k++) expected[intoStart + k] += scale * from[fromStart + k];
        Kernels.AddScaled(into, intoStart, scale, from, fromStart, count);
        Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), into.Select(BitConverter.DoubleToInt64Bits));

        float[] intoF = into.Select(v => (float)v).ToArray(), fromF = from.Select(v => (float)v).ToArray();
        float[] expectedF = (float[])intoF.Clone();
        for (int k = 0; k < count; k++) expectedF[intoStart + k] += (float)scale * fromF[fromStart + k];
        Kernels.AddScaled(intoF, intoStart, (float)scale, fromF, fromStart, count);
        Assert.Equal(expectedF.Select(BitConverter.SingleToInt32Bits), intoF.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void AddScaled_does_nothing_for_an_empty_or_negative_count_and_rejects_a_range_past_the_end()
    {
        double[] into = { 1, 2, 3 }, from = { 4, 5, 6 };
        Kernels.AddScaled(into, 3, 2.0, from, 0, 0);
        Kernels.AddScaled(into, 0, 2.0, from, 0, -2);
        Assert.Equal(new double[] { 1, 2, 3 }, into);
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.AddScaled(into, 1, 2.0, from, 0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.AddScaled(into, 0, 2.0, from, 2, 2));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(17)]
    public void A_zero_scale_adds_nothing_to_a_finite_row_and_NaN_where_the_row_is_infinite(int count)
    {
        double[] from = Enumerable.Range(0, count).Select(i => i - 2.5).ToArray();
        double[] into = Enumerable.Range(0, count).Select(i => i * 0.25).ToArray();
        double[] before = (double[])into.Clone();
        Kernels.AddScaled(into, 0, 0.0, from, 0, count);
        Assert.Equal(before, into);

        from[count - 1] = double.NegativeInfinity;
        Kernels.AddScaled(into, 0, 0.0, from, 0, count);
        Assert.True(double.IsNaN(into[count - 1]));
        Assert.Equal(before.Take(count - 1), into.Take(count - 1));

        float[] fromF = { 1f, float.NaN, 2f }, intoF = { 1f, 1f, 1f };
        Kernels.AddScaled(intoF, 0, 0f, fromF, 0, 3);
        Assert.True(float.IsNaN(intoF[1]));
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(1, 2, 0)]
    [InlineData(3, 0, 1)]
    [InlineData(4, 1, 1)]
    [InlineData(7, 0, 5)]
    [InlineData(8, 3, 0)]
    [InlineData(17, 5, 2)]
    [InlineData(63, 1, 9)]
    public void Dot_sums_in_its_documented_order(int count, int aStart, int bStart)
    {
        var random = new Random(count * 17 + aStart);
        double[] a = Enumerable.Range(0, aStart + count + 2).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] b = Enumerable.Range(0, bStart + count + 1).Select(_ => random.NextDouble() * 2 - 1).ToArray();

        // Lanes of four (element k into lane k mod 4), added as (l0 + l1) + (l2 + l3), then the tail in order.
        var lanes = new double[4];
        int whole = count / 4 * 4;
        for (int k = 0; k < whole; k++) lanes[k % 4] += a[aStart + k] * b[bStart + k];
        double expected = count >= 4 ? (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) : 0;
        for (int k = whole; k < count; k++) expected += a[aStart + k] * b[bStart + k];
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(Kernels.Dot(a, aStart, b, bStart, count)));
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(Kernels.Dot<double>(a, aStart, b, bStart, count)));

        // float: eight lanes, ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)).
        float[] af = a.Select(v => (float)v).ToArray(), bf = b.Select(v => (float)v).ToArray();
        var lanesF = new float[8];
        int wholeF = count / 8 * 8;
        for (int k = 0; k < wholeF; k++) lanesF[k % 8] += af[aStart + k] * bf[bStart + k];
        float expectedF = count >= 8
            ? ((lanesF[0] + lanesF[1]) + (lanesF[2] + lanesF[3])) + ((lanesF[4] + lanesF[5]) + (lanesF[6] + lanesF[7]))
            : 0;
        for (int k = wholeF; k < count; k++) expectedF += af[aStart + k] * bf[bStart + k];
        Assert.Equal(BitConverter.SingleToInt32Bits(expectedF), BitConverter.SingleToInt32Bits(Kernels.Dot(af, aStart, bf, bStart, count)));

        // Close to the plain sum: only the order differs.
        double plain = 0;
        for (int k = 0; k < count; k++) plain += a[aStart + k] * b[bStart + k];
        Assert.Equal(plain, Kernels.Dot(a, aStart, b, bStart, count), 12);
    }

    [Fact]
    public void Dot_checks_its_ranges()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.Dot(new double[5], 2, new double[9], 0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.Dot(new double[9], 0, new double[5], 3, 4));
        Assert.Equal(0.0, Kernels.Dot(new double[1], 5, new double[1], 5, 0));
    }

    [Fact]
    public void AddScaledExactly_adds_every_element_even_for_a_zero_factor()
    {
        // −0 + 0·1 is +0, as the loop gives; AddScaled skips a zero factor's row and leaves −0.
        double[] from = Enumerable.Repeat(1.0, 11).ToArray();
        double[] exactly = Enumerable.Repeat(-0.0, 11).ToArray();
        double[] skipping = Enumerable.Repeat(-0.0, 11).ToArray();
        Kernels.AddScaledExactly(exactly, 0, 0.0, from, 0, 11);
        Kernels.AddScaled(skipping, 0, 0.0, from, 0, 11);
        Assert.All(exactly, v => Assert.Equal(BitConverter.DoubleToInt64Bits(0.0), BitConverter.DoubleToInt64Bits(v)));
        Assert.All(skipping, v => Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(v)));

        var random = new Random(5);
        float[] into = Enumerable.Range(0, 20).Select(_ => (float)random.NextDouble()).ToArray(), source = into.Reverse().ToArray();
        float[] expected = (float[])into.Clone();
        for (int k = 0; k < 13; k++) expected[3 + k] += 0.75f * source[1 + k];
        Kernels.AddScaledExactly(into, 3, 0.75f, source, 1, 13);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), into.Select(BitConverter.SingleToInt32Bits));
    }
}
