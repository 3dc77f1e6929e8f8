using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Policy;
using OpenWfp.Engine.Values;
using OpenWfp.Wire;

namespace OpenWfp.Shim;

/// <summary>
/// The shim (docs/SHIM.md): parses a frame once, sends it through the layers WFP would send it through with the
/// fields each layer's schema lists, keeps the ALE flow table, and returns one verdict. Offline replay and the live
/// data planes use this same class, so a packet reaches the same decision either way.
/// </summary>
/// <remarks>
/// <para>One file per concept: this one is the entry (parse, pick the direction, dispatch); PacketShim.LayerWalk.cs
/// walks the layers; PacketShim.AleFlows.cs keeps the ALE flow state (once per flow, reauthorization, the TCP
/// handshake); PacketShim.Direction.cs infers the direction when the caller does not know it (offline replay);
/// PacketShim.Orientation.cs turns source/destination into local/remote.</para>
/// <para>Allocation-free per packet. Not thread-safe: use one shim per thread; they may share one engine.</para>
/// </remarks>
public sealed partial class PacketShim
{
    private const byte Tcp = 6;
    private const byte Udp = 17;
    private const byte Icmp = 1;
    private const byte IcmpV6 = 58;
    private const int LocalMacSlots = 8;
    private const int DroppedDatagramSlots = 1024;
    private const int ResponseWindowSlots = 256;

    private static readonly ushort[] AuthLayerIds =
        [LayerIds.AleAuthConnectV4, LayerIds.AleAuthConnectV6, LayerIds.AleAuthRecvAcceptV4, LayerIds.AleAuthRecvAcceptV6];

    private static readonly int MaxLayerId = AuthLayerIds.Max();

    private readonly FilterEngine _engine;
    private readonly ShimOptions _options;
    private readonly FlowTable _flows;
    private readonly FragmentTable _fragments;
    private readonly ResponseWindow[] _windows = new ResponseWindow[ResponseWindowSlots];
    private readonly long[] _layerChangedAt = new long[MaxLayerId + 1];
    private PolicySnapshot? _seenSnapshot;
    private readonly FwpValue[] _values = new FwpValue[ShimLayers.MaxFieldCount];
    private readonly ulong[] _localMacs = new ulong[LocalMacSlots];
    private readonly ShimTimeouts _timeouts;
    private int _localMacNext;
    private readonly ReleaseQueue _releases = new();
    private readonly ShimInjector _injector;
    private readonly byte[] _modified = new byte[65_535 + 60];
    private int _modifiedLength;
    private ShimCounters _counters;

    /// <summary>A shim feeding <paramref name="engine"/>.</summary>
    public PacketShim(FilterEngine engine, ShimOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
        _options = options ?? new ShimOptions();
        _flows = new FlowTable(_options.FlowCapacity);
        _injector = new ShimInjector(this, _options.Injector);
        _streams = new StreamReassembler(_options.StreamMaxBytesPerDirection, _options.StreamMaxBytesTotal);
        _fragments = new FragmentTable(_options.ReassemblyMaxDatagrams, DroppedDatagramSlots, (long)_options.ReassemblyTimeout.TotalNanoseconds);
        _timeouts = new ShimTimeouts(
            (long)_options.TcpIdleTimeout.TotalNanoseconds,
            (long)_options.DatagramIdleTimeout.TotalNanoseconds,
            (long)_options.ClosedTimeout.TotalNanoseconds,
            (long)_options.MulticastResponseWindow.TotalNanoseconds);
    }

    /// <summary>Running totals.</summary>
    public ShimCounters Counters => _counters;

    /// <summary>Flows currently in the table.</summary>
    public int ActiveFlows => _flows.Count;

    /// <summary>Flows evicted because the table was full.</summary>
    public long FlowEvictions => _flows.Evictions;

    /// <summary>The options in force.</summary>
    public ShimOptions Options => _options;

