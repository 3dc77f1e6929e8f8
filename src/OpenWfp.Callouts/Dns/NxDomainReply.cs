using System.Buffers.Binary;
using OpenWfp.Wire;

namespace OpenWfp.Callouts.Dns;

/// <summary>Builds the NXDOMAIN answer to a query, as the IP datagram the querying host would receive from its server.</summary>
internal static class NxDomainReply
{
    /// <summary>The room a reply needs at most: an IPv6 header, UDP, the DNS header and a question section of up to 512 bytes.</summary>
    public const int MaxLength = Ipv6Header.Length + UdpHeader.Length + DnsWire.HeaderLength + MaxQuestionBytes;

    // A question section longer than this (a name is at most 255 bytes) is not echoed: the query is dropped unanswered.
    private const int MaxQuestionBytes = 512;

    // Hop limit / TTL of the reply; it is delivered locally, so any value works (Linux's default, ip-sysctl.rst ip_default_ttl).
    private const byte HopLimit = 64;

    /// <summary>
    /// Writes the reply to <paramref name="query"/> (an IP datagram from its IP header, UDP at <paramref name="ipHeaderSize"/>,
    /// the DNS message after it whose question section ends at <paramref name="questionEnd"/>) into <paramref name="reply"/>:
    /// addresses and ports swapped, the same id, QR=1, the query's opcode and RD, RA=1, RCODE=3 (NXDOMAIN, RFC 1035 §4.1.1),
    /// the questions echoed and no records; IP and UDP checksums set.
    /// </summary>
    /// <returns>The reply's length, or 0 when it cannot be built.</returns>
    public static int Build(ReadOnlySpan<byte> query, int ipHeaderSize, int questionEnd, Span<byte> reply)
    {
        var isV6 = query[0] >> 4 == 6;
        var dns = query[(ipHeaderSize + UdpHeader.Length)..];
        var questions = questionEnd - DnsWire.HeaderLength;
        if (questions < 0 || questions > MaxQuestionBytes || questionEnd > dns.Length)
        {
            return 0;
        }

        var ipLength = isV6 ? Ipv6Header.Length : Ipv4Header.MinimumLength;
        var udpLength = UdpHeader.Length + questionEnd;
        var total = ipLength + udpLength;
        if (total > reply.Length)
        {
            return 0;
        }

        var ip = reply[..ipLength];
        ip.Clear();
        if (isV6)
        {
            ip[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)udpLength);
            ip[6] = IpProtocol.Udp;
            ip[7] = HopLimit;
            query.Slice(24, 16).CopyTo(ip[8..]);
            query.Slice(8, 16).CopyTo(ip[24..]);
        }
        else
        {
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)total);
            ip[8] = HopLimit;
            ip[9] = IpProtocol.Udp;
            query.Slice(16, 4).CopyTo(ip[12..]);
            query.Slice(12, 4).CopyTo(ip[16..]);
        }

        var udp = reply.Slice(ipLength, UdpHeader.Length);
        var queryUdp = query[ipHeaderSize..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, BinaryPrimitives.ReadUInt16BigEndian(queryUdp[2..]));
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], BinaryPrimitives.ReadUInt16BigEndian(queryUdp));
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        udp[6] = 0;
        udp[7] = 0;

        var message = reply.Slice(ipLength + UdpHeader.Length, questionEnd);
        var flags = DnsWire.Flags(dns);
        var replyFlags = (ushort)(0x8000 | (flags & 0x7800) | (flags & 0x0100) | 0x0080 | 3); // QR, opcode, RD, RA, NXDOMAIN
        BinaryPrimitives.WriteUInt16BigEndian(message, DnsWire.Id(dns));
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], replyFlags);
        BinaryPrimitives.WriteUInt16BigEndian(message[4..], DnsWire.QuestionCount(dns));
        message[6..DnsWire.HeaderLength].Clear();
        dns[DnsWire.HeaderLength..questionEnd].CopyTo(message[DnsWire.HeaderLength..]);

        return Checksums.Fix(reply[..total]) ? total : 0;
    }
}
