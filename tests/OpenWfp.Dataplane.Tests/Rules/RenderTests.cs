using OpenWfp.Dataplane.Rules;

namespace OpenWfp.Dataplane.Tests.Rules;

/// <summary>The exact iptables-restore text, line by line, for the plans wfpd uses.</summary>
public sealed class RenderTests
{
    private const string SaveMark = "-m mark ! --mark 0x0/0xf00000 -j CONNMARK --save-mark --nfmask 0xf00000 --ctmask 0xf00000";
    private const string DropBlocked = "-m connmark --mark 0x400000/0x400000 -j DROP";
    private const string ReturnMarked = "-m mark ! --mark 0x0/0xf00000 -j RETURN";
    private const string ReturnDecided = "-m connmark --mark 0x300000/0x300000 -j RETURN";

    private static readonly RulesManager Manager = new();

    private static RulePlan Plan(FamilyPlan v4, FamilyPlan v6, ushort queue = 0, ushort count = 1, bool failOpen = false, MarkBits? marks = null) =>
        new(v4, v6, queue, count, failOpen, marks ?? MarkBits.Default);

    [Fact]
    public void V4FirstPacketOnOutputOnly()
    {
        var text = Manager.Render(Plan(new FamilyPlan(HookMode.FirstPacket, HookMode.None, HookMode.None), FamilyPlan.Off), 4);
        Assert.Equal(
            """
            *mangle
            :OPENWFP-OUT - [0:0]
            :OPENWFP-IN - [0:0]
            :OPENWFP-FWD - [0:0]
            -A OPENWFP-OUT -m mark ! --mark 0x0/0xf00000 -j CONNMARK --save-mark --nfmask 0xf00000 --ctmask 0xf00000
            -A OPENWFP-OUT -m connmark --mark 0x400000/0x400000 -j DROP
            -A OPENWFP-OUT -m mark ! --mark 0x0/0xf00000 -j RETURN
            -A OPENWFP-OUT -m connmark --mark 0x300000/0x300000 -j RETURN
            -A OPENWFP-OUT -j NFQUEUE --queue-num 0
            COMMIT

            """.ReplaceLineEndings("\n"),
            text);
    }

    [Fact]
    public void KernelConnectLetsNewKernelPermittedConnectionsPassOnOutputOnly()
    {
        var family = new FamilyPlan(HookMode.FirstPacket, HookMode.FirstPacket, HookMode.None) { KernelConnect = true };
        var text = Manager.Render(Plan(family, FamilyPlan.Off), 4);
        Assert.Equal(
            [
                "*mangle",
                ":OPENWFP-OUT - [0:0]",
                ":OPENWFP-IN - [0:0]",
                ":OPENWFP-FWD - [0:0]",
                "-A OPENWFP-OUT -m mark ! --mark 0x0/0x700000 -j CONNMARK --save-mark --nfmask 0xf00000 --ctmask 0xf00000",
                $"-A OPENWFP-OUT {DropBlocked}",
                "-A OPENWFP-OUT -m mark ! --mark 0x0/0x700000 -j RETURN",
                "-A OPENWFP-OUT -m mark --mark 0x800000/0x800000 -m conntrack --ctstate NEW -j CONNMARK --set-xmark 0x300000/0x300000",
                "-A OPENWFP-OUT -m mark --mark 0x800000/0x800000 -m conntrack --ctstate NEW -j RETURN",
                $"-A OPENWFP-OUT {ReturnDecided}",
                "-A OPENWFP-OUT -j NFQUEUE --queue-num 0",
                "-A OPENWFP-IN -m mark ! --mark 0x0/0x700000 -j CONNMARK --save-mark --nfmask 0xf00000 --ctmask 0xf00000",
                $"-A OPENWFP-IN {DropBlocked}",
                "-A OPENWFP-IN -m mark ! --mark 0x0/0x700000 -j RETURN",
                $"-A OPENWFP-IN {ReturnDecided}",
                "-A OPENWFP-IN -j NFQUEUE --queue-num 0",
                "COMMIT",
            ],
            Lines(text));
    }

    [Fact]
    public void KernelConnectChangesNothingWhereEveryPacketIsQueued()
    {
        var with = Manager.Render(Plan(new FamilyPlan(HookMode.EveryPacket, HookMode.None, HookMode.None) { KernelConnect = true }, FamilyPlan.Off), 4);
        Assert.DoesNotContain("--ctstate NEW", with, StringComparison.Ordinal);
        Assert.Contains("-A OPENWFP-OUT -j NFQUEUE --queue-num 0", with, StringComparison.Ordinal);
    }

