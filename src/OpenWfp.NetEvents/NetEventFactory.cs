using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.NetEvents;

/// <summary>
/// A classified packet's addresses and ports, oriented to this host as the classify saw them (local = this host's
/// end), with the direction and loopback flag a net event reports. IPv4 addresses are in the low 32 bits, host order;
/// IPv6 addresses are big-endian numbers (as <see cref="NetEventRecord"/>).
/// </summary>
/// <param name="IpVersion">4 or 6; 0 when the layer carries no IP.</param>
/// <param name="IpProtocol">IPPROTO_* number.</param>
/// <param name="LocalAddress">This host's address.</param>
/// <param name="LocalPort">This host's port (for ICMP, the type, as IP_LOCAL_PORT carries it).</param>
/// <param name="RemoteAddress">The other end's address.</param>
/// <param name="RemotePort">The other end's port (for ICMP, the code).</param>
/// <param name="Direction">FWP_DIRECTION_IN / OUT / FORWARD.</param>
/// <param name="IsLoopback">Both ends are this host.</param>
public readonly record struct NetEventFlow(
    byte IpVersion,
    byte IpProtocol,
    UInt128 LocalAddress,
    ushort LocalPort,
    UInt128 RemoteAddress,
    ushort RemotePort,
    NetEventDirection Direction,
    bool IsLoopback);

/// <summary>
/// Builds classify net events (FWPM_NET_EVENT_TYPE_CLASSIFY_DROP / CLASSIFY_ALLOW). The live data plane (from the
/// shim's verdict) and the BFE service (from an API classify's layer values) both build their records here, so an
/// event means the same thing whichever path recorded it.
/// </summary>
public static class NetEventFactory
{
    /// <summary>The event type for a classify's final action: CLASSIFY_DROP for a block, CLASSIFY_ALLOW otherwise.</summary>
    /// <param name="action">The final action.</param>
    /// <returns>The type.</returns>
    public static NetEventType ClassifyType(ActionType action) =>
        action == ActionType.Block ? NetEventType.ClassifyDrop : NetEventType.ClassifyAllow;

    /// <summary>A classify event. Allocates nothing: a data plane calls it per decided packet.</summary>
    /// <param name="type"><see cref="NetEventType.ClassifyDrop"/> or <see cref="NetEventType.ClassifyAllow"/>.</param>
    /// <param name="flow">The packet, oriented to this host.</param>
    /// <param name="layerId">The run-time id of the layer that decided; 0 for none.</param>
    /// <param name="filterId">The deciding filter; 0 for none.</param>
    /// <param name="appId">The application id blob of the local end, or null (kept by reference: see <see cref="NetEventRecord"/>).</param>
    /// <param name="userId">The user of the local end, or null.</param>
    /// <param name="timeUnixNs">When; 0 lets <see cref="NetEventLog.Write"/> stamp the time it records the event.</param>
    /// <returns>The record, ready for <see cref="NetEventLog.Write"/>.</returns>
    public static NetEventRecord Classify(
        NetEventType type, in NetEventFlow flow, ushort layerId, ulong filterId, byte[]? appId, Sid? userId, long timeUnixNs = 0) => new()
        {
            TimeUnixNs = timeUnixNs,
            Type = type,
            IpVersion = flow.IpVersion,
            IpProtocol = flow.IpProtocol,
            LocalAddress = flow.LocalAddress,
            RemoteAddress = flow.RemoteAddress,
            LocalPort = flow.LocalPort,
            RemotePort = flow.RemotePort,
            AppId = appId,
            UserId = userId,
            FilterId = filterId,
            LayerId = layerId,
            Direction = flow.Direction,
            IsLoopback = flow.IsLoopback,
        };

    /// <summary>
    /// A classify event from the incoming values of one layer (as an API classify supplies them): the 5-tuple from
    /// IP_PROTOCOL, IP_LOCAL/REMOTE_ADDRESS and IP_LOCAL/REMOTE_PORT, the application and user from ALE_APP_ID and
    /// ALE_USER_ID where the layer has them, the direction from the layer's, the loopback flag from FLAGS.
    /// </summary>
    /// <param name="type"><see cref="NetEventType.ClassifyDrop"/> or <see cref="NetEventType.ClassifyAllow"/>.</param>
    /// <param name="layer">The classified layer.</param>
    /// <param name="values">Its incoming values, by field index.</param>
    /// <param name="filterId">The deciding filter.</param>
    /// <param name="timeUnixNs">When; 0 lets <see cref="NetEventLog.Write"/> stamp it.</param>
    /// <returns>The record (the app id is copied: this path is not per packet).</returns>
    public static NetEventRecord FromLayerValues(NetEventType type, LayerInfo layer, ReadOnlySpan<FwpValue> values, ulong filterId, long timeUnixNs = 0)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var flow = new NetEventFlow(
            layer.IpVersion switch { IpVersion.V4 => 4, IpVersion.V6 => 6, _ => 0 },
            (byte)Field(layer, values, "IP_PROTOCOL"),
            Field(layer, values, "IP_LOCAL_ADDRESS"),
            (ushort)Field(layer, values, "IP_LOCAL_PORT"),
            Field(layer, values, "IP_REMOTE_ADDRESS"),
            (ushort)Field(layer, values, "IP_REMOTE_PORT"),
            layer.Direction == LayerDirection.Inbound ? NetEventDirection.In : NetEventDirection.Out,
            (Field(layer, values, "FLAGS") & (uint)ConditionFlags.IsLoopback) != 0);
        var appId = layer.FindField("ALE_APP_ID") is { } app && values[app.Index].Type == FwpDataType.ByteBlob ? values[app.Index].Blob.ToArray() : null;
        var userId = layer.FindField("ALE_USER_ID") is { } user ? values[user.Index].Token?.User : null;
        return Classify(type, in flow, layer.LayerId, filterId, appId, userId, timeUnixNs);
    }

    private static UInt128 Field(LayerInfo layer, ReadOnlySpan<FwpValue> values, string name) =>
        layer.FindField(name) is { } f && f.Index < values.Length && !values[f.Index].IsEmpty ? values[f.Index].RawUInt128 : UInt128.Zero;
}
