using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using OpenWfp.Bfe.Access;
using OpenWfp.Daemon.Callouts;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Protocol.V1;
using ActionType = OpenWfp.Engine.Model.ActionType;
using DisplayData = OpenWfp.Engine.Model.DisplayData;
using FilterAction = OpenWfp.Engine.Model.FilterAction;

namespace OpenWfp.Daemon.Tests;

/// <summary>
/// The remote callout proxy in process, without the transport: the test plays the client by reading the session's
/// outgoing messages and handing it answers. Covers what the Classify RPC cannot drive: a pendable classify with a
/// data plane's injector (pend, then complete), and answers wfpd must refuse.
/// </summary>
public sealed class RemoteCalloutSessionTests
{
    private static readonly LayerInfo Connect4 = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4");

    [Fact]
    public async Task PendThenComplete_HoldsTheClassify_AndCompletesThroughTheClassifysInjector()
    {
        var (engine, hub, session, key) = Setup();
        var injector = new RecordingInjector();
        var client = Task.Run(async () =>
        {
            var request = await NextClassifyAsync(session);
            session.Handle(new CalloutClientMessage { Result = new CalloutClassifyResult { RequestId = request.RequestId, Action = (uint)ActionType.Block, Flags = ClassifyOut.FlagAbsorb | ClassifyOut.FlagPend, ClearActionRight = true } });

            // Complete at once: the session must already know the pend when the answer has been handed over.
            session.Handle(new CalloutClientMessage { Complete = new CalloutComplete { Token = 7, CompletionHandle = request.Metadata.CompletionHandle } });
            return (request, await NextAckAsync(session));
        });

        var metadata = new ClassifyMetadata { CurrentMetadataValues = ClassifyMetadata.FieldCompletionHandle | ClassifyMetadata.FieldFlowHandle, CompletionHandle = 0xC0DE, FlowHandle = 41 };
        var result = engine.Classify(Connect4, new FwpValue[Connect4.Fields.Count], in metadata, default, new LayerData(injector));
        var (sent, ack) = await client.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ActionType.Block, result.Action);
        Assert.Equal(0xC0DEul, sent.Metadata.CompletionHandle);
        Assert.Equal(41ul, sent.Metadata.FlowHandle);
        Assert.Equal(7ul, ack.Token);
        Assert.Equal(0u, ack.ErrorCode);
        Assert.Equal([0xC0DEul], injector.Completed);
        Assert.Equal(1, hub.CountersOf(key).Pended);
        Assert.Equal(1, hub.CountersOf(key).Completed);

