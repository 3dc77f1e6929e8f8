using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Testing;

/// <summary>
/// A policy shaped like a host firewall's, for the traffic <see cref="TrafficGenerator"/> makes: filters spread over
/// the layers the shim feeds (most at the ALE and transport layers), conditions on protocol, ports and address
/// ranges, mostly permits with some blocks, in three sublayers. Deterministic for a seed.
/// </summary>
public static class TrafficPolicy
{
    private static readonly (string Layer, int Weight)[] Layers =
    [
        ("ALE_AUTH_CONNECT_V4", 20), ("ALE_AUTH_CONNECT_V6", 8), ("ALE_AUTH_RECV_ACCEPT_V4", 12), ("ALE_AUTH_RECV_ACCEPT_V6", 5),
        ("OUTBOUND_TRANSPORT_V4", 10), ("INBOUND_TRANSPORT_V4", 10), ("OUTBOUND_TRANSPORT_V6", 4), ("INBOUND_TRANSPORT_V6", 4),
        ("OUTBOUND_IPPACKET_V4", 6), ("INBOUND_IPPACKET_V4", 6), ("OUTBOUND_IPPACKET_V6", 2), ("INBOUND_IPPACKET_V6", 2),
        ("DATAGRAM_DATA_V4", 3), ("STREAM_V4", 2), ("ALE_FLOW_ESTABLISHED_V4", 2),
        ("INBOUND_MAC_FRAME_ETHERNET", 2), ("OUTBOUND_MAC_FRAME_ETHERNET", 2),
    ];

    private static readonly int[] SublayerWeights = [0x9000, 0x6000, 0x3000];

    /// <summary>
    /// An engine holding <paramref name="filterCount"/> such filters. Conditions on fields a layer lacks are dropped,
    /// so some filters (at the IP packet and MAC layers) end up matching everything; <paramref name="everyFilterConditional"/>
    /// draws again until each filter has at least one condition.
    /// </summary>
    public static FilterEngine Build(int seed, int filterCount, bool everyFilterConditional = false)
    {
        var engine = new FilterEngine();
        var rng = new Random(seed);
        using var txn = engine.BeginTransaction();
        var sublayers = SublayerWeights
            .Select((w, i) => txn.AddSublayer(new SublayerSpec { DisplayData = new DisplayData($"traffic sublayer {i}"), Weight = (ushort)w }).Key)
            .ToArray();
        var total = Layers.Sum(l => l.Weight);
        for (var n = 0; n < filterCount; n++)
        {
            var pick = rng.Next(total);
            var layerName = Layers[0].Layer;
            foreach (var (name, weight) in Layers)
            {
                if (pick < weight)
                {
                    layerName = name;
                    break;
                }

                pick -= weight;
            }

            var layer = LayerCatalog.Layer(layerName);
            txn.AddFilter(new FilterSpec
            {
                DisplayData = new DisplayData($"traffic filter {n}"),
                LayerKey = layer.Key,
                SublayerKey = sublayers[rng.Next(sublayers.Length)],
                Weight = rng.Next(3) == 0 ? FwpValue.FromUInt8((byte)rng.Next(16)) : FwpValue.Empty,
                Action = rng.Next(100) < 12 ? FilterAction.Block : FilterAction.Permit,
                Conditions = Conditions(rng, layer, everyFilterConditional),
            });
        }

        txn.Commit();
        return engine;
    }

    private static FilterCondition[] Conditions(Random rng, LayerInfo layer, bool nonEmpty)
    {
        var drawn = Draw(rng, layer);
        for (var attempt = 0; nonEmpty && drawn.Length == 0 && attempt < 20; attempt++)
        {
            drawn = Draw(rng, layer);
        }

        return drawn;
    }

    private static FilterCondition[] Draw(Random rng, LayerInfo layer)
    {
        var list = new List<FilterCondition>();
        void Add(string field, FwpMatchType match, FwpConditionValue value)
        {
            if (layer.FindField(field) is { ConditionKey: { } key } && list.TrueForAll(c => c.FieldKey != key))
            {
                list.Add(new FilterCondition(key, match, value));
            }
        }

        var v6 = layer.IpVersion == IpVersion.V6;
        var count = rng.Next(1, 4);
        for (var i = 0; i < count; i++)
        {
            switch (rng.Next(6))
            {
                case 0:
                    Add("IP_PROTOCOL", FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt8(rng.Next(3) switch { 0 => 6, 1 => 17, _ => v6 ? (byte)58 : (byte)1 })));
                    break;
                case 1:
                    Add("IP_REMOTE_PORT", FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt16((ushort)(rng.Next(4) == 0 ? rng.Next(1, 65535) : TrafficGenerator.TcpPorts[rng.Next(TrafficGenerator.TcpPorts.Count)]))));
                    break;
                case 2:
                    var low = (ushort)rng.Next(1, 60000);
                    Add("IP_LOCAL_PORT", FwpMatchType.Range, FwpConditionValue.Range(FwpValue.FromUInt16(low), FwpValue.FromUInt16((ushort)(low + rng.Next(1, 5000)))));
                    break;
                case 3:
                    Add("IP_REMOTE_ADDRESS", FwpMatchType.Equal, v6
                        ? FwpConditionValue.V6AddressMask(((UInt128)0x2001_0db8_0000_0000UL << 64) | (uint)rng.Next(0, 0xFFFF), (byte)rng.Next(112, 129))
                        : FwpConditionValue.V4AddressMask((rng.Next(2) == 0 ? 0xC000_0200u : 0xC633_6400u) | (uint)rng.Next(0, 256), 0xFFFF_FFFFu << rng.Next(0, 8)));
                    break;
                case 4:
                    Add("IP_LOCAL_ADDRESS", FwpMatchType.Equal, v6
                        ? FwpConditionValue.V6AddressMask((UInt128)0xfd00_0000_0000_0000UL << 64, 64)
                        : FwpConditionValue.V4AddressMask(0x0A00_0000u | (uint)rng.Next(0, 256), 0xFFFF_FF00u << rng.Next(0, 4)));
                    break;
                default:
                    Add("ETHER_TYPE", FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt16(rng.Next(2) == 0 ? (ushort)0x0800 : (ushort)0x86DD)));
                    Add("IP_REMOTE_PORT", FwpMatchType.Range, FwpConditionValue.Range(FwpValue.FromUInt16(1), FwpValue.FromUInt16((ushort)rng.Next(1, 1024))));
                    break;
            }
        }

        return [.. list];
    }
}
