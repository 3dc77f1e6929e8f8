using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Samples.Callouts.Inspect;

/// <summary>
/// The traffic inspection sample, after the behaviour Microsoft documents for its Inspect.sys sample (Microsoft Learn,
/// "Windows Filtering Platform Traffic Inspection Sample"): connections and their packets are decided out of band, on
/// a worker thread, instead of inside classify.
/// </summary>
/// <remarks>
/// <para>At ALE_AUTH_CONNECT and ALE_AUTH_RECV_ACCEPT the callout pends the classification (BLOCK + ABSORB +
/// <see cref="ClassifyOut.FlagPend"/>), queues the connection to the worker, and the worker completes it
/// (<see cref="IPacketInjector.CompletePended"/>); the data plane then classifies the connection again, and the
/// callout answers what the worker decided for it.</para>
/// <para>At OUTBOUND_TRANSPORT and INBOUND_TRANSPORT it absorbs each packet, queues a copy (the clone), and the worker
/// re-injects it (<see cref="IPacketInjector.InjectSend"/> / <see cref="IPacketInjector.InjectReceive"/>) or drops it.</para>
/// <para>Configuration: the filter's provider context, <c>block=ADDRESS[:PORT],...</c> — remote peers whose traffic
/// the worker drops; everything else the filter selects is let through after inspection.</para>
/// </remarks>
[CalloutKey("8f3a1c52-0d4e-4b8a-9a7e-2c1f5e6d7a01", Name = "inspect.ale-connect-v4", Layer = "ALE_AUTH_CONNECT_V4", UsesProviderContext = true, Description = "Inspect sample: connections decided out of band")]
[CalloutKey("8f3a1c52-0d4e-4b8a-9a7e-2c1f5e6d7a02", Name = "inspect.ale-recv-accept-v4", Layer = "ALE_AUTH_RECV_ACCEPT_V4", UsesProviderContext = true, Description = "Inspect sample: connections decided out of band")]
[CalloutKey("8f3a1c52-0d4e-4b8a-9a7e-2c1f5e6d7a03", Name = "inspect.outbound-transport-v4", Layer = "OUTBOUND_TRANSPORT_V4", UsesProviderContext = true, Description = "Inspect sample: packets cloned and re-injected out of band")]
[CalloutKey("8f3a1c52-0d4e-4b8a-9a7e-2c1f5e6d7a04", Name = "inspect.inbound-transport-v4", Layer = "INBOUND_TRANSPORT_V4", UsesProviderContext = true, Description = "Inspect sample: packets cloned and re-injected out of band")]
[CalloutKey("8f3a1c52-0d4e-4b8a-9a7e-2c1f5e6d7a05", Name = "inspect.ale-connect-v6", Layer = "ALE_AUTH_CONNECT_V6", UsesProviderContext = true, Description = "Inspect sample: connections decided out of band")]
[CalloutKey("8f3a1c52-0d4e-4b8a-9a7e-2c1f5e6d7a06", Name = "inspect.ale-recv-accept-v6", Layer = "ALE_AUTH_RECV_ACCEPT_V6", UsesProviderContext = true, Description = "Inspect sample: connections decided out of band")]
[CalloutKey("8f3a1c52-0d4e-4b8a-9a7e-2c1f5e6d7a07", Name = "inspect.outbound-transport-v6", Layer = "OUTBOUND_TRANSPORT_V6", UsesProviderContext = true, Description = "Inspect sample: packets cloned and re-injected out of band")]
[CalloutKey("8f3a1c52-0d4e-4b8a-9a7e-2c1f5e6d7a08", Name = "inspect.inbound-transport-v6", Layer = "INBOUND_TRANSPORT_V6", UsesProviderContext = true, Description = "Inspect sample: packets cloned and re-injected out of band")]
public sealed class InspectCallout : ICallout, ICalloutLifecycle, IDisposable
{
    private readonly BlockingCollection<Work> _queue = [];
    private readonly ConcurrentDictionary<Connection, ActionType> _decided = new();
    private Thread? _worker;
    private long _pended;
    private long _completed;
    private long _reinjected;
    private long _dropped;

    /// <summary>Connections pended so far.</summary>
    public long Pended => Interlocked.Read(ref _pended);

