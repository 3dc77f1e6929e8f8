namespace OpenWfp.Daemon.Hosting;

/// <summary>
/// One wfpd per state directory. Two daemons sharing <c>policy.db</c> would each hold a different view of the policy
/// and overwrite each other's persistent objects, so the second refuses to start and names the first.
/// </summary>
/// <remarks>
/// The lock is the file <c>wfpd.lock</c> opened with <see cref="FileShare.None"/>, which .NET takes as an advisory
/// <c>flock(LOCK_EX)</c> on Linux: the kernel drops it when the process dies, even by SIGKILL, so a crash never
/// leaves the directory locked. What the owner writes (its PID and socket) goes into a second file,
/// <c>wfpd.owner</c>, because a reader could not open the locked file itself.
/// </remarks>
internal sealed class StateDirectoryLock : IDisposable
{
    public const string LockFileName = "wfpd.lock";
    public const string OwnerFileName = "wfpd.owner";

    private readonly FileStream _lock;
    private readonly string _ownerFile;

    private StateDirectoryLock(FileStream lockFile, string ownerFile)
    {
        _lock = lockFile;
        _ownerFile = ownerFile;
    }

    /// <summary>Takes the directory, or throws a one-line <see cref="DaemonStartException"/> naming who holds it.</summary>
    public static StateDirectoryLock Acquire(string directory, string socket)
    {
        var lockPath = Path.Combine(directory, LockFileName);
        var ownerPath = Path.Combine(directory, OwnerFileName);
        FileStream file;
        try
        {
            file = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(lockPath) && Owner(ownerPath) is { } owner)
        {
            throw new DaemonStartException(
                $"{directory}: the state directory is in use by {owner}; stop it, or give this wfpd its own --state-dir");
        }
        catch (IOException e) when (IsSharingViolation(e))
        {
            throw new DaemonStartException(
                $"{directory}: the state directory is in use by another wfpd; stop it, or give this wfpd its own --state-dir");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DaemonStartException($"{directory}: the state directory cannot be written ({Describe(e)}); {Fix(e, "--state-dir")}");
        }

        try
        {
            File.WriteAllText(ownerPath, $"wfpd pid {Environment.ProcessId} (socket {Path.GetFullPath(socket)})\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            file.Dispose();
            throw new DaemonStartException($"{directory}: the state directory cannot be written ({Describe(e)}); {Fix(e, "--state-dir")}");
        }

        return new StateDirectoryLock(file, ownerPath);
    }

    /// <summary>What to do about a path wfpd cannot write, for the option that named it.</summary>
    public static string Fix(Exception e, string option) => Describe(e) == ReadOnly
        ? $"choose a {option} on a writable file system"
        : $"run wfpd as a user that can write there, or choose another {option}";

    private const string ReadOnly = "read-only file system";

    public void Dispose()
    {
        try
        {
            File.Delete(_ownerFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The lock itself goes with the file handle; a stale owner file is overwritten by the next start.
        }

        _lock.Dispose();
    }

    private static string? Owner(string ownerPath)
    {
        try
        {
            var text = File.ReadAllText(ownerPath).Trim();
            return text.Length == 0 ? null : text;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // .NET reports a held flock as an IOException whose HResult is ERROR_SHARING_VIOLATION (0x80070020).
    private static bool IsSharingViolation(IOException e) => e.HResult == unchecked((int)0x80070020);

    /// <summary>The OS's reason without .NET's wrapping ("Access to the path … is denied." → "permission denied").</summary>
    public static string Describe(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        IOException io when io.HResult == 30 || io.Message.Contains("Read-only file system", StringComparison.Ordinal) => ReadOnly,
        _ => e.Message,
    };
}
