using System.Buffers.Binary;
using OpenWfp.Wire;

namespace OpenWfp.Testing.Packets;

/// <summary>An IPv6 extension header for <see cref="PacketBuilder.Ipv6"/>: its type and the bytes after next-header/length.</summary>
public readonly record struct ExtensionHeader(byte Type, byte[] Body)
{
    public static ExtensionHeader HopByHop() => new(IpProtocol.HopByHop, [1, 4, 0, 0, 0, 0]); // PadN
    public static ExtensionHeader DestinationOptions() => new(IpProtocol.DestinationOptions, [1, 4, 0, 0, 0, 0]);
    public static ExtensionHeader Routing() => new(IpProtocol.Routing, [0, 0, 0, 0, 0, 0]); // type 0, segments left 0

    public static ExtensionHeader Fragment(uint id, int offsetBytes, bool more)
    {
        var body = new byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)(offsetBytes | (more ? 1 : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(2), id);
        return new(IpProtocol.Fragment, body);
    }
}

/// <summary>Builds test frames with correct lengths and checksums; the inverse of <see cref="PacketParser"/>.</summary>
public static class PacketBuilder
{
    public static byte[] Ethernet(ulong dst, ulong src, ushort etherType, byte[] payload, params (ushort Tpid, ushort Vid)[] tags)
    {
        var frame = new byte[14 + tags.Length * 4 + payload.Length];
        WriteMac(frame, dst);
        WriteMac(frame.AsSpan(6), src);
        int o = 12;
        foreach (var (tpid, vid) in tags)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(o), tpid);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(o + 2), vid);
            o += 4;
        }

        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(o), etherType);
        payload.CopyTo(frame, o + 2);
        return frame;
    }

    public static byte[] Ipv4(uint src, uint dst, byte protocol, byte[] payload, byte ttl = 64, ushort id = 0,
        bool moreFragments = false, int fragmentOffset = 0, byte[]? options = null, bool transportChecksum = true)
    {
        options ??= [];
        int hl = 20 + options.Length;
        var p = new byte[hl + payload.Length];
        p[0] = (byte)(0x40 | (hl / 4));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(6), (ushort)((moreFragments ? 0x2000 : 0) | (fragmentOffset / 8)));
        p[8] = ttl;
        p[9] = protocol;
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(12), src);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(16), dst);
        options.CopyTo(p, 20);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), InternetChecksum.Compute(p.AsSpan(0, hl)));
        payload.CopyTo(p, hl);
        if (transportChecksum && !moreFragments && fragmentOffset == 0)
        {
            FillTransportChecksum(p.AsSpan(hl), protocol, InternetChecksum.PseudoHeaderIpv4(src, dst, protocol, payload.Length));
        }

        return p;
    }

    public static byte[] Ipv6(UInt128 src, UInt128 dst, byte protocol, byte[] payload, byte hopLimit = 64, params ExtensionHeader[] extensions)
    {
        int extLength = 0;
        foreach (var e in extensions)
        {
            extLength += 2 + e.Body.Length;
        }

        var p = new byte[40 + extLength + payload.Length];
        p[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)(extLength + payload.Length));
        p[6] = extensions.Length > 0 ? extensions[0].Type : protocol;
        p[7] = hopLimit;
        BinaryPrimitives.WriteUInt128BigEndian(p.AsSpan(8), src);
        BinaryPrimitives.WriteUInt128BigEndian(p.AsSpan(24), dst);
        int o = 40;
        bool fragmented = false;
        for (int i = 0; i < extensions.Length; i++)
        {
            var e = extensions[i];
            p[o] = i + 1 < extensions.Length ? extensions[i + 1].Type : protocol;
            p[o + 1] = e.Type == IpProtocol.Fragment ? (byte)0 : (byte)((2 + e.Body.Length) / 8 - 1);
            e.Body.CopyTo(p, o + 2);
            fragmented |= e.Type == IpProtocol.Fragment;
            o += 2 + e.Body.Length;
        }

        payload.CopyTo(p, o);
        if (!fragmented)
        {
            FillTransportChecksum(p.AsSpan(o), protocol, InternetChecksum.PseudoHeaderIpv6(src, dst, protocol, payload.Length));
        }

        return p;
    }

    public static byte[] Tcp(ushort sport, ushort dport, uint seq, uint ack, TcpFlags flags, byte[]? payload = null, byte[]? options = null, ushort window = 64240)
    {
        payload ??= [];
        options ??= [];
        int hl = 20 + options.Length;
        var s = new byte[hl + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(s, sport);
        BinaryPrimitives.WriteUInt16BigEndian(s.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt32BigEndian(s.AsSpan(4), seq);
        BinaryPrimitives.WriteUInt32BigEndian(s.AsSpan(8), ack);
        s[12] = (byte)(hl / 4 << 4);
        s[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(s.AsSpan(14), window);
        options.CopyTo(s, 20);
        payload.CopyTo(s, hl);
        return s;
    }

    public static byte[] Udp(ushort sport, ushort dport, byte[]? payload = null)
    {
        payload ??= [];
        var s = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(s, sport);
        BinaryPrimitives.WriteUInt16BigEndian(s.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt16BigEndian(s.AsSpan(4), (ushort)s.Length);
        payload.CopyTo(s, 8);
        return s;
    }

    /// <summary>ICMP (v4 checksum filled here) or ICMPv6 (checksum filled by <see cref="Ipv6"/>).</summary>
    public static byte[] Icmp(byte type, byte code, uint restOfHeader, byte[]? body = null, bool v6 = false)
    {
        body ??= [];
        var s = new byte[8 + body.Length];
        s[0] = type;
        s[1] = code;
        BinaryPrimitives.WriteUInt32BigEndian(s.AsSpan(4), restOfHeader);
        body.CopyTo(s, 8);
        if (!v6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(s.AsSpan(2), InternetChecksum.Compute(s));
        }

        return s;
    }

    public static byte[] Sll(ushort packetType, ulong address, ushort protocol, byte[] payload)
    {
        var f = new byte[16 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(f, packetType);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(4), 6);
        WriteMac(f.AsSpan(6), address);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(14), protocol);
        payload.CopyTo(f, 16);
        return f;
    }

    /// <summary>Linux cooked capture v2: protocol, reserved, interface index, ARPHRD_ETHER, packet type, 6-byte address.</summary>
    public static byte[] Sll2(ushort protocol, int interfaceIndex, byte packetType, ulong address, byte[] payload)
    {
        var f = new byte[20 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(f, protocol);
        BinaryPrimitives.WriteInt32BigEndian(f.AsSpan(4), interfaceIndex);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(8), 1);
        f[10] = packetType;
        f[11] = 6;
        WriteMac(f.AsSpan(12), address);
        payload.CopyTo(f, 20);
        return f;
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(x => x).ToArray();

    public static byte[] Hex(string hex) => Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));

    private static void FillTransportChecksum(Span<byte> segment, byte protocol, ulong pseudo)
    {
        int at = protocol switch
        {
            IpProtocol.Tcp => 16,
            IpProtocol.Udp => 6,
            IpProtocol.Icmpv6 => 2,
            _ => -1,
        };
        if (at < 0 || segment.Length < at + 2)
        {
            return;
        }

        ushort sum = InternetChecksum.Finish(InternetChecksum.Accumulate(segment, pseudo));
        if (protocol == IpProtocol.Udp && sum == 0)
        {
            sum = 0xFFFF; // RFC 768: a computed zero is sent as all ones
        }

        BinaryPrimitives.WriteUInt16BigEndian(segment[at..], sum);
    }

    private static void WriteMac(Span<byte> d, ulong mac)
    {
        BinaryPrimitives.WriteUInt16BigEndian(d, (ushort)(mac >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(d[2..], (uint)mac);
    }
}
