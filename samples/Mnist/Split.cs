using System.IO;
using System.Linq;

namespace Mnist;

/// <summary>Where the training digits end and the test digits begin, in one dataset.</summary>
internal sealed record Split(Dataset Data, int TrainCount, int TestStart, int TestCount)
{
    /// <summary>
    /// Loads <c>mnist10k-*</c> (the first 80% train, the rest test) or the full MNIST files (<c>train-*</c> and
    /// <c>t10k-*</c>) from <paramref name="directory"/>, gzip or not.
    /// </summary>
    public static Split Load(string directory)
    {
        if (Find(directory, "mnist10k-images-idx3-ubyte") is { } subsetImages)
        {
            string labels = Find(directory, "mnist10k-labels-idx1-ubyte") ?? throw Missing(directory, "mnist10k-labels-idx1-ubyte.gz");
            Dataset data = Dataset.Load(subsetImages, labels);
            int test = data.Count / 5;
            if (data.Count - test < 1 || test < 1) throw new InvalidDataException($"{subsetImages}: {data.Count} digits are too few to split into training and test sets.");
            return new Split(data, data.Count - test, data.Count - test, test);
        }

        string trainImages = Find(directory, "train-images-idx3-ubyte") ?? throw Missing(directory, "mnist10k-images-idx3-ubyte.gz or train-images-idx3-ubyte.gz");
        Dataset train = Dataset.Load(trainImages, Find(directory, "train-labels-idx1-ubyte") ?? throw Missing(directory, "train-labels-idx1-ubyte.gz"));
        Dataset tests = Dataset.Load(
            Find(directory, "t10k-images-idx3-ubyte") ?? throw Missing(directory, "t10k-images-idx3-ubyte.gz"),
            Find(directory, "t10k-labels-idx1-ubyte") ?? throw Missing(directory, "t10k-labels-idx1-ubyte.gz"));
        return new Split(Dataset.Concat(train, tests), train.Count, train.Count, tests.Count);
    }

    private static string? Find(string directory, string stem) =>
        new[] { stem + ".gz", stem, stem.Replace("-idx", ".idx", System.StringComparison.Ordinal) }
            .Select(name => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);

    private static FileNotFoundException Missing(string directory, string file) =>
        new($"no MNIST data in '{Path.GetFullPath(directory)}': {file} is missing.");
}
