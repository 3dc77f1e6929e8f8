using System.Globalization;
using OpenWfp.Testing.Cli;
using OpenWfp.Testing.Daemon;
using OpenWfp.Testing.Netns;

namespace OpenWfp.Dataplane.Tests.Live;

/// <summary>
/// Two network namespaces joined by a veth pair: the client (where wfpd runs and filters) and the server (echo
/// services on TCP and UDP, IPv4 and IPv6). Everything — namespaces, processes, rules — is gone after Dispose.
/// </summary>
internal sealed class LiveLab : IDisposable
{
    public const int Net = 91;

    // A threaded echo server: every TCP port and UDP port given, on :: with IPV6_V6ONLY off (IPv4 and IPv6).
    private const string ServerScript = """
        import socket, sys, threading
        def tcp(port):
            s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.bind(('::', port)); s.listen(256)
            while True:
                c, _ = s.accept()
                threading.Thread(target=echo, args=(c,), daemon=True).start()
        def echo(c):
            try:
                while True:
                    d = c.recv(65536)
                    if not d: break
                    c.sendall(d)
            except OSError: pass
            c.close()
        def udp(port):
            s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.bind(('::', port))
            while True:
                d, a = s.recvfrom(65536)
                s.sendto(d, a)
        for p in sys.argv[1].split(','):
            threading.Thread(target=tcp, args=(int(p),), daemon=True).start()
        for p in sys.argv[2].split(','):
            threading.Thread(target=udp, args=(int(p),), daemon=True).start()
        print('ready', flush=True)
        threading.Event().wait()
        """;

    // Connects, sends a line, expects it back. Exit 0: worked; 2: failed (the reason on stdout).
    private const string TcpClientScript = """
        import socket, sys
        host, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
        fam = socket.AF_INET6 if ':' in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(timeout)
        try:
            s.connect((host, port)); s.sendall(b'hello\n')
            sys.exit(0 if s.recv(100) == b'hello\n' else 3)
        except OSError as e:
            print(type(e).__name__, e); sys.exit(2)
        """;

    private const string UdpClientScript = """
        import socket, sys
        host, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
        fam = socket.AF_INET6 if ':' in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(timeout)
        try:
            s.sendto(b'hello', (host, port))
            sys.exit(0 if s.recvfrom(100)[0] == b'hello' else 3)
        except OSError as e:
            print(type(e).__name__, e); sys.exit(2)
        """;

    private readonly List<string> _files = [];

    private LiveLab(NetworkNamespace client, NetworkNamespace server, string directory)
    {
        Client = client;
        Server = server;
        Directory = directory;
    }

    public NetworkNamespace Client { get; }

    public NetworkNamespace Server { get; }

    /// <summary>A temporary directory for state, sockets and scripts.</summary>
    public string Directory { get; }

    public string Socket => Path.Combine(Directory, "bfe.sock");

    public static string V4(int host) => NetworkNamespace.V4(Net, host);

    public static string V6(int host) => NetworkNamespace.V6(Net, host);

    /// <summary>Null when live tests can run here, else why not (they skip with it).</summary>
    public static string? UnavailableReason =>
        NetworkNamespace.UnavailableReason
        ?? (NetworkNamespace.FindTool("iptables-nft") is null ? "iptables-nft is not installed (.ci/run installs it)" : null)
        ?? (NetworkNamespace.FindTool("python3") is null ? "python3 is not installed (.ci/run installs it)" : null);

    /// <summary>Creates the namespaces; the server also answers on .3 / ::3 so tests can tell two remote addresses apart.</summary>
    public static LiveLab Create(string tcpPorts = "8080,8081", string udpPorts = "5353,5354")
    {
        NetworkNamespace.CreatePair(Net, out var a, out var b);
        var dir = Path.Combine(Path.GetTempPath(), "owfp-live-" + Guid.NewGuid().ToString("N")[..10]);
        System.IO.Directory.CreateDirectory(dir);
        var lab = new LiveLab(a, b, dir);
        try
        {
            b.Exec("ip", "addr", "add", $"{V4(3)}/24", "dev", "veth1").EnsureSuccess("ip addr add .3");
            b.Exec("ip", "addr", "add", $"{V6(3)}/64", "dev", "veth1", "nodad").EnsureSuccess("ip addr add ::3");
            var server = b.Start("python3", "-c", ServerScript, tcpPorts, udpPorts);
            var ready = server.StandardOutput.ReadLineAsync();
            if (!ready.Wait(TimeSpan.FromSeconds(10)) || ready.Result != "ready")
            {
                throw new InvalidOperationException("the echo server did not start: " + server.StandardError.ReadToEnd());
            }
        }
        catch
        {
            lab.Dispose();
            throw;
        }

        return lab;
    }

