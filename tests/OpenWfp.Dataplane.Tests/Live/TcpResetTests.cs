using System.Buffers.Binary;
using OpenWfp.Dataplane.Live;
using OpenWfp.Testing.Packets;
using OpenWfp.Wire;

namespace OpenWfp.Dataplane.Tests.Live;

/// <summary>The RSTs that reset a connection are built from the dropped segment: each end gets the sequence number it expects.</summary>
public sealed class TcpResetTests
{
    private const uint Local = 0x0A5B0001, Peer = 0x0A5B0002;

    [Fact]
    public void Ipv4DataSegment_ResetsBothEndsAtTheirExpectedSequence()
    {
        // Local 40000 -> peer 80 sends 100 bytes at seq 1000, acknowledging the peer's 5000.
        var segment = PacketBuilder.Ipv4(Local, Peer, IpProtocol.Tcp, PacketBuilder.Tcp(40000, 80, 1000, 5000, TcpFlags.Ack | TcpFlags.Psh, new byte[100]));
        var rst = new byte[TcpReset.MaxLength];

        Assert.True(TcpReset.TryWrite(segment, towardSender: false, rst, out var length));
        Assert.Equal(40, length);
        var toPeer = Parse(rst.AsSpan(0, length));
        Assert.Equal((Local, Peer, (ushort)40000, (ushort)80, 1000u, 5000u, TcpFlags.Rst | TcpFlags.Ack), toPeer);

        Assert.True(TcpReset.TryWrite(segment, towardSender: true, rst, out length));
        var toLocal = Parse(rst.AsSpan(0, length));
        Assert.Equal((Peer, Local, (ushort)80, (ushort)40000, 5000u, 1100u, TcpFlags.Rst | TcpFlags.Ack), toLocal);
    }

    [Fact]
    public void SequenceArithmeticWraps_AndFinCountsOne()
    {
        var segment = PacketBuilder.Ipv4(Local, Peer, IpProtocol.Tcp, PacketBuilder.Tcp(1, 2, uint.MaxValue - 1, 7, TcpFlags.Ack | TcpFlags.Fin, new byte[4]));
        var rst = new byte[TcpReset.MaxLength];
        Assert.True(TcpReset.TryWrite(segment, towardSender: true, rst, out var length));
        Assert.Equal(3u, Parse(rst.AsSpan(0, length)).Ack); // 2^32 - 2 + 4 + 1 wraps to 3
    }

    [Fact]
    public void Ipv6Segment_ChecksumsAreValid()
    {
        UInt128 a = ((UInt128)0xfd5b_0000_0000_0000 << 64) | 1, b = ((UInt128)0xfd5b_0000_0000_0000 << 64) | 2;
        var segment = PacketBuilder.Ipv6(b, a, IpProtocol.Tcp, PacketBuilder.Tcp(80, 40000, 9000, 300, TcpFlags.Ack, new byte[10]));
        var rst = new byte[TcpReset.MaxLength];
        Assert.True(TcpReset.TryWrite(segment, towardSender: true, rst, out var length));
        Assert.Equal(60, length);
        var copy = rst.AsSpan(0, length).ToArray();
        Assert.True(Checksums.Fix(copy));
        Assert.Equal(rst.AsSpan(0, length).ToArray(), copy); // recomputing changes nothing: they were right
        Assert.Equal(a, BinaryPrimitives.ReadUInt128BigEndian(copy.AsSpan(8)));
        Assert.Equal(300u, BinaryPrimitives.ReadUInt32BigEndian(copy.AsSpan(44)));
        Assert.Equal(9010u, BinaryPrimitives.ReadUInt32BigEndian(copy.AsSpan(48)));
    }

    [Fact]
    public void HeadersOnly_AreEnough_DataLengthComesFromTheIpHeader()
    {
        var segment = PacketBuilder.Ipv4(Local, Peer, IpProtocol.Tcp, PacketBuilder.Tcp(40000, 80, 1000, 5000, TcpFlags.Ack, new byte[500]));
        var rst = new byte[TcpReset.MaxLength];
        Assert.True(TcpReset.TryWrite(segment.AsSpan(0, 40), towardSender: true, rst, out var length));
        Assert.Equal(1500u, Parse(rst.AsSpan(0, length)).Ack);
    }

    [Fact]
    public void NotTcp_OrFragment_OrShort_IsRefused()
    {
        var rst = new byte[TcpReset.MaxLength];
        Assert.False(TcpReset.TryWrite(PacketBuilder.Ipv4(Local, Peer, IpProtocol.Udp, PacketBuilder.Udp(1, 2, new byte[30])), false, rst, out _));
        Assert.False(TcpReset.TryWrite(PacketBuilder.Ipv4(Local, Peer, IpProtocol.Tcp, PacketBuilder.Tcp(1, 2, 3, 4, TcpFlags.Ack, new byte[40]), moreFragments: true), false, rst, out _));
        Assert.False(TcpReset.TryWrite(PacketBuilder.Ipv4(Local, Peer, IpProtocol.Tcp, PacketBuilder.Tcp(1, 2, 3, 4, TcpFlags.Ack)).AsSpan(0, 30), false, rst, out _));
        Assert.False(TcpReset.TryWrite([], false, rst, out _));
    }

    private static (uint Source, uint Destination, ushort SourcePort, ushort DestinationPort, uint Seq, uint Ack, TcpFlags Flags) Parse(ReadOnlySpan<byte> p)
    {
        var copy = p.ToArray();
        Assert.True(Checksums.Fix(copy));
        Assert.Equal(p.ToArray(), copy);
        var t = p[20..];
        return (BinaryPrimitives.ReadUInt32BigEndian(p[12..]), BinaryPrimitives.ReadUInt32BigEndian(p[16..]),
            BinaryPrimitives.ReadUInt16BigEndian(t), BinaryPrimitives.ReadUInt16BigEndian(t[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(t[4..]), BinaryPrimitives.ReadUInt32BigEndian(t[8..]), (TcpFlags)t[13]);
    }
}
