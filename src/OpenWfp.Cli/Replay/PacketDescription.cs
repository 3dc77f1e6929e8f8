using System.Globalization;
using OpenWfp.Engine.Values;
using OpenWfp.Wire;

namespace OpenWfp.Cli.Replay;

/// <summary>A packet as people and scripts read it: protocol, endpoints, and what kind of packet it is.</summary>
internal sealed record PacketDescription(
    string Summary,
    string Protocol,
    byte IpVersion,
    string? Source,
    string? Destination,
    int? SourcePort,
    int? DestinationPort,
    string? Detail,
    ParseStatus Status)
{
    public static PacketDescription Of(ReadOnlySpan<byte> frame, LinkType linkType)
    {
        var status = PacketParser.Parse(linkType, frame, out var p);
        switch (status)
        {
            case ParseStatus.UnsupportedLinkType:
                return new($"unsupported link type {(int)linkType}", "unknown", 0, null, null, null, null, null, status);
            case ParseStatus.Truncated:
            case ParseStatus.Malformed:
                var what = status == ParseStatus.Truncated ? "truncated" : "malformed";
                return new($"{what} frame ({frame.Length} bytes)", what, 0, null, null, null, null, null, status);
            case ParseStatus.NotIp:
                var kind = p.EtherType == EtherType.Arp ? "ARP" : $"EtherType 0x{p.EtherType:x4}";
                var macs = $"{Mac(p.SourceMac)} → {Mac(p.DestinationMac)}";
                return new($"{kind} {macs}", kind == "ARP" ? "arp" : "non-ip", 0, Mac(p.SourceMac), Mac(p.DestinationMac), null, null, null, status);
        }

        var v4 = p.IpVersion == 4;
        var src = v4 ? FwpValueFormatter.FormatIPv4(p.SourceIPv4) : FwpValueFormatter.FormatIPv6(p.SourceIPv6);
        var dst = v4 ? FwpValueFormatter.FormatIPv4(p.DestinationIPv4) : FwpValueFormatter.FormatIPv6(p.DestinationIPv6);
        var ports = p.Has(PacketFlags.PortsPresent);
        string Endpoint(string address, ushort port) => ports ? (v4 ? $"{address}:{port}" : $"[{address}]:{port}") : address;
        var protocol = p.Protocol switch
        {
            IpProtocol.Tcp => "tcp",
            IpProtocol.Udp => "udp",
            IpProtocol.Icmp => "icmp",
            IpProtocol.Icmpv6 => "icmpv6",
            _ => p.Protocol.ToString(CultureInfo.InvariantCulture),
        };
        string? detail = null;
        if (p.Has(PacketFlags.Fragment) && p.FragmentOffset != 0)
        {
            detail = $"fragment id 0x{p.FragmentId:x} offset {p.FragmentOffset}";
        }
        else if (p.Protocol == IpProtocol.Tcp && p.Has(PacketFlags.TransportPresent))
        {
            detail = TcpFlagText(p.TcpFlags) + (p.PayloadLength > 0 ? $" {p.PayloadLength} bytes" : "");
        }
        else if (p.Protocol == IpProtocol.Udp)
        {
            detail = $"{p.PayloadLength} bytes";
        }
        else if (p.Protocol is IpProtocol.Icmp or IpProtocol.Icmpv6 && p.Has(PacketFlags.TransportPresent))
        {
            detail = IcmpText(ref p);
        }

        var label = protocol switch { "icmpv6" => "ICMPv6", _ => protocol.ToUpperInvariant() };
        var summary = $"{label} {Endpoint(src, p.SourcePort)} → {Endpoint(dst, p.DestinationPort)}{(detail is null ? "" : " " + detail)}";
        return new(summary, protocol, p.IpVersion, src, dst, ports ? p.SourcePort : null, ports ? p.DestinationPort : null, detail, status);
    }

    /// <summary>MAC text with colons, as Wireshark and ip(8) print it.</summary>
    private static string Mac(ulong mac) => FwpValueFormatter.FormatMac(mac).Replace('-', ':');

    private static string TcpFlagText(TcpFlags flags)
    {
        var names = new List<string>();
        if ((flags & TcpFlags.Syn) != 0)
        {
            names.Add("SYN");
        }

        if ((flags & TcpFlags.Fin) != 0)
        {
            names.Add("FIN");
        }

        if ((flags & TcpFlags.Rst) != 0)
        {
            names.Add("RST");
        }

        if ((flags & TcpFlags.Psh) != 0)
        {
            names.Add("PSH");
        }

        if ((flags & TcpFlags.Ack) != 0)
        {
            names.Add("ACK");
        }

        return "[" + string.Join(",", names) + "]";
    }

    private static string IcmpText(ref ParsedPacket p)
    {
        var v6 = p.Protocol == IpProtocol.Icmpv6;
        var name = (v6, p.IcmpType) switch
        {
            (false, 8) or (true, 128) => "echo request",
            (false, 0) or (true, 129) => "echo reply",
            (false, 3) or (true, 1) => "destination unreachable",
            (false, 11) or (true, 3) => "time exceeded",
            (true, 2) => "packet too big",
            (true, 133) => "router solicitation",
            (true, 134) => "router advertisement",
            (true, 135) => "neighbor solicitation",
            (true, 136) => "neighbor advertisement",
            _ => "type",
        };
        var text = $"{name} ({p.IcmpType}/{p.IcmpCode})";
        if (p.Has(PacketFlags.IcmpEcho))
        {
            text += $" id 0x{p.IcmpId:x4} seq {p.IcmpSequence}";
        }

        if (p.Has(PacketFlags.InnerNetworkPresent))
        {
            var v4 = p.InnerIpVersion == 4;
            var s = v4 ? FwpValueFormatter.FormatIPv4(p.InnerSourceIPv4) : FwpValueFormatter.FormatIPv6(p.InnerSourceIPv6);
            var d = v4 ? FwpValueFormatter.FormatIPv4(p.InnerDestinationIPv4) : FwpValueFormatter.FormatIPv6(p.InnerDestinationIPv6);
            var ports = p.Has(PacketFlags.InnerPortsPresent) ? ($":{p.InnerSourcePort}", $":{p.InnerDestinationPort}") : ("", "");
            text += $" about {p.InnerProtocol switch { IpProtocol.Tcp => "TCP", IpProtocol.Udp => "UDP", _ => "protocol " + p.InnerProtocol.ToString(CultureInfo.InvariantCulture) }} {s}{ports.Item1} → {d}{ports.Item2}";
        }

        return text;
    }
}
