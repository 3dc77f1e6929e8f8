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
    private static readonly FamilyPlan OutFirst = new(HookMode.FirstPacket, HookMode.None, HookMode.None);

    private static RulePlan Plan(FamilyPlan v4, FamilyPlan v6, bool failOpen) => new(v4, v6, Queue, 1, failOpen, MarkBits.Default);

    // A fresh linked pair on 10.<net>.0.0/24 and fd<net>::/64, settled, for one test.
    private static void Linked(int net, Action<NetworkNamespace, NetworkNamespace> test)
    {
        LiveRules.SkipUnlessAvailable();
        NetworkNamespace.CreatePair(net, out var a, out var b);
        using (a)
        using (b)
        {
            Reach.WaitForLink(a, net);
            test(a, b);
        }
    }

    // Plays a wfpd that decided earlier: every connection leaving a gets these bits of wfpd's mask in its ct mark,
    // before the jump to our chain.
    private static void SetConnectionMark(NetworkNamespace a, int ipVersion, string bits) =>
        LiveRules.Iptables(a, ipVersion, "-t", "mangle", "-I", "OUTPUT", "1", "-j", "CONNMARK", "--set-mark", $"{bits}/0xf00000");

    // A ping, a TCP connect and a UDP datagram from a to b's address all get through, or all do not.
    private static void AssertReaches(NetworkNamespace a, NetworkNamespace b, string address, bool expected)
    {
        Assert.True(Reach.Ping(a, address) == expected, $"ping {address} should {(expected ? "" : "not ")}get through");
        Assert.True(Reach.Tcp(a, b, address) == expected, $"TCP to {address} should {(expected ? "" : "not ")}get through");
        Assert.True(Reach.Udp(a, b, address) == expected, $"UDP to {address} should {(expected ? "" : "not ")}get through");
    }

    private static void Apply(NetworkNamespace ns, RulePlan plan) => LiveRules.Run(ns, () => new RulesManager().Apply(plan));

    [Fact]
    public void FailClosedDropsWhatNobodyDecides()
    {
        Linked(221, (a, b) =>
        {
            var v4 = NetworkNamespace.V4(221, 2);
            var v6 = NetworkNamespace.V6(221, 2);
            Assert.True(Reach.Tcp(a, b, v4), "TCP works before the rules");
            Assert.True(Reach.Udp(a, b, v6), "UDP works before the rules");

            Apply(a, Plan(OutFirst, OutFirst, failOpen: false));
            AssertReaches(a, b, v4, false);
            AssertReaches(a, b, v6, false);
            Assert.True(LiveRules.Packets(a, 4, "OPENWFP-OUT", "NFQUEUE") >= 3, "the packets reached the queue rule");

            // Only OUTPUT is hooked: b's datagrams still arrive at a.
            Assert.True(Reach.Udp(b, a, NetworkNamespace.V4(221, 1)));
        });
    }

    [Fact]
    public void FailOpenLetsWhatNobodyDecidesPass()
    {
        Linked(222, (a, b) =>
        {
            var v4 = NetworkNamespace.V4(222, 2);
            var v6 = NetworkNamespace.V6(222, 2);
            var every = new FamilyPlan(HookMode.EveryPacket, HookMode.EveryPacket, HookMode.None);
            Apply(a, Plan(every, every, failOpen: true));
            AssertReaches(a, b, v4, true);
            AssertReaches(a, b, v6, true);

            // They passed through the queue rule (bypassed), not around it.
            Assert.True(LiveRules.Packets(a, 4, "OPENWFP-OUT", "NFQUEUE") >= 4);
            Assert.True(LiveRules.Packets(a, 6, "OPENWFP-IN", "NFQUEUE") >= 3);
        });
    }

    [Fact]
    public void NeighbourDiscoveryIsNeverQueued()
    {
        Linked(223, (a, b) =>
        {
            var everyIn = new FamilyPlan(HookMode.FirstPacket, HookMode.EveryPacket, HookMode.None);
            Apply(a, Plan(FamilyPlan.Off, everyIn, failOpen: false));
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
        });
    }

    [Fact]
    public void DecidedConnectionsStayInTheKernel()
    {
        Linked(224, (a, b) =>
        {
            var v4 = NetworkNamespace.V4(224, 2);
            Apply(a, Plan(OutFirst, FamilyPlan.Off, failOpen: false));

            // Permit alone is not the fast path: the connection still waits for FLOW_ESTABLISHED.
            SetConnectionMark(a, 4, "0x100000");
            Assert.False(Reach.Tcp(a, b, v4));

            LiveRules.Iptables(a, 4, "-t", "mangle", "-D", "OUTPUT", "1");
            SetConnectionMark(a, 4, "0x300000");
            AssertReaches(a, b, v4, true);
            Assert.True(LiveRules.Packets(a, 4, "OPENWFP-OUT", "connmark match  0x300000/0x300000") >= 3);
        });
    }

    [Fact]
    public void EveryPacketQueuesEvenDecidedConnections()
    {
        Linked(225, (a, b) =>
        {
            var every = new FamilyPlan(HookMode.EveryPacket, HookMode.None, HookMode.None);
            Apply(a, Plan(every, FamilyPlan.Off, failOpen: false));
            SetConnectionMark(a, 4, "0x300000");
            Assert.False(Reach.Udp(a, b, NetworkNamespace.V4(225, 2)));
        });
    }

    [Fact]
    public void BlockedConnectionsDieInTheKernelEvenFailOpen()
    {
        Linked(226, (a, b) =>
        {
            var v6 = NetworkNamespace.V6(226, 2);
            Apply(a, Plan(FamilyPlan.Off, OutFirst, failOpen: true));
            Assert.True(Reach.Udp(a, b, v6), "fail-open passes an undecided datagram");
            SetConnectionMark(a, 6, "0x700000");
            AssertReaches(a, b, v6, false);
            Assert.True(LiveRules.Packets(a, 6, "OPENWFP-OUT", "DROP") >= 2);
        });
    }

    [Fact]
    public void AMarkedSecondPassIsSavedOnTheConnection()
    {
        // What an NF_REPEAT verdict with a mark looks like to the rules: the packet comes back marked. A temporary
        // MARK rule plays wfpd for the handshake; once it is gone, only the saved connection mark lets data through.
        Linked(227, (a, b) =>
        {
            Apply(a, Plan(OutFirst, FamilyPlan.Off, failOpen: false));
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
        });
    }
}
