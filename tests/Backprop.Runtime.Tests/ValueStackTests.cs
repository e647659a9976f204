using System;
using System.Linq;
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

    [Fact]
    public void Full_segments_are_kept_for_the_next_stack_on_the_thread_until_collections_find_them_unused()
    {
        var stack = new ValueStack<long>();
        for (long i = 0; i < 3L * ValueStack<long>.SegmentLength; i++) stack.Push(i);
        int before = SpareSegments<long>.Count;
        stack.Dispose();
        Assert.Equal(before + 3, SpareSegments<long>.Count);

        // The next stack takes them back instead of renting (values of value types are left as they were).
        long[] reused = SpareSegments<long>.Take();
        Assert.Equal(ValueStack<long>.SegmentLength, reused.Length);
        Assert.Contains(reused[0], new long[] { 0, ValueStack<long>.SegmentLength, 2L * ValueStack<long>.SegmentLength });
        SpareSegments<long>.Keep(reused);

        // Unused across full collections, they go back to the shared pool.
        for (int i = 0; i < 4 && SpareSegments<long>.Count > 0; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.Equal(0, SpareSegments<long>.Count);
    }

    [Fact]
    public void Kept_segments_of_references_hold_none()
    {
        var stack = new ValueStack<string>();
        for (int i = 0; i < ValueStack<string>.SegmentLength + 5; i++) stack.Push("value " + (i % 7));
        while (stack.Count > 3) stack.Pop();
        stack.Dispose();
        Assert.True(SpareSegments<string>.Count > 0);
        string[] kept = SpareSegments<string>.Take();
        Assert.All(kept, Assert.Null);
    }

    [Fact]
    public void Rows_pushed_whole_come_back_whole_across_segments_mixed_with_single_values()
    {
        var stack = new ValueStack<double>();
        var random = new Random(11);
        var rows = new System.Collections.Generic.List<double[]>();
        var singles = new System.Collections.Generic.List<double>();
        int length = ValueStack<double>.SegmentLength;
        foreach (int count in new[] { 3, 0, 70, length - 5, 2 * length + 9, 1 })
        {
            double[] row = Enumerable.Range(0, count + 4).Select(_ => random.NextDouble()).ToArray();
            stack.PushRange(row, 2, count);
            rows.Add(row);
            double single = random.NextDouble();
            stack.Push(single);
            singles.Add(single);
        }

        for (int r = rows.Count - 1; r >= 0; r--)
        {
            Assert.Equal(singles[r], stack.Pop());
            double[] row = rows[r];
            int count = row.Length - 4;
            var back = new double[row.Length];
            stack.PopRange(back, 2, count);
            Assert.Equal(row.Skip(2).Take(count), back.Skip(2).Take(count));
            Assert.Equal(0.0, back[0]);
        }

        Assert.Equal(0, stack.Count);
        Assert.Throws<InvalidOperationException>(() => { var s = stack; s.PopRange(new double[1], 0, 1); });
        stack.Dispose();
    }
}
