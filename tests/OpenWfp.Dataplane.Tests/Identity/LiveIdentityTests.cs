using OpenWfp.Dataplane.Identity;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;
using OpenWfp.Shim;
using OpenWfp.Testing.Netns;

namespace OpenWfp.Dataplane.Tests.Identity;

/// <summary>
/// Real sockets of real processes in a throw-away namespace: a server run by the system Python and a client run by a
/// copy of it under another path, so each flow must come back with the right executable, pid and user.
/// </summary>
public sealed class LiveIdentityTests
{
    private const byte Tcp = 6;
    private const byte Udp = 17;
    private const uint Loopback4 = 0x7F00_0001;
    private static readonly UInt128 Loopback6 = UInt128.One;
    private static readonly UInt128 MappedLoopback = ((UInt128)0xFFFF << 32) | Loopback4;

    [Fact]
    public void TcpClientAndListenerResolveToTheirOwnExecutables()
    {
        using var world = World.Create();
        var serverPort = world.Server.Ask("tcp-listen 127.0.0.1");
        var clientPort = world.Client.Ask($"tcp-connect 127.0.0.1 {serverPort}");

        var outbound = new FlowTuple(4, Tcp, Loopback4, (ushort)clientPort, Loopback4, (ushort)serverPort, true);
        world.AssertOwner(outbound, world.ClientExe, world.Client.Pid);

        // An inbound SYN from a port that has no connection yet: only the listener matches.
        var inbound = new FlowTuple(4, Tcp, Loopback4, (ushort)serverPort, Loopback4, 40001, false);
        world.AssertOwner(inbound, world.ServerExe, world.Server.Pid);

        var stats = world.Source.Stats;
        Assert.Equal(new ProcessIdentityStats(2, 2, 2, stats.CacheHits, 0), stats);
    }

    [Fact]
    public void UdpBoundSocketAndUnconnectedSenderResolve()
    {
        using var world = World.Create();
        var serverPort = world.Server.Ask("udp-bind 127.0.0.1");
        var clientPort = world.Client.Ask($"udp-send 127.0.0.1 {serverPort}");

        world.AssertClientOwns(4, Udp, Loopback4, clientPort, serverPort);
        world.AssertServerOwns(4, Udp, Loopback4, serverPort, 40002);
    }

    [Fact]
    public void Ipv6TcpAndUdpResolve()
    {
        using var world = World.Create();
        var tcpPort = world.Server.Ask("tcp-listen ::1");
        var udpPort = world.Server.Ask("udp-bind ::1");
        var clientTcp = world.Client.Ask($"tcp-connect ::1 {tcpPort}");
        var clientUdp = world.Client.Ask($"udp-send ::1 {udpPort}");

        world.AssertClientOwns(6, Tcp, Loopback6, clientTcp, tcpPort);
        world.AssertServerOwns(6, Tcp, Loopback6, tcpPort, 40003);
        world.AssertClientOwns(6, Udp, Loopback6, clientUdp, udpPort);
        world.AssertServerOwns(6, Udp, Loopback6, udpPort, 40004);
    }

    [Fact]
    public void DualStackSocketsAnswerIpv4AndV4MappedTuples()
    {
        using var world = World.Create();
        var serverPort = world.Server.Ask("dual-listen");
        var clientPort = world.Client.Ask($"tcp6-connect ::ffff:127.0.0.1 {serverPort}");

        // The AF_INET6 client's connection travels as IPv4: the data plane sees an IPv4 tuple.
        world.AssertClientOwns(4, Tcp, Loopback4, clientPort, serverPort);
        world.AssertServerOwns(4, Tcp, Loopback4, serverPort, 40005);
        world.AssertClientOwns(6, Tcp, MappedLoopback, clientPort, serverPort);
    }

