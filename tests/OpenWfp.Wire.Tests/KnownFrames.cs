using OpenWfp.Testing.Packets;

namespace OpenWfp.Wire.Tests;

/// <summary>Hand-checked frames (generated once with an independent Python encoder, checksums included).</summary>
internal static class KnownFrames
{
    public static readonly byte[] EthernetIpv4TcpSyn = PacketBuilder.Hex(
        "001122334455 66778899aabb 0800" +
        "45000030 1c464000 400626f5 c0a8010a 5db8d822" +
        "c93a01bb 12345678 00000000 7002faf0 5cff0000 020405b4 01010402");

    public static readonly byte[] VlanUdpDnsQuery = PacketBuilder.Hex(
        "001122334455 66778899aabb 8100 2064 0800" +
        "45000039 01020000 80111fa1 0a000002 08080808" +
        "cf080035 00259b19" +
        "abcd01000001000000000000 076578616d706c6503636f6d00 00010001");

    public static readonly byte[] QinQUdp = PacketBuilder.Hex(
        "ffffffffffff 020000000001 88a8 00c8 8100 012c 0800" +
        "4500001e 00000000 401122ac ac100001 ac100002" +
        "04d2162e 000a244d 6869");

    public static readonly byte[] SllOutgoingTcp = PacketBuilder.Hex(
        "0004 0001 0006 0a0b0c0d0e0f0000 0800" +
        "4500002b 00000000 400664c9 0a010101 0a010102" +
        "0016ea60 000003e8 000007d0 5018faf0 e4420000 616263");

    public static readonly byte[] Sll2Ipv6Udp = PacketBuilder.Hex(
        "86dd 0000 00000003 0001 00 06 0a0b0c0d0e0f0000" +
        "60000000 000c11ff fe800000000000000000000000000001 ff0200000000000000000000000000fb" +
        "14e914e9 000cd784 00000000");

    public static readonly byte[] Ipv6HopByHopFragmentUdp = PacketBuilder.Hex(
        "60000000 00200040 20010db8000000000000000000000001 20010db8000000000000000000000002" +
        "2c00 010400000000" +
        "1100 0001 deadbeef" +
        "0fa01388 04b81234 7878787878787878");

    public static readonly byte[] Ipv4IcmpEcho = PacketBuilder.Hex(
        "45000024 55550000 3f013a48 c0000201 c6336407" +
        "08002e31 12340007 70696e6764617461");

    public static readonly byte[] IcmpPortUnreachableQuotingUdp = PacketBuilder.Hex(
        "45000038 0c0d0000 40015ab6 0a000001 0a000002" +
        "0303de19 00000000" +
        "4500003c 0a0b0000 01119ba4 0a000002 0a000001" +
        "9c40829a 00080000");

    public static readonly byte[] Icmpv6PacketTooBigQuotingTcp = PacketBuilder.Hex(
        "60000000 00443a3c 20010db8ffff000000000000000000fe 20010db8000000000000000000000001" +
        "0200bbdb 00000500" +
        "60000000 05780640 20010db8000000000000000000000001 20010db8000000000000000000000002" +
        "01bbc350 00000001 00000002 501003e8 00000000");
}
