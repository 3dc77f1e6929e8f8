namespace OpenWfp.Testing.Netns;

/// <summary>The tests' own cgroups: children of the cgroup-v2 root, never the root (eBPF programs attach to them).</summary>
public static class TestCgroups
{
    /// <summary>
    /// The cgroup-v2 mount: /sys/fs/cgroup on a unified layout, /sys/fs/cgroup/unified on a hybrid one; null when
    /// there is none.
    /// </summary>
    public static string? V2Root =>
        File.Exists("/sys/fs/cgroup/unified/cgroup.procs") ? "/sys/fs/cgroup/unified"
        : File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup"
        : null;

    /// <summary>Creates a new child cgroup of the v2 root.</summary>
    /// <param name="prefix">Start of its name.</param>
    /// <returns>Its directory.</returns>
    public static string Create(string prefix = "owfp-test")
    {
        var root = V2Root ?? throw new InvalidOperationException("no cgroup-v2 hierarchy is mounted");
        var path = Path.Combine(root, $"{prefix}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>
    /// Removes a test cgroup: its remaining processes are killed (they are the test's), then the directory goes once the
    /// kernel has let them exit (bounded: 5 s).
    /// </summary>
    /// <param name="path">The cgroup's directory.</param>
    public static void Remove(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Directory.Exists(path))
        {
            try
            {
                foreach (var line in File.ReadAllLines(Path.Combine(path, "cgroup.procs")))
                {
                    if (int.TryParse(line, out var pid))
                    {
                        try
                        {
                            System.Diagnostics.Process.GetProcessById(pid).Kill(entireProcessTree: true);
                        }
                        catch (ArgumentException)
                        {
                        }
                        catch (InvalidOperationException)
                        {
                        }
                    }
                }

                Directory.Delete(path);
                return;
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
            catch (IOException)
            {
                return;
            }
        }
    }
}
