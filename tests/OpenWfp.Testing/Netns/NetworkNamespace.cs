using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace OpenWfp.Testing.Netns;

/// <summary>What a command printed and how it ended.</summary>
/// <param name="ExitCode">The exit code (-1 when it was killed for running too long).</param>
/// <param name="StandardOutput">Everything on stdout.</param>
/// <param name="StandardError">Everything on stderr.</param>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Throws with the command's output when it failed.</summary>
    /// <param name="what">The command line, for the message.</param>
    /// <returns>This result.</returns>
    public CommandResult EnsureSuccess(string what) =>
        ExitCode == 0 ? this : throw new InvalidOperationException($"{what}: exit {ExitCode}: {StandardError.Trim()} {StandardOutput.Trim()}");
}

/// <summary>
/// A throw-away network namespace for tests that touch netfilter, routes or interfaces, so the
/// host's own namespace is never changed. Created with <c>ip netns add</c>, deleted (with every process this object
/// started in it) on <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// Code can run inside the namespace in-process: <see cref="Run{T}"/> moves a dedicated thread into it with setns(2),
/// and sockets created there stay in the namespace whichever thread uses them afterwards.
/// </remarks>
public sealed partial class NetworkNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000; // CLONE_NEWNET, linux/sched.h
    private static int _counter;
    private readonly List<Process> _processes = [];
    private bool _disposed;

    private NetworkNamespace(string name) => Name = name;

    /// <summary>The namespace's name (in /run/netns).</summary>
    public string Name { get; }

    /// <summary>
    /// A cgroup-v2 directory of this namespace's own (<see cref="UseCgroup"/>), which every command started here joins
    /// first, so that eBPF programs attached to it see exactly this namespace's processes; null: none.
    /// </summary>
    public string? Cgroup { get; private set; }

    /// <summary>Why namespaces cannot be created here, or null when they can (root and iproute2 present).</summary>
    public static string? UnavailableReason
    {
        get
        {
            if (!OperatingSystem.IsLinux())
            {
                return "network namespaces need Linux";
            }

            if (Environment.UserName != "root" && GetEffectiveUserId() != 0)
            {
                return "creating network namespaces needs root (CI runs as root)";
            }

            return FindTool("ip") is null ? "the ip command (iproute2) is not installed" : null;
        }
    }

    /// <summary>Creates a namespace with its loopback up.</summary>
    /// <param name="prefix">Start of the name; a process id and a counter make it unique.</param>
    /// <returns>The namespace.</returns>
    public static NetworkNamespace Create(string prefix = "owfp")
    {
        var name = $"{prefix}-{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}";
        RunTool("ip", ["netns", "add", name]).EnsureSuccess($"ip netns add {name}");
        var ns = new NetworkNamespace(name);
        try
        {
            ns.Exec("ip", "link", "set", "lo", "up").EnsureSuccess("ip link set lo up");
        }
        catch
        {
            ns.Dispose();
            throw;
        }

        return ns;
    }

    /// <summary>
    /// Joins two new namespaces with a veth pair: <paramref name="a"/> gets 10.&lt;net&gt;.0.1/24 and fd&lt;net&gt;::1/64,
    /// <paramref name="b"/> gets .2 and ::2. IPv6 duplicate address detection is off so the addresses work at once.
    /// </summary>
    /// <param name="net">The second octet (and IPv6 prefix digits) of the link's addresses, 1–254.</param>
    /// <param name="a">The first namespace.</param>
    /// <param name="b">The second namespace.</param>
    public static void CreatePair(int net, out NetworkNamespace a, out NetworkNamespace b)
    {
        a = Create("owfpa");
        try
        {
            b = Create("owfpb");
        }
        catch
        {
            a.Dispose();
            throw;
        }

        try
        {
            a.Exec("ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1", "netns", b.Name).EnsureSuccess("ip link add veth");
            foreach (var (ns, host) in new[] { (a, 1), (b, 2) })
            {
                var dev = host == 1 ? "veth0" : "veth1";
                ns.Exec("sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0").EnsureSuccess("sysctl accept_dad");
                ns.Exec("sysctl", "-qw", $"net.ipv6.conf.{dev}.accept_dad=0").EnsureSuccess("sysctl accept_dad");
                ns.Exec("ip", "addr", "add", $"10.{net}.0.{host}/24", "dev", dev).EnsureSuccess("ip addr add");
                ns.Exec("ip", "addr", "add", $"fd{net:x2}::{host}/64", "dev", dev, "nodad").EnsureSuccess("ip -6 addr add");
                ns.Exec("ip", "link", "set", dev, "up").EnsureSuccess("ip link set up");
            }
        }
        catch
        {
            a.Dispose();
            b.Dispose();
            throw;
        }
    }

    /// <summary>The IPv4 address <see cref="CreatePair"/> gave host 1 or 2.</summary>
    /// <param name="net">The pair's net number.</param>
    /// <param name="host">1 or 2.</param>
    /// <returns>The dotted address.</returns>
    public static string V4(int net, int host) => $"10.{net}.0.{host}";

    /// <summary>The IPv6 address <see cref="CreatePair"/> gave host 1 or 2.</summary>
    /// <param name="net">The pair's net number.</param>
    /// <param name="host">1 or 2.</param>
    /// <returns>The address text.</returns>
    public static string V6(int net, int host) => $"fd{net:x2}::{host}";

    /// <summary>Runs a command inside the namespace and waits for it.</summary>
    /// <param name="file">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <returns>Its output and exit code.</returns>
    public CommandResult Exec(string file, params string[] arguments) => ExecWithTimeout(TimeSpan.FromSeconds(60), file, arguments);

    /// <summary>Runs a command inside the namespace, killing it after <paramref name="timeout"/>.</summary>
    /// <param name="timeout">Longest run.</param>
    /// <param name="file">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <returns>Its output and exit code (-1 when killed).</returns>
    public CommandResult ExecWithTimeout(TimeSpan timeout, string file, params string[] arguments) =>
        RunTool("ip", Command(file, arguments), timeout);

    /// <summary>
    /// Creates a child cgroup of the cgroup-v2 root for this namespace; commands started from now on run in it. Never
    /// the root itself: the tests' eBPF programs attach here.
    /// </summary>
    /// <returns>The cgroup's directory.</returns>
    public string UseCgroup()
    {
        if (Cgroup is not null)
        {
            return Cgroup;
        }

        var root = TestCgroups.V2Root ?? throw new InvalidOperationException("no cgroup-v2 hierarchy is mounted");
        var path = Path.Combine(root, "owfp-" + Name);
        Directory.CreateDirectory(path);
        Cgroup = path;
        return path;
    }

    // "ip netns exec NAME [sh -c 'join the cgroup; exec ...'] file args".
    private string[] Command(string file, string[] arguments) => Cgroup is null
        ? ["netns", "exec", Name, file, .. arguments]
        : ["netns", "exec", Name, "/bin/sh", "-c", "echo $$ > \"$1/cgroup.procs\" && shift && exec \"$@\"", "sh", Cgroup, file, .. arguments];

    /// <summary>Starts a long-running command inside the namespace; it is killed on <see cref="Dispose"/>.</summary>
    /// <param name="file">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <returns>The process, with stdout and stderr redirected (read them or they fill up).</returns>
    public Process Start(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in Command(file, arguments))
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    /// <summary>Runs <paramref name="action"/> on a new thread that has joined this namespace (setns(2)).</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="action">The code; sockets it creates belong to this namespace.</param>
    /// <returns>The action's result (its exception is rethrown).</returns>
    public T Run<T>(Func<T> action)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using (var handle = File.OpenHandle($"/run/netns/{Name}"))
                {
                    if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                    {
                        throw new InvalidOperationException($"setns into {Name}: errno {Marshal.GetLastPInvokeError()}");
                    }
                }

                result = action();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            throw new InvalidOperationException($"in namespace {Name}: {error.Message}", error);
        }

        return result;
    }

    /// <summary>Kills what this object started, then deletes the namespace.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        lock (_processes)
        {
            foreach (var p in _processes)
            {
                try
                {
                    if (!p.HasExited)
                    {
                        p.Kill(entireProcessTree: true);
                        p.WaitForExit(5000);
                    }
                }
                catch (InvalidOperationException)
                {
                }

                p.Dispose();
            }
        }

        RunTool("ip", ["netns", "del", Name]);
        if (Cgroup is not null)
        {
            TestCgroups.Remove(Cgroup);
        }
    }

    /// <summary>Runs a tool in the current (the test's) namespace.</summary>
    /// <param name="file">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="timeout">Longest run; default 60 s.</param>
    /// <returns>Its output and exit code.</returns>
    public static CommandResult RunTool(string file, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new CommandResult(-1, stdout.ToString(), stderr.ToString());
        }

        process.WaitForExit();
        return new CommandResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The full path of a tool on PATH (or in /usr/sbin, /sbin), or null.</summary>
    /// <param name="name">The tool's name.</param>
    /// <returns>Its path or null.</returns>
    public static string? FindTool(string name)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
