using System.Buffers.Binary;
using System.Globalization;
using System.Net;

namespace OpenWfp.Shim;

/// <summary>
/// The address ranges that belong to this host (<c>--local</c>): they decide whether a packet is outbound, inbound,
/// loopback (both ends local) or forwarded (neither).
/// </summary>
public sealed class LocalNetworks
{
    private readonly (uint Network, uint Mask)[] _v4;
    private readonly (UInt128 Network, UInt128 Mask)[] _v6;

    private LocalNetworks((uint, uint)[] v4, (UInt128, UInt128)[] v6, string[] text)
    {
        _v4 = v4;
        _v6 = v6;
        Text = Array.AsReadOnly(text);
    }

    /// <summary>No local networks: direction comes from the capture or the flow's first packet (see <see cref="PacketShim"/>).</summary>
    public static LocalNetworks None { get; } = new([], [], []);

    /// <summary>True when no range was given.</summary>
    public bool IsEmpty => _v4.Length == 0 && _v6.Length == 0;

    /// <summary>The ranges as given, normalized (e.g. <c>10.0.0.0/8</c>).</summary>
    public IReadOnlyList<string> Text { get; }

    /// <summary>Parses CIDR ranges (<c>10.0.0.0/8</c>, <c>192.0.2.7</c>, <c>2001:db8::/32</c>).</summary>
    /// <exception cref="FormatException">A range is not an address or address/prefix; the message names it.</exception>
    public static LocalNetworks Parse(IEnumerable<string> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        var v4 = new List<(uint, uint)>();
        var v6 = new List<(UInt128, UInt128)>();
        var text = new List<string>();
        foreach (var raw in ranges)
        {
            var range = raw.Trim();

            // Configuration time only: the hot path never sees an IPAddress (BannedSymbols), it tests the numbers below.
#pragma warning disable RS0030
            var slash = range.IndexOf('/', StringComparison.Ordinal);
            var addressText = slash < 0 ? range : range[..slash];
            if (!IPAddress.TryParse(addressText, out var address) || addressText.Contains('%', StringComparison.Ordinal))
            {
                throw new FormatException($"'{raw}' is not an IPv4 or IPv6 address or address/prefix (e.g. 10.0.0.0/8, 2001:db8::/32)");
            }

            var bytes = address.GetAddressBytes();
#pragma warning restore RS0030
            var max = bytes.Length * 8;
            var prefix = max;
            if (slash >= 0 && (!int.TryParse(range.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > max))
            {
                throw new FormatException($"'{raw}': the prefix length must be a number from 0 to {max}");
            }

            if (bytes.Length == 4)
            {
                var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
                var network = BinaryPrimitives.ReadUInt32BigEndian(bytes) & mask;
                v4.Add((network, mask));
                text.Add($"{network >> 24}.{(network >> 16) & 0xFF}.{(network >> 8) & 0xFF}.{network & 0xFF}/{prefix}");
            }
            else
            {
                var mask = prefix == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - prefix);
                var network = BinaryPrimitives.ReadUInt128BigEndian(bytes) & mask;
                v6.Add((network, mask));
                var b = new byte[16];
                BinaryPrimitives.WriteUInt128BigEndian(b, network);
#pragma warning disable RS0030
                text.Add($"{new IPAddress(b)}/{prefix}");
#pragma warning restore RS0030
            }
        }

        return new LocalNetworks([.. v4], [.. v6], [.. text]);
    }

    /// <summary>True when the IPv4 address (host order) is in a local range.</summary>
    public bool Contains(uint address)
    {
        foreach (var (network, mask) in _v4)
        {
            if ((address & mask) == network)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the IPv6 address (big-endian number) is in a local range.</summary>
    public bool Contains(UInt128 address)
    {
        foreach (var (network, mask) in _v6)
        {
            if ((address & mask) == network)
            {
                return true;
            }
        }

        return false;
    }
}
