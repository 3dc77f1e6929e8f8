using BenchmarkDotNet.Attributes;
using OpenWfp.Dataplane.Identity;
using OpenWfp.Shim;
using OpenWfp.Testing.Netns;

namespace OpenWfp.Benchmarks;

/// <summary>
/// Warm identity lookups of one known socket while a helper process in the same namespace holds
/// <see cref="OtherSockets"/> other sockets (half established TCP pairs, half bound UDP sockets, spread over helpers
/// of 16,000 each): the exact sock_diag
/// lookup and the inode index must not slow down as the host's socket count grows. Needs root (a namespace).
/// </summary>
[Config(typeof(ShortInProcessConfig))]
public class IdentityBenchmarks
{
    private const byte Tcp = 6;
    private const uint Loopback4 = 0x7F00_0001;

    private NetworkNamespace _ns = null!;
    /// <summary>Sockets per helper: the hard RLIMIT_NOFILE here is 20,000 and cannot be raised (no CAP_SYS_RESOURCE).</summary>
    private const int SocketsPerHelper = 16_000;

    private readonly List<SocketPeer> _fillers = [];
    private SocketPeer _server = null!;
    private SocketPeer _client = null!;
    private ProcessIdentitySource _source = null!;
    private FlowTuple _established;
    private FlowTuple _inbound;
    private long _socketMisses;

    /// <summary>Sockets open besides the one looked up.</summary>
    [Params(100, 100_000)]
    public int OtherSockets { get; set; }

    /// <summary>Opens the sockets, then resolves each target once (the full /proc scan happens here).</summary>
    [GlobalSetup]
    public void Setup()
    {
        if (NetworkNamespace.UnavailableReason is { } reason)
        {
            throw new InvalidOperationException(reason);
        }

        var python = SocketPeer.SystemPython ?? throw new InvalidOperationException("needs /usr/bin/python3");
        _ns = NetworkNamespace.Create("owfp-identbench");
        for (var left = OtherSockets; left > 0; left -= SocketsPerHelper)
        {
            var filler = SocketPeer.Start(_ns, python);
            _fillers.Add(filler);
            var want = Math.Min(left, SocketsPerHelper);
            var made = filler.Ask($"many {want}");
            if (made != want)
            {
                throw new InvalidOperationException($"a helper opened {made} sockets, not {want}");
            }
        }

        _server = SocketPeer.Start(_ns, python);
        _client = SocketPeer.Start(_ns, python);
        var serverPort = _server.Ask("tcp-listen 127.0.0.1");
        var clientPort = _client.Ask($"tcp-connect 127.0.0.1 {serverPort}");
        _established = new FlowTuple(4, Tcp, Loopback4, (ushort)clientPort, Loopback4, (ushort)serverPort, true);
        _inbound = new FlowTuple(4, Tcp, Loopback4, (ushort)serverPort, Loopback4, 40000, false);
        _source = _ns.Run(() => new ProcessIdentitySource());

        // The first lookup is cold: it includes the full /proc scan over every process's descriptors.
        var cold = System.Diagnostics.Stopwatch.StartNew();
        var resolved = _source.TryResolve(in _established, out var a);
        Console.WriteLine($"// identity: cold lookup with full /proc scan ({OtherSockets} other sockets): {cold.Elapsed.TotalMilliseconds:F1} ms");
        if (!resolved || a.ProcessId != (ulong)_client.Pid
            || !_source.TryResolve(in _inbound, out var b) || b.ProcessId != (ulong)_server.Pid)
        {
            throw new InvalidOperationException("the benchmark sockets did not resolve to their processes");
        }
    }

    /// <summary>The exact sock_diag lookup alone (one request, one reply) for an established TCP socket.</summary>
    /// <returns>The inode.</returns>
    [Benchmark]
    public ulong FindSocket()
    {
        if (!_source.TryFindSocket(in _established, out _, out var inode))
        {
            _socketMisses++;
        }

        return inode;
    }

    /// <summary>Full resolution of an established TCP socket: sock_diag, inode index, process cache.</summary>
    /// <returns>The pid.</returns>
    [Benchmark]
    public ulong ResolveEstablished()
    {
        _source.TryResolve(in _established, out var identity);
        return identity.ProcessId;
    }

    /// <summary>Full resolution of an inbound SYN's tuple: the kernel's listener lookup after the established miss.</summary>
    /// <returns>The pid.</returns>
    [Benchmark]
    public ulong ResolveListener()
    {
        _source.TryResolve(in _inbound, out var identity);
        return identity.ProcessId;
    }

    /// <summary>Checks that every measured lookup succeeded, then stops the helpers (closing every socket) and deletes the namespace.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        var stats = _source?.Stats ?? default;
        Console.WriteLine($"// identity: {stats}, FindSocket misses {_socketMisses}");
        var failed = stats.ProcessFound != stats.Lookups || _socketMisses != 0;

        _source?.Dispose();
        _client?.Dispose();
        _server?.Dispose();
        foreach (var filler in _fillers)
        {
            filler.Dispose();
        }

        _fillers.Clear();
        _ns?.Dispose();
        if (failed)
        {
            throw new InvalidOperationException($"some measured lookups failed: {stats}, FindSocket misses {_socketMisses}");
        }
    }
}
