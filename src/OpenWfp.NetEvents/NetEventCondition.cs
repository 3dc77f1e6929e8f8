using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.NetEvents;

/// <summary>The fields a net event template may test (FWPM_NET_EVENT_ENUM_TEMPLATE0, fwpmtypes.h).</summary>
public enum NetEventField
{
    /// <summary>FWPM_CONDITION_IP_PROTOCOL.</summary>
    IpProtocol,

    /// <summary>FWPM_CONDITION_IP_LOCAL_ADDRESS.</summary>
    IpLocalAddress,

    /// <summary>FWPM_CONDITION_IP_REMOTE_ADDRESS.</summary>
    IpRemoteAddress,

    /// <summary>FWPM_CONDITION_IP_LOCAL_PORT.</summary>
    IpLocalPort,

    /// <summary>FWPM_CONDITION_IP_REMOTE_PORT.</summary>
    IpRemotePort,

    /// <summary>FWPM_CONDITION_ALE_APP_ID.</summary>
    AppId,

    /// <summary>FWPM_CONDITION_ALE_USER_ID (a SID, compared for equality).</summary>
    UserId,

    /// <summary>FWPM_CONDITION_NET_EVENT_TYPE.</summary>
    EventType,
}

/// <summary>
/// One condition of a net event template. Numeric fields (protocol, addresses, ports, event type) test
/// <c>low ≤ (value &amp; mask) ≤ high</c>, which covers equality, an inclusive range, and an IPv4 address and mask
/// or IPv6 prefix; the application id is compared byte by byte and the user SID by value.
/// </summary>
/// <remarks>
/// An address condition carries its IP version and never matches an event of the other version (IPv4 addresses live in
/// the low 32 bits of the same number, so a numeric comparison alone could not tell them apart). Create conditions with
/// the static factories or from an engine filter condition with <see cref="FromFilterCondition"/>.
/// </remarks>
public sealed class NetEventCondition
{
    private NetEventCondition(NetEventField field, UInt128 low, UInt128 high, UInt128 mask, byte ipVersion = 0, byte[]? appId = null, Sid? userId = null)
    {
        Field = field;
        Low = low;
        High = high;
        Mask = mask;
        IpVersion = ipVersion;
        AppIdValue = appId;
        UserIdValue = userId;
    }

    /// <summary>The field tested.</summary>
    public NetEventField Field { get; }

    /// <summary>The inclusive low bound of a numeric condition.</summary>
    public UInt128 Low { get; }

    /// <summary>The inclusive high bound of a numeric condition (equal to <see cref="Low"/> for an equality).</summary>
    public UInt128 High { get; }

    /// <summary>The mask applied to the event's value before the comparison (all ones unless the condition is an address and mask).</summary>
    public UInt128 Mask { get; }

    /// <summary>For an address condition, 4 or 6; otherwise 0.</summary>
    public byte IpVersion { get; }

    /// <summary>For <see cref="NetEventField.AppId"/>, the application id blob.</summary>
    public byte[]? AppIdValue { get; }

    /// <summary>For <see cref="NetEventField.UserId"/>, the SID.</summary>
    public Sid? UserIdValue { get; }

    /// <summary>IP_PROTOCOL equals <paramref name="protocol"/>.</summary>
    /// <param name="protocol">The IPPROTO_* number.</param>
    /// <returns>The condition.</returns>
    public static NetEventCondition Protocol(byte protocol) => Numeric(NetEventField.IpProtocol, protocol, protocol);

    /// <summary>IP_LOCAL_PORT equals <paramref name="port"/>.</summary>
    /// <param name="port">The port, host order.</param>
    /// <returns>The condition.</returns>
    public static NetEventCondition LocalPort(ushort port) => Numeric(NetEventField.IpLocalPort, port, port);

