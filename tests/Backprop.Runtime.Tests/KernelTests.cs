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
}