    /// <summary>A TCP round trip from the client namespace; true when the echo came back.</summary>
    /// <remarks>False means the connection attempt failed (timed out, refused); a client that could not even run throws.</remarks>
    public bool Tcp(string host, int port, double timeoutSeconds = 2, string python = "python3") =>
        Outcome(Client.ExecWithTimeout(TimeSpan.FromSeconds(timeoutSeconds + 10), python, "-c", TcpClientScript, host, port.ToString(CultureInfo.InvariantCulture), timeoutSeconds.ToString(CultureInfo.InvariantCulture)), python);

    /// <summary>A TCP round trip from the client namespace, with what the client printed (the error's type on failure).</summary>
    public CommandResult TcpAttempt(string host, int port, double timeoutSeconds) =>
        Client.ExecWithTimeout(TimeSpan.FromSeconds(timeoutSeconds + 10), "python3", "-c", TcpClientScript, host, port.ToString(CultureInfo.InvariantCulture), timeoutSeconds.ToString(CultureInfo.InvariantCulture));

    /// <summary>A UDP round trip from the client namespace.</summary>
    public bool Udp(string host, int port, double timeoutSeconds = 2) =>
        Outcome(Client.ExecWithTimeout(TimeSpan.FromSeconds(timeoutSeconds + 10), "python3", "-c", UdpClientScript, host, port.ToString(CultureInfo.InvariantCulture), timeoutSeconds.ToString(CultureInfo.InvariantCulture)), "python3");

    private static bool Outcome(CommandResult r, string program) => r.ExitCode switch
    {
        0 => true,
        2 => false,
        _ => throw new InvalidOperationException($"the test client {program} did not run properly (exit {r.ExitCode}): {r.StandardError.Trim()} {r.StandardOutput.Trim()}"),
    };

    /// <summary>One ping from the client namespace.</summary>
    public bool Ping(string host) =>
        Client.Exec("ping", host.Contains(':', StringComparison.Ordinal) ? "-6" : "-4", "-c", "1", "-W", "2", host).ExitCode == 0;

    /// <summary>Writes a file in the lab directory.</summary>
    public string WriteFile(string name, string text)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, text);
        _files.Add(path);
        return path;
    }

    /// <summary>Runs a wfp command line (in this process) against this lab's wfpd.</summary>
    public CommandResult Wfp(params string[] arguments)
    {
        var r = CliRunner.Run([.. arguments, "--socket", Socket]);
        return new CommandResult(r.Code, r.Out, r.Err);
    }

    /// <summary>The rules in the client namespace's mangle table that carry our prefix (both families).</summary>
    public string[] OurRules() => OurRulesWithPrefix("OPENWFP");

    /// <summary>The rules in the client namespace's mangle table that carry <paramref name="prefix"/> (both families).</summary>
    public string[] OurRulesWithPrefix(string prefix)
    {
        var lines = new List<string>();
        foreach (var tool in (string[])["iptables-nft", "ip6tables-nft"])
        {
            foreach (var line in Client.Exec(tool, "-t", "mangle", "-S").StandardOutput.Split('\n'))
            {
                if (line.Contains(prefix, StringComparison.Ordinal))
                {
                    lines.Add(tool + ": " + line);
                }
            }
        }

        return [.. lines];
    }

    /// <summary>
    /// The "id sequence" column of /proc/net/netfilter/nfnetlink_queue for a queue in the client namespace: how many
    /// packets the kernel has sent to that queue so far.
    /// </summary>
    public long QueuedSoFar(int queue)
    {
        var text = Client.Exec("cat", "/proc/net/netfilter/nfnetlink_queue").StandardOutput;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 8 && int.Parse(f[0], CultureInfo.InvariantCulture) == queue)
            {
                return long.Parse(f[7], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>wfpd with its data plane, started inside the client namespace on this lab's socket and state.</summary>
    public Task<WfpdProcess> StartWfpdAsync(params string[] extra) =>
        WfpdProcess.StartAsync(Client, Path.Combine(Directory, "state"), Socket, extra);
}
