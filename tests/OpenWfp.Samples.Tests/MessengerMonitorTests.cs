using System.Text;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Samples.Callouts.MsnMntr;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Samples.Tests;

/// <summary>The MsnMntr sample: a flow context for the configured application's connections, then their stream logged.</summary>
public sealed class MessengerMonitorTests : IDisposable
{
    private static readonly LayerInfo Established4 = LayerCatalog.Layer("ALE_FLOW_ESTABLISHED_V4");
    private static readonly LayerInfo Stream4 = LayerCatalog.Layer("STREAM_V4");
    private readonly FilterEngine _engine = new();
    private readonly MessengerMonitor _monitor;
    private readonly string _directory = Directory.CreateTempSubdirectory("msnmntr-").FullName;

    public MessengerMonitorTests()
    {
        _monitor = SampleHarness.Plug(_engine, new MessengerMonitor());
        SampleHarness.AddFilter(_engine, "ALE_FLOW_ESTABLISHED_V4", new Guid(MessengerMonitor.FlowEstablishedV4Key), $"app=/usr/bin/chat;dir={_directory}");
        SampleHarness.AddFilter(_engine, "STREAM_V4", new Guid(MessengerMonitor.StreamV4Key), null);
    }

    public void Dispose()
    {
        _monitor.Detach();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void ConfiguredApplication_IsMonitored_TextLinesAndByteCountsLogged()
    {
        Assert.Equal(ActionType.Permit, Established(42, "/usr/bin/chat").Action);
        var streamSlot = _engine.Callouts.Slot(new Guid(MessengerMonitor.StreamV4Key));
        Assert.True(_engine.FlowContexts.TryGet(42, LayerIds.StreamV4, streamSlot.CalloutId, out var context));
        Assert.Equal(42UL, context);

        Assert.Equal(ActionType.Permit, Stream(42, StreamDataFlags.Send, "hello\nwor", "").Action);
        Stream(42, StreamDataFlags.Send, "ld\n\u0001\u0002", "");
        Stream(42, StreamDataFlags.Receive, "hi ", "back\n");

        Assert.Equal(1, _engine.FlowContexts.DeleteFlow(42)); // flowDeleteFn closes the log
        var log = File.ReadAllLines(Path.Combine(_directory, "flow-42.log"));
        Assert.Equal(["> hello", "> world", "< hi back", "bytes sent=14 received=8"], log);
        Assert.Equal(0, _monitor.MonitoredFlows);
    }

    [Fact]
    public void OtherApplication_IsNotMonitored_AndTheStreamCalloutIsNotCalled()
    {
        Established(43, "/usr/bin/other");
        var streamSlot = _engine.Callouts.Slot(new Guid(MessengerMonitor.StreamV4Key));
        Assert.False(_engine.FlowContexts.TryGet(43, LayerIds.StreamV4, streamSlot.CalloutId, out _));

        var invocations = streamSlot.Invocations;
        Stream(43, StreamDataFlags.Send, "secret\n", "");
        Assert.Equal(invocations, streamSlot.Invocations); // CONDITIONAL_ON_FLOW: no context, no call
        Assert.Empty(Directory.GetFiles(_directory));
    }

    private ClassifyResult Established(ulong flow, string app) =>
        _engine.Classify(Established4, Input(Established4, ("ALE_APP_ID", AppId.ValueFromPath(app))), ClassifyMetadata.ForFlow(flow));

    private ClassifyResult Stream(ulong flow, StreamDataFlags flags, string first, string second)
    {
        var io = default(StreamIoResult);
        var data = new StreamData(flags, 0, Encoding.UTF8.GetBytes(first), Encoding.UTF8.GetBytes(second), 0);
        return _engine.Classify(Stream4, Input(Stream4), ClassifyMetadata.ForFlow(flow), default, new LayerData(data, ref io, null));
    }
}
