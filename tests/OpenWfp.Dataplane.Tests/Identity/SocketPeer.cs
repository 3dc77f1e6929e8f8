using System.Diagnostics;
using OpenWfp.Testing.Netns;

namespace OpenWfp.Dataplane.Tests.Identity;

/// <summary>
/// A Python process inside a test namespace that opens sockets on command (one line in, the local port out), so tests
/// own real sockets of a known executable, pid and user.
/// </summary>
internal sealed class SocketPeer : IDisposable
{
    /// <summary>
    /// Commands: "tcp-listen ADDR", "udp-bind ADDR", "dual-listen" (AF_INET6 on :: with IPV6_V6ONLY off),
    /// "tcp-connect ADDR PORT", "tcp6-connect ADDR PORT" (an AF_INET6 socket, e.g. to ::ffff:127.0.0.1),
    /// "udp-send ADDR PORT" (an unconnected socket that sent one datagram), "many N ADDR" (N bound UDP sockets,
    /// raising RLIMIT_NOFILE first). Each answers the local port (or the count), or "error …".
    /// </summary>
    public const string Script = """
        import socket, sys, resource
        S = []
        def fam(a): return socket.AF_INET6 if ':' in a else socket.AF_INET
        for line in sys.stdin:
            c = line.split()
            try:
                if c[0] == 'tcp-listen':
                    s = socket.socket(fam(c[1]), socket.SOCK_STREAM); s.bind((c[1], 0)); s.listen(64)
                elif c[0] == 'udp-bind':
                    s = socket.socket(fam(c[1]), socket.SOCK_DGRAM); s.bind((c[1], 0))
                elif c[0] == 'dual-listen':
                    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
                    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0); s.bind(('::', 0)); s.listen(64)
                elif c[0] == 'tcp-connect':
                    s = socket.socket(fam(c[1]), socket.SOCK_STREAM); s.connect((c[1], int(c[2])))
                elif c[0] == 'tcp6-connect':
                    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); s.connect((c[1], int(c[2])))
                elif c[0] == 'udp-send':
                    s = socket.socket(fam(c[1]), socket.SOCK_DGRAM); s.sendto(b'x', (c[1], int(c[2])))
                elif c[0] == 'many':
                    n = int(c[1]); want = n + 256
                    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
                    if soft < want: resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
                    for i in range(n):
                        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((c[2], 0)); S.append(u)
                    print(n, flush=True); continue
                else:
                    print('error unknown command', flush=True); continue
                S.append(s); print(s.getsockname()[1], flush=True)
            except Exception as e:
                print('error', e, flush=True)
        """;

    private readonly Process _process;

    private SocketPeer(Process process) => _process = process;

    /// <summary>The peer's pid (ip netns exec and setpriv exec, so it is the Python process itself).</summary>
    public int Pid => _process.Id;

    /// <summary>The system Python with symlinks resolved (what /proc/pid/exe will show), or null.</summary>
    public static string? SystemPython
    {
        get
        {
            var link = new FileInfo("/usr/bin/python3");
            if (!link.Exists)
            {
                return null;
            }

            return link.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? link.FullName;
        }
    }

    /// <summary>Starts the script with <paramref name="python"/> inside <paramref name="ns"/>, optionally behind a wrapper that execs.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="python">The interpreter.</param>
    /// <param name="wrapper">E.g. setpriv and its options; empty for none.</param>
    /// <returns>The peer.</returns>
    public static SocketPeer Start(NetworkNamespace ns, string python, params string[] wrapper)
    {
        var process = wrapper.Length == 0
            ? ns.Start(python, "-u", "-c", Script)
            : ns.Start(wrapper[0], [.. wrapper[1..], python, "-u", "-c", Script]);
        return new SocketPeer(process);
    }

    /// <summary>Sends one command and returns the number it answers.</summary>
    /// <param name="command">The command line.</param>
    /// <returns>The local port or count.</returns>
    public int Ask(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
        var line = _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(120)).GetAwaiter().GetResult()
            ?? throw new InvalidOperationException($"peer exited: {_process.StandardError.ReadToEnd()}");
        return int.TryParse(line, out var value) ? value : throw new InvalidOperationException($"peer: {command}: {line}");
    }

    /// <summary>Kills the peer and waits for it to be gone.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
    }

    /// <summary>Kills the peer.</summary>
    public void Dispose() => Kill();
}

/// <summary>A copy of an executable under /tmp (a second distinct exe path), deleted on dispose.</summary>
internal sealed class ExecutableCopy : IDisposable
{
    public ExecutableCopy(string source)
    {
        Path = $"/tmp/owfp-python-copy-{Environment.ProcessId}-{Guid.NewGuid():N}";
        File.Copy(source, Path); // keeps the source's mode (executable) on Unix
    }

    /// <summary>Where the copy is.</summary>
    public string Path { get; }

    /// <summary>Deletes the copy.</summary>
    public void Dispose() => File.Delete(Path);
}
