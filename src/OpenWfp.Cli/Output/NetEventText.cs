using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OpenWfp.Client;
using OpenWfp.Engine.Values;

namespace OpenWfp.Cli.Output;

/// <summary>How net events read: time, drop/allow, direction, layer, the deciding filter and the 5-tuple.</summary>
internal static class NetEventText
{
    /// <summary>FWPM_NET_EVENT_TYPE_CLASSIFY_DROP.</summary>
    public const uint ClassifyDrop = 3;

    /// <summary>FWPM_NET_EVENT_TYPE_CLASSIFY_ALLOW.</summary>
    public const uint ClassifyAllow = 6;

    public static string Time(FwpmNetEvent e) => e.TimeStamp.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

    public static string Type(FwpmNetEvent e) => e.Type switch
    {
        ClassifyDrop => "drop",
        ClassifyAllow => "allow",
        _ => "type-" + e.Type.ToString(CultureInfo.InvariantCulture),
    };

    public static string Direction(FwpmNetEvent e) => e.Direction switch
    {
        0x3900 => "in",
        0x3901 => "out",
        0x3902 => "fwd",
        _ => "-",
    };

    public static string Protocol(byte protocol) => protocol switch
    {
        1 => "icmp",
        2 => "igmp",
        6 => "tcp",
        17 => "udp",
        47 => "gre",
        50 => "esp",
        51 => "ah",
        58 => "icmpv6",
        132 => "sctp",
        _ => protocol.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The 5-tuple in the direction the packet went: <c>tcp 10.0.0.1:40000 → 203.0.113.7:23</c>.</summary>
    public static string Connection(FwpmNetEvent e)
    {
        if (e.LocalAddress is null && e.RemoteAddress is null && e.IpProtocol == 0)
        {
            return "-";
        }

        var local = Endpoint(e.LocalAddress, e.LocalPort, e.IpProtocol);
        var remote = Endpoint(e.RemoteAddress, e.RemotePort, e.IpProtocol);
        var (from, to) = e.Direction == 0x3900 ? (remote, local) : (local, remote);
        return $"{Protocol(e.IpProtocol)} {from} → {to}";
    }

    public static string? App(FwpmNetEvent e) =>
        e.AppId is { Length: > 0 } blob ? AppId.TryDecode(blob, out var path) ? path : FwpValueFormatter.FormatBlob(blob) : null;

    /// <summary>The deciding filter: <c>5 "Block telnet"</c>, its id alone when the name is not known, <c>-</c> for none.</summary>
    public static string Filter(ulong filterId, string? name) =>
        filterId == 0 ? "-" : string.IsNullOrEmpty(name) ? filterId.ToString(CultureInfo.InvariantCulture) : $"{filterId} \"{name}\"";

    private static string Endpoint(IPAddress? address, ushort port, byte protocol)
    {
        var text = address?.ToString() ?? "?";
        if (protocol is not (6 or 17 or 132))
        {
            return text;
        }

        return address?.AddressFamily == AddressFamily.InterNetworkV6
            ? $"[{text}]:{port.ToString(CultureInfo.InvariantCulture)}"
            : $"{text}:{port.ToString(CultureInfo.InvariantCulture)}";
    }
}