    /// <summary>Forgets every flow (callouts get their flow-delete notifications).</summary>
    public void Reset()
    {
        _flows.Clear(Notify);
        foreach (var handle in _streams.Handles().ToArray())
        {
            FreeStream(handle);
        }

        _fragments.Clear();
    }

    /// <summary>Decides one frame.</summary>
    /// <param name="frame">The frame as captured.</param>
    /// <param name="linkType">Its framing.</param>
    /// <param name="timestampNanoseconds">Capture or clock time, for flow idle timeouts.</param>
    /// <param name="interfaceIndex">The interface it was seen on (0: from the capture, else the default).</param>
    /// <param name="trace">When given, receives every layer the packet met.</param>
    /// <param name="direction">
    /// The direction when the caller knows it (a live data plane knows it from the netfilter hook); <see cref="TrafficDirection.Unknown"/>
    /// lets the shim work it out (class remarks).
    /// </param>
    /// <returns>The verdict.</returns>
    /// <param name="packetTag">The data plane's name for the packet (the NFQUEUE packet id), returned by <see cref="DrainReleases"/> when its verdict was held.</param>
    public ShimVerdict Process(ReadOnlySpan<byte> frame, LinkType linkType, long timestampNanoseconds, uint interfaceIndex = 0, ShimTrace? trace = null, TrafficDirection direction = TrafficDirection.Unknown, ulong packetTag = 0)
    {
        trace?.Clear();
        _modifiedLength = 0;
        _packetTag = packetTag;
        ApplyContinues();
        _counters.Packets++;
        var status = PacketParser.Parse(linkType, frame, out var packet);

        ShimVerdict verdict;
        if (status == ParseStatus.Ok)
        {
            verdict = ProcessIp(frame, ref packet, timestampNanoseconds, interfaceIndex, trace, direction, reassembled: false);
        }
        else if (status == ParseStatus.NotIp && linkType == LinkType.Ethernet)
        {
            _counters.NotIp++;
            verdict = ProcessNotIp(ref packet, frame, interfaceIndex, trace);
        }
        else
        {
            _counters.Unparsed++;
            verdict = new ShimVerdict { Action = _options.UnparsedDecision, Reason = ShimReason.Unparsed, LayerId = ShimVerdict.NoLayer };
            if (_options.UnparsedDecision == ActionType.Block && packet.IpVersion != 0)
            {
                DiscardUnparsed(ref packet, direction, interfaceIndex, trace);
            }
        }

        verdict = verdict with { ParseStatus = status };
        if (verdict.Held)
        {
            _counters.Held++;
        }
        else if (verdict.IsPermitted)
        {
            _counters.Permitted++;
        }
        else
        {
            _counters.Blocked++;
        }

        return verdict;
    }

    /// <summary>
    /// Copies the verdicts of held packets that have been decided since the last call into <paramref name="into"/>;
    /// returns how many. Call after each <see cref="Process"/> batch (and periodically: a deferred stream may be
    /// continued, or a pended classification completed, from another thread).
    /// </summary>
    public int DrainReleases(Span<ShimRelease> into) => _releases.Drain(into);

    /// <summary>Releases waiting for <see cref="DrainReleases"/>.</summary>
    public int PendingReleases => _releases.Count;

    /// <summary>The changed bytes of the last packet whose verdict has <see cref="ShimVerdict.Modified"/>; valid until the next <see cref="Process"/>.</summary>
    public ReadOnlySpan<byte> ModifiedPacket => _modified.AsSpan(0, _modifiedLength);

    /// <summary>Pending reassemblies (fragments held until their datagram is whole).</summary>
    public int PendingDatagrams => _fragments.Pending;

