using OpenWfp.Dataplane.Rules;
using OpenWfp.Testing.Netns;

namespace OpenWfp.Dataplane.Tests.Rules;

/// <summary>
/// Real packets through the rules with no wfpd bound to the queue: namespace a (10.N.0.1, fdN::1) has the rules and
/// talks to namespace b (.2, ::2) over a veth pair.
/// </summary>
public sealed class BehaviourTests
{
    private const ushort Queue = 17;
    private static readonly FamilyPlan s_outFirst = new(HookMode.FirstPacket, HookMode.None, HookMode.None);

    private static RulePlan Plan(FamilyPlan v4, FamilyPlan v6, bool failOpen) => new(v4, v6, Queue, 1, failOpen, MarkBits.Default);

    [Fact]
    public void FailClosedDropsWhatNobodyDecides()
    {
        LiveRules.SkipUnlessAvailable();
        NetworkNamespace.CreatePair(221, out var a, out var b);
        using (a)
        using (b)
        {
            Reach.WaitForLink(a, 221);
            var v4 = NetworkNamespace.V4(221, 2);
            var v6 = NetworkNamespace.V6(221, 2);
            Assert.True(Reach.Tcp(a, b, v4), "TCP works before the rules");
            Assert.True(Reach.Udp(a, b, v6), "UDP works before the rules");

            a.Run(() => { new RulesManager().Apply(Plan(s_outFirst, s_outFirst, failOpen: false)); return 0; });
            Assert.False(Reach.Ping(a, v4));
            Assert.False(Reach.Tcp(a, b, v4));
            Assert.False(Reach.Udp(a, b, v4));
            Assert.False(Reach.Tcp(a, b, v6));
            Assert.False(Reach.Udp(a, b, v6));
            Assert.True(LiveRules.Packets(a, 4, "OPENWFP-OUT", "NFQUEUE") >= 3, "the packets reached the queue rule");

            // Only OUTPUT is hooked: b's datagrams still arrive at a.
            Assert.True(Reach.Udp(b, a, NetworkNamespace.V4(221, 1)));
        }
    }

    [Fact]
    public void FailOpenLetsWhatNobodyDecidesPass()
    {
        LiveRules.SkipUnlessAvailable();
        NetworkNamespace.CreatePair(222, out var a, out var b);
        using (a)
        using (b)
        {
            Reach.WaitForLink(a, 222);
            var v4 = NetworkNamespace.V4(222, 2);
            var v6 = NetworkNamespace.V6(222, 2);
            var every = new FamilyPlan(HookMode.EveryPacket, HookMode.EveryPacket, HookMode.None);
            a.Run(() => { new RulesManager().Apply(Plan(every, every, failOpen: true)); return 0; });
            Assert.True(Reach.Ping(a, v4));
            Assert.True(Reach.Tcp(a, b, v4));
            Assert.True(Reach.Udp(a, b, v4));
            Assert.True(Reach.Ping(a, v6));
            Assert.True(Reach.Tcp(a, b, v6));
            Assert.True(Reach.Udp(a, b, v6));

            // They passed through the queue rule (bypassed), not around it.
            Assert.True(LiveRules.Packets(a, 4, "OPENWFP-OUT", "NFQUEUE") >= 4);
            Assert.True(LiveRules.Packets(a, 6, "OPENWFP-IN", "NFQUEUE") >= 3);
        }
    }

    [Fact]
    public void NeighbourDiscoveryIsNeverQueued()
    {
        LiveRules.SkipUnlessAvailable();
        NetworkNamespace.CreatePair(223, out var a, out var b);
        using (a)
        using (b)
        {
            Reach.WaitForLink(a, 223);
            var everyIn = new FamilyPlan(HookMode.FirstPacket, HookMode.EveryPacket, HookMode.None);
            a.Run(() => { new RulesManager().Apply(Plan(FamilyPlan.Off, everyIn, failOpen: false)); return 0; });
            b.Exec("ip", "-6", "neigh", "flush", "dev", "veth1").EnsureSuccess("ip neigh flush");

            // b must resolve a's address first: its neighbour solicitation enters a's INPUT hook and a's advertisement
            // leaves through OUTPUT. The echo request itself is then queued and dropped (nobody is bound).
            var a6 = NetworkNamespace.V6(223, 1);
            Assert.False(Reach.Ping(b, a6));
            var neighbour = b.Exec("ip", "-6", "neigh", "show", a6, "dev", "veth1").EnsureSuccess("ip neigh show").StandardOutput;
            Assert.Contains("lladdr", neighbour, StringComparison.Ordinal);
            Assert.DoesNotContain("FAILED", neighbour, StringComparison.Ordinal);
            Assert.True(LiveRules.Packets(a, 6, "OPENWFP-IN", "ipv6-icmptype 135") >= 1);
            Assert.True(LiveRules.Packets(a, 6, "OPENWFP-OUT", "ipv6-icmptype 136") >= 1);
            Assert.True(LiveRules.Packets(a, 6, "OPENWFP-IN", "NFQUEUE") >= 1, "the echo request was queued");
        }
    }

