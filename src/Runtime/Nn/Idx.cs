using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace Backprop.Nn;

/// <summary>
/// Reads the IDX format of the MNIST database (unsigned bytes; a magic number <c>0x0000 08 NN</c> with NN dimensions,
/// big-endian sizes, then the data), plain or gzip-compressed (detected from the content, not the name). A file that
/// is not IDX, has another element type, or is truncated raises <see cref="InvalidDataException"/> naming the file
/// and what is wrong.
/// </summary>
public static class Idx
{
    /// <summary>Reads an IDX file of unsigned bytes: its dimensions and its data, row-major.</summary>
    /// <param name="path">The file, plain or gzip.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid IDX file of unsigned bytes.</exception>
    public static IdxArray Read(string path)
    {
        if (path is null) throw new ArgumentNullException(nameof(path));
        if (!File.Exists(path)) throw new FileNotFoundException($"The IDX file '{path}' does not exist.", path);
        using FileStream file = File.OpenRead(path);
        return Read(file, path);
    }

    /// <summary>Reads IDX data of unsigned bytes from a stream, plain or gzip.</summary>
    /// <param name="stream">The stream, read to its end.</param>
    /// <param name="name">The name to use in error messages.</param>
    public static IdxArray Read(Stream stream, string name = "stream")
    {
        if (stream is null) throw new ArgumentNullException(nameof(stream));
        try
        {
            byte[] raw = ReadAll(stream);
            if (raw.Length >= 2 && raw[0] == 0x1f && raw[1] == 0x8b)
            {
                using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
                raw = ReadAll(gzip);
            }

            return Parse(raw, name);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(name, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{name}: the gzip data is corrupt ({e.Message}).", e);
        }
    }

    /// <summary>Reads an MNIST image file: a three-dimensional IDX array (count × rows × columns).</summary>
    /// <param name="path">The file, plain or gzip.</param>
    public static IdxImages ReadImages(string path)
    {
        IdxArray array = Read(path);
        if (array.Dimensions.Length != 3)
        {
            throw new InvalidDataException($"{path}: an image file has 3 dimensions (count, rows, columns); this one has {array.Dimensions.Length}. Is it a label file?");
        }

        return new IdxImages(array.Dimensions[0], array.Dimensions[1], array.Dimensions[2], array.Data);
    }

    /// <summary>Reads an MNIST label file: a one-dimensional IDX array of class indices.</summary>
    /// <param name="path">The file, plain or gzip.</param>
    public static byte[] ReadLabels(string path)
    {
        IdxArray array = Read(path);
        if (array.Dimensions.Length != 1)
        {
            throw new InvalidDataException($"{path}: a label file has 1 dimension; this one has {array.Dimensions.Length}. Is it an image file?");
        }

        return array.Data;
    }

    private static IdxArray Parse(byte[] raw, string name)
    {
        if (raw.Length < 4) throw new InvalidDataException($"{name}: too short to be an IDX file ({raw.Length} bytes).");
        if (raw[0] != 0 || raw[1] != 0)
        {
            throw new InvalidDataException($"{name}: not an IDX file (its magic number starts {raw[0]:x2} {raw[1]:x2}, not 00 00).");
        }

        if (raw[2] != 0x08)
        {
            throw new InvalidDataException($"{name}: the elements are of IDX type 0x{raw[2]:x2}; only unsigned bytes (0x08) are supported.");
        }

        int rank = raw[3];
        if (rank == 0) throw new InvalidDataException($"{name}: an IDX file needs at least one dimension.");
        int header = 4 + 4 * rank;
        if (raw.Length < header) throw new InvalidDataException($"{name}: truncated in its header ({raw.Length} bytes, {header} expected).");
        int[] dimensions = new int[rank];
        long total = 1;
        for (int d = 0; d < rank; d++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(raw.AsSpan(4 + 4 * d));
            if (size > int.MaxValue) throw new InvalidDataException($"{name}: dimension {d} has an impossible size {size}.");
            dimensions[d] = (int)size;
            total *= size;
            if (total > int.MaxValue) throw new InvalidDataException($"{name}: the data is too large ({total}+ elements).");
        }

        long available = raw.Length - header;
        if (available < total)
        {
            throw new InvalidDataException($"{name}: truncated: the header promises {total} elements ({string.Join(" × ", dimensions)}) but only {available} follow.");
        }

        if (available > total)
        {
            throw new InvalidDataException($"{name}: {available - total} bytes follow the {total} elements the header promises.");
        }

        return new IdxArray(dimensions, raw.AsSpan(header).ToArray());
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}

/// <summary>An IDX array of unsigned bytes.</summary>
/// <param name="Dimensions">The sizes, outermost first.</param>
/// <param name="Data">The elements, row-major.</param>
public sealed record IdxArray(int[] Dimensions, byte[] Data);

/// <summary>Images from an IDX image file, as grey levels 0–255.</summary>
/// <param name="Count">The number of images.</param>
/// <param name="Rows">The rows per image.</param>
/// <param name="Columns">The columns per image.</param>
/// <param name="Pixels">All pixels, image after image, row-major.</param>
public sealed record IdxImages(int Count, int Rows, int Columns, byte[] Pixels)
{
    /// <summary>The number of pixels per image.</summary>
    public int PixelsPerImage => Rows * Columns;

    /// <summary>The pixels of image <paramref name="index"/>.</summary>
    /// <param name="index">The image.</param>
    public ReadOnlySpan<byte> Image(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"There are {Count} images.");
        return Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);
    }

    /// <summary>Every image scaled to [0, 1], in one array of <c>Count × PixelsPerImage</c> values.</summary>
    public double[] ToScaledDoubles()
    {
        double[] values = new double[Pixels.Length];
        for (int i = 0; i < values.Length; i++) values[i] = Pixels[i] / 255.0;
        return values;
    }
}
