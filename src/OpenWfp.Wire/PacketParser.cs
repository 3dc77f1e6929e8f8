using System.Buffers.Binary;

namespace OpenWfp.Wire;

/// <summary>
/// Parses a captured frame into a <see cref="ParsedPacket"/> in one pass: link layer, VLAN tags, IPv4/IPv6 with
/// extension headers, then TCP/UDP/ICMP/ICMPv6 and the packet quoted in ICMP errors.
/// </summary>
/// <remarks>
/// Every read is preceded by a length check, so arbitrary bytes give a status, never an exception or an out-of-bounds
/// read. Nothing is allocated. Link/network failures set the returned status; transport and quoted-packet problems are
/// reported in <see cref="ParsedPacket.Flags"/> with status <see cref="ParseStatus.Ok"/>, because the network header
/// alone already classifies at the IP layers (WinDivert's <c>windivert_parse_headers</c> makes the same split).
/// </remarks>
public static class PacketParser
{
    /// <summary>Most VLAN tags crossed before the frame is declared malformed (QinQ is 2; a bound stops tag loops).</summary>
    public const int MaxVlanTags = 4;

    /// <summary>Most IPv6 extension headers walked before the packet is declared malformed (bounded like WinDivert's walk).</summary>
    public const int MaxIpv6ExtensionHeaders = 8;

    /// <summary>Linux cooked capture v1 header length.</summary>
    public const int SllHeaderLength = 16;

    /// <summary>Linux cooked capture v2 header length.</summary>
    public const int Sll2HeaderLength = 20;

    /// <summary>Parses one frame.</summary>
    /// <param name="linkType">How the frame is framed.</param>
    /// <param name="frame">The captured bytes.</param>
    /// <param name="packet">The extracted fields; partially filled when the status is not Ok.</param>
    /// <returns>The outcome; see <see cref="ParseStatus"/>.</returns>
    public static ParseStatus Parse(LinkType linkType, ReadOnlySpan<byte> frame, out ParsedPacket packet)
    {
        packet = default;
        packet.LinkType = linkType;
        int offset;
        ushort etherType;
        switch (linkType)
        {
            case LinkType.Ethernet:
                if (EthernetHeader.TryCreate(frame, out var eth) != ParseStatus.Ok)
                {
                    return ParseStatus.Truncated;
                }

                packet.DestinationMac = eth.Destination;
                packet.SourceMac = eth.Source;
                etherType = eth.EtherType;
                offset = EthernetHeader.Length;
                break;

            case LinkType.LinuxSll:
                // packet type(2) ARPHRD(2) address length(2) address(8) protocol(2): pcap-linktype(7), LINUX_SLL.
                if (frame.Length < SllHeaderLength)
                {
                    return ParseStatus.Truncated;
                }

                packet.LinkPacketType = BinaryPrimitives.ReadUInt16BigEndian(frame);
                packet.LinkDeviceType = BinaryPrimitives.ReadUInt16BigEndian(frame[2..]);
                if (BinaryPrimitives.ReadUInt16BigEndian(frame[4..]) == 6)
                {
                    packet.SourceMac = EthernetHeader.ReadMac(frame[6..]);
                }

                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]);
                offset = SllHeaderLength;
                break;