    [Fact]
    public void DecidedConnectionsStayInTheKernel()
    {
        LiveRules.SkipUnlessAvailable();
        NetworkNamespace.CreatePair(224, out var a, out var b);
        using (a)
        using (b)
        {
            Reach.WaitForLink(a, 224);
            var v4 = NetworkNamespace.V4(224, 2);
            a.Run(() => { new RulesManager().Apply(Plan(s_outFirst, FamilyPlan.Off, failOpen: false)); return 0; });

            // Permit alone is not the fast path: the connection still waits for FLOW_ESTABLISHED.
            LiveRules.Iptables(a, 4, "-t", "mangle", "-I", "OUTPUT", "1", "-j", "CONNMARK", "--set-mark", "0x100000/0xf00000");
            Assert.False(Reach.Tcp(a, b, v4));

            LiveRules.Iptables(a, 4, "-t", "mangle", "-R", "OUTPUT", "1", "-j", "CONNMARK", "--set-mark", "0x300000/0xf00000");
            Assert.True(Reach.Ping(a, v4));
            Assert.True(Reach.Tcp(a, b, v4));
            Assert.True(Reach.Udp(a, b, v4));
            Assert.True(LiveRules.Packets(a, 4, "OPENWFP-OUT", "connmark match  0x300000/0x300000") >= 3);
        }
    }

    [Fact]
    public void EveryPacketQueuesEvenDecidedConnections()
    {
        LiveRules.SkipUnlessAvailable();
        NetworkNamespace.CreatePair(225, out var a, out var b);
        using (a)
        using (b)
        {
            Reach.WaitForLink(a, 225);
            var every = new FamilyPlan(HookMode.EveryPacket, HookMode.None, HookMode.None);
            a.Run(() => { new RulesManager().Apply(Plan(every, FamilyPlan.Off, failOpen: false)); return 0; });
            LiveRules.Iptables(a, 4, "-t", "mangle", "-I", "OUTPUT", "1", "-j", "CONNMARK", "--set-mark", "0x300000/0xf00000");
            Assert.False(Reach.Udp(a, b, NetworkNamespace.V4(225, 2)));
        }
    }

    [Fact]
    public void BlockedConnectionsDieInTheKernelEvenFailOpen()
    {
        LiveRules.SkipUnlessAvailable();
        NetworkNamespace.CreatePair(226, out var a, out var b);
        using (a)
        using (b)
        {
            Reach.WaitForLink(a, 226);
            var v6 = NetworkNamespace.V6(226, 2);
            a.Run(() => { new RulesManager().Apply(Plan(FamilyPlan.Off, s_outFirst, failOpen: true)); return 0; });
            Assert.True(Reach.Udp(a, b, v6), "fail-open passes an undecided datagram");
            LiveRules.Iptables(a, 6, "-t", "mangle", "-I", "OUTPUT", "1", "-j", "CONNMARK", "--set-mark", "0x700000/0xf00000");
            Assert.False(Reach.Udp(a, b, v6));
            Assert.False(Reach.Tcp(a, b, v6));
            Assert.True(LiveRules.Packets(a, 6, "OPENWFP-OUT", "DROP") >= 2);
        }
    }

    [Fact]
    public void AMarkedSecondPassIsSavedOnTheConnection()
    {
        // What an NF_REPEAT verdict with a mark looks like to the rules: the packet comes back marked. A temporary
        // MARK rule plays wfpd for the handshake; once it is gone, only the saved connection mark lets data through.
        LiveRules.SkipUnlessAvailable();
        NetworkNamespace.CreatePair(227, out var a, out var b);
        using (a)
        using (b)
        {
            Reach.WaitForLink(a, 227);
            a.Run(() => { new RulesManager().Apply(Plan(s_outFirst, FamilyPlan.Off, failOpen: false)); return 0; });
            LiveRules.Iptables(a, 4, "-t", "mangle", "-I", "OUTPUT", "1", "-j", "MARK", "--set-mark", "0x300000/0xf00000");
            using var listener = b.Run(() => Reach.Listen(NetworkNamespace.V4(227, 2)));
            using var client = Reach.Connect(a, listener.LocalEndPoint!);
            Assert.NotNull(client);
            using var accepted = listener.Accept();

            LiveRules.Iptables(a, 4, "-t", "mangle", "-D", "OUTPUT", "1");
            Assert.Equal(["-P OUTPUT ACCEPT", "-A OUTPUT -j OPENWFP-OUT"], LiveRules.List(a, 4, "OUTPUT"));
            client.Send("after the handshake"u8);
            Assert.True(Reach.Receives(accepted, new byte[64]), "later packets skip the queue on the saved connmark");
            Assert.True(LiveRules.Packets(a, 4, "OPENWFP-OUT", "CONNMARK save") >= 1);
            Assert.Equal(0, LiveRules.Packets(a, 4, "OPENWFP-OUT", "NFQUEUE"));

            // A new connection has no mark: it is queued, and with nobody bound, dropped.
            Assert.False(Reach.Tcp(a, b, NetworkNamespace.V4(227, 2)));
        }
    }
}
