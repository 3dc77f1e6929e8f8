using System.Net;
using System.Net.Sockets;
using OpenWfp.Testing.Netns;

namespace OpenWfp.Netlink.Tests;

/// <summary>ctnetlink mark operations against the real conntrack table of a throw-away namespace (root only).</summary>
public sealed class ConntrackLiveTests
{
    private const uint EngineBits = 0x00F00000;
    private const uint Decided = 0x00100000;
    private const uint OtherBit = 0x1;

    [Fact]
    public void ClearMarksClearsOnlyTheMaskedBitsOfTheFamiliesAsked()
    {
        Assert.SkipWhen(QueueLab.SkipReason is not null, QueueLab.SkipReason ?? "");
        using var ns = NetworkNamespace.Create("owfp-nlq");
        foreach (var tool in (string[])["iptables-nft", "ip6tables-nft"])
        {
            ns.Exec(tool, "-t", "mangle", "-A", "OUTPUT", "-p", "udp", "--dport", "9100", "-j", "CONNMARK", "--set-mark", $"0x{Decided:x}/0x{EngineBits:x}").EnsureSuccess(tool);
            ns.Exec(tool, "-t", "mangle", "-A", "OUTPUT", "-p", "udp", "--dport", "9100", "-j", "CONNMARK", "--set-mark", $"0x{OtherBit:x}/0x{OtherBit:x}").EnsureSuccess(tool);
        }

        // A flow the rules do not mark, which must stay untouched and be counted by the unmasked queries.
        ns.Exec("iptables-nft", "-t", "mangle", "-A", "OUTPUT", "-p", "udp", "--dport", "9200", "-j", "CONNMARK", "--set-mark", "0x00200000/0x00F00000").EnsureSuccess("other");

        const int flowsPerFamily = 5;
        ns.Run(() =>
        {
            foreach (var (family, address) in new[] { (AddressFamily.InterNetwork, IPAddress.Loopback), (AddressFamily.InterNetworkV6, IPAddress.IPv6Loopback) })
            {
                for (var i = 0; i < flowsPerFamily; i++)
                {
                    using var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
                    socket.SendTo([1], new IPEndPoint(address, 9100));
                }
            }

            using var other = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            other.SendTo([1], new IPEndPoint(IPAddress.Loopback, 9200));
            return 0;
        });

        using var client = ns.Run(ConntrackClient.Open);
        Assert.Equal(2 * flowsPerFamily, client.CountMarked(Decided, EngineBits));
        Assert.Equal(2 * flowsPerFamily, client.CountMarked(Decided | OtherBit, EngineBits | OtherBit));
        Assert.Equal(1, client.CountMarked(0x00200000, EngineBits));

        // One family first: the other keeps its marks.
        Assert.Equal(flowsPerFamily, client.ClearMarks(EngineBits, ConntrackConstants.AfInet6));
        Assert.Equal(flowsPerFamily, client.CountMarked(Decided, EngineBits));
        Assert.Equal(flowsPerFamily + 1, client.ClearMarks(EngineBits, ConntrackConstants.AfInet));
        Assert.Equal(0, client.ClearMarks(EngineBits));

        Assert.Equal(0, client.CountMarked(Decided, EngineBits));
        Assert.Equal(0, client.CountMarked(0x00200000, EngineBits));
        Assert.Equal(2 * flowsPerFamily, client.CountMarked(OtherBit, EngineBits | OtherBit)); // the other bit survived
        Assert.Equal(0, client.ClearMarks(EngineBits));
    }
}
