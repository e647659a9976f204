using System;
using Backprop.CompilerServices;
using Xunit;

namespace Backprop.Runtime.Tests;

/// <summary>
/// The stack generated code saves overwritten values on: last in, first out across its segments, whatever mix of
/// pushes, reservations and pops, and every segment given back.
/// </summary>
public class ValueStackTests
{
    [Theory]
    [InlineData(10)]
    [InlineData(ValueStack<double>.SegmentLength)]
    [InlineData(3 * ValueStack<double>.SegmentLength + 17)]
    public void Pops_what_was_pushed_in_reverse_order(int count)
    {
        var stack = new ValueStack<double>();
        var random = new Random(count);
        for (int i = 0; i < count; i++)
        {
            // Reservations of every size on the way, as loops of different trip counts make them.
            if (i % 1000 == 0) stack.Reserve(random.Next(1, 3 * ValueStack<double>.SegmentLength));
            stack.Push(i * 0.5);
        }

        Assert.Equal(count, stack.Count);
        for (int i = count - 1; i >= 0; i--) Assert.Equal(i * 0.5, stack.Pop());
        Assert.Equal(0, stack.Count);
        Assert.Throws<InvalidOperationException>(() => { var s = stack; s.Pop(); });
        stack.Dispose();
    }

    [Fact]
    public void Pushes_and_pops_interleaved_across_segment_boundaries()
    {
        var stack = new ValueStack<int>();
        var expected = new System.Collections.Generic.Stack<int>();
        var random = new Random(3);
        for (int round = 0; round < 40; round++)
        {
            int pushes = random.Next(0, 2 * ValueStack<int>.SegmentLength);
            stack.Reserve(random.Next(0, pushes + 1));
            for (int i = 0; i < pushes; i++)
            {
                stack.Push(round * 1_000_000 + i);
                expected.Push(round * 1_000_000 + i);
            }

            int pops = random.Next(0, expected.Count + 1);
            for (int i = 0; i < pops; i++) Assert.Equal(expected.Pop(), stack.Pop());
            Assert.Equal(expected.Count, stack.Count);
        }

        while (expected.Count > 0) Assert.Equal(expected.Pop(), stack.Pop());
        stack.Dispose();
        // Disposed, it is empty and can be used again.
        stack.Push(7);
        Assert.Equal(7, stack.Pop());
        stack.Dispose();
    }
}
