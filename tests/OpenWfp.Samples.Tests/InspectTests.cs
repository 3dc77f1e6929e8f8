using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Samples.Callouts.Inspect;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Samples.Tests;

/// <summary>The Inspect sample: ALE classifications pended and completed out of band; packets cloned and re-injected or dropped.</summary>
public sealed class InspectTests : IDisposable
{
    private readonly FilterEngine _engine = new();
    private readonly RecordingInjector _injector = new();
    private readonly InspectCallout _callout;

    public InspectTests() => _callout = SampleHarness.Plug(_engine, new InspectCallout());

    public void Dispose() => _callout.Dispose();

    [Theory]
    [InlineData("192.0.2.7", 443, ActionType.Permit)]
    [InlineData("192.0.2.66", 443, ActionType.Block)]
    [InlineData("198.51.100.1", 23, ActionType.Block)]
    [InlineData("198.51.100.1", 80, ActionType.Permit)]
    public void AleConnect_IsPended_ThenCompletedWithTheWorkersDecision(string remote, ushort port, ActionType expected)
    {
        SampleHarness.AddFilter(_engine, "ALE_AUTH_CONNECT_V4", SampleHarness.KeyOf<InspectCallout>("inspect.ale-connect-v4"), "block=192.0.2.66,198.51.100.1:23");
        var layer = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4");
        var values = Connection(layer, remote, port);

        var first = _engine.Classify(layer, values, Pendable(7), default, new LayerData(_injector));
        Assert.Equal(ActionType.Block, first.Action);
        Assert.True(first.IsAbsorbed);
        Assert.NotEqual(0u, first.Flags & ClassifyOut.FlagPend);
        Assert.True(RecordingInjector.WaitUntil(() => _injector.Completed.Contains(7UL)), "the worker did not complete the pended classification");

        // The data plane classifies the connection again (a new completion handle): the callout answers what it decided.
        var again = _engine.Classify(layer, values, Pendable(8), default, new LayerData(_injector));
        Assert.Equal(expected, again.Action);
        Assert.Equal(0u, again.Flags & ClassifyOut.FlagPend);
        Assert.Single(_injector.Completed);
        Assert.Equal(1, _callout.Pended);
        Assert.Equal(1, _callout.Completed);

        // Answered once: a later connection with the same tuple is pended again.
        Assert.NotEqual(0u, _engine.Classify(layer, values, Pendable(9), default, new LayerData(_injector)).Flags & ClassifyOut.FlagPend);
    }

    [Fact]
    public void AleRecvAccept_WithoutAnInjector_IsDecidedInline()
    {
        SampleHarness.AddFilter(_engine, "ALE_AUTH_RECV_ACCEPT_V4", SampleHarness.KeyOf<InspectCallout>("inspect.ale-recv-accept-v4"), "block=192.0.2.66");
        var layer = LayerCatalog.Layer("ALE_AUTH_RECV_ACCEPT_V4");

        Assert.Equal(ActionType.Block, _engine.Classify(layer, Connection(layer, "192.0.2.66", 22), Pendable(1)).Action);
        Assert.Equal(ActionType.Permit, _engine.Classify(layer, Connection(layer, "192.0.2.67", 22), Pendable(2)).Action);
        Assert.Equal(0, _callout.Pended);
    }

    [Theory]
    [InlineData("OUTBOUND_TRANSPORT_V4", true)]
    [InlineData("INBOUND_TRANSPORT_V4", false)]
    public void TransportPacket_IsAbsorbed_ThenACopyReinjected(string layerName, bool outbound)
    {
        var name = outbound ? "inspect.outbound-transport-v4" : "inspect.inbound-transport-v4";
        SampleHarness.AddFilter(_engine, layerName, SampleHarness.KeyOf<InspectCallout>(name), "block=192.0.2.66");
        var layer = LayerCatalog.Layer(layerName);
        byte[] packet = [0x45, 0, 0, 24, 1, 2, 3, 4, 64, 6, 0, 0, 10, 0, 0, 1, 192, 0, 2, 7, 0x30, 0x39, 0x01, 0xbb];

        var result = _engine.Classify(layer, Connection(layer, "192.0.2.7", 443), default, default, new LayerData(packet, 20, 4, 20, 3, _injector));
        Assert.True(result.IsAbsorbed);
        packet[0] = 0; // the callout kept a copy: the data plane's buffer may be reused at once

        var queue = outbound ? _injector.Sent : _injector.Received;
        Assert.True(RecordingInjector.WaitUntil(() => !queue.IsEmpty), "the worker did not re-inject the packet");
        Assert.True(queue.TryDequeue(out var injected));
        Assert.Equal(0x45, injected.Packet[0]);
        Assert.Equal(packet[1..], injected.Packet[1..]);
        Assert.Equal(3u, injected.Interface);
        Assert.Equal(1, _callout.Reinjected);

        // A blocked peer's packet is absorbed and never re-injected.
        Assert.True(_engine.Classify(layer, Connection(layer, "192.0.2.66", 443), default, default, new LayerData(packet, 20, 4, 20, 3, _injector)).IsAbsorbed);
        Assert.True(RecordingInjector.WaitUntil(() => _callout.Dropped == 1));
        Assert.Empty(_injector.Sent);
        Assert.Empty(_injector.Received);
    }

    [Fact]
    public void BadBlockList_IsRefusedWhenTheFilterIsAdded()
    {
        var e = Assert.Throws<OpenWfp.Engine.Errors.WfpException>(() =>
            SampleHarness.AddFilter(_engine, "ALE_AUTH_CONNECT_V4", SampleHarness.KeyOf<InspectCallout>("inspect.ale-connect-v4"), "block=not-an-address"));
        Assert.Equal(OpenWfp.Engine.Errors.WfpError.CalloutNotificationFailed, e.Error);
    }

    private static ClassifyMetadata Pendable(ulong handle) => new()
    {
        CurrentMetadataValues = ClassifyMetadata.FieldCompletionHandle,
        CompletionHandle = handle,
    };

    private static FwpValue[] Connection(LayerInfo layer, string remote, ushort port) => Input(
        layer,
        ("IP_REMOTE_ADDRESS", FwpValue.FromUInt32(IPv4(remote))),
        ("IP_REMOTE_PORT", FwpValue.FromUInt16(port)),
        ("IP_LOCAL_ADDRESS", FwpValue.FromUInt32(IPv4("10.0.0.1"))),
        ("IP_LOCAL_PORT", FwpValue.FromUInt16(12345)),
        ("IP_PROTOCOL", FwpValue.FromUInt8(6)));
}
