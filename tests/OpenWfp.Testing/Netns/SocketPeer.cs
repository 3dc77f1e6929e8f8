using System.Diagnostics;
namespace OpenWfp.Testing.Netns;

/// <summary>
/// A Python process inside a test namespace that opens sockets on command (one line in, the local port out), so tests
/// own real sockets of a known executable, pid and user.
/// </summary>
public sealed class SocketPeer : IDisposable
{
    /// <summary>
    /// Commands: "tcp-listen ADDR", "udp-bind ADDR", "dual-listen" (AF_INET6 on :: with IPV6_V6ONLY off),
    /// "tcp-connect ADDR PORT", "tcp6-connect ADDR PORT" (an AF_INET6 socket, e.g. to ::ffff:127.0.0.1),
    /// "udp-send ADDR PORT" (an unconnected socket that sent one datagram), "many N" (N sockets for scale tests: half
    /// established TCP pairs, half bound UDP sockets, each on its own 127/8 address; the soft RLIMIT_NOFILE is raised to
    /// the hard one first, which caps N per process).
    /// Each answers the local port (or the count), or "error …".
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
                    if soft < want: resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
                    l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(1024); S.append(l); p = l.getsockname()[1]
                    made = 1; i = 0
                    def addr(net, i): return '127.%d.%d.%d' % (net, i // 250 % 250, i % 250 + 1)
                    while made + 2 <= n // 2:
                        k = socket.socket(); k.bind((addr(1, i), 0)); k.connect(('127.0.0.1', p))
                        a, _ = l.accept(); S.extend((k, a)); made += 2; i += 1
                    while made < n:
                        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((addr(2, i), 0)); S.append(u); made += 1; i += 1
                    print(made, flush=True); continue
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
public sealed class ExecutableCopy : IDisposable
{
    /// <summary>Copies <paramref name="source"/>.</summary>
    /// <param name="source">The executable.</param>
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
