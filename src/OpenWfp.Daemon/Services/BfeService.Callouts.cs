using Grpc.Core;
using OpenWfp.Daemon.Callouts;
using OpenWfp.Engine.Errors;
using OpenWfp.Protocol.Mapping;
using OpenWfp.Protocol.V1;

namespace OpenWfp.Daemon.Services;

/// <summary>Remote callouts: the CalloutSession stream and the callout counters (docs/CALLOUTS.md, Remote callouts).</summary>
internal sealed partial class BfeService
{
    public override async Task CalloutSession(IAsyncStreamReader<CalloutClientMessage> requestStream, IServerStreamWriter<CalloutServerMessage> responseStream, ServerCallContext context)
    {
        var hub = Hub(context);
        var session = hub.Open(Caller(context), log);
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);

        // One writer: gRPC allows one write at a time, and classifies are queued from several packet threads.
        var writer = WriteAllAsync(session, responseStream, ended);
        try
        {
            // The headers tell the client the session is in place before its first register is answered.
            await context.WriteResponseHeadersAsync([]);
            while (await requestStream.MoveNext(ended.Token))
            {
                session.Handle(requestStream.Current);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or RpcException)
        {
            // The client went away (or the writer failed): the session ends as if the client had closed it.
        }
        finally
        {
            session.Close();
            await ended.CancelAsync();
            await writer;
        }
    }

    public override Task<CalloutStats> GetCalloutStats(ObjectRef request, ServerCallContext context) => Run(context, s =>
    {
        bfe.Access.DemandRead(s.Caller, "read callout counters");
        var key = Key(request);
        var hub = Hub(context);
        var slot = bfe.Engine.Callouts.Slot(key);
        var counters = hub.CountersOf(key);
        return new CalloutStats
        {
            CalloutKey = ProtoMap.KeyToProto(key),
            Registered = slot.Callout is not null,
            Remote = slot.Callout is RemoteCallout,
            Invocations = (ulong)slot.Invocations,
            Faults = (ulong)slot.Faults,
            Timeouts = (ulong)counters.Timeouts,
            Disconnects = (ulong)counters.Disconnects,
            BadAnswers = (ulong)counters.BadAnswers,
            ClientErrors = (ulong)counters.ClientErrors,
            UnmatchedAnswers = (ulong)hub.UnmatchedAnswers,
            Pended = (ulong)counters.Pended,
            Completed = (ulong)counters.Completed,
        };
    });

    private static RemoteCalloutHub Hub(ServerCallContext context) =>
        context.GetHttpContext().RequestServices.GetService<RemoteCalloutHub>()
        ?? throw new WfpException(WfpError.NotFound, "remote callouts are not served by this wfpd");

    private static async Task WriteAllAsync(RemoteCalloutSession session, IServerStreamWriter<CalloutServerMessage> stream, CancellationTokenSource ended)
    {
        var outgoing = session.Outgoing;
        try
        {
            while (await outgoing.WaitToReadAsync(ended.Token))
            {
                while (outgoing.TryRead(out var message))
                {
                    // Buffer while more are queued; the last one of a burst flushes them all in one socket write.
                    stream.WriteOptions = outgoing.Count > 0 ? BufferHint : null;
                    await stream.WriteAsync(message);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or RpcException or InvalidOperationException)
        {
            // The stream is gone: stop reading too, so that the session closes and its classifies act unregistered.
            await ended.CancelAsync();
            session.Close();
        }
    }

    private static readonly WriteOptions BufferHint = new(WriteFlags.BufferHint);
}
