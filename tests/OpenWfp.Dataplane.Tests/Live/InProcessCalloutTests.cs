using OpenWfp.Dataplane.Live;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Dataplane.Tests.Live;

/// <summary>
/// The data plane as a library: a .NET program hosts the engine, registers its own callout (WFP's classifyFn) and
/// enforces with <see cref="LiveDataplane"/> in a namespace. The callout, not a filter condition, decides.
/// </summary>
public sealed class InProcessCalloutTests
{
    [Fact]
    public void TerminatingCallout_DecidesLiveConnections()
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create(tcpPorts: "8080,8081,8082,8083");
        var engine = new FilterEngine();
        var layer = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4");
        var callout = new EvenPortBlocker(layer.Field("IP_REMOTE_PORT").Index);
        var key = engine.AddCallout(new CalloutSpec { DisplayData = new("even ports"), ApplicableLayer = layer.Key }).Key;
        engine.Callouts.Register(key, callout);
        engine.AddFilter(new FilterSpec
        {
            DisplayData = new("ask the callout about TCP"),
            LayerKey = layer.Key,
            Action = FilterAction.Callout(ActionType.CalloutTerminating, key),
            Conditions = [new FilterCondition(layer.Field("IP_PROTOCOL").ConditionKey!.Value, FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt8(6)))],
        });

        var dataplane = new LiveDataplane(engine, events: null, new DataplaneOptions { QueueNumber = 7100, ChainPrefix = "OWFPTEST" });
        try
        {
            InProcess.Start(lab.Client, dataplane);
            Assert.False(lab.Tcp(LiveLab.V4(2), 8080), "8080 is even: the callout blocks it");
            Assert.True(lab.Tcp(LiveLab.V4(2), 8081), "8081 is odd: the callout permits it");
            Assert.False(lab.Tcp(LiveLab.V4(2), 8082), "8082 is even");
            Assert.True(lab.Tcp(LiveLab.V4(2), 8083), "8083 is odd");
            Assert.True(callout.Calls >= 4, $"the callout was called {callout.Calls} times");
            var stats = dataplane.Stats();
            Assert.True(stats.Blocked >= 2 && stats.Permitted >= 2, $"blocked {stats.Blocked}, permitted {stats.Permitted}");
        }
        finally
        {
            dataplane.Dispose();
        }

        Assert.Empty(lab.OurRulesWithPrefix("OWFPTEST"));
    }

    private sealed class EvenPortBlocker(int remotePortIndex) : ICallout
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
        {
            Interlocked.Increment(ref _calls);
            var port = context.Value(remotePortIndex).RawUInt64;
            classifyOut.ActionType = port % 2 == 0 ? ActionType.Block : ActionType.Permit;
        }
    }
}