    /// <summary>Pended connections the worker completed.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Packets re-injected after inspection.</summary>
    public long Reinjected => Interlocked.Read(ref _reinjected);

    /// <summary>Packets the worker dropped (blocked peers).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <inheritdoc/>
    public void Attach(FilterEngine engine)
    {
        _worker = new Thread(Run) { IsBackground = true, Name = "inspect sample worker" };
        _worker.Start();
    }

    /// <inheritdoc/>
    public void Detach()
    {
        _queue.CompleteAdding();
        _worker?.Join();
        _worker = null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_queue.IsAddingCompleted)
        {
            Detach();
        }

        _queue.Dispose();
    }

    /// <inheritdoc/>
    public bool Notify(CalloutNotifyType type, Guid filterKey, RuntimeFilter filter)
    {
        if (type != CalloutNotifyType.AddFilter)
        {
            return true;
        }

        try
        {
            SampleConfig.Of(filter, BlockList.Parse);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
    {
        if (!classifyOut.CanWriteAction)
        {
            return;
        }

        var layer = context.Layer.LayerId;
        var blockList = SampleConfig.Of(context.Filter, BlockList.Parse);
        var remote = Remote(in context);
        if (layer is LayerIds.AleAuthConnectV4 or LayerIds.AleAuthRecvAcceptV4 or LayerIds.AleAuthConnectV6 or LayerIds.AleAuthRecvAcceptV6)
        {
            ClassifyConnection(in context, ref classifyOut, blockList, remote);
        }
        else
        {
            ClassifyPacket(in context, ref classifyOut, blockList, remote);
        }
    }

    private void ClassifyConnection(in CalloutClassifyContext context, ref ClassifyOut classifyOut, BlockList blockList, Peer remote)
    {
        // The data plane classifies a completed connection again with a new completion handle: the decision is
        // found by the connection's addresses, ports and protocol, as the WDK sample finds its pended connections.
        var connection = Connection.Of(in context, remote);
        if (_decided.TryRemove(connection, out var decision))
        {
            Decide(ref classifyOut, decision);
            return;
        }

        ref readonly var metadata = ref context.Metadata;
        var injector = context.LayerData.Injector;
        if ((metadata.CurrentMetadataValues & ClassifyMetadata.FieldCompletionHandle) == 0 || injector is null || _queue.IsAddingCompleted)
        {
            // Nothing to complete through (explain, or a data plane that cannot pend): decide inline instead.
            Decide(ref classifyOut, blockList.Blocks(remote) ? ActionType.Block : ActionType.Permit);
            return;
        }

        Interlocked.Increment(ref _pended);
        _queue.Add(new Work(injector, blockList, connection, metadata.CompletionHandle, null, 0, Outbound: false));
        classifyOut.ActionType = ActionType.Block;
        classifyOut.Flags |= ClassifyOut.FlagAbsorb | ClassifyOut.FlagPend;
        classifyOut.ClearActionRight();
    }

    private void ClassifyPacket(in CalloutClassifyContext context, ref ClassifyOut classifyOut, BlockList blockList, Peer remote)
    {
        var data = context.LayerData;
        if (data.Kind != LayerDataKind.Packet || data.Injector is not { } injector || _queue.IsAddingCompleted)
        {
            Decide(ref classifyOut, blockList.Blocks(remote) ? ActionType.Block : ActionType.Permit);
            return;
        }

        // Reference-drop-clone-reinject: the original is absorbed here, its copy re-injected later. Injected packets
        // do not meet the layers again, so the copy is not inspected twice.
        var outbound = context.Layer.LayerId is LayerIds.OutboundTransportV4 or LayerIds.OutboundTransportV6;
        _queue.Add(new Work(injector, blockList, new Connection(remote, default, 0), 0, data.Packet.ToArray(), data.InterfaceIndex, outbound));
        classifyOut.ActionType = ActionType.Block;
        classifyOut.Flags |= ClassifyOut.FlagAbsorb;
        classifyOut.ClearActionRight();
    }

    private static void Decide(ref ClassifyOut classifyOut, ActionType action)
    {
        classifyOut.ActionType = action;
        classifyOut.ClearActionRight();
    }

    private static Peer Remote(in CalloutClassifyContext context)
    {
        var address = context.Layer.FindField("IP_REMOTE_ADDRESS") is { } a ? context.Value(a.Index) : default;
        var port = context.Layer.FindField("IP_REMOTE_PORT") is { } p ? (ushort)context.Value(p.Index).RawUInt64 : (ushort)0;
        return address.Type == FwpDataType.ByteArray16
            ? new Peer(true, address.RawUInt128, port)
            : new Peer(false, address.RawUInt64, port);
    }

    private void Run()
    {
        foreach (var work in _queue.GetConsumingEnumerable())
        {
            var blocked = work.BlockList.Blocks(work.Connection.Remote);
            if (work.Packet is null)
            {
                _decided[work.Connection] = blocked ? ActionType.Block : ActionType.Permit;
                if (work.Injector.CompletePended(work.CompletionHandle) != InjectStatus.Ok)
                {
                    _decided.TryRemove(work.Connection, out _);
                }

                Interlocked.Increment(ref _completed);
            }
            else if (blocked)
            {
                Interlocked.Increment(ref _dropped);
            }
            else
            {
                var status = work.Outbound
                    ? work.Injector.InjectSend(work.Packet, work.InterfaceIndex)
                    : work.Injector.InjectReceive(work.Packet, work.InterfaceIndex);
                if (status == InjectStatus.Ok)
                {
                    Interlocked.Increment(ref _reinjected);
                }
            }
        }
    }

    private sealed record Work(IPacketInjector Injector, BlockList BlockList, Connection Connection, ulong CompletionHandle, byte[]? Packet, uint InterfaceIndex, bool Outbound);

    /// <summary>A connection as the ALE layers describe it: remote peer, local address and port, and protocol.</summary>
    private readonly record struct Connection(Peer Remote, UInt128 LocalAddress, uint LocalPortAndProtocol)
    {
        public static Connection Of(in CalloutClassifyContext context, Peer remote)
        {
            var local = context.Layer.FindField("IP_LOCAL_ADDRESS") is { } a ? context.Value(a.Index) : default;
            var port = context.Layer.FindField("IP_LOCAL_PORT") is { } p ? (uint)context.Value(p.Index).RawUInt64 : 0;
            var protocol = context.Layer.FindField("IP_PROTOCOL") is { } t ? (uint)context.Value(t.Index).RawUInt64 : 0;
            return new Connection(remote, local.Type == FwpDataType.ByteArray16 ? local.RawUInt128 : local.RawUInt64, (port << 8) | protocol);
        }
    }

    /// <summary>A remote address (IPv4 in host order, IPv6 big-endian) and port (0: any).</summary>
    private readonly record struct Peer(bool V6, UInt128 Address, ushort Port);

    /// <summary>The parsed <c>block=</c> list.</summary>
    private sealed class BlockList(Peer[] peers)
    {
        public static BlockList Parse(string text)
        {
            var pairs = SampleConfig.Pairs(text);
            var peers = new List<Peer>();
            if (pairs.TryGetValue("block", out var list))
            {
                foreach (var item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    peers.Add(ParsePeer(item));
                }
            }

            return new BlockList([.. peers]);
        }

        public bool Blocks(Peer remote)
        {
            foreach (var p in peers)
            {
                if (p.V6 == remote.V6 && p.Address == remote.Address && (p.Port == 0 || p.Port == remote.Port))
                {
                    return true;
                }
            }

            return false;
        }

        private static Peer ParsePeer(string text)
        {
            IPAddress address;
            ushort port = 0;
            if (IPAddress.TryParse(text, out var bare))
            {
                address = bare;
            }
            else if (IPEndPoint.TryParse(text, out var endPoint))
            {
                address = endPoint.Address;
                port = (ushort)endPoint.Port;
            }
            else
            {
                throw new FormatException($"'{text}' is not ADDRESS or ADDRESS:PORT");
            }

            var bytes = address.GetAddressBytes();
            return address.AddressFamily == AddressFamily.InterNetworkV6
                ? new Peer(true, System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes), port)
                : new Peer(false, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes), port);
        }
    }
}
