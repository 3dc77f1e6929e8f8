using OpenWfp.Engine.Catalog;
using OpenWfp.Wire;
using static OpenWfp.Shim.Tests.StreamHarness;

namespace OpenWfp.Shim.Tests;

/// <summary>Packet layer data follows Microsoft Learn's "Data offset positions" (docs/SHIM.md, "Layer data").</summary>
public sealed class LayerDataTests
{
    // IPv4 header 20 bytes; TCP header 20; UDP header 8.
    [Theory]
    [InlineData("INBOUND_IPPACKET_V4", false, true, 20)]
    [InlineData("OUTBOUND_IPPACKET_V4", true, true, 0)]
    [InlineData("INBOUND_TRANSPORT_V4", false, true, 40)]
    [InlineData("OUTBOUND_TRANSPORT_V4", true, true, 20)]
    [InlineData("DATAGRAM_DATA_V4", false, false, 28)]
    [InlineData("DATAGRAM_DATA_V4", true, false, 20)]
    [InlineData("INBOUND_TRANSPORT_V4", false, false, 28)]
    public void PacketLayers_GetTheDatagram_WithWfpDataOffset(string layer, bool outbound, bool tcp, int dataOffset)
    {
        var h = new StreamHarness(null, layer);
        byte[] payload = [1, 2, 3, 4, 5];
        var frame = (outbound, tcp) switch
        {
            (true, true) => Out(1, 0, TcpFlags.Syn, payload),
            (false, true) => In(1, 0, TcpFlags.Syn, payload),
            (true, false) => Frames.UdpOut(payload: payload),
            (false, false) => Frames.UdpIn(payload: payload),
        };
        h.Send(frame);
        var call = Assert.Single(h.Callout.PacketCalls);
        Assert.Equal(LayerCatalog.Layer(layer).LayerId, call.LayerId);
        Assert.Equal(dataOffset, call.DataOffset);
        Assert.Equal(20, call.IpHeaderSize);
        Assert.Equal(tcp ? 20 : 8, call.TransportHeaderSize);
        Assert.Equal(20 + (tcp ? 20 : 8) + payload.Length, call.PacketLength);
    }

    [Fact]
    public void AleAuthLayers_GetACompletionHandle_UniquePerClassification()
    {
        var h = new StreamHarness(null, "ALE_AUTH_CONNECT_V4");
        h.Send(Frames.UdpOut(sport: 1000));
        h.Send(Frames.UdpOut(sport: 1001));
        Assert.Equal(2, h.Callout.PacketCalls.Count);
        Assert.NotEqual(0UL, h.Callout.PacketCalls[0].CompletionHandle);
        Assert.NotEqual(h.Callout.PacketCalls[0].CompletionHandle, h.Callout.PacketCalls[1].CompletionHandle);
        Assert.Equal(0, h.Callout.PacketCalls[0].PacketLength);
    }
}
