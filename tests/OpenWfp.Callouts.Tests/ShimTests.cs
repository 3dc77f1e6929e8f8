using System.Text;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Model;
using OpenWfp.Shim;
using OpenWfp.Testing.Packets;
using OpenWfp.Wire;

namespace OpenWfp.Callouts.Tests;

/// <summary>The built-in callouts behind the packet shim: frames in, verdicts out, as a data plane or replay sees them.</summary>
public class ShimTests
{
    private const ulong LocalMac = 0x02_00_00_00_00_01;
    private const ulong PeerMac = 0x02_00_00_00_00_09;
    private const uint Local4 = 0x0A00_0001;
    private const uint Peer4 = 0xC000_0209;
    private const uint Resolver4 = 0x0A00_0035;

    private long _now = 1_000_000_000;
    private ulong _tag = 1;

    private static byte[] Out(uint dst, byte protocol, byte[] transport) =>
        PacketBuilder.Ethernet(PeerMac, LocalMac, EtherType.Ipv4, PacketBuilder.Ipv4(Local4, dst, protocol, transport));

    private static byte[] In(uint src, byte protocol, byte[] transport) =>
        PacketBuilder.Ethernet(LocalMac, PeerMac, EtherType.Ipv4, PacketBuilder.Ipv4(src, Local4, protocol, transport));

    private static byte[] Tcp(bool outbound, uint seq, uint ack, TcpFlags flags, string? payload = null) =>
        outbound
            ? Out(Peer4, IpProtocol.Tcp, PacketBuilder.Tcp(40000, 80, seq, ack, flags, payload is null ? null : Encoding.ASCII.GetBytes(payload)))
            : In(Peer4, IpProtocol.Tcp, PacketBuilder.Tcp(80, 40000, seq, ack, flags, payload is null ? null : Encoding.ASCII.GetBytes(payload)));

    private ShimVerdict Send(PacketShim shim, byte[] frame)
    {
        _now += 1_000_000;
        return shim.Process(frame, LinkType.Ethernet, _now, 2, null, TrafficDirection.Unknown, _tag++);
    }

    [Fact]
    public void HttpRequest_SplitOverSegments_IsHeldThenTheConnectionIsReset()
    {
        var h = new Harness();
        h.AddFilter(OpenWfpCallouts.HttpRequest, "STREAM_V4", "POST example.com/upload");
        var shim = new PacketShim(h.Engine, new ShimOptions { LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24"]) });
        Assert.True(Send(shim, Tcp(true, 100, 0, TcpFlags.Syn)).IsPermitted);
        Assert.True(Send(shim, Tcp(false, 500, 101, TcpFlags.Syn | TcpFlags.Ack)).IsPermitted);
        Assert.True(Send(shim, Tcp(true, 101, 501, TcpFlags.Ack)).IsPermitted);

        const string get = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
        var v = Send(shim, Tcp(true, 101, 501, TcpFlags.Ack | TcpFlags.Psh, get));
        Assert.True(v.IsPermitted);
        Assert.False(v.Held);

        const string post = "POST /upload/x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 2\r\n\r\nhi";
        var seq = 101u + (uint)get.Length;
        var first = Send(shim, Tcp(true, seq, 501, TcpFlags.Ack, post[..20]));
        Assert.True(first.Held);
        var second = Send(shim, Tcp(true, seq + 20, 501, TcpFlags.Ack | TcpFlags.Psh, post[20..]));
        Assert.True(second.ResetConnection);
        Assert.Equal(ActionType.Block, second.Action);

        var e = Assert.Single(h.Events);
        Assert.Equal("POST example.com /upload/x", e.Text);
        Assert.Equal(Peer4, (uint)e.Flow.RemoteAddress);
        Assert.Equal((ushort)80, e.Flow.RemotePort);
    }

    [Fact]
    public void DnsQuery_ForAListedName_IsDroppedAndAnswered_AndLearnedAddressesAreBlockedAtConnect()
    {
        var h = new Harness();
        h.AddFilter(OpenWfpCallouts.Dns, "DATAGRAM_DATA_V4", "ads.example");
        h.AddFilter(OpenWfpCallouts.Dns, "ALE_AUTH_CONNECT_V4", "www.blocked.test");
        var injector = new RecordingInjector();
        var shim = new PacketShim(h.Engine, new ShimOptions { LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24"]), Injector = injector });

        var query = new DnsBuilder(0x4242, 0x0100, 1, 0).Question("ads.example").ToArray();
        var v = Send(shim, Out(Resolver4, IpProtocol.Udp, PacketBuilder.Udp(40001, 53, query)));
        Assert.Equal(ActionType.Block, v.Action);
        var (reply, _) = Assert.Single(injector.Received);
        Assert.Equal(Resolver4, (uint)(reply[12] << 24 | reply[13] << 16 | reply[14] << 8 | reply[15]));
        Assert.Equal(0x42, reply[28]);
        Assert.Equal(0x83, reply[31]);

        var answer = new DnsBuilder(0x4343, 0x8180, 1, 1).Question("www.blocked.test").A("www.blocked.test", "192.0.2.9").ToArray();
        Assert.True(Send(shim, In(Resolver4, IpProtocol.Udp, PacketBuilder.Udp(53, 40002, answer))).IsPermitted);

        var syn = Send(shim, Tcp(true, 100, 0, TcpFlags.Syn));
        Assert.Equal(ActionType.Block, syn.Action);
        Assert.Equal([CalloutEventKind.DnsNameBlocked, CalloutEventKind.DnsAddressBlocked], h.Events.Select(e => e.Kind));
    }
}
