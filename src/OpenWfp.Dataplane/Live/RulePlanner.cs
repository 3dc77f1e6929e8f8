using OpenWfp.Dataplane.Rules;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Policy;
using OpenWfp.Engine.Values;
using OpenWfp.Netlink;

namespace OpenWfp.Dataplane.Live;

/// <summary>
/// Decides, from the policy, which packets the kernel must send to wfpd, so that layers with no filters cost nothing (docs/DATAPLANE.md, What is fed live).
/// A hook queues every packet when a per-packet layer of its direction has filters, only undecided connections when
/// only ALE layers have filters, and nothing when neither has.
/// </summary>
internal static class RulePlanner
{
    private static readonly FamilyLayers V4 = new(
        flowEstablished: LayerIds.AleFlowEstablishedV4,
        ale: [LayerIds.AleAuthConnectV4, LayerIds.AleAuthRecvAcceptV4, LayerIds.AleFlowEstablishedV4],
        outboundPerPacket: [LayerIds.OutboundIpPacketV4, LayerIds.OutboundTransportV4, LayerIds.OutboundIcmpErrorV4, LayerIds.DatagramDataV4, LayerIds.StreamV4],
        inboundPerPacket: [LayerIds.InboundIpPacketV4, LayerIds.InboundTransportV4, LayerIds.InboundIcmpErrorV4, LayerIds.DatagramDataV4, LayerIds.StreamV4],
        forward: LayerIds.IpForwardV4,
        stream: LayerIds.StreamV4);

    private static readonly FamilyLayers V6 = new(
        flowEstablished: LayerIds.AleFlowEstablishedV6,
        ale: [LayerIds.AleAuthConnectV6, LayerIds.AleAuthRecvAcceptV6, LayerIds.AleFlowEstablishedV6],
        outboundPerPacket: [LayerIds.OutboundIpPacketV6, LayerIds.OutboundTransportV6, LayerIds.OutboundIcmpErrorV6, LayerIds.DatagramDataV6, LayerIds.StreamV6],
        inboundPerPacket: [LayerIds.InboundIpPacketV6, LayerIds.InboundTransportV6, LayerIds.InboundIcmpErrorV6, LayerIds.DatagramDataV6, LayerIds.StreamV6],
        forward: LayerIds.IpForwardV6,
        stream: LayerIds.StreamV6);

    /// <summary>The plan for a snapshot.</summary>
    public static RulePlan Plan(PolicySnapshot snapshot, DataplaneOptions options) =>
        new(Family(snapshot, V4, options.KernelDecidesConnect), Family(snapshot, V6, options.KernelDecidesConnect), options.QueueNumber, options.QueueCount, options.FailOpen, options.Marks);

    /// <summary>True when FLOW_ESTABLISHED of this IP version has filters: TCP connections stay queued until their handshake completes.</summary>
    public static bool NeedsEstablished(PolicySnapshot snapshot, byte ipVersion) =>
        snapshot.HasFilters(ipVersion == 4 ? V4.FlowEstablished : V6.FlowEstablished);

    /// <summary>
    /// The address families (<see cref="ConntrackConstants.AfInet"/>, <see cref="ConntrackConstants.AfInet6"/>) whose
    /// ALE layers differ between the two snapshots, so that their open connections must be reauthorized; 0 for a
    /// family that did not change. A commit recompiles only the layers it touched, so a commit at, say,
    /// OUTBOUND_TRANSPORT reauthorizes nothing (docs/DATAPLANE.md, Reauthorization).
    /// </summary>
    public static (byte V4, byte V6) AleChanged(PolicySnapshot before, PolicySnapshot after) =>
        (Changed(before, after, V4) ? ConntrackConstants.AfInet : (byte)0, Changed(before, after, V6) ? ConntrackConstants.AfInet6 : (byte)0);

    private static bool Changed(PolicySnapshot before, PolicySnapshot after, FamilyLayers family)
    {
        foreach (var id in family.Ale)
        {
            if (!before.SameProgram(after, id))
            {
                return true;
            }
        }

        return false;
    }