            case LinkType.LinuxSll2:
                // protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) address length(1) address(8): LINUX_SLL2.
                if (frame.Length < Sll2HeaderLength)
                {
                    return ParseStatus.Truncated;
                }

                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame);
                packet.InterfaceIndex = BinaryPrimitives.ReadInt32BigEndian(frame[4..]);
                packet.LinkDeviceType = BinaryPrimitives.ReadUInt16BigEndian(frame[8..]);
                packet.LinkPacketType = frame[10];
                if (frame[11] == 6)
                {
                    packet.SourceMac = EthernetHeader.ReadMac(frame[12..]);
                }

                offset = Sll2HeaderLength;
                break;

            case LinkType.Raw:
                if (frame.Length < 1)
                {
                    return ParseStatus.Truncated;
                }

                switch (frame[0] >> 4)
                {
                    case 4:
                        etherType = EtherType.Ipv4;
                        break;
                    case 6:
                        etherType = EtherType.Ipv6;
                        break;
                    default:
                        return ParseStatus.Malformed;
                }

                offset = 0;
                break;

            case LinkType.Ipv4:
                etherType = EtherType.Ipv4;
                offset = 0;
                break;

            case LinkType.Null:
            case LinkType.Loop:
                if (frame.Length < BsdLoopback.HeaderLength)
                {
                    return ParseStatus.Truncated;
                }

                etherType = BsdLoopback.EtherTypeOf(BsdLoopback.Family(frame, networkOrder: linkType == LinkType.Loop));
                if (etherType == 0)
                {
                    return ParseStatus.NotIp;
                }

                offset = BsdLoopback.HeaderLength;
                break;

            case LinkType.Ipv6:
                etherType = EtherType.Ipv6;
                offset = 0;
                break;

            default:
                return ParseStatus.UnsupportedLinkType;
        }

        while (etherType is EtherType.Vlan or EtherType.QinQ or EtherType.QinQLegacy)
        {
            if (packet.VlanCount == MaxVlanTags)
            {
                return ParseStatus.Malformed;
            }

            if (frame.Length - offset < 4)
            {
                return ParseStatus.Truncated;
            }

            var vid = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]) & 0x0FFF);
            if (packet.VlanCount == 0)
            {
                packet.OuterVlanId = vid;
            }
            else
            {
                packet.InnerVlanId = vid;
            }

            packet.VlanCount++;
            etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 2)..]);
            offset += 4;
        }

        if (etherType < EtherType.MinimumEtherType && linkType == LinkType.Ethernet)
        {
            // An 802.3 length field: IP may still follow in an LLC/SNAP header (RFC 1042).
            var snapType = LlcSnap.EtherTypeOf(frame[offset..]);
            if (snapType is EtherType.Ipv4 or EtherType.Ipv6)
            {
                etherType = snapType;
                offset += LlcSnap.HeaderLength;
                packet.Flags |= PacketFlags.LlcSnap;
            }
        }

        packet.EtherType = etherType;
        packet.NetworkOffset = offset;
        return etherType switch
        {
            EtherType.Ipv4 => ParseIpv4(frame[offset..], offset, ref packet),
            EtherType.Ipv6 => ParseIpv6(frame[offset..], offset, ref packet),
            _ => ParseStatus.NotIp,
        };
    }

    private static ParseStatus ParseIpv4(ReadOnlySpan<byte> ip, int baseOffset, ref ParsedPacket p)
    {
        var status = Ipv4Header.TryCreate(ip, out var h);
        if (status != ParseStatus.Ok)
        {
            return status;
        }

        int total = h.TotalLength;
        if (total < h.HeaderLength)
        {
            return ParseStatus.Malformed;
        }

        p.IpVersion = 4;
        p.SourceIPv4 = h.Source;
        p.DestinationIPv4 = h.Destination;
        p.Protocol = h.Protocol;
        p.Ttl = h.Ttl;
        p.TrafficClass = h.TypeOfService;
        p.IpLength = total;
        p.FragmentId = h.Identification;
        p.FragmentOffset = h.FragmentOffset;
        if (h.HeaderLength > Ipv4Header.MinimumLength)
        {
            p.Flags |= PacketFlags.Ipv4Options;
        }

        if (h.MoreFragments || p.FragmentOffset != 0)
        {
            p.Flags |= h.MoreFragments ? PacketFlags.Fragment | PacketFlags.MoreFragments : PacketFlags.Fragment;
        }

        ip = TrimToDeclared(ip, total, ref p);
        return ParseUpper(ip, h.HeaderLength, total, baseOffset, ref p);
    }

    private static ParseStatus ParseIpv6(ReadOnlySpan<byte> ip, int baseOffset, ref ParsedPacket p)
    {
        var status = Ipv6Header.TryCreate(ip, out var h);
        if (status != ParseStatus.Ok)
        {
            return status;
        }

        p.IpVersion = 6;
        p.SourceIPv6 = h.Source;
        p.DestinationIPv6 = h.Destination;
        p.Ttl = h.HopLimit;
        p.TrafficClass = h.TrafficClass;

        // Payload length 0 with a hop-by-hop header is a jumbogram (RFC 2675); the capture is the only bound then.
        int declared = h.PayloadLength == 0 && h.NextHeader == IpProtocol.HopByHop ? ip.Length : Ipv6Header.Length + h.PayloadLength;
        p.IpLength = declared;
        ip = TrimToDeclared(ip, declared, ref p);

        status = WalkIpv6Chain(ip, h.NextHeader, declared, out var chain);
        p.Protocol = chain.Protocol;
        p.ExtensionHeaderCount = chain.Count;
        if (chain.Count > 0)
        {
            p.Flags |= PacketFlags.Ipv6ExtensionHeaders;
        }

        if (chain.IsFragment)
        {
            p.Flags |= chain.MoreFragments ? PacketFlags.Fragment | PacketFlags.MoreFragments : PacketFlags.Fragment;
            p.FragmentId = chain.FragmentId;
            p.FragmentOffset = chain.FragmentOffset;
            p.FragmentHeaderOffset = baseOffset + chain.FragmentHeaderOffset;
        }

        if (status != ParseStatus.Ok)
        {
            return status;
        }

        return ParseUpper(ip, chain.UpperOffset, declared, baseOffset, ref p);
    }

    private static ReadOnlySpan<byte> TrimToDeclared(ReadOnlySpan<byte> ip, int declared, scoped ref ParsedPacket p)
    {
        if (declared > ip.Length)
        {
            p.Flags |= PacketFlags.NetworkTruncated;
            return ip;
        }

        if (declared < ip.Length)
        {
            p.Flags |= PacketFlags.Trailer;
        }

        return ip[..declared];
    }

    /// <summary>The result of walking an IPv6 extension header chain.</summary>
    private struct Ipv6Chain
    {
        public byte Protocol;
        public byte Count;
        public int UpperOffset;
        public bool IsFragment;
        public bool MoreFragments;
        public int FragmentOffset;
        public uint FragmentId;
        public int FragmentHeaderOffset;
    }

    // ip is trimmed to min(captured, declared); declared tells a header that overruns the packet (Malformed)
    // from one that overruns the capture (Truncated).
    private static ParseStatus WalkIpv6Chain(ReadOnlySpan<byte> ip, byte next, int declared, out Ipv6Chain chain)
    {
        chain = default;
        int offset = Ipv6Header.Length;
        while (true)
        {
            chain.Protocol = next;
            chain.UpperOffset = offset;
            int length;
            switch (next)
            {
                case IpProtocol.HopByHop:
                case IpProtocol.Routing:
                case IpProtocol.DestinationOptions:
                case IpProtocol.AuthenticationHeader:
                case IpProtocol.Fragment:
                    if (chain.Count == MaxIpv6ExtensionHeaders)
                    {
                        return ParseStatus.Malformed;
                    }

                    if (ip.Length - offset < 2)
                    {
                        return offset + 2 > declared ? ParseStatus.Malformed : ParseStatus.Truncated;
                    }

                    length = next switch
                    {
                        IpProtocol.Fragment => 8,
                        IpProtocol.AuthenticationHeader => (ip[offset + 1] + 2) * 4,
                        _ => (ip[offset + 1] + 1) * 8,
                    };
                    if (offset + length > declared)
                    {
                        return ParseStatus.Malformed;
                    }

                    if (offset + length > ip.Length)
                    {
                        return ParseStatus.Truncated;
                    }

                    break;

                default:
                    return ParseStatus.Ok;
            }

            bool isFragment = next == IpProtocol.Fragment;
            next = ip[offset];
            chain.Count++;
            if (isFragment)
            {
                int field = BinaryPrimitives.ReadUInt16BigEndian(ip[(offset + 2)..]);
                chain.IsFragment = true;
                chain.FragmentHeaderOffset = offset;
                chain.FragmentOffset = field & 0xFFF8;
                chain.MoreFragments = (field & 1) != 0;
                chain.FragmentId = BinaryPrimitives.ReadUInt32BigEndian(ip[(offset + 4)..]);
                if (chain.FragmentOffset != 0)
                {
                    // The rest of a non-first fragment is opaque payload: name its protocol, walk no further.
                    chain.Protocol = next;
                    chain.UpperOffset = offset + length;
                    return ParseStatus.Ok;
                }
            }

            offset += length;
        }
    }

    // ip is trimmed to min(captured, declared); start is the transport header offset within ip.
    private static ParseStatus ParseUpper(ReadOnlySpan<byte> ip, int start, int declared, int baseOffset, ref ParsedPacket p)
    {
        p.TransportOffset = baseOffset + start;
        p.PayloadOffset = baseOffset + start;
        p.PayloadLength = ip.Length - start;
        if (p.FragmentOffset != 0)
        {
            return ParseStatus.Ok;
        }

        var segment = ip[start..];
        int declaredLength = declared - start;
        switch (p.Protocol)
        {
            case IpProtocol.Tcp:
                return ParseTcp(segment, declaredLength, ref p);
            case IpProtocol.Udp:
                return ParseUdp(segment, declaredLength, ref p);
            case IpProtocol.Icmp when p.IpVersion == 4:
            case IpProtocol.Icmpv6 when p.IpVersion == 6:
                ParseIcmp(segment, ref p);
                return ParseStatus.Ok;
            case IpProtocol.Sctp:
            case IpProtocol.UdpLite:
                if (ReadPorts(segment, out p.SourcePort, out p.DestinationPort))
                {
                    p.Flags |= PacketFlags.PortsPresent;
                }

                return ParseStatus.Ok;
            default:
                return ParseStatus.Ok;
        }
    }

    private static ParseStatus ParseTcp(ReadOnlySpan<byte> segment, int declaredLength, ref ParsedPacket p)
    {
        if (segment.Length >= 13 && (segment[12] >> 4) * 4 > declaredLength && (p.Flags & PacketFlags.Fragment) == 0)
        {
            return ParseStatus.Malformed;
        }

        var status = TcpHeader.TryCreate(segment, out var tcp);
        if (status != ParseStatus.Ok)
        {
            return TransportNotWhole(status, segment, declaredLength, TcpHeader.MinimumLength, ref p);
        }

        SetPorts(segment, ref p);

        p.Flags |= PacketFlags.TransportPresent;
        p.TcpSequence = tcp.Sequence;
        p.TcpAcknowledgment = tcp.Acknowledgment;
        p.TcpFlags = tcp.Flags;
        p.TcpWindow = tcp.Window;
        p.TcpHeaderLength = (byte)tcp.HeaderLength;
        p.PayloadOffset += tcp.HeaderLength;
        p.PayloadLength = segment.Length - tcp.HeaderLength;
        return ParseStatus.Ok;
    }

    private static ParseStatus ParseUdp(ReadOnlySpan<byte> segment, int declaredLength, ref ParsedPacket p)
    {
        var status = UdpHeader.TryCreate(segment, out var udp);
        if (status != ParseStatus.Ok)
        {
            return TransportNotWhole(status, segment, declaredLength, UdpHeader.Length, ref p);
        }

        SetPorts(segment, ref p);

        // A first fragment's UDP length covers the reassembled datagram, so only whole datagrams are held to it.
        if (udp.DatagramLength > declaredLength && (p.Flags & PacketFlags.Fragment) == 0)
        {
            return ParseStatus.Malformed;
        }

        p.Flags |= PacketFlags.TransportPresent;
        p.UdpLength = udp.DatagramLength;
        p.PayloadOffset += UdpHeader.Length;
        p.PayloadLength = Math.Min(udp.DatagramLength, segment.Length) - UdpHeader.Length;
        return ParseStatus.Ok;
    }

    // Shared by TCP and UDP: a malformed header fails the packet; so does a whole datagram whose IP length leaves no
    // room for the header (no stack would deliver it; a live data plane sees such crafted packets whole). A header cut
    // short by the capture still yields the ports when their 4 bytes were captured, and is reported in the flags
    // rather than as an error.
    private static ParseStatus TransportNotWhole(ParseStatus status, ReadOnlySpan<byte> segment, int declaredLength, int minimumHeader, ref ParsedPacket p)
    {
        if (status == ParseStatus.Malformed || (declaredLength < minimumHeader && (p.Flags & PacketFlags.Fragment) == 0))
        {
            return ParseStatus.Malformed;
        }

        SetPorts(segment, ref p);
        p.Flags |= PacketFlags.TransportTruncated;
        p.PayloadLength = 0;
        return ParseStatus.Ok;
    }

    private static void SetPorts(ReadOnlySpan<byte> segment, ref ParsedPacket p)
    {
        if (ReadPorts(segment, out p.SourcePort, out p.DestinationPort))
        {
            p.Flags |= PacketFlags.PortsPresent;
        }
    }

    private static void ParseIcmp(ReadOnlySpan<byte> segment, ref ParsedPacket p)
    {
        if (segment.Length >= 2)
        {
            p.IcmpType = segment[0];
            p.IcmpCode = segment[1];
        }

        if (IcmpHeader.TryCreate(segment, out var icmp) != ParseStatus.Ok)
        {
            p.Flags |= PacketFlags.TransportTruncated;
            p.PayloadLength = 0;
            return;
        }

        p.Flags |= PacketFlags.TransportPresent;
        p.PayloadOffset += IcmpHeader.Length;
        p.PayloadLength = segment.Length - IcmpHeader.Length;
        bool v4 = p.IpVersion == 4;
        if (v4 ? icmp.Type is 0 or 8 : icmp.Type is 128 or 129)
        {
            p.Flags |= PacketFlags.IcmpEcho;
            p.IcmpId = icmp.Identifier;
            p.IcmpSequence = icmp.Sequence;
        }
        else if (v4 ? IcmpHeader.IsIcmpv4Error(icmp.Type) : IcmpHeader.IsIcmpv6Error(icmp.Type))
        {
            p.Flags |= PacketFlags.IcmpError;
            p.InnerNetworkOffset = p.PayloadOffset;
            ParseQuoted(segment[IcmpHeader.Length..], ref p);
        }
    }

    // The quoted packet is cut by design (RFC 792: header plus 8 bytes), so its declared lengths never bound it.
    private static void ParseQuoted(ReadOnlySpan<byte> q, ref ParsedPacket p)
    {
        if (q.Length < 1)
        {
            p.Flags |= PacketFlags.InnerTruncated;
            return;
        }

        if (q[0] >> 4 != p.IpVersion)
        {
            p.Flags |= PacketFlags.InnerMalformed;
            return;
        }

        int start;
        bool laterFragment;
        ParseStatus status;
        if (p.IpVersion == 4)
        {
            status = Ipv4Header.TryCreate(q, out var h);
            if (status != ParseStatus.Ok)
            {
                p.Flags |= status == ParseStatus.Truncated ? PacketFlags.InnerTruncated : PacketFlags.InnerMalformed;
                return;
            }

            p.InnerIpVersion = 4;
            p.InnerSourceIPv4 = h.Source;
            p.InnerDestinationIPv4 = h.Destination;
            p.InnerProtocol = h.Protocol;
            start = h.HeaderLength;
            laterFragment = h.FragmentOffset != 0;
        }
        else
        {
            status = Ipv6Header.TryCreate(q, out var h);
            if (status != ParseStatus.Ok)
            {
                p.Flags |= status == ParseStatus.Truncated ? PacketFlags.InnerTruncated : PacketFlags.InnerMalformed;
                return;
            }

            p.InnerIpVersion = 6;
            p.InnerSourceIPv6 = h.Source;
            p.InnerDestinationIPv6 = h.Destination;
            status = WalkIpv6Chain(q, h.NextHeader, int.MaxValue, out var chain);
            p.InnerProtocol = chain.Protocol;
            if (status != ParseStatus.Ok)
            {
                p.Flags |= status == ParseStatus.Truncated ? PacketFlags.InnerTruncated : PacketFlags.InnerMalformed;
                return;
            }

            start = chain.UpperOffset;
            laterFragment = chain.FragmentOffset != 0;
        }

        p.Flags |= PacketFlags.InnerNetworkPresent;
        if (laterFragment || p.InnerProtocol is not (IpProtocol.Tcp or IpProtocol.Udp or IpProtocol.Sctp or IpProtocol.UdpLite))
        {
            return;
        }

        if (ReadPorts(q[start..], out p.InnerSourcePort, out p.InnerDestinationPort))
        {
            p.Flags |= PacketFlags.InnerPortsPresent;
        }
        else
        {
            p.Flags |= PacketFlags.InnerTruncated;
        }
    }

    private static bool ReadPorts(ReadOnlySpan<byte> segment, out ushort source, out ushort destination)
    {
        if (segment.Length < 4)
        {
            source = 0;
            destination = 0;
            return false;
        }

        source = BinaryPrimitives.ReadUInt16BigEndian(segment);
        destination = BinaryPrimitives.ReadUInt16BigEndian(segment[2..]);
        return true;
    }
}