        session.Handle(new CalloutClientMessage { Complete = new CalloutComplete { Token = 8, CompletionHandle = 0xC0DE } });
        var twice = await NextAckAsync(session);
        Assert.Equal((uint)WfpError.NotFound, twice.ErrorCode);
        Assert.Equal("FWP_E_NOT_FOUND", twice.Error);
        Assert.Single(injector.Completed);
    }

    [Theory]
    [InlineData(0x1234u, 0u)] // not an action
    [InlineData((uint)ActionType.Block, ClassifyOut.FlagAbsorb | ClassifyOut.FlagPend)] // a pend where nothing can complete it
    [InlineData((uint)ActionType.Permit, 0x100u)] // a flag wfpd does not take from a client
    public async Task UnusableAnswer_ActsUnregistered_AndIsCounted(uint action, uint flags)
    {
        var (engine, hub, session, key) = Setup(permitIfUnregistered: true);
        var client = Task.Run(async () =>
        {
            var request = await NextClassifyAsync(session);
            session.Handle(new CalloutClientMessage { Result = new CalloutClassifyResult { RequestId = request.RequestId, Action = action, Flags = flags } });
        });

        var result = engine.Classify(Connect4, new FwpValue[Connect4.Fields.Count]);
        await client.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ActionType.Permit, result.Action); // PERMIT_IF_CALLOUT_UNREGISTERED
        Assert.Equal(1, hub.CountersOf(key).BadAnswers);
        Assert.Equal(1, engine.Callouts.FaultsOf(key));
    }

    [Fact]
    public async Task AnswerWithAnotherRequestId_IsUnmatched_AndTheClassifyTimesOut()
    {
        var (engine, hub, session, key) = Setup(deadline: TimeSpan.FromMilliseconds(50));
        var client = Task.Run(async () =>
        {
            var request = await NextClassifyAsync(session);
            session.Handle(new CalloutClientMessage { Result = new CalloutClassifyResult { RequestId = request.RequestId + 1000, Action = (uint)ActionType.Permit } });
        });

        var result = engine.Classify(Connect4, new FwpValue[Connect4.Fields.Count]);
        await client.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ActionType.Block, result.Action);
        Assert.Equal(1, hub.UnmatchedAnswers);
        Assert.Equal(1, hub.CountersOf(key).Timeouts);
    }

    [Fact]
    public async Task SessionClosedWhileWaiting_ActsUnregisteredAtOnce_AndUnregistersItsKeys()
    {
        var (engine, hub, session, key) = Setup(deadline: TimeSpan.FromSeconds(30));
        var client = Task.Run(async () =>
        {
            await NextClassifyAsync(session);
            session.Close();
        });

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = engine.Classify(Connect4, new FwpValue[Connect4.Fields.Count]);
        await client.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ActionType.Block, result.Action);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal(1, hub.CountersOf(key).Disconnects);
        Assert.False(engine.Callouts.IsRegistered(key));
        Assert.Empty(session.Keys);
    }

    [Fact]
    public async Task ConcurrentClassifies_EachGetTheirOwnAnswer()
    {
        var (engine, _, session, _) = Setup();
        var port = Connect4.Field("IP_REMOTE_PORT").Index;
        using var stop = new CancellationTokenSource();
        var client = Task.Run(async () =>
        {
            // Answers in reverse order of arrival, in batches, so that answers and waiters must be matched by id.
            var batch = new List<CalloutClassifyRequest>();
            while (!stop.IsCancellationRequested)
            {
                while (session.Outgoing.TryRead(out var m))
                {
                    batch.Add(m.Classify);
                }

                batch.Reverse();
                foreach (var r in batch)
                {
                    var even = r.IncomingValues[port].Uint % 2 == 0;
                    session.Handle(new CalloutClientMessage { Result = new CalloutClassifyResult { RequestId = r.RequestId, Action = (uint)(even ? ActionType.Permit : ActionType.Block) } });
                }

                batch.Clear();
                await Task.Delay(1);
            }
        });

        var wrong = new ConcurrentBag<ushort>();
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            var values = new FwpValue[Connect4.Fields.Count];
            for (var i = 0; i < 200; i++)
            {
                var p = (ushort)((t * 1000) + i);
                values[port] = FwpValue.FromUInt16(p);
                var expected = p % 2 == 0 ? ActionType.Permit : ActionType.Block;
                if (engine.Classify(Connect4, values).Action != expected)
                {
                    wrong.Add(p);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        await stop.CancelAsync();
        await client;

        Assert.Empty(wrong);
    }

    private static (FilterEngine Engine, RemoteCalloutHub Hub, RemoteCalloutSession Session, Guid Key) Setup(bool permitIfUnregistered = false, TimeSpan? deadline = null)
    {
        var engine = new FilterEngine();
        var key = engine.AddCallout(new CalloutSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData("remote"), ApplicableLayer = Connect4.Key }).Key;
        engine.AddFilter(new FilterSpec
        {
            Key = Guid.NewGuid(),
            DisplayData = new DisplayData("remote callout filter"),
            LayerKey = Connect4.Key,
            Action = FilterAction.Callout(ActionType.CalloutTerminating, key),
            Flags = permitIfUnregistered ? FilterFlags.PermitIfCalloutUnregistered : FilterFlags.None,
        });
        var hub = new RemoteCalloutHub(engine, new AccessPolicy(), deadline ?? TimeSpan.FromSeconds(10));
        var session = hub.Open(CallerIdentity.System, NullLogger.Instance);
        session.Handle(new CalloutClientMessage { Register = new CalloutRegister { Token = 1, CalloutKey = key.ToString() } });
        Assert.True(session.Outgoing.TryRead(out var ack));
        Assert.Equal(0u, ack.Ack.ErrorCode);
        return (engine, hub, session, key);
    }

    private static async Task<CalloutClassifyRequest> NextClassifyAsync(RemoteCalloutSession session)
    {
        var m = await session.Outgoing.ReadAsync();
        return m.Classify ?? throw new InvalidOperationException($"expected a classify, got {m.MessageCase}");
    }

    private static async Task<CalloutAck> NextAckAsync(RemoteCalloutSession session)
    {
        var m = await session.Outgoing.ReadAsync();
        return m.Ack ?? throw new InvalidOperationException($"expected an ack, got {m.MessageCase}");
    }

    private sealed class RecordingInjector : IPacketInjector
    {
        public List<ulong> Completed { get; } = [];

        public InjectStatus InjectSend(ReadOnlySpan<byte> ipDatagram, uint interfaceIndex) => InjectStatus.NotSupported;

        public InjectStatus InjectReceive(ReadOnlySpan<byte> ipDatagram, uint interfaceIndex) => InjectStatus.NotSupported;

        public InjectStatus InjectStream(ulong flowHandle, StreamDataFlags flags, ReadOnlySpan<byte> data) => InjectStatus.NotSupported;

        public InjectStatus StreamContinue(ulong flowHandle, StreamDataFlags direction) => InjectStatus.NotSupported;

        public InjectStatus CompletePended(ulong completionHandle)
        {
            lock (Completed)
            {
                Completed.Add(completionHandle);
            }

            return InjectStatus.Ok;
        }
    }
}