    /// <summary>IP_LOCAL_PORT in an inclusive range.</summary>
    /// <param name="low">The low end.</param>
    /// <param name="high">The high end, at least <paramref name="low"/>.</param>
    /// <returns>The condition.</returns>
    public static NetEventCondition LocalPortRange(ushort low, ushort high) => Numeric(NetEventField.IpLocalPort, low, high);

    /// <summary>IP_REMOTE_PORT equals <paramref name="port"/>.</summary>
    /// <param name="port">The port, host order.</param>
    /// <returns>The condition.</returns>
    public static NetEventCondition RemotePort(ushort port) => Numeric(NetEventField.IpRemotePort, port, port);

    /// <summary>IP_REMOTE_PORT in an inclusive range.</summary>
    /// <param name="low">The low end.</param>
    /// <param name="high">The high end, at least <paramref name="low"/>.</param>
    /// <returns>The condition.</returns>
    public static NetEventCondition RemotePortRange(ushort low, ushort high) => Numeric(NetEventField.IpRemotePort, low, high);

    /// <summary>NET_EVENT_TYPE equals <paramref name="type"/>.</summary>
    /// <param name="type">The event type.</param>
    /// <returns>The condition.</returns>
    public static NetEventCondition EventType(NetEventType type) => Numeric(NetEventField.EventType, (uint)type, (uint)type);

    /// <summary>ALE_APP_ID equals <paramref name="appId"/> byte for byte.</summary>
    /// <param name="appId">The application id blob (the array is kept, not copied).</param>
    /// <returns>The condition.</returns>
    public static NetEventCondition AppId(byte[] appId)
    {
        ArgumentNullException.ThrowIfNull(appId);
        return new NetEventCondition(NetEventField.AppId, 0, 0, UInt128.MaxValue, appId: appId);
    }

    /// <summary>ALE_USER_ID equals <paramref name="sid"/>.</summary>
    /// <param name="sid">The user SID.</param>
    /// <returns>The condition.</returns>
    public static NetEventCondition UserId(Sid sid)
    {
        ArgumentNullException.ThrowIfNull(sid);
        return new NetEventCondition(NetEventField.UserId, 0, 0, UInt128.MaxValue, userId: sid);
    }

    /// <summary>An IPv4 address condition: <c>(address &amp; mask) == (value &amp; mask)</c>.</summary>
    /// <param name="field"><see cref="NetEventField.IpLocalAddress"/> or <see cref="NetEventField.IpRemoteAddress"/>.</param>
    /// <param name="address">The address, host order.</param>
    /// <param name="mask">The mask, host order (uint.MaxValue for one address).</param>
    /// <returns>The condition.</returns>
    public static NetEventCondition V4Address(NetEventField field, uint address, uint mask = uint.MaxValue)
    {
        CheckAddressField(field);
        return new NetEventCondition(field, address & mask, address & mask, mask, 4);
    }

    /// <summary>An inclusive range of IPv4 addresses.</summary>
    /// <param name="field"><see cref="NetEventField.IpLocalAddress"/> or <see cref="NetEventField.IpRemoteAddress"/>.</param>
    /// <param name="low">The low end, host order.</param>
    /// <param name="high">The high end, host order, at least <paramref name="low"/>.</param>
    /// <returns>The condition.</returns>
    public static NetEventCondition V4AddressRange(NetEventField field, uint low, uint high)
    {
        CheckAddressField(field);
        CheckRange(low, high);
        return new NetEventCondition(field, low, high, uint.MaxValue, 4);
    }

