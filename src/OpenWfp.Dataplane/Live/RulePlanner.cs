using OpenWfp.Dataplane.Rules;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Policy;

namespace OpenWfp.Dataplane.Live;

/// <summary>
/// Decides, from the policy, which packets the kernel must send to wfpd, so that layers with no filters cost nothing (docs/DATAPLANE.md, What is fed live).
/// A hook queues every packet when a per-packet layer of its direction has filters, only undecided connections when
/// only ALE layers have filters, and nothing when neither has.
/// </summary>
internal static class RulePlanner
{
    private static readonly FamilyLayers V4 = new("V4");
    private static readonly FamilyLayers V6 = new("V6");

    /// <summary>The plan for a snapshot.</summary>
    public static RulePlan Plan(PolicySnapshot snapshot, DataplaneOptions options) =>
        new(Family(snapshot, V4), Family(snapshot, V6), options.QueueNumber, options.QueueCount, options.FailOpen, options.Marks);

    /// <summary>True when FLOW_ESTABLISHED of this IP version has filters: TCP connections stay queued until their handshake completes.</summary>
    public static bool NeedsEstablished(PolicySnapshot snapshot, byte ipVersion) =>
        snapshot.HasFilters(ipVersion == 4 ? V4.FlowEstablished : V6.FlowEstablished);

    /// <summary>True when the two snapshots differ at an ALE layer, so open connections must be reauthorized.</summary>
    public static bool AleChanged(PolicySnapshot before, PolicySnapshot after)
    {
        foreach (var family in (ReadOnlySpan<FamilyLayers>)[V4, V6])
        {
            foreach (var id in family.Ale)
            {
                if (!before.SameProgram(after, id))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static FamilyPlan Family(PolicySnapshot s, FamilyLayers l)
    {
        var ale = Any(s, l.Ale);
        return new FamilyPlan(
            Any(s, l.OutboundPerPacket) ? HookMode.EveryPacket : ale ? HookMode.FirstPacket : HookMode.None,
            Any(s, l.InboundPerPacket) ? HookMode.EveryPacket : ale ? HookMode.FirstPacket : HookMode.None,
            s.HasFilters(l.Forward) ? HookMode.EveryPacket : HookMode.None);
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

    private sealed class FamilyLayers
    {
        public FamilyLayers(string v)
        {
            FlowEstablished = Id("ALE_FLOW_ESTABLISHED_" + v);
            Ale = [Id("ALE_AUTH_CONNECT_" + v), Id("ALE_AUTH_RECV_ACCEPT_" + v), FlowEstablished];
            OutboundPerPacket = [Id("OUTBOUND_IPPACKET_" + v), Id("OUTBOUND_TRANSPORT_" + v), Id("OUTBOUND_ICMP_ERROR_" + v), Id("DATAGRAM_DATA_" + v), Id("STREAM_" + v)];
            InboundPerPacket = [Id("INBOUND_IPPACKET_" + v), Id("INBOUND_TRANSPORT_" + v), Id("INBOUND_ICMP_ERROR_" + v), Id("DATAGRAM_DATA_" + v), Id("STREAM_" + v)];
            Forward = Id("IPFORWARD_" + v);
        }

        public ushort FlowEstablished { get; }

        public ushort[] Ale { get; }

        public ushort[] OutboundPerPacket { get; }

        public ushort[] InboundPerPacket { get; }

        public ushort Forward { get; }

        private static ushort Id(string name) => LayerCatalog.Layer(name).LayerId;
    }
}
