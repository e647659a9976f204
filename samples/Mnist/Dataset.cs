using System;
using System.IO;
using System.Linq;
using Backprop.Nn;

namespace Mnist;

/// <summary>MNIST images scaled to [0, 1], with their labels.</summary>
internal sealed class Dataset
{
    private readonly double[] _pixels;

    private Dataset(double[] pixels, byte[] labels, int pixelsPerImage)
    {
        _pixels = pixels;
        Labels = labels;
        PixelsPerImage = pixelsPerImage;
    }

    public byte[] Labels { get; }

    public int Count => Labels.Length;

    public int PixelsPerImage { get; }

    public ReadOnlySpan<double> Image(int index) => _pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);

    private float[]? _floatPixels;

    /// <summary>Every image's pixels, one image after the other, in <c>float</c> or <c>double</c> (a float copy is made once).</summary>
    public T[] Pixels<T>()
        where T : unmanaged
    {
        if (typeof(T) == typeof(double)) return (T[])(object)_pixels;
        if (typeof(T) == typeof(float)) return (T[])(object)(_floatPixels ??= Array.ConvertAll(_pixels, p => (float)p));
        throw new NotSupportedException($"Pixels come as float or double, not {typeof(T).Name}.");
    }

    /// <summary>One dataset holding <paramref name="first"/>'s samples, then <paramref name="second"/>'s.</summary>
    public static Dataset Concat(Dataset first, Dataset second) =>
        new(first._pixels.Concat(second._pixels).ToArray(), first.Labels.Concat(second.Labels).ToArray(), first.PixelsPerImage);

    /// <summary>
    /// Loads an image file and a label file (IDX, plain or gzip). Throws <see cref="InvalidDataException"/> or
    /// <see cref="FileNotFoundException"/> with a message for the user when the files are missing or do not match.
    /// </summary>
    public static Dataset Load(string images, string labels)
    {
        IdxImages pictures = Idx.ReadImages(images);
        byte[] classes = Idx.ReadLabels(labels);
        if (pictures.Rows * pictures.Columns != Network.Inputs)
        {
            throw new InvalidDataException($"{images}: the images are {pictures.Rows}×{pictures.Columns}; the network reads 28×28.");
        }

        if (classes.Length != pictures.Count)
        {
            throw new InvalidDataException($"{labels} has {classes.Length} labels but {images} has {pictures.Count} images.");
        }

        int bad = Array.FindIndex(classes, c => c >= Network.Classes);
        if (bad >= 0) throw new InvalidDataException($"{labels}: label {bad} is {classes[bad]}, not a digit.");
        return new Dataset(pictures.ToScaledDoubles(), classes, Network.Inputs);
    }
}