    private static FamilyPlan Family(PolicySnapshot s, FamilyLayers l, bool kernelConnect)
    {
        var ale = Any(s, l.Ale);
        var ports = s.HasFilters(l.Stream) ? StreamPorts(s, l.Stream) : null;
        return new FamilyPlan(
            PerPacketMode(s, l.OutboundPerPacket, l.Stream, ports, ale),
            PerPacketMode(s, l.InboundPerPacket, l.Stream, ports, ale),
            s.HasFilters(l.Forward) ? HookMode.EveryPacket : HookMode.None)
        {
            StreamPorts = ports,

            // With FLOW_ESTABLISHED filters a TCP connection stays queued until its handshake completes, whoever decided
            // ALE_AUTH_CONNECT.
            KernelConnect = kernelConnect && !s.HasFilters(l.FlowEstablished),
        };
    }

    /// <summary>
    /// A hook's mode: every packet while one of its per-packet layers has filters — unless STREAM is the only one and its
    /// filters name their ports, when only TCP packets on those ports are queued and other connections stay in the
    /// kernel (docs/DATAPLANE.md, Kernel rules).
    /// </summary>
    private static HookMode PerPacketMode(PolicySnapshot s, ushort[] perPacket, ushort stream, string? ports, bool ale)
    {
        var others = false;
        foreach (var id in perPacket)
        {
            others |= id != stream && s.HasFilters(id);
        }

        if (!others && ports is not null)
        {
            return ale ? HookMode.FirstPacketAndTcpPorts : HookMode.TcpPorts;
        }

        return others || s.HasFilters(stream) ? HookMode.EveryPacket : ale ? HookMode.FirstPacket : HookMode.None;
    }

    /// <summary>
    /// The TCP ports STREAM's filters can match, when every filter has an IP_LOCAL_PORT or IP_REMOTE_PORT whose
    /// conditions are all equality tests (conditions on one field are alternatives, so the filter matches only those
    /// ports); null when a filter could match any port, or there are more ports than one multiport match takes (15).
    /// </summary>
    internal static string? StreamPorts(PolicySnapshot s, ushort streamLayer)
    {
        var layer = LayerCatalog.Layer(streamLayer);
        Guid local = layer.Field("IP_LOCAL_PORT").ConditionKey!.Value, remote = layer.Field("IP_REMOTE_PORT").ConditionKey!.Value;
        var ports = new SortedSet<ushort>();
        foreach (var filter in s.FiltersOf(layer))
        {
            if (!AddPorts(filter.Conditions, local, ports) && !AddPorts(filter.Conditions, remote, ports))
            {
                return null;
            }
        }

        return ports.Count is > 0 and <= 15 ? string.Join(',', ports) : null;
    }

    private static bool AddPorts(IReadOnlyList<FilterCondition> conditions, Guid field, SortedSet<ushort> into)
    {
        var found = false;
        foreach (var c in conditions)
        {
            if (c.FieldKey != field)
            {
                continue;
            }

            if (c.MatchType != FwpMatchType.Equal || c.Value.Value.Type != FwpDataType.UInt16 || c.Value.Value.RawUInt64 == 0)
            {
                return false;
            }

            found = true;
        }

        if (found)
        {
            foreach (var c in conditions)
            {
                if (c.FieldKey == field)
                {
                    into.Add((ushort)c.Value.Value.RawUInt64);
                }
            }
        }

        return found;
    }

    private static bool Any(PolicySnapshot s, ushort[] layers)
    {
        foreach (var id in layers)
        {
            if (s.HasFilters(id))
            {
                return true;
            }
        }

        return false;
    }

    private sealed class FamilyLayers(ushort flowEstablished, ushort[] ale, ushort[] outboundPerPacket, ushort[] inboundPerPacket, ushort forward, ushort stream)
    {
        public ushort Stream { get; } = stream;

        public ushort FlowEstablished { get; } = flowEstablished;

        public ushort[] Ale { get; } = ale;

        public ushort[] OutboundPerPacket { get; } = outboundPerPacket;

        public ushort[] InboundPerPacket { get; } = inboundPerPacket;

        public ushort Forward { get; } = forward;
    }
}
