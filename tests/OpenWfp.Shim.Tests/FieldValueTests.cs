using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Testing.Packets;
using OpenWfp.Wire;

namespace OpenWfp.Shim.Tests;

/// <summary>The values each layer receives: oriented to this host, typed as the layer's schema says.</summary>
public sealed class FieldValueTests
{
    [Fact]
    public void AuthConnect_HasTheFiveTupleOrientedLocalRemote()
    {
        var h = new ShimHarness();
        h.Send(Frames.TcpOut(TcpFlags.Syn, sport: 40001, dport: 443));
        const string L = "ALE_AUTH_CONNECT_V4";
        Assert.Equal(FwpValue.FromUInt8(IpProtocol.Tcp), h.Value(L, "IP_PROTOCOL"));
        Assert.Equal(FwpValue.FromUInt32(Frames.Local4), h.Value(L, "IP_LOCAL_ADDRESS"));
        Assert.Equal(FwpValue.FromUInt32(Frames.Peer4), h.Value(L, "IP_REMOTE_ADDRESS"));
        Assert.Equal(FwpValue.FromUInt16(40001), h.Value(L, "IP_LOCAL_PORT"));
        Assert.Equal(FwpValue.FromUInt16(443), h.Value(L, "IP_REMOTE_PORT"));
        Assert.Equal(FwpValue.FromUInt8(StackValues.AddressUnicast), h.Value(L, "IP_LOCAL_ADDRESS_TYPE"));
        Assert.Equal(FwpValue.FromUInt8(StackValues.AddressUnicast), h.Value(L, "IP_DESTINATION_ADDRESS_TYPE"));
        Assert.Equal(FwpValue.FromUInt32(StackValues.InterfaceTypeEthernet), h.Value(L, "INTERFACE_TYPE"));
        Assert.Equal(FwpValue.FromUInt32(1), h.Value(L, "INTERFACE_INDEX"));
        Assert.Equal(FwpValue.FromUInt32(0), h.Value(L, "FLAGS"));
        Assert.True(h.Value(L, "ALE_APP_ID").IsEmpty); // no process identity offline
        Assert.True(h.Value(L, "ALE_USER_ID").IsEmpty);
    }

    [Fact]
    public void RecvAccept_LocalIsTheDestination()
    {
        var h = new ShimHarness();
        h.Send(Frames.TcpIn(TcpFlags.Syn, sport: 51000, dport: 22));
        const string L = "ALE_AUTH_RECV_ACCEPT_V4";
        Assert.Equal(FwpValue.FromUInt32(Frames.Local4), h.Value(L, "IP_LOCAL_ADDRESS"));
        Assert.Equal(FwpValue.FromUInt32(Frames.Peer4), h.Value(L, "IP_REMOTE_ADDRESS"));
        Assert.Equal(FwpValue.FromUInt16(22), h.Value(L, "IP_LOCAL_PORT"));
        Assert.Equal(FwpValue.FromUInt16(51000), h.Value(L, "IP_REMOTE_PORT"));
    }

    [Fact]
    public void V6Layers_CarryByteArray16Addresses()
    {
        var h = new ShimHarness();
        h.Send(Frames.Out6(PacketBuilder.Udp(5000, 53, [1]), IpProtocol.Udp));
        Assert.Equal(FwpValue.FromByteArray16(Frames.Local6), h.Value("ALE_AUTH_CONNECT_V6", "IP_LOCAL_ADDRESS"));
        Assert.Equal(FwpValue.FromByteArray16(Frames.Peer6), h.Value("OUTBOUND_IPPACKET_V6", "IP_REMOTE_ADDRESS"));
    }

