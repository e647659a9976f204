using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Backprop.Nn;
using Xunit;

namespace Backprop.Runtime.Tests;

/// <summary>Initialisation, mini-batches and the IDX reader.</summary>
public sealed class DataTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("backprop-idx-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Initialisation_is_reproducible_and_has_the_right_spread()
    {
        double[] a = new double[20000], b = new double[20000];
        Init.Xavier(a, 300, 100, new Random(5));
        Init.Xavier(b, 300, 100, new Random(5));
        Assert.Equal(a, b);
        double bound = Math.Sqrt(6.0 / 400);
        Assert.All(a, w => Assert.InRange(w, -bound, bound));
        Assert.InRange(a.Select(w => w * w).Average(), 0.97 * bound * bound / 3, 1.03 * bound * bound / 3); // the variance of U(−a, a)

        Init.He(a, 50, new Random(6));
        Assert.Equal(0, a.Average(), 1);
        Assert.InRange(a.Select(w => w * w).Average(), 0.97 * 2.0 / 50, 1.03 * 2.0 / 50);
        Init.He(b, 50, new Random(7));
        Assert.NotEqual(a, b);

        float[] single = new float[100];
        Init.Xavier(single, 10, 10, new Random(1));
        Assert.All(single, w => Assert.InRange(w, -(float)Math.Sqrt(0.3), (float)Math.Sqrt(0.3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Init.He(a, 0, new Random(1)));
        Assert.Throws<ArgumentNullException>(() => Init.Xavier(a, 1, 1, null!));
    }

    [Fact]
    public void Mini_batches_cover_every_sample_once_per_epoch_in_a_seeded_order()
    {
        var batches = new MiniBatches(103, 10, seed: 42);
        Assert.Equal(11, batches.BatchesPerEpoch);
        int[][] epoch0 = batches.Epoch(0).Select(b => b.ToArray()).ToArray();
        Assert.Equal(11, epoch0.Length);
        Assert.Equal(3, epoch0[^1].Length);
        Assert.Equal(Enumerable.Range(0, 103), epoch0.SelectMany(b => b).Order());
        Assert.Equal(epoch0.SelectMany(b => b), new MiniBatches(103, 10, seed: 42).Order(0));
        Assert.NotEqual(batches.Order(0), batches.Order(1));
        Assert.NotEqual(batches.Order(0), new MiniBatches(103, 10, seed: 43).Order(0));
        Assert.NotEqual(Enumerable.Range(0, 103), batches.Order(0));

        var dropped = new MiniBatches(103, 10, seed: 42, dropLast: true);
        Assert.Equal(10, dropped.Epoch(3).Count());
        Assert.All(dropped.Epoch(3), b => Assert.Equal(10, b.Length));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MiniBatches(0, 10, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MiniBatches(10, 0, 1));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Idx_files_are_read_plain_or_gzip(bool gzip)
    {
        byte[] pixels = Enumerable.Range(0, 2 * 3 * 4).Select(i => (byte)(i * 10)).ToArray();
        string images = Write("images", Header(0x08, 2, 3, 4).Concat(pixels).ToArray(), gzip);
        string labels = Write("labels", Header(0x08, 2).Concat(new byte[] { 7, 3 }).ToArray(), gzip);

        IdxImages read = Idx.ReadImages(images);
        Assert.Equal((2, 3, 4), (read.Count, read.Rows, read.Columns));
        Assert.Equal(pixels, read.Pixels);
        Assert.Equal(pixels.Skip(12), read.Image(1).ToArray());
        Assert.Equal(pixels.Select(p => p / 255.0), read.ToScaledDoubles());
        Assert.Equal(new byte[] { 7, 3 }, Idx.ReadLabels(labels));
    }

    [Fact]
    public void Broken_idx_files_are_reported_with_what_is_wrong()
    {
        string Message(byte[] content, bool gzip = false) => Assert.Throws<InvalidDataException>(() => Idx.Read(Write("bad", content, gzip))).Message;

        Assert.Contains("not an IDX file", Message(new byte[] { 1, 2, 3, 4, 5 }));
        Assert.Contains("too short", Message(new byte[] { 0, 0 }));
        Assert.Contains("only unsigned bytes", Message(Header(0x0D, 1).Concat(new byte[4]).ToArray()));
        Assert.Contains("truncated", Message(Header(0x08, 10, 28, 28).Concat(new byte[100]).ToArray()));
        Assert.Contains("truncated", Message(Header(0x08, 10, 28, 28).Concat(new byte[100]).ToArray(), gzip: true));
        Assert.Contains("truncated in its header", Message(new byte[] { 0, 0, 8, 3, 0, 0 }));
        Assert.Contains("follow", Message(Header(0x08, 2).Concat(new byte[3]).ToArray()));
        Assert.Contains("gzip data is corrupt", Message(new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8 }));
        Assert.Contains("Is it a label file?", Assert.Throws<InvalidDataException>(() => Idx.ReadImages(Write("l", Header(0x08, 1).Concat(new byte[1]).ToArray(), false))).Message);
        Assert.Throws<FileNotFoundException>(() => Idx.Read(Path.Combine(_folder, "missing.idx")));
    }

    [Fact]
    public void The_shipped_mnist_subset_reads_with_its_documented_counts()
    {
        string data = Path.Combine(AppContext.BaseDirectory, "data");
        IdxImages images = Idx.ReadImages(Path.Combine(data, "mnist10k-images-idx3-ubyte.gz"));
        byte[] labels = Idx.ReadLabels(Path.Combine(data, "mnist10k-labels-idx1-ubyte.gz"));
        Assert.Equal((10000, 28, 28), (images.Count, images.Rows, images.Columns));
        int[] counts = Enumerable.Range(0, 10).Select(d => labels.Count(l => l == d)).ToArray();
        Assert.Equal(new[] { 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 }, counts);
    }

    private static byte[] Header(byte type, params int[] dimensions) =>
        new byte[] { 0, 0, type, (byte)dimensions.Length }
            .Concat(dimensions.SelectMany(d => BitConverter.GetBytes(d).Reverse()))
            .ToArray();

    private string Write(string name, byte[] content, bool gzip)
    {
        string path = Path.Combine(_folder, name + (gzip ? ".gz" : ""));
        if (!gzip)
        {
            File.WriteAllBytes(path, content);
            return path;
        }

        using (var file = File.Create(path))
        using (var zip = new GZipStream(file, CompressionLevel.Fastest))
        {
            zip.Write(content);
        }

        return path;
    }
}