    // reassembled: p is a datagram the fragment table rebuilt from fragments that already met the per-fragment layers.
    private ShimVerdict ProcessIp(ReadOnlySpan<byte> frame, ref ParsedPacket p, long now, uint interfaceIndex, ShimTrace? trace, TrafficDirection hint, bool reassembled)
    {
        var snapshot = _engine.Current;
        NoteSnapshot(snapshot);
        var layers = p.IpVersion == 4 ? ShimLayers.V4 : ShimLayers.V6;
        var source = p.IpVersion == 4 ? p.SourceIPv4 : p.SourceIPv6;
        var destination = p.IpVersion == 4 ? p.DestinationIPv4 : p.DestinationIPv6;
        bool loopbackDevice;
        int knownFlow;
        TrafficDirection direction;
        if (hint == TrafficDirection.Unknown)
        {
            direction = Direction(ref p, source, destination, now, out loopbackDevice, out knownFlow);
        }
        else
        {
            direction = hint;
            loopbackDevice = hint == TrafficDirection.Loopback;
            knownFlow = -1;
        }

        var index = interfaceIndex != 0 ? interfaceIndex : p.InterfaceIndex > 0 ? (uint)p.InterfaceIndex : _options.DefaultInterfaceIndex;
        var loopback = direction == TrafficDirection.Loopback || loopbackDevice || IsLoopbackAddress(p.IpVersion, source) || IsLoopbackAddress(p.IpVersion, destination);

        var walk = new Walk(snapshot, trace) { Direction = direction, Reassembled = reassembled };
        SetPacket(ref walk, frame, ref p, index);
        if (knownFlow >= 0)
        {
            walk.UseFlow(in _flows.At(knownFlow));
        }

        var facts = new PacketFacts
        {
            IpVersion = p.IpVersion,
            Protocol = p.Protocol,
            SourceAddress = source,
            DestinationAddress = destination,
            InterfaceIndex = index,
            InterfaceType = loopback ? StackValues.InterfaceTypeLoopback : StackValues.InterfaceTypeEthernet,
            Flags = loopback ? ConditionFlags.IsLoopback : ConditionFlags.None,
            HasMac = p.LinkType == LinkType.Ethernet,
            EtherType = p.EtherType,
            VlanId = p.VlanCount > 0 ? p.OuterVlanId : (ushort)0,
        };

        if (direction == TrafficDirection.Forward)
        {
            facts.LocalAddress = source;
            facts.RemoteAddress = destination;
            facts.DestinationAddressType = AddressType(p.IpVersion, destination);
            facts.LocalAddressType = AddressType(p.IpVersion, source);
            if (p.Has(PacketFlags.Fragment))
            {
                facts.Flags |= ConditionFlags.IsFragment;
            }

            Classify(layers.IpForward, ref facts, ref walk, reauthorization: false);
            return walk.Verdict(SenderTuple(ref p, source, destination), p.TcpFlags);
        }

        if (p.Has(PacketFlags.Fragment))
        {
            return Fragment(frame, ref p, layers, ref facts, ref walk, now, interfaceIndex);
        }

        if (direction is TrafficDirection.Outbound or TrafficDirection.Loopback)
        {
            LearnLocalMac(p.SourceMac);
            Orient(ref facts, ref p, outbound: true);
            if (!Outbound(layers, ref facts, ref p, now, ref walk, knownFlow) || direction == TrafficDirection.Outbound)
            {
                return walk.Verdict(TupleOf(in facts, outbound: true), p.TcpFlags);
            }

            // Loopback: the same packet now arrives at the other end; WFP shows loopback traffic both directions' layers.
            facts.Flags = ConditionFlags.IsLoopback;
            facts.AppId = default;
            facts.UserId = default;
        }
        else
        {
            LearnLocalMac(PacketFacts.MacAddressType(p.DestinationMac) == StackValues.MacUnicast ? p.DestinationMac : 0);
        }

        Orient(ref facts, ref p, outbound: false);
        Inbound(layers, ref facts, ref p, now, ref walk, direction == TrafficDirection.Loopback ? -1 : knownFlow);
        return walk.Verdict(TupleOf(in facts, outbound: false), p.TcpFlags);
    }
}
