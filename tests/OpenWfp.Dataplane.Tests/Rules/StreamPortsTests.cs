using OpenWfp.Dataplane.Live;
using OpenWfp.Dataplane.Rules;
using OpenWfp.Dataplane.Tests.Live;
using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Dataplane.Tests.Rules;

/// <summary>
/// Narrow queueing for STREAM: when STREAM is the only per-packet layer with filters and each names its ports, only TCP
/// packets on those ports are queued; other connections stay in the kernel.
/// </summary>
public sealed class StreamPortsTests
{
    private static readonly LayerInfo Stream = LayerCatalog.Layer("STREAM_V4");

    [Fact]
    public void PortRules_ComeBeforeTheFastPath()
    {
        var family = new FamilyPlan(HookMode.FirstPacketAndTcpPorts, HookMode.TcpPorts, HookMode.None) { StreamPorts = "80,8080" };
        var text = new RulesManager().Render(new RulePlan(family, FamilyPlan.Off, 0, 1, false, MarkBits.Default), 4);
        Assert.Equal(
            """
            *mangle
            :OPENWFP-OUT - [0:0]
            :OPENWFP-IN - [0:0]
            :OPENWFP-FWD - [0:0]
            -A OPENWFP-OUT -m mark ! --mark 0x0/0xf00000 -j CONNMARK --save-mark --nfmask 0xf00000 --ctmask 0xf00000
            -A OPENWFP-OUT -m connmark --mark 0x400000/0x400000 -j DROP
            -A OPENWFP-OUT -m mark ! --mark 0x0/0xf00000 -j RETURN
            -A OPENWFP-OUT -p tcp -m multiport --ports 80,8080 -j NFQUEUE --queue-num 0
            -A OPENWFP-OUT -m connmark --mark 0x300000/0x300000 -j RETURN
            -A OPENWFP-OUT -j NFQUEUE --queue-num 0
            -A OPENWFP-IN -m mark ! --mark 0x0/0xf00000 -j CONNMARK --save-mark --nfmask 0xf00000 --ctmask 0xf00000
            -A OPENWFP-IN -m connmark --mark 0x400000/0x400000 -j DROP
            -A OPENWFP-IN -m mark ! --mark 0x0/0xf00000 -j RETURN
            -A OPENWFP-IN -p tcp -m multiport --ports 80,8080 -j NFQUEUE --queue-num 0
            COMMIT

            """.ReplaceLineEndings("\n"),
            text);
    }

    [Fact]
    public void PortModes_NeedValidPorts()
    {
        var manager = new RulesManager();
        foreach (var ports in (string?[])[null, "", "0", "80,x", string.Join(',', Enumerable.Range(1, 16))])
        {
            var plan = new RulePlan(new FamilyPlan(HookMode.TcpPorts, HookMode.None, HookMode.None) { StreamPorts = ports }, FamilyPlan.Off, 0, 1, false, MarkBits.Default);
            Assert.Throws<ArgumentException>(() => manager.Render(plan, 4));
        }
    }

    [Fact]
    public void Planner_NarrowsOnlyWhenEveryStreamFilterNamesItsPorts()
    {
        var engine = new FilterEngine();
        var options = new DataplaneOptions();
        engine.AddFilter(StreamFilter(("IP_REMOTE_PORT", 80), ("IP_REMOTE_PORT", 443)));
        engine.AddFilter(StreamFilter(("IP_LOCAL_PORT", 8080), ("IP_REMOTE_PORT", 1234)));
        var plan = RulePlanner.Plan(engine.Current, options);
        Assert.Equal(new FamilyPlan(HookMode.TcpPorts, HookMode.TcpPorts, HookMode.None) { StreamPorts = "80,443,8080" }, plan.V4);
        Assert.Equal("80,443,8080", RulePlanner.StreamPorts(engine.Current, LayerIds.StreamV4));
        Assert.True(plan.V6.IsOff);

        // An ALE filter: other connections are queued for their first packet.
        engine.AddFilter(new FilterSpec { DisplayData = new("ale"), LayerKey = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4").Key, Action = FilterAction.Permit });
        Assert.Equal(HookMode.FirstPacketAndTcpPorts, RulePlanner.Plan(engine.Current, options).V4.Output);

        // Another per-packet layer in one direction: that direction queues every packet.
        engine.AddFilter(new FilterSpec { DisplayData = new("transport"), LayerKey = LayerCatalog.Layer("INBOUND_TRANSPORT_V4").Key, Action = FilterAction.Permit });
        plan = RulePlanner.Plan(engine.Current, options);
        Assert.Equal(HookMode.FirstPacketAndTcpPorts, plan.V4.Output);
        Assert.Equal(HookMode.EveryPacket, plan.V4.Input);

        // A STREAM filter that can match any port: no narrowing.
        engine.AddFilter(StreamFilter());
        plan = RulePlanner.Plan(engine.Current, options);
        Assert.Equal(HookMode.EveryPacket, plan.V4.Output);
        Assert.Null(plan.V4.StreamPorts);
    }

    [Fact]
    public void LiveConnection_TheStreamConditionsExclude_IsNotQueued()
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create(tcpPorts: "8080,8081");
        var engine = new FilterEngine();
        engine.AddFilter(StreamFilter(("IP_REMOTE_PORT", 8080)));
        const int Queue = 7103;
        var dataplane = new LiveDataplane(engine, events: null, new DataplaneOptions { QueueNumber = Queue, ChainPrefix = "OWFPTEST" });
        try
        {
            InProcess.Start(lab.Client, dataplane);
            Assert.Equal(HookMode.TcpPorts, dataplane.Plan!.V4.Output);
            var before = lab.QueuedSoFar(Queue);
            Assert.True(lab.Tcp(LiveLab.V4(2), 8081));
            Assert.Equal(before, lab.QueuedSoFar(Queue));

            // The inspected port: its handshake, data and teardown, both ways.
            Assert.True(lab.Tcp(LiveLab.V4(2), 8080));
            var queued = lab.QueuedSoFar(Queue) - before;
            Assert.True(queued >= 6, $"{queued} packets of the 8080 connection were queued");
        }
        finally
        {
            dataplane.Dispose();
        }
    }

    private static FilterSpec StreamFilter(params (string Field, int Value)[] conditions) => new()
    {
        DisplayData = new("stream"),
        LayerKey = Stream.Key,
        Action = FilterAction.Permit,
        Conditions = [.. conditions.Select(c => new FilterCondition(
            Stream.Field(c.Field).ConditionKey!.Value,
            FwpMatchType.Equal,
            FwpConditionValue.Of(FwpValue.FromUInt16((ushort)c.Value))))],
    };
}