    [Fact]
    public void V4EveryPacketHasNoConnectionFastPath()
    {
        var text = Manager.Render(Plan(new FamilyPlan(HookMode.None, HookMode.EveryPacket, HookMode.FirstPacket), FamilyPlan.Off, queue: 7), 4);
        Assert.Equal(
            [
                "*mangle",
                ":OPENWFP-OUT - [0:0]",
                ":OPENWFP-IN - [0:0]",
                ":OPENWFP-FWD - [0:0]",
                $"-A OPENWFP-IN {SaveMark}",
                $"-A OPENWFP-IN {DropBlocked}",
                $"-A OPENWFP-IN {ReturnMarked}",
                "-A OPENWFP-IN -j NFQUEUE --queue-num 7",
                $"-A OPENWFP-FWD {SaveMark}",
                $"-A OPENWFP-FWD {DropBlocked}",
                $"-A OPENWFP-FWD {ReturnMarked}",
                $"-A OPENWFP-FWD {ReturnDecided}",
                "-A OPENWFP-FWD -j NFQUEUE --queue-num 7",
                "COMMIT",
            ],
            Lines(text));
    }

    [Fact]
    public void V6StartsEveryChainWithNeighbourDiscoveryReturns()
    {
        var text = Manager.Render(Plan(FamilyPlan.Off, new FamilyPlan(HookMode.FirstPacket, HookMode.EveryPacket, HookMode.None)), 6);
        string[] neverQueued =
        [
            "-p ipv6-icmp -m icmp6 --icmpv6-type 133 -j RETURN",
            "-p ipv6-icmp -m icmp6 --icmpv6-type 134 -j RETURN",
            "-p ipv6-icmp -m icmp6 --icmpv6-type 135 -j RETURN",
            "-p ipv6-icmp -m icmp6 --icmpv6-type 136 -j RETURN",
            "-p ipv6-icmp -m icmp6 --icmpv6-type 137 -j RETURN",
            "-p ipv6-icmp -m icmp6 --icmpv6-type 130 -j RETURN",
            "-p ipv6-icmp -m icmp6 --icmpv6-type 131 -j RETURN",
            "-p ipv6-icmp -m icmp6 --icmpv6-type 132 -j RETURN",
            "-p ipv6-icmp -m icmp6 --icmpv6-type 143 -j RETURN",
        ];
        string[] expected =
        [
            "*mangle",
            ":OPENWFP-OUT - [0:0]",
            ":OPENWFP-IN - [0:0]",
            ":OPENWFP-FWD - [0:0]",
            .. neverQueued.Select(r => "-A OPENWFP-OUT " + r),
            $"-A OPENWFP-OUT {SaveMark}",
            $"-A OPENWFP-OUT {DropBlocked}",
            $"-A OPENWFP-OUT {ReturnMarked}",
            $"-A OPENWFP-OUT {ReturnDecided}",
            "-A OPENWFP-OUT -j NFQUEUE --queue-num 0",
            .. neverQueued.Select(r => "-A OPENWFP-IN " + r),
            $"-A OPENWFP-IN {SaveMark}",
            $"-A OPENWFP-IN {DropBlocked}",
            $"-A OPENWFP-IN {ReturnMarked}",
            "-A OPENWFP-IN -j NFQUEUE --queue-num 0",
            "COMMIT",
        ];
        Assert.Equal(expected, Lines(text));
    }

    [Fact]
    public void AllNoneDeclaresEmptyChainsOnly()
    {
        var text = Manager.Render(Plan(FamilyPlan.Off, FamilyPlan.Off), 6);
        Assert.Equal(["*mangle", ":OPENWFP-OUT - [0:0]", ":OPENWFP-IN - [0:0]", ":OPENWFP-FWD - [0:0]", "COMMIT"], Lines(text));
    }

    [Fact]
    public void FailOpenAddsQueueBypass()
    {
        var text = Manager.Render(Plan(new FamilyPlan(HookMode.FirstPacket, HookMode.None, HookMode.None), FamilyPlan.Off, queue: 3, failOpen: true), 4);
        Assert.Contains("-A OPENWFP-OUT -j NFQUEUE --queue-num 3 --queue-bypass", Lines(text));
        Assert.Single(Lines(text), l => l.Contains("NFQUEUE", StringComparison.Ordinal));
    }

