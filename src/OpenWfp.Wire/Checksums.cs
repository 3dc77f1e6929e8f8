using System.Buffers.Binary;

namespace OpenWfp.Wire;

/// <summary>
/// Recomputes the checksums of an IP packet in place, e.g. after a callout rewrote bytes of an NFQUEUE payload: the
/// kernel marks a replaced payload CHECKSUM_NONE, so it must carry correct checksums (the NFQA_PAYLOAD replacement path of net/netfilter/nfnetlink_queue.c).
/// </summary>
public static class Checksums
{
    private const int MaxExtensionHeaders = 16;

    /// <summary>
    /// Recomputes the IPv4 header checksum and the TCP, UDP, ICMP or ICMPv6 checksum of a packet that starts at its IP
    /// header. The packet ends where its IP length field says; bytes after that are ignored. Fragments get only the
    /// IPv4 header checksum (the transport checksum covers the whole datagram); other transports are left alone.
    /// </summary>
    /// <param name="ipPacket">The packet, changed in place.</param>
    /// <returns>
    /// False, with the packet unchanged, when it is too short or malformed (bad lengths, truncated transport header,
    /// IPv6 jumbogram, an IPv6 routing header with segments left, whose final destination would be needed).
    /// </returns>
    public static bool Fix(Span<byte> ipPacket)
    {
        if (ipPacket.IsEmpty)
        {
            return false;
        }

        return (ipPacket[0] >> 4) switch
        {
            4 => FixIpv4(ipPacket),
            6 => FixIpv6(ipPacket),
            _ => false,
        };
    }

    private static bool FixIpv4(Span<byte> packet)
    {
        if (packet.Length < Ipv4Header.MinimumLength)
        {
            return false;
        }

        var headerLength = (packet[0] & 0x0F) * 4;
        var total = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (headerLength < Ipv4Header.MinimumLength || total < headerLength || total > packet.Length)
        {
            return false;
        }

        var fragment = (BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x3FFF) != 0; // MF flag or an offset
        var protocol = packet[9];
        var transport = packet[headerLength..total];
        if (!fragment && !TransportFits(protocol, ref transport))
        {
            return false;
        }

        packet[10] = 0;
        packet[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet[10..], InternetChecksum.Compute(packet[..headerLength]));
        if (!fragment)
        {
            var pseudo = protocol == IpProtocol.Icmp
                ? 0
                : InternetChecksum.PseudoHeaderIpv4(
                    BinaryPrimitives.ReadUInt32BigEndian(packet[12..]), BinaryPrimitives.ReadUInt32BigEndian(packet[16..]), protocol, transport.Length);
            WriteTransport(protocol, transport, pseudo);
        }

        return true;
    }

    private static bool FixIpv6(Span<byte> packet)
    {
        if (packet.Length < Ipv6Header.Length)
        {
            return false;
        }

        var payloadLength = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        var end = Ipv6Header.Length + payloadLength;
        if (payloadLength == 0 || end > packet.Length)
        {
            return false;
        }

        var next = packet[6];
        var offset = Ipv6Header.Length;
        for (var i = 0; ; i++)
        {
            if (next is not (IpProtocol.HopByHop or IpProtocol.Routing or IpProtocol.DestinationOptions or IpProtocol.Fragment or IpProtocol.AuthenticationHeader))
            {
                break;
            }

            if (i == MaxExtensionHeaders || offset + 8 > end)
            {
                return false;
            }

            int length;
            switch (next)
            {
                case IpProtocol.Fragment:
                    if ((BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]) & 0xFFF9) != 0)
                    {
                        return true; // a fragment: no IPv6 header checksum, and the transport checksum spans the datagram
                    }

                    length = 8;
                    break;
                case IpProtocol.AuthenticationHeader:
                    length = (packet[offset + 1] + 2) * 4;
                    break;
                case IpProtocol.Routing when packet[offset + 3] != 0:
                    return false;
                default:
                    length = (packet[offset + 1] + 1) * 8;
                    break;
            }

            next = packet[offset];
            offset += length;
            if (offset > end)
            {
                return false;
            }
        }

        var transport = packet[offset..end];
        if (!TransportFits(next, ref transport))
        {
            return false;
        }

        var pseudo = InternetChecksum.PseudoHeaderIpv6(
            BinaryPrimitives.ReadUInt128BigEndian(packet[8..]), BinaryPrimitives.ReadUInt128BigEndian(packet[24..]), next, transport.Length);
        WriteTransport(next, transport, pseudo);
        return true;
    }

    /// <summary>Checks the transport header fits; for UDP narrows <paramref name="transport"/> to the UDP length.</summary>
    private static bool TransportFits(byte protocol, ref Span<byte> transport)
    {
        switch (protocol)
        {
            case IpProtocol.Tcp:
                return transport.Length >= TcpHeader.MinimumLength && (transport[12] >> 4) * 4 is var dataOffset
                    && dataOffset >= TcpHeader.MinimumLength && dataOffset <= transport.Length;
            case IpProtocol.Udp:
                if (transport.Length < UdpHeader.Length)
                {
                    return false;
                }

                var udpLength = BinaryPrimitives.ReadUInt16BigEndian(transport[4..]);
                if (udpLength < UdpHeader.Length || udpLength > transport.Length)
                {
                    return false;
                }

                transport = transport[..udpLength];
                return true;
            case IpProtocol.Icmp:
            case IpProtocol.Icmpv6:
                return transport.Length >= 4;
            default:
                return true;
        }
    }

    private static void WriteTransport(byte protocol, Span<byte> transport, ulong pseudo)
    {
        var at = protocol switch
        {
            IpProtocol.Tcp => 16,
            IpProtocol.Udp => 6,
            IpProtocol.Icmp or IpProtocol.Icmpv6 => 2,
            _ => -1,
        };
        if (at < 0)
        {
            return;
        }

        transport[at] = 0;
        transport[at + 1] = 0;
        var sum = InternetChecksum.Finish(InternetChecksum.Accumulate(transport, pseudo));
        if (protocol == IpProtocol.Udp && sum == 0)
        {
            sum = 0xFFFF; // RFC 768: zero means "no checksum", so a computed zero is sent as all ones
        }

        BinaryPrimitives.WriteUInt16BigEndian(transport[at..], sum);
    }
}