    [Fact]
    public void ProcessOfAnotherUserGetsThatUsersToken()
    {
        using var world = World.Create();
        using var nobody = SocketPeer.Start(world.Namespace, world.ServerExe, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
        var port = nobody.Ask("tcp-listen 127.0.0.1");

        var flow = new FlowTuple(4, Tcp, Loopback4, (ushort)port, Loopback4, 40006, false);
        Assert.True(world.Source.TryFindSocket(in flow, out var uid, out _));
        Assert.Equal(65534u, uid);
        Assert.True(world.Source.TryResolve(in flow, out var identity));
        Assert.Equal((ulong)nobody.Pid, identity.ProcessId);
        var token = Assert.IsType<FwpToken>(identity.Token);
        Assert.Equal(Sid.Parse("S-1-22-1-65534"), token.User);
        Assert.Equal([Sid.Parse("S-1-22-2-65534"), Sid.Everyone, Sid.AuthenticatedUsers], token.Groups);

        // And root's client next to it carries root's extra groups.
        var serverPort = world.Server.Ask("tcp-listen 127.0.0.1");
        Assert.True(world.Source.TryResolve(new FlowTuple(4, Tcp, Loopback4, (ushort)serverPort, Loopback4, 40007, false), out var root));
        Assert.Contains(Sid.LocalSystem, root.Token!.Groups);
        Assert.DoesNotContain(Sid.LocalSystem, token.Groups);
    }

    [Fact]
    public void UnknownTupleFailsAndCountsUnlessThePacketCarriedAUid()
    {
        using var world = World.Create();
        var nothing = new FlowTuple(4, Tcp, Loopback4, 1, Loopback4, 2, true);
        Assert.False(world.Source.TryResolve(in nothing, out var identity));
        Assert.Equal(default, identity);
        Assert.Equal(new ProcessIdentityStats(1, 0, 0, 0, 1), world.Source.Stats);

        world.Source.SetPacketHint(1000, 1001);
        Assert.True(world.Source.TryResolve(in nothing, out identity));
        Assert.True(identity.AppId.IsEmpty);
        Assert.Equal(0UL, identity.ProcessId);
        Assert.Equal(FwpToken.ForUnixIdentity(1000, [1001]), identity.Token);

        // The hint was for that packet only.
        Assert.False(world.Source.TryResolve(in nothing, out _));
        Assert.Equal(2, world.Source.Stats.Failures);

        // ICMP and other protocols have no socket to look up.
        Assert.False(world.Source.TryFindSocket(new FlowTuple(4, 1, Loopback4, 0, Loopback4, 0, true), out _, out _));
    }

    [Fact]
    public void ProcessThatExitsBetweenStagesGivesFalseWithoutThrowing()
    {
        using var world = World.Create();
        var port = world.Client.Ask("tcp-listen 127.0.0.1");
        var flow = new FlowTuple(4, Tcp, Loopback4, (ushort)port, Loopback4, 40008, false);
        Assert.True(world.Source.TryFindSocket(in flow, out _, out var inode));

        // The socket was found (stage 1), then its process is gone before stages 2 and 3.
        world.Client.Kill();
        Assert.False(world.Source.TryResolveInode(inode, 0, out var identity));
        Assert.Equal(default, identity);
        Assert.False(world.Source.TryResolve(in flow, out _));
        Assert.Null(world.Source.Processes.Load(world.Client.Pid));
    }

    [Fact]
    public void ShortLivedProcessesRacingTheLookupNeverThrow()
    {
        using var world = World.Create();
        var serverPort = world.Server.Ask("tcp-listen 127.0.0.1");
        var resolved = 0;
        for (var round = 0; round < 10; round++)
        {
            using var peer = SocketPeer.Start(world.Namespace, world.ClientExe);
            var port = peer.Ask($"tcp-connect 127.0.0.1 {serverPort}");
            var flow = new FlowTuple(4, Tcp, Loopback4, (ushort)port, Loopback4, (ushort)serverPort, true);

            // One lookup before the race starts, so that a loaded machine (where the kill can win every time) still
            // shows that lookups of a live process succeed; the racing ones must only never throw.
            if (round == 0 && world.Source.TryResolve(in flow, out var first) && !first.AppId.IsEmpty)
            {
                Assert.Equal((ulong)peer.Pid, first.ProcessId);
                resolved++;
            }

            var kill = Task.Run(peer.Kill);
            for (var i = 0; i < 50 && !kill.IsCompleted; i++)
            {
                if (world.Source.TryResolve(in flow, out var identity) && !identity.AppId.IsEmpty)
                {
                    Assert.Equal((ulong)peer.Pid, identity.ProcessId);
                    resolved++;
                }
            }

            kill.Wait();
        }

        Assert.True(world.Source.Stats.Lookups > 0);
        Assert.True(resolved > 0, "no lookup got in before the kill");
    }

    [Fact]
    public void MissesWithinTheFullScanIntervalGetTheSocketUidOnly()
    {
        using var world = World.Create(new ProcessIdentityOptions { FullScanInterval = TimeSpan.FromHours(1) });

        // A process that becomes uid 65534 only after the first listing saw it as root (a shell that sleeps, then
        // execs setpriv): the listing keeps the owner it read then, since the process is not young.
        using var late = SocketPeer.Start(world.Namespace, world.ServerExe, "sh", "-c", "sleep 2; exec setpriv --reuid=65534 --regid=65534 --clear-groups \"$0\" \"$@\"");
        var serverPort = world.Server.Ask("tcp-listen 127.0.0.1");
        world.AssertServerOwns(4, Tcp, Loopback4, serverPort, 40009);
        Assert.Equal(1, world.Source.FullScans);

        // Its socket: not indexed, not recent, not new or young, not among uid 65534's processes as listed, and the next
        // full scan is an hour away.
        var latePort = late.Ask($"tcp-connect 127.0.0.1 {serverPort}");
        Assert.True(world.Source.TryResolve(new FlowTuple(4, Tcp, Loopback4, (ushort)latePort, Loopback4, (ushort)serverPort, true), out var identity));
        Assert.True(identity.AppId.IsEmpty);
        Assert.Equal(0UL, identity.ProcessId);
        Assert.Equal(FwpToken.ForUnixIdentity(65534, []), identity.Token);
        Assert.Equal(1, world.Source.FullScans);

        // The server's new sockets are found again by rescanning it (it is recent), still without a full scan.
        var second = world.Server.Ask("udp-bind 127.0.0.1");
        world.AssertServerOwns(4, Udp, Loopback4, second, 40010);
        Assert.Equal(1, world.Source.FullScans);
    }

    [Fact]
    public void NewSocketsOfAKnownProcessResolveWithoutAllocating()
    {
        using var world = World.Create();
        var serverPort = world.Server.Ask("tcp-listen 127.0.0.1");
        for (var i = 0; i < 3; i++)
        {
            var warm = world.Client.Ask($"tcp-connect 127.0.0.1 {serverPort}");
            world.AssertClientOwns(4, Tcp, Loopback4, warm, serverPort);
        }

        var scans = world.Source.FullScans;
        long allocated = 0;
        const int Rounds = 40;
        for (var i = 0; i < Rounds; i++)
        {
            var port = world.Client.Ask($"tcp-connect 127.0.0.1 {serverPort}");
            var flow = new FlowTuple(4, Tcp, Loopback4, (ushort)port, Loopback4, (ushort)serverPort, true);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var found = world.Source.TryResolve(in flow, out var identity);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(found);
            Assert.Equal((ulong)world.Client.Pid, identity.ProcessId);
        }

        Assert.Equal(0, allocated);
        Assert.Equal(scans, world.Source.FullScans);
    }

    [Fact]
    public void NewProcessesConnectingRightAfterALookupResolveWithTheirOwnExecutables()
    {
        // The full scan's rate limit is an hour away: only the incremental scan of new processes can find them.
        using var world = World.Create(new ProcessIdentityOptions { FullScanInterval = TimeSpan.FromHours(1) });
        var serverPort = world.Server.Ask("tcp-listen 127.0.0.1");
        var clientPort = world.Client.Ask($"tcp-connect 127.0.0.1 {serverPort}");
        world.AssertClientOwns(4, Tcp, Loopback4, clientPort, serverPort);
        Assert.Equal(1, world.Source.FullScans);

        using var copies = new ExecutableCopies(world.ServerExe, 3);
        string[] exes = [.. copies.Paths, world.ServerExe, world.ClientExe];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            // Each one connects and exits, and the next, under another path, starts at once.
            var exe = exes[i % exes.Length];
            using var peer = SocketPeer.Start(world.Namespace, exe);
            var port = peer.Ask($"tcp-connect 127.0.0.1 {serverPort}");
            world.AssertOwner(new FlowTuple(4, Tcp, Loopback4, (ushort)port, Loopback4, (ushort)serverPort, true), exe, peer.Pid);
        }

        Assert.Equal(1, world.Source.FullScans);
        Assert.Equal(21, world.Source.Stats.ProcessFound);
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"20 processes took {clock.Elapsed}");
    }

    [Fact]
    public void ProcessListedBeforeItsFirstSocketIsFoundWhileYoung()
    {
        using var world = World.Create(new ProcessIdentityOptions { FullScanInterval = TimeSpan.FromHours(1), YoungProcessWindow = TimeSpan.FromHours(1) });
        var serverPort = world.Server.Ask("tcp-listen 127.0.0.1");
        world.AssertServerOwns(4, Tcp, Loopback4, serverPort, 40011);

        // "late" exists (no socket yet) when the lookup of "early" lists /proc; it connects only afterwards.
        using var late = SocketPeer.Start(world.Namespace, world.ClientExe);
        using var early = SocketPeer.Start(world.Namespace, world.ServerExe);
        var earlyPort = early.Ask($"tcp-connect 127.0.0.1 {serverPort}");
        world.AssertOwner(new FlowTuple(4, Tcp, Loopback4, (ushort)earlyPort, Loopback4, (ushort)serverPort, true), world.ServerExe, early.Pid);
        var scans = world.Source.IncrementalScans;

        var latePort = late.Ask($"tcp-connect 127.0.0.1 {serverPort}");
        world.AssertOwner(new FlowTuple(4, Tcp, Loopback4, (ushort)latePort, Loopback4, (ushort)serverPort, true), world.ClientExe, late.Pid);
        Assert.Equal(scans + 1, world.Source.IncrementalScans);
        Assert.Equal(1, world.Source.FullScans);
    }

    [Fact]
    public void IncrementalScanFindsANewProcessWithoutAllocating()
    {
        using var world = World.Create(new ProcessIdentityOptions { FullScanInterval = TimeSpan.FromHours(1) });
        var serverPort = world.Server.Ask("tcp-listen 127.0.0.1");
        world.AssertServerOwns(4, Tcp, Loopback4, serverPort, 40012);

        // One round to warm the code paths, then measured rounds.
        long allocated = 0;
        for (var i = 0; i < 4; i++)
        {
            using var peer = SocketPeer.Start(world.Namespace, world.ClientExe);
            var port = peer.Ask($"tcp-connect 127.0.0.1 {serverPort}");
            Assert.True(world.Source.TryFindSocket(new FlowTuple(4, Tcp, Loopback4, (ushort)port, Loopback4, (ushort)serverPort, true), out _, out var inode));
            var before = GC.GetAllocatedBytesForCurrentThread();
            var found = world.Source.Owners.TryFind(inode, 0, out var pid, out var startTime, out var how);
            var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            allocated += i == 0 ? 0 : bytes;
            Assert.True(found);
            Assert.Equal(OwnerSource.NewProcess, how);
            Assert.Equal(peer.Pid, pid);
            Assert.True(world.Source.Processes.TryGet(pid, startTime, out var entry, out _));
            Assert.Equal(world.ClientExe, entry.ExePath);
        }

        Assert.Equal(0, allocated);
        Assert.Equal(1, world.Source.FullScans);
    }

    [Fact]
    public void NewSocketsOfOldProcessesResolveWithoutAnotherFullScan()
    {
        // Default settings: a full scan would be allowed again by the time the old processes connect, and must not run.
        using var world = World.Create();
        var serverPort = world.Server.Ask("tcp-listen 127.0.0.1");
        using var copies = new ExecutableCopies(world.ServerExe, 3);
        string[] exes = [.. copies.Paths, world.ServerExe];
        var peers = new List<(SocketPeer Peer, string Exe)>();
        using var nobody = SocketPeer.Start(world.Namespace, world.ServerExe, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
        try
        {
            for (var i = 0; i < 12; i++)
            {
                peers.Add((SocketPeer.Start(world.Namespace, exes[i % exes.Length]), exes[i % exes.Length]));
            }

            // Each answers once (so it runs its final executable and uid) and holds a socket, like a long-lived daemon.
            foreach (var (peer, _) in peers)
            {
                peer.Ask("udp-bind 127.0.0.1");
            }

            nobody.Ask("udp-bind 127.0.0.1");

            // The first lookup lists and indexes them all; then they age past the young window.
            world.AssertServerOwns(4, Tcp, Loopback4, serverPort, 40013);
            Assert.Equal(1, world.Source.FullScans);
            Thread.Sleep(TimeSpan.FromSeconds(1.2));

            var order = peers.ToArray();
            Random.Shared.Shuffle(order);
            var orderText = string.Join(' ', order.Select(p => p.Peer.Pid));
            foreach (var (peer, exe) in order)
            {
                var port = peer.Ask($"tcp-connect 127.0.0.1 {serverPort}");
                var flow = new FlowTuple(4, Tcp, Loopback4, (ushort)port, Loopback4, (ushort)serverPort, true);
                Assert.True(world.Source.TryResolve(in flow, out var identity), $"no identity for {peer.Pid} (order {orderText})");
                Assert.True((ulong)peer.Pid == identity.ProcessId, $"{peer.Pid} resolved to {identity.ProcessId} (order {orderText})");
                Assert.Equal(AppId.ValueFromPath(exe), identity.AppId);
            }

            // Another user's old process: only the processes of uid 65534 are read for it.
            var nobodyPort = nobody.Ask($"tcp-connect 127.0.0.1 {serverPort}");
            Assert.True(world.Source.TryResolve(new FlowTuple(4, Tcp, Loopback4, (ushort)nobodyPort, Loopback4, (ushort)serverPort, true), out var other));
            Assert.Equal((ulong)nobody.Pid, other.ProcessId);
            Assert.Equal(AppId.ValueFromPath(world.ServerExe), other.AppId);
            Assert.Equal(Sid.Parse("S-1-22-1-65534"), other.Token!.User);

            Assert.Equal(1, world.Source.FullScans);
            Assert.Equal(13, world.Source.SameUserScans);
            Assert.Equal(14, world.Source.Stats.ProcessFound);
        }
        finally
        {
            foreach (var (peer, _) in peers)
            {
                peer.Dispose();
            }
        }
    }

    [Fact]
    public void SameUserScanFindsAnOldProcessesSocketWithoutAllocating()
    {
        using var world = World.Create(new ProcessIdentityOptions { FullScanInterval = TimeSpan.FromHours(1), YoungProcessWindow = TimeSpan.Zero });
        using var nobody = SocketPeer.Start(world.Namespace, world.ServerExe, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
        var serverPort = world.Server.Ask("tcp-listen 127.0.0.1");
        nobody.Ask("udp-bind 127.0.0.1");
        world.Client.Ask("udp-bind 127.0.0.1");
        world.AssertServerOwns(4, Tcp, Loopback4, serverPort, 40014);

        // Nothing is young (window zero) and TryFind alone does not make a process recent: every new socket below is
        // found by a same-uid scan. The first round of each kind warms the code paths.
        const int Rounds = 9;
        long allocated = 0;
        var rootFound = new List<double>();
        var userFound = new List<double>();
        var rootMiss = new List<double>();
        var userMiss = new List<double>();
        var noneMiss = new List<double>();
        for (var i = 0; i < Rounds; i++)
        {
            allocated += FindNew(world.Client, 0, rootFound, i);
            allocated += FindNew(nobody, 65534, userFound, i);
            allocated += Miss(0, rootMiss, i);
            allocated += Miss(65534, userMiss, i);
            allocated += Miss(4242, noneMiss, i);
        }

        Assert.Equal(0, allocated);
        Assert.Equal(1, world.Source.FullScans);
        Assert.Equal(5 * Rounds, world.Source.SameUserScans);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"miss + same-uid scan, median of {Rounds - 1} (ms): root found {Median(rootFound):F3}, root miss {Median(rootMiss):F3}, "
            + $"uid 65534 found {Median(userFound):F3}, uid 65534 miss {Median(userMiss):F3}, "
            + $"uid without processes miss (listing only) {Median(noneMiss):F3}; {Environment.ProcessorCount} CPUs, "
            + $"{Directory.GetDirectories("/proc").Count(d => int.TryParse(Path.GetFileName(d), out _))} processes");

        long FindNew(SocketPeer peer, uint uid, List<double> times, int round)
        {
            var port = peer.Ask($"tcp-connect 127.0.0.1 {serverPort}");
            Assert.True(world.Source.TryFindSocket(new FlowTuple(4, Tcp, Loopback4, (ushort)port, Loopback4, (ushort)serverPort, true), out var socketUid, out var inode));
            Assert.Equal(uid, socketUid);
            return Timed(() => world.Source.Owners.TryFind(inode, uid, out var pid, out _, out var how) && pid == peer.Pid && how == OwnerSource.SameUser, true, times, round);
        }

        // An inode no process holds: every process of the uid is read (the cost of a socket whose process exited).
        long Miss(uint uid, List<double> times, int round) =>
            Timed(() => world.Source.Owners.TryFind(ulong.MaxValue - (ulong)round, uid, out _, out _, out _), false, times, round);
    }

    private static long Timed(Func<bool> find, bool expected, List<double> times, int round)
    {
        // Space the scans out so their share of the thread is never used up (it would skip them).
        Thread.Sleep(10);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var clock = System.Diagnostics.Stopwatch.GetTimestamp();
        var found = find();
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(clock);
        var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(expected, found);
        if (round == 0)
        {
            return 0;
        }

        times.Add(elapsed.TotalMilliseconds);
        return bytes;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>Copies of an executable under distinct paths.</summary>
    private sealed class ExecutableCopies(string source, int count) : IDisposable
    {
        private readonly ExecutableCopy[] _copies = [.. Enumerable.Range(0, count).Select(_ => new ExecutableCopy(source))];

        public IEnumerable<string> Paths => _copies.Select(c => c.Path);

        public void Dispose()
        {
            foreach (var copy in _copies)
            {
                copy.Dispose();
            }
        }
    }

    /// <summary>A namespace, the two peers, and a source opened inside the namespace.</summary>
    private sealed class World : IDisposable
    {
        private readonly ExecutableCopy _copy;

        private World(NetworkNamespace ns, string serverExe, ExecutableCopy copy, ProcessIdentitySource source)
        {
            Namespace = ns;
            ServerExe = serverExe;
            _copy = copy;
            Source = source;
            Server = SocketPeer.Start(ns, serverExe);
            Client = SocketPeer.Start(ns, copy.Path);
        }

        public NetworkNamespace Namespace { get; }

        public string ServerExe { get; }

        public string ClientExe => _copy.Path;

        public SocketPeer Server { get; }

        public SocketPeer Client { get; }

        public ProcessIdentitySource Source { get; }

        public static World Create(ProcessIdentityOptions? options = null)
        {
            Assert.SkipWhen(NetworkNamespace.UnavailableReason is not null, NetworkNamespace.UnavailableReason ?? "");
            var python = SocketPeer.SystemPython;
            Assert.SkipWhen(python is null, "needs /usr/bin/python3 to open sockets of a known executable");
            var ns = NetworkNamespace.Create("owfp-ident");
            var copy = new ExecutableCopy(python!);
            var source = ns.Run(() => new ProcessIdentitySource(options));
            return new World(ns, python!, copy, source);
        }

        public void AssertClientOwns(byte version, byte protocol, UInt128 address, int clientPort, int serverPort) =>
            AssertOwner(new FlowTuple(version, protocol, address, (ushort)clientPort, address, (ushort)serverPort, true), ClientExe, Client.Pid);

        public void AssertServerOwns(byte version, byte protocol, UInt128 address, int serverPort, ushort remotePort) =>
            AssertOwner(new FlowTuple(version, protocol, address, (ushort)serverPort, address, remotePort, false), ServerExe, Server.Pid);

        public void AssertOwner(in FlowTuple flow, string exe, int pid)
        {
            Assert.True(Source.TryResolve(in flow, out var identity), $"no identity for {flow}");
            Assert.Equal((ulong)pid, identity.ProcessId);
            Assert.Equal(AppId.ValueFromPath(exe), identity.AppId);
            Assert.Equal(FwpToken.ForUnixIdentity(0, [0]), identity.Token);
        }

        public void Dispose()
        {
            Server.Dispose();
            Client.Dispose();
            Source.Dispose();
            Namespace.Dispose();
            _copy.Dispose();
        }
    }
}