    [Fact]
    public void SeveralQueuesUseQueueBalance()
    {
        var closed = Manager.Render(Plan(new FamilyPlan(HookMode.FirstPacket, HookMode.None, HookMode.None), FamilyPlan.Off, queue: 10, count: 4), 4);
        Assert.Equal("-A OPENWFP-OUT -j NFQUEUE --queue-balance 10:13", Lines(closed).Single(l => l.Contains("NFQUEUE", StringComparison.Ordinal)));
        var open = Manager.Render(Plan(FamilyPlan.Off, new FamilyPlan(HookMode.None, HookMode.None, HookMode.EveryPacket), queue: 65534, count: 2, failOpen: true), 6);
        Assert.Equal("-A OPENWFP-FWD -j NFQUEUE --queue-balance 65534:65535 --queue-bypass", Lines(open).Single(l => l.Contains("NFQUEUE", StringComparison.Ordinal)));
    }

    [Fact]
    public void CustomMarkBitsAndPrefixAppearEverywhere()
    {
        var manager = new RulesManager("OWT_x-1");
        var text = manager.Render(Plan(new FamilyPlan(HookMode.FirstPacket, HookMode.None, HookMode.None), FamilyPlan.Off, marks: MarkBits.FromBase(4)), 4);
        Assert.Equal(
            [
                "*mangle",
                ":OWT_x-1-OUT - [0:0]",
                ":OWT_x-1-IN - [0:0]",
                ":OWT_x-1-FWD - [0:0]",
                "-A OWT_x-1-OUT -m mark ! --mark 0x0/0xf0 -j CONNMARK --save-mark --nfmask 0xf0 --ctmask 0xf0",
                "-A OWT_x-1-OUT -m connmark --mark 0x40/0x40 -j DROP",
                "-A OWT_x-1-OUT -m mark ! --mark 0x0/0xf0 -j RETURN",
                "-A OWT_x-1-OUT -m connmark --mark 0x30/0x30 -j RETURN",
                "-A OWT_x-1-OUT -j NFQUEUE --queue-num 0",
                "COMMIT",
            ],
            Lines(text));

        // A layout the caller spelled out (bits not consecutive) is used as given.
        var spread = manager.Render(Plan(new FamilyPlan(HookMode.FirstPacket, HookMode.None, HookMode.None), FamilyPlan.Off, marks: new MarkBits(0x1, 0x100, 0x10000, 0x10101)), 4);
        Assert.Contains("-A OWT_x-1-OUT -m connmark --mark 0x101/0x101 -j RETURN", Lines(spread));
        Assert.Contains("-A OWT_x-1-OUT -m connmark --mark 0x10000/0x10000 -j DROP", Lines(spread));
        Assert.Contains("-A OWT_x-1-OUT -m mark ! --mark 0x0/0x10101 -j RETURN", Lines(spread));
    }

    [Theory]
    [InlineData(0, "at least 1")]
    [InlineData(3, "go past")]
    public void InvalidQueueRangeIsRefused(ushort count, string why)
    {
        var plan = Plan(new FamilyPlan(HookMode.FirstPacket, HookMode.None, HookMode.None), FamilyPlan.Off, queue: 65534, count: count);
        var error = Assert.Throws<ArgumentException>(() => Manager.Render(plan, 4));
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidMarksAndVersionAreRefused()
    {
        var on = new FamilyPlan(HookMode.FirstPacket, HookMode.None, HookMode.None);
        Assert.Throws<ArgumentException>(() => Manager.Render(Plan(on, on, marks: new MarkBits(0x3, 0x4, 0x8, 0xf)), 4));
        Assert.Throws<ArgumentException>(() => Manager.Render(Plan(on, on, marks: new MarkBits(0x1, 0x1, 0x8, 0xf)), 4));
        Assert.Throws<ArgumentException>(() => Manager.Render(Plan(on, on, marks: new MarkBits(0x1, 0x2, 0x10, 0xf)), 4));
        Assert.Throws<ArgumentException>(() => Manager.Render(Plan(on, on, marks: new MarkBits(0x1, 0x2, 0x4, uint.MaxValue)), 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Manager.Render(Plan(on, on), 5));
    }

    [Theory]
    [InlineData("")]
    [InlineData("OPEN WFP")]
    [InlineData("OPENWFP;X")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXY")]
    public void BadPrefixesAreRefused(string prefix) => Assert.ThrowsAny<ArgumentException>(() => new RulesManager(prefix));

    [Fact]
    public void LongestPrefixGivesTheLongestChainNameIptablesTakes()
    {
        var manager = new RulesManager(new string('P', 24));
        Assert.Equal(28, manager.ChainFor("OUTPUT").Length);
        Assert.Equal(RulesManager.MaxChainNameLength, manager.ChainFor("OUTPUT").Length);
    }

    internal static string[] Lines(string text)
    {
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", text, StringComparison.Ordinal);
        return text.TrimEnd('\n').Split('\n');
    }
}
