namespace OpenWfp.Bfe.Tests.Persistence;

/// <summary>A fresh directory under the system temp directory, deleted (with everything in it) on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("openwfp-store-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        MakeWritable(new DirectoryInfo(Path));
        Directory.Delete(Path, recursive: true);
    }

    /// <summary>Undoes the permission tests' chmods so that the tree can be deleted.</summary>
    private static void MakeWritable(DirectoryInfo directory)
    {
        directory.UnixFileMode |= UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        foreach (var entry in directory.EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo child && !child.Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                MakeWritable(child);
            }
            else if (!entry.Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                entry.UnixFileMode |= UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
        }
    }
}