    /// <summary>An IPv6 address condition: the first <paramref name="prefixLength"/> bits equal those of <paramref name="address"/>.</summary>
    /// <param name="field"><see cref="NetEventField.IpLocalAddress"/> or <see cref="NetEventField.IpRemoteAddress"/>.</param>
    /// <param name="address">The address as a big-endian number.</param>
    /// <param name="prefixLength">0 to 128 (128 for one address).</param>
    /// <returns>The condition.</returns>
    public static NetEventCondition V6Address(NetEventField field, UInt128 address, int prefixLength = 128)
    {
        CheckAddressField(field);
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 128);
        var mask = prefixLength == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - prefixLength);
        return new NetEventCondition(field, address & mask, address & mask, mask, 6);
    }

    /// <summary>An inclusive range of IPv6 addresses.</summary>
    /// <param name="field"><see cref="NetEventField.IpLocalAddress"/> or <see cref="NetEventField.IpRemoteAddress"/>.</param>
    /// <param name="low">The low end, big-endian number.</param>
    /// <param name="high">The high end, at least <paramref name="low"/>.</param>
    /// <returns>The condition.</returns>
    public static NetEventCondition V6AddressRange(NetEventField field, UInt128 low, UInt128 high)
    {
        CheckAddressField(field);
        CheckRange(low, high);
        return new NetEventCondition(field, low, high, UInt128.MaxValue, 6);
    }

#pragma warning disable RS0030 // IPAddress is for building queries (management side), never on the packet path.
    /// <summary>An address condition from an <see cref="IPAddress"/> and prefix length.</summary>
    /// <param name="field"><see cref="NetEventField.IpLocalAddress"/> or <see cref="NetEventField.IpRemoteAddress"/>.</param>
    /// <param name="address">An IPv4 or IPv6 address.</param>
    /// <param name="prefixLength">The prefix length (32 or 128 for one address); null for one address.</param>
    /// <returns>The condition.</returns>
    public static NetEventCondition Address(NetEventField field, IPAddress address, int? prefixLength = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        var (version, value) = ToNumber(address);
        if (version == 4)
        {
            var prefix = prefixLength ?? 32;
            ArgumentOutOfRangeException.ThrowIfNegative(prefix, nameof(prefixLength));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(prefix, 32, nameof(prefixLength));
            return V4Address(field, (uint)value, prefix == 0 ? 0u : uint.MaxValue << (32 - prefix));
        }

        return V6Address(field, value, prefixLength ?? 128);
    }

    /// <summary>The numeric form a <see cref="NetEventRecord"/> uses for <paramref name="address"/>.</summary>
    /// <param name="address">An IPv4 or IPv6 address (an IPv4-mapped IPv6 address stays IPv6).</param>
    /// <returns>The IP version (4 or 6) and the number.</returns>
    public static (byte IpVersion, UInt128 Value) ToNumber(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            throw new ArgumentException($"Address {address} could not be read.", nameof(address));
        }

        return address.AddressFamily == AddressFamily.InterNetwork
            ? ((byte)4, BinaryPrimitives.ReadUInt32BigEndian(bytes))
            : ((byte)6, BinaryPrimitives.ReadUInt128BigEndian(bytes[..written]));
    }