    [Fact]
    public void MacLayer_HasMacsTypesEtherTypeAndVlan()
    {
        var h = new ShimHarness();
        var tagged = PacketBuilder.Ethernet(Frames.LocalMac, Frames.PeerMac, EtherType.Ipv4,
            PacketBuilder.Ipv4(Frames.Peer4, Frames.Local4, IpProtocol.Udp, PacketBuilder.Udp(53, 5000, [1])), (EtherType.Vlan, 42));
        h.Send(tagged);
        const string L = "INBOUND_MAC_FRAME_ETHERNET";
        Assert.Equal(FwpValue.FromByteArray6(Frames.LocalMac), h.Value(L, "MAC_LOCAL_ADDRESS"));
        Assert.Equal(FwpValue.FromByteArray6(Frames.PeerMac), h.Value(L, "MAC_REMOTE_ADDRESS"));
        Assert.Equal(FwpValue.FromUInt8(StackValues.MacUnicast), h.Value(L, "MAC_REMOTE_ADDRESS_TYPE"));
        Assert.Equal(FwpValue.FromUInt16(EtherType.Ipv4), h.Value(L, "ETHER_TYPE"));
        Assert.Equal(FwpValue.FromUInt16(42), h.Value(L, "VLAN_ID"));
    }

    [Fact]
    public void MulticastAndBroadcastDestinations_HaveTheirAddressTypes()
    {
        Assert.Equal(StackValues.AddressMulticast, PacketShim.AddressType(4, 0xE000_00FBu));
        Assert.Equal(StackValues.AddressBroadcast, PacketShim.AddressType(4, 0xFFFF_FFFFu));
        Assert.Equal(StackValues.AddressUnspecified, PacketShim.AddressType(4, 0));
        Assert.Equal(StackValues.AddressMulticast, PacketShim.AddressType(6, (UInt128)0xff02_0000_0000_0000UL << 64 | 1));
        Assert.Equal(StackValues.AddressUnicast, PacketShim.AddressType(6, Frames.Peer6));
    }

    [Fact]
    public void Metadata_CarriesDirectionAndFlowHandle()
    {
        var h = new ShimHarness();
        var v = h.Send(Frames.UdpOut());
        var md = h.Step("DATAGRAM_DATA_V4").Metadata;
        Assert.True(md.HasFlowHandle);
        Assert.Equal(v.FlowId, md.FlowHandle);
        Assert.Equal((uint)FwpDirection.Outbound, md.PacketDirection);
    }

    [Fact]
    public void EveryFedLayer_GetsValuesOfItsSchemaTypes()
    {
        // Every value the shim writes has the incoming type the catalog (layers.json) gives its field.
        var h = new ShimHarness();
        h.Send(Frames.TcpOut(TcpFlags.Syn));
        h.Send(Frames.TcpIn(TcpFlags.Syn | TcpFlags.Ack));
        foreach (var step in h.Trace.Steps.ToArray())
        {
            var layer = LayerCatalog.ById(step.LayerId)!;
            var values = h.Trace.ValuesOf(step);
            for (var i = 0; i < values.Length; i++)
            {
                if (!values[i].IsEmpty && values[i].Type != FwpDataType.TokenAccessInformation)
                {
                    Assert.True(values[i].Type == layer.Fields[i].IncomingType, $"{layer.ShortName}.{layer.Fields[i].Name}: {values[i].Type} vs {layer.Fields[i].IncomingType}");
                }
            }
        }
    }

    [Fact]
    public void FedLayers_AreTheOnesTheDesignNames()
    {
        var names = ShimLayers.FedLayers.Select(l => l.ShortName).ToHashSet();
        foreach (var v in new[] { "V4", "V6" })
        {
            foreach (var n in new[] { "INBOUND_IPPACKET_", "OUTBOUND_IPPACKET_", "IPFORWARD_", "INBOUND_TRANSPORT_", "OUTBOUND_TRANSPORT_", "STREAM_", "DATAGRAM_DATA_", "INBOUND_ICMP_ERROR_", "OUTBOUND_ICMP_ERROR_", "ALE_AUTH_CONNECT_", "ALE_AUTH_RECV_ACCEPT_", "ALE_FLOW_ESTABLISHED_" })
            {
                Assert.Contains(n + v, names);
            }
        }

        Assert.Contains("INBOUND_MAC_FRAME_ETHERNET", names);
        Assert.Contains("OUTBOUND_MAC_FRAME_ETHERNET", names);
    }
}
