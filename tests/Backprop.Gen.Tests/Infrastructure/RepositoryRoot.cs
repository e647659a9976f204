using System.IO;

namespace Backprop.Gen.Tests.Infrastructure;

/// <summary>The repository's root folder, found from the test assembly by looking for Backprop.Gen.sln.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (DirectoryInfo? directory = new(System.AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Backprop.Gen.sln"))) return directory.FullName;
        }

        throw new DirectoryNotFoundException("Backprop.Gen.sln not found above " + System.AppContext.BaseDirectory);
    }
}