#pragma warning restore RS0030

    /// <summary>
    /// The net event condition for an engine filter condition, as the BFE receives template conditions
    /// (FWPM_FILTER_CONDITION0). Accepted: FWP_MATCH_EQUAL on any allowed field (an address may be FWP_V4_ADDR_MASK or
    /// FWP_V6_ADDR_MASK), FWP_MATCH_RANGE on the numeric fields.
    /// </summary>
    /// <param name="condition">The condition.</param>
    /// <returns>The net event condition.</returns>
    /// <exception cref="WfpException">
    /// FWP_E_CONDITION_NOT_FOUND for a field a net event template does not allow (SCOPE_ID included: events do not carry
    /// it), FWP_E_MATCH_TYPE_MISMATCH for another match type, FWP_E_TYPE_MISMATCH for a value of the wrong type,
    /// FWP_E_INVALID_RANGE for a range whose low end is above its high end.
    /// </exception>
    public static NetEventCondition FromFilterCondition(FilterCondition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var name = LayerCatalog.ConditionNameOf(condition.FieldKey);
        NetEventField field = name switch
        {
            "FWPM_CONDITION_IP_PROTOCOL" => NetEventField.IpProtocol,
            "FWPM_CONDITION_IP_LOCAL_ADDRESS" => NetEventField.IpLocalAddress,
            "FWPM_CONDITION_IP_REMOTE_ADDRESS" => NetEventField.IpRemoteAddress,
            "FWPM_CONDITION_IP_LOCAL_PORT" => NetEventField.IpLocalPort,
            "FWPM_CONDITION_IP_REMOTE_PORT" => NetEventField.IpRemotePort,
            "FWPM_CONDITION_ALE_APP_ID" => NetEventField.AppId,
            "FWPM_CONDITION_ALE_USER_ID" => NetEventField.UserId,
            "FWPM_CONDITION_NET_EVENT_TYPE" => NetEventField.EventType,
            _ => throw new WfpException(
                WfpError.ConditionNotFound,
                $"Condition {name ?? condition.FieldKey.ToString()} is not one a net event template can test (IP_PROTOCOL, IP_LOCAL/REMOTE_ADDRESS, IP_LOCAL/REMOTE_PORT, ALE_APP_ID, ALE_USER_ID, NET_EVENT_TYPE)."),
        };

        var v = condition.Value;
        if (condition.MatchType == FwpMatchType.Range)
        {
            if (v.Type != FwpDataType.Range || field is NetEventField.AppId or NetEventField.UserId)
            {
                throw TypeMismatch(field, v);
            }

            return FromRange(field, v.RangeLow, v.RangeHigh);
        }

        if (condition.MatchType != FwpMatchType.Equal)
        {
            throw new WfpException(
                WfpError.MatchTypeMismatch,
                $"A net event template condition on {field} must use FWP_MATCH_EQUAL or FWP_MATCH_RANGE, not {condition.MatchType}.");
        }

        switch (field)
        {
            case NetEventField.IpLocalAddress or NetEventField.IpRemoteAddress:
                return v.Type switch
                {
                    FwpDataType.UInt32 => V4Address(field, (uint)v.Value.RawUInt64),
                    FwpDataType.V4AddrMask => V4Address(field, (uint)v.Value.RawUInt64, v.V4Mask),
                    FwpDataType.ByteArray16 => V6Address(field, v.Value.RawUInt128),
                    FwpDataType.V6AddrMask => V6Address(field, v.Value.RawUInt128, v.V6PrefixLength),
                    _ => throw TypeMismatch(field, v),
                };

            case NetEventField.AppId:
                return v.Type == FwpDataType.ByteBlob && v.Value.Reference is byte[] blob ? AppId(blob) : throw TypeMismatch(field, v);

            case NetEventField.UserId:
                return v.Type == FwpDataType.Sid && v.Value.Sid is { } sid ? UserId(sid) : throw TypeMismatch(field, v);

            default:
                if (!IsNumericTypeFor(field, v.Type))
                {
                    throw TypeMismatch(field, v);
                }

                return Numeric(field, v.Value.RawUInt64, v.Value.RawUInt64);
        }
    }

    /// <summary>Whether the event satisfies this condition.</summary>
    /// <param name="e">The event.</param>
    /// <returns>True when it matches.</returns>
    public bool Matches(in NetEventRecord e)
    {
        UInt128 value;
        switch (Field)
        {
            case NetEventField.IpProtocol:
                value = e.IpProtocol;
                break;
            case NetEventField.IpLocalAddress:
                if (e.IpVersion != IpVersion)
                {
                    return false;
                }

                value = e.LocalAddress;
                break;
            case NetEventField.IpRemoteAddress:
                if (e.IpVersion != IpVersion)
                {
                    return false;
                }

                value = e.RemoteAddress;
                break;
            case NetEventField.IpLocalPort:
                value = e.LocalPort;
                break;
            case NetEventField.IpRemotePort:
                value = e.RemotePort;
                break;
            case NetEventField.EventType:
                value = (uint)e.Type;
                break;
            case NetEventField.AppId:
                return e.AppId is { } app && (ReferenceEquals(app, AppIdValue) || app.AsSpan().SequenceEqual(AppIdValue));
            case NetEventField.UserId:
                return e.UserId is not null && e.UserId == UserIdValue;
            default:
                return false;
        }

        value &= Mask;
        return value >= Low && value <= High;
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var name = Field.ToString();
        return Field switch
        {
            NetEventField.AppId => $"{name} = {(OpenWfp.Engine.Values.AppId.TryDecode(AppIdValue, out var path) ? path : Convert.ToHexString(AppIdValue!))}",
            NetEventField.UserId => $"{name} = {UserIdValue}",
            _ when IpVersion == 4 && Mask != uint.MaxValue => $"{name} = {FwpValueFormatter.FormatIPv4((uint)Low)}/{FwpValueFormatter.FormatIPv4((uint)Mask)}",
            _ when IpVersion == 6 && Mask != UInt128.MaxValue => $"{name} = {FwpValueFormatter.FormatIPv6(Low)}/{128 - (int)UInt128.TrailingZeroCount(Mask)}",
            _ when Low == High => $"{name} = {Format(Low)}",
            _ => $"{name} in [{Format(Low)}, {Format(High)}]",
        };
    }

    private string Format(UInt128 v) => IpVersion switch
    {
        4 => FwpValueFormatter.FormatIPv4((uint)v),
        6 => FwpValueFormatter.FormatIPv6(v),
        _ => v.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static NetEventCondition Numeric(NetEventField field, UInt128 low, UInt128 high)
    {
        CheckRange(low, high);
        return new NetEventCondition(field, low, high, UInt128.MaxValue);
    }

    private static NetEventCondition FromRange(NetEventField field, FwpValue low, FwpValue high)
    {
        if (low.Type != high.Type)
        {
            throw new WfpException(WfpError.TypeMismatch, $"A range on {field} has ends of different types ({low.Type}, {high.Type}).");
        }

        switch (field)
        {
            case NetEventField.IpLocalAddress or NetEventField.IpRemoteAddress:
                if (low.Type == FwpDataType.UInt32)
                {
                    return V4AddressRange(field, (uint)low.RawUInt64, (uint)high.RawUInt64);
                }

                if (low.Type == FwpDataType.ByteArray16)
                {
                    return V6AddressRange(field, low.RawUInt128, high.RawUInt128);
                }

                break;
            default:
                if (IsNumericTypeFor(field, low.Type))
                {
                    return Numeric(field, low.RawUInt64, high.RawUInt64);
                }

                break;
        }

        throw new WfpException(WfpError.TypeMismatch, $"A range on {field} cannot have ends of type {low.Type}.");
    }

    private static bool IsNumericTypeFor(NetEventField field, FwpDataType type) => field switch
    {
        NetEventField.IpProtocol => type == FwpDataType.UInt8,
        NetEventField.IpLocalPort or NetEventField.IpRemotePort => type == FwpDataType.UInt16,
        NetEventField.EventType => type == FwpDataType.UInt32,
        _ => false,
    };

    private static WfpException TypeMismatch(NetEventField field, FwpConditionValue v) =>
        new(WfpError.TypeMismatch, $"A net event template condition on {field} cannot hold a value of type {v.Type}.");

    private static void CheckAddressField(NetEventField field)
    {
        if (field is not (NetEventField.IpLocalAddress or NetEventField.IpRemoteAddress))
        {
            throw new ArgumentException($"An address condition needs IpLocalAddress or IpRemoteAddress, not {field}.", nameof(field));
        }
    }

    private static void CheckRange(UInt128 low, UInt128 high)
    {
        if (low > high)
        {
            throw new WfpException(WfpError.InvalidRange, $"A range's low end ({low}) is above its high end ({high}).");
        }
    }
}
