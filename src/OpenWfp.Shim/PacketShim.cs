using OpenWfp.Engine;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Policy;
using OpenWfp.Engine.Values;
using OpenWfp.Wire;

namespace OpenWfp.Shim;

/// <summary>
/// The shim (DESIGN, Data flow): parses a frame once, sends it through the layers WFP would send it through with the
/// fields each layer's schema lists, keeps the ALE flow table, and returns one verdict. Offline replay and the live
/// data planes use this same class, so a packet reaches the same decision either way.
/// </summary>
/// <remarks>
/// <para>Layer sequences follow SPEC §7.4. Outbound: [ALE_AUTH_CONNECT → FLOW_ESTABLISHED for non-TCP] →
/// DATAGRAM_DATA (UDP) or STREAM (TCP with data) → OUTBOUND_TRANSPORT → OUTBOUND_IPPACKET → OUTBOUND_MAC_FRAME.
/// Inbound: INBOUND_MAC_FRAME → INBOUND_IPPACKET → INBOUND_TRANSPORT → [ALE_AUTH_RECV_ACCEPT → FLOW_ESTABLISHED] →
/// DATAGRAM_DATA or STREAM. TCP meets FLOW_ESTABLISHED when the handshake completes (SYN-ACK in for a client, the
/// final ACK in for a server). ICMP errors meet the ICMP_ERROR layers instead of ALE. Forwarded packets meet IPFORWARD.
/// The first BLOCK ends the packet's walk.</para>
/// <para>ALE decides once per flow (SPEC §7.2): later packets of a permitted flow skip the ALE layers, later packets of
/// a blocked flow are dropped before any layer. A commit makes the next packet of each flow reauthorize at the ALE
/// layer that created it, with FLAGS IS_REAUTHORIZE and REAUTHORIZE_REASON POLICY_CHANGE (SPEC §7.3).</para>
/// <para>Direction: with <see cref="ShimOptions.LocalNetworks"/>, from the addresses (both local: loopback; neither:
/// forwarded). Without, from the capture when it records one (Linux cooked captures' packet type: outgoing, to us,
/// to another host), otherwise loopback addresses are loopback and the sender of a flow's first packet is taken to be
/// this host. Non-IP frames are outbound when their source MAC was seen sending IP from this host.</para>
/// <para>Allocation-free per packet. Not thread-safe: use one shim per thread; they may share one engine.</para>
/// </remarks>
public sealed class PacketShim
{
    private const byte Tcp = 6;
    private const byte Udp = 17;
    private const byte Icmp = 1;
    private const byte IcmpV6 = 58;
    private const int LocalMacSlots = 8;

    private readonly FilterEngine _engine;
    private readonly ShimOptions _options;
    private readonly FlowTable _flows;
    private readonly FragmentTable _fragments = new(1024);
    private readonly FwpValue[] _values = new FwpValue[ShimLayers.MaxFieldCount];
    private readonly ulong[] _localMacs = new ulong[LocalMacSlots];
    private readonly ShimTimeouts _timeouts;
    private int _localMacNext;
    private ShimCounters _counters;

    /// <summary>A shim feeding <paramref name="engine"/>.</summary>
    public PacketShim(FilterEngine engine, ShimOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
        _options = options ?? new ShimOptions();
        _flows = new FlowTable(_options.FlowCapacity);
        _timeouts = new ShimTimeouts(
            (long)_options.TcpIdleTimeout.TotalNanoseconds,
            (long)_options.DatagramIdleTimeout.TotalNanoseconds,
            (long)_options.ClosedTimeout.TotalNanoseconds);
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
        _flows.Clear(DeleteFlowContexts);
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
    public ShimVerdict Process(ReadOnlySpan<byte> frame, LinkType linkType, long timestampNanoseconds, uint interfaceIndex = 0, ShimTrace? trace = null, TrafficDirection direction = TrafficDirection.Unknown)
    {
        trace?.Clear();
        _counters.Packets++;
        var status = PacketParser.Parse(linkType, frame, out var packet);

        ShimVerdict verdict;
        if (status == ParseStatus.Ok)
        {
            verdict = ProcessIp(ref packet, timestampNanoseconds, interfaceIndex, trace, direction);
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
        }

        verdict = verdict with { ParseStatus = status };
        if (verdict.IsPermitted)
        {
            _counters.Permitted++;
        }
        else
        {
            _counters.Blocked++;
        }

        return verdict;
    }

    private ShimVerdict ProcessIp(ref ParsedPacket p, long now, uint interfaceIndex, ShimTrace? trace, TrafficDirection hint)
    {
        var snapshot = _engine.Current;
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

        var walk = new Walk(snapshot, trace) { Direction = direction };
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
            var sender = facts;
            Orient(ref sender, ref p, outbound: true, addressesOnly: true);
            return walk.Verdict(TupleOf(in sender, outbound: true), p.TcpFlags);
        }

        if (direction is TrafficDirection.Outbound or TrafficDirection.Loopback)
        {
            LearnLocalMac(p.SourceMac);
            Orient(ref facts, ref p, outbound: true);
            if (!Outbound(layers, ref facts, ref p, now, ref walk, knownFlow) || direction == TrafficDirection.Outbound)
            {
                return walk.Verdict(TupleOf(in facts, outbound: true), p.TcpFlags);
            }

            // Loopback: the same packet now arrives at the other end (SPEC: loopback traffic meets both directions).
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

    // knownFlow: the flow's slot when direction finding already looked it up, else -1 (then the ALE step looks).
    private bool Outbound(ShimLayers layers, ref PacketFacts f, ref ParsedPacket p, long now, ref Walk walk, int knownFlow)
    {
        f.Direction = FwpDirection.Outbound;
        var laterFragment = p.Has(PacketFlags.Fragment) && p.FragmentOffset != 0;
        if (laterFragment)
        {
            return LaterFragment(layers.OutboundIpPacket, ref f, ref p, ref walk) && MacFrame(ShimLayers.OutboundMacFrame, ref f, ref walk);
        }

        if (p.Has(PacketFlags.IcmpError))
        {
            return Classify(layers.OutboundIcmpError, ref f, ref walk, false)
                && Classify(layers.OutboundTransport, ref f, ref walk, false)
                && IpPacket(layers.OutboundIpPacket, ref f, ref p, ref walk)
                && MacFrame(ShimLayers.OutboundMacFrame, ref f, ref walk);
        }

        var flow = knownFlow;
        if (!Ale(layers, ref f, ref p, now, ref walk, ref flow))
        {
            return RememberFirstFragment(ref p, ref walk);
        }

        var ok = Payload(layers, ref f, ref p, ref walk)
            && Classify(layers.OutboundTransport, ref f, ref walk, false)
            && IpPacket(layers.OutboundIpPacket, ref f, ref p, ref walk)
            && MacFrame(ShimLayers.OutboundMacFrame, ref f, ref walk);
        if (!ok)
        {
            RememberFirstFragment(ref p, ref walk);
        }

        return ok;
    }

    private void Inbound(ShimLayers layers, ref PacketFacts f, ref ParsedPacket p, long now, ref Walk walk, int knownFlow)
    {
        f.Direction = FwpDirection.Inbound;
        var laterFragment = p.Has(PacketFlags.Fragment) && p.FragmentOffset != 0;
        var icmpError = p.Has(PacketFlags.IcmpError);
        var flow = -1;
        if (!laterFragment && !icmpError)
        {
            // A packet of a flow blocked earlier is dropped before any layer: the flow table is consulted first.
            flow = knownFlow >= 0 ? knownFlow : FindFlow(ref f, ref p, now, ref walk);
            if (flow >= 0 && _flows.At(flow).Blocked && _flows.At(flow).Generation == walk.Snapshot.Generation)
            {
                DropBlockedFlow(flow, ref walk);
                return;
            }
        }

        if (!MacFrame(ShimLayers.InboundMacFrame, ref f, ref walk))
        {
            return;
        }

        if (laterFragment)
        {
            LaterFragment(layers.InboundIpPacket, ref f, ref p, ref walk);
            return;
        }

        if (icmpError)
        {
            SetEmbedded(ref f, ref p);
            _ = IpPacket(layers.InboundIpPacket, ref f, ref p, ref walk)
                && Classify(layers.InboundTransport, ref f, ref walk, false)
                && Classify(layers.InboundIcmpError, ref f, ref walk, false);
            return;
        }

        if (!IpPacket(layers.InboundIpPacket, ref f, ref p, ref walk)
            || !Classify(layers.InboundTransport, ref f, ref walk, false)
            || !Ale(layers, ref f, ref p, now, ref walk, ref flow)
            || !Payload(layers, ref f, ref p, ref walk))
        {
            RememberFirstFragment(ref p, ref walk);
        }
    }

    /// <summary>
    /// The ALE step for a packet that may start or continue a flow. Returns false when the packet is dropped.
    /// <paramref name="flow"/> is the flow's slot when the caller already looked it up, else -1.
    /// </summary>
    private bool Ale(ShimLayers layers, ref PacketFacts f, ref ParsedPacket p, long now, ref Walk walk, ref int flow)
    {
        if (flow < 0)
        {
            flow = FindFlow(ref f, ref p, now, ref walk);
        }

        var outbound = f.Direction == FwpDirection.Outbound;
        var tcp = p.Protocol == Tcp;
        var flags = p.TcpFlags;
        var syn = tcp && (flags & TcpFlags.Syn) != 0 && (flags & TcpFlags.Ack) == 0;
        if (flow >= 0)
        {
            ref var e = ref _flows.At(flow);
            if (syn && e.Stage == TcpStage.Closed && !e.Blocked)
            {
                // A new connection reusing a closed flow's ports: forget the old flow.
                DeleteFlowContexts(_flows.Remove(flow));
                flow = -1;
            }
        }

        if (flow < 0)
        {
            if (tcp && (flags & TcpFlags.Rst) != 0)
            {
                // A reset outside any known flow starts nothing; it meets the non-ALE layers only.
                return true;
            }

            return NewFlow(layers, ref f, ref p, now, ref walk, out flow);
        }

        ref var entry = ref _flows.At(flow);
        entry.LastSeenNanoseconds = now;
        walk.UseFlow(in entry);
        f.AppId = entry.AppId;
        f.UserId = entry.UserId;
        if (entry.Generation != walk.Snapshot.Generation)
        {
            if (!Reauthorize(layers, ref f, ref entry, ref walk))
            {
                return false;
            }
        }
        else if (entry.Blocked)
        {
            DropBlockedFlow(flow, ref walk);
            return false;
        }

        if (tcp)
        {
            var progressed = TcpProgress(layers, ref f, ref entry, flags, outbound, ref walk);
            walk.FlowEstablished = progressed && entry.Stage != TcpStage.Handshake;
            return progressed;
        }

        walk.FlowEstablished = true;
        return true;
    }

    private static bool NeedsIdentity(ShimLayers layers, PolicySnapshot snapshot) =>
        (snapshot.FieldsRead(layers.AuthConnect.LayerId) & layers.AuthConnect.IdentityFields) != 0
        || (snapshot.FieldsRead(layers.AuthRecvAccept.LayerId) & layers.AuthRecvAccept.IdentityFields) != 0
        || (snapshot.FieldsRead(layers.FlowEstablished.LayerId) & layers.FlowEstablished.IdentityFields) != 0;

    private bool NewFlow(ShimLayers layers, ref PacketFacts f, ref ParsedPacket p, long now, ref Walk walk, out int flow)
    {
        var key = KeyOf(in f, ref p);
        var expired = default(ExpiredFlow);
        flow = _flows.Add(key, now, in _timeouts, ref expired);
        Notify(expired);
        _counters.Flows++;
        ref var e = ref _flows.At(flow);
        e.Origin = f.Direction;
        e.Generation = walk.Snapshot.Generation;
        e.Stage = p.Protocol == Tcp ? ((p.TcpFlags & TcpFlags.Syn) != 0 ? TcpStage.Handshake : TcpStage.Established) : TcpStage.None;
        // Finding the process behind a socket costs far more than classifying, so it is done only when a filter
        // (or a callout, which may read anything) at an ALE layer of this flow reads ALE_APP_ID or ALE_USER_ID.
        if (_options.FlowOwners is { } owners && NeedsIdentity(layers, walk.Snapshot))
        {
            e.OwnerLookedUp = true;
            if (owners.TryResolve(new FlowTuple(f.IpVersion, f.Protocol, f.LocalAddress, f.LocalPort, f.RemoteAddress, f.RemotePort, f.Direction == FwpDirection.Outbound), out var owner))
            {
                e.AppId = owner.AppId;
                e.UserId = owner.Token is { } token ? FwpValue.FromToken(token) : default;
                e.ProcessId = owner.ProcessId;
            }
        }

        walk.UseFlow(in e);

        f.AppId = e.AppId;
        f.UserId = e.UserId;
        var auth = f.Direction == FwpDirection.Outbound ? layers.AuthConnect : layers.AuthRecvAccept;
        e.AleLayerId = auth.LayerId;
        if (!Classify(auth, ref f, ref walk, false, e.FlowId))
        {
            e.Blocked = true;
            walk.FlowBlocked = true;
            e.FilterId = walk.FilterId;
            return false;
        }

        e.FilterId = walk.StepFilterId;

        // Non-TCP flows are established as soon as they are authorized; TCP waits for its handshake.
        if (p.Protocol != Tcp && !Classify(layers.FlowEstablished, ref f, ref walk, false, e.FlowId))
        {
            e.Blocked = true;
            walk.FlowBlocked = true;
            e.FilterId = walk.FilterId;
            return false;
        }

        walk.FlowEstablished = e.Stage != TcpStage.Handshake;
        return true;
    }

    private bool Reauthorize(ShimLayers layers, ref PacketFacts f, ref FlowEntry e, ref Walk walk)
    {
        _counters.Reauthorizations++;
        e.Generation = walk.Snapshot.Generation;
        var auth = e.Origin == FwpDirection.Outbound ? layers.AuthConnect : layers.AuthRecvAccept;
        // The layer that created the flow classifies again, even when this packet travels the other way (SPEC §7.3);
        // the fields are local/remote, so they read the same from either side.
        var reauth = f;
        reauth.Flags |= ConditionFlags.IsReauthorize;
        reauth.ReauthorizeReason = StackValues.ReauthorizeReasonPolicyChange;
        reauth.Direction = e.Origin;
        var permitted = Classify(auth, ref reauth, ref walk, true, e.FlowId);
        e.Blocked = !permitted;
        walk.FlowBlocked = !permitted;
        e.FilterId = walk.StepFilterId;
        return permitted;
    }

    private bool TcpProgress(ShimLayers layers, ref PacketFacts f, ref FlowEntry e, TcpFlags flags, bool outbound, ref Walk walk)
    {
        if ((flags & TcpFlags.Rst) != 0)
        {
            e.Stage = TcpStage.Closed;
            return true;
        }

        if ((flags & TcpFlags.Fin) != 0)
        {
            e.Fins |= (byte)(outbound ? 1 : 2);
        }

        if (e.Stage == TcpStage.Handshake && !outbound)
        {
            var synAck = (flags & (TcpFlags.Syn | TcpFlags.Ack)) == (TcpFlags.Syn | TcpFlags.Ack);
            var finalAck = (flags & (TcpFlags.Syn | TcpFlags.Ack)) == TcpFlags.Ack;
            if ((e.Origin == FwpDirection.Outbound && synAck) || (e.Origin == FwpDirection.Inbound && finalAck))
            {
                e.Stage = TcpStage.Established;
                var established = f;
                established.Direction = e.Origin;
                if (!Classify(layers.FlowEstablished, ref established, ref walk, false, e.FlowId))
                {
                    e.Blocked = true;
                    walk.FlowBlocked = true;
                    e.FilterId = walk.FilterId;
                    return false;
                }
            }
        }

        if (e.Fins == 3)
        {
            e.Stage = TcpStage.Closed;
        }

        return true;
    }

    /// <summary>DATAGRAM_DATA for UDP and other datagram protocols; STREAM for TCP segments that carry data.</summary>
    private bool Payload(ShimLayers layers, ref PacketFacts f, ref ParsedPacket p, ref Walk walk)
    {
        if (p.Protocol == Tcp)
        {
            return p.PayloadLength == 0 || Classify(layers.Stream, ref f, ref walk, false, walk.FlowId);
        }

        if (p.Protocol is Icmp or IcmpV6)
        {
            return true;
        }

        return Classify(layers.DatagramData, ref f, ref walk, false, walk.FlowId);
    }

    private bool IpPacket(LayerFieldMap map, ref PacketFacts f, ref ParsedPacket p, ref Walk walk)
    {
        if (!p.Has(PacketFlags.Fragment))
        {
            return Classify(map, ref f, ref walk, false);
        }

        var fragment = f;
        fragment.Flags |= ConditionFlags.IsFragment;
        return Classify(map, ref fragment, ref walk, false);
    }

    private bool MacFrame(LayerFieldMap map, ref PacketFacts f, ref Walk walk) => !f.HasMac || Classify(map, ref f, ref walk, false);

    /// <summary>A fragment after the first: the IP packet layer only; the verdict of its first fragment when that was blocked.</summary>
    private bool LaterFragment(LayerFieldMap ipLayer, ref PacketFacts f, ref ParsedPacket p, ref Walk walk)
    {
        if (_fragments.TryGetBlocked(in p, out var layerId, out var filterId))
        {
            walk.Block(layerId, filterId, absorbed: false, ShimReason.FragmentOfBlocked);
            return false;
        }

        return IpPacket(ipLayer, ref f, ref p, ref walk);
    }

    /// <summary>When a blocked packet was a first fragment, its later fragments are dropped with it.</summary>
    private bool RememberFirstFragment(ref ParsedPacket p, ref Walk walk)
    {
        if (p.Has(PacketFlags.Fragment) && p.FragmentOffset == 0 && walk.IsBlocked)
        {
            _fragments.RememberBlocked(in p, walk.LayerId, walk.FilterId);
        }

        return false;
    }

    private void DropBlockedFlow(int flow, ref Walk walk)
    {
        ref var e = ref _flows.At(flow);
        _counters.FlowBlockedDrops++;
        walk.UseFlow(in e);
        walk.FlowBlocked = true;
        walk.Block(e.AleLayerId, e.FilterId, absorbed: false, ShimReason.FlowBlocked);
    }

    private int FindFlow(ref PacketFacts f, ref ParsedPacket p, long now, ref Walk walk)
    {
        var expired = default(ExpiredFlow);
        var flow = _flows.Find(KeyOf(in f, ref p), now, in _timeouts, ref expired);
        Notify(expired);
        if (flow >= 0)
        {
            walk.UseFlow(in _flows.At(flow));
        }

        return flow;
    }

    /// <summary>
    /// Classifies one layer, unless it has no filters (then it costs nothing, and only a trace records it).
    /// Returns false when the layer blocked.
    /// </summary>
    private bool Classify(LayerFieldMap map, ref PacketFacts f, ref Walk walk, bool reauthorization, ulong flowId = 0)
    {
        var hasFilters = walk.Snapshot.HasFilters(map.LayerId);
        var trace = walk.Trace;
        if (!hasFilters && trace is null)
        {
            return true;
        }

        var values = _values.AsSpan(0, map.FieldCount);
        var token = f.UserId.Token;
        var metadata = new ClassifyMetadata
        {
            CurrentMetadataValues = ClassifyMetadata.FieldPacketDirection
                | (flowId != 0 ? ClassifyMetadata.FieldFlowHandle : 0)
                | (f.AppId.IsEmpty ? 0 : ClassifyMetadata.FieldProcessPath)
                | (token is null ? 0 : ClassifyMetadata.FieldToken),
            PacketDirection = (uint)f.Direction,
            FlowHandle = flowId,
            ProcessPath = f.AppId,
            Token = token,
        };
        var result = ClassifyResult.NoMatch;
        if (trace is { RecordValues: true })
        {
            f.Fill(map, values);
        }
        else if (hasFilters)
        {
            f.Fill(map, values, walk.Snapshot.FieldsRead(map.LayerId));
        }

        if (hasFilters)
        {
            _counters.Classifications++;
            result = _engine.Classify(walk.Snapshot, map.LayerId, values, in metadata);
            _counters.CalloutFaults += result.CalloutFaults;
        }

        trace?.Add(map.LayerId, in result, hasFilters, reauthorization, values, in metadata);
        walk.StepFilterId = result.FilterId;
        if (result.Action == ActionType.Block)
        {
            walk.Block(map.LayerId, result.FilterId, result.IsAbsorbed, ShimReason.Classified);
            return false;
        }

        if (result.Action == ActionType.Permit)
        {
            walk.Permit(map.LayerId, result.FilterId);
        }

        return true;
    }

    private ShimVerdict ProcessNotIp(ref ParsedPacket p, ReadOnlySpan<byte> frame, uint interfaceIndex, ShimTrace? trace)
    {
        var outbound = (p.SourceMac != 0 && IsLocalMac(p.SourceMac)) || ArpSenderIsLocal(ref p, frame);
        if (outbound)
        {
            LearnLocalMac(p.SourceMac);
        }

        var walk = new Walk(_engine.Current, trace) { Direction = outbound ? TrafficDirection.Outbound : TrafficDirection.Inbound };
        var facts = new PacketFacts
        {
            InterfaceIndex = interfaceIndex != 0 ? interfaceIndex : _options.DefaultInterfaceIndex,
            InterfaceType = StackValues.InterfaceTypeEthernet,
            Direction = outbound ? FwpDirection.Outbound : FwpDirection.Inbound,
            HasMac = true,
            EtherType = p.EtherType,
            VlanId = p.VlanCount > 0 ? p.OuterVlanId : (ushort)0,
            LocalMac = outbound ? p.SourceMac : p.DestinationMac,
            RemoteMac = outbound ? p.DestinationMac : p.SourceMac,
        };
        MacFrame(outbound ? ShimLayers.OutboundMacFrame : ShimLayers.InboundMacFrame, ref facts, ref walk);
        return walk.Verdict(default, default);
    }

    /// <summary>
    /// True for an ARP packet (RFC 826, Ethernet/IPv4: hardware type 1, protocol 0x0800, lengths 6 and 4) whose sender
    /// protocol address is in the local networks: this host is asking or answering.
    /// </summary>
    private bool ArpSenderIsLocal(ref ParsedPacket p, ReadOnlySpan<byte> frame)
    {
        const int SenderAddressOffset = 14;
        if (p.EtherType != 0x0806 || _options.LocalNetworks.IsEmpty || frame.Length < p.NetworkOffset + 28)
        {
            return false;
        }

        var arp = frame[p.NetworkOffset..];
        if (arp[0] != 0 || arp[1] != 1 || arp[2] != 0x08 || arp[3] != 0x00 || arp[4] != 6 || arp[5] != 4)
        {
            return false;
        }

        return _options.LocalNetworks.Contains(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(arp[SenderAddressOffset..]));
    }

    /// <summary>
    /// Which side of the packet is this host. <paramref name="knownFlow"/> is the flow slot found on the way (only
    /// without --local, where a packet's flow decides its direction), so the ALE step does not look it up again.
    /// </summary>
    private TrafficDirection Direction(ref ParsedPacket p, UInt128 source, UInt128 destination, long now, out bool loopbackDevice, out int knownFlow)
    {
        knownFlow = -1;
        // ARPHRD_LOOPBACK (if_arp.h) in a cooked capture's header: the packet was seen on lo.
        loopbackDevice = p.LinkType is LinkType.LinuxSll or LinkType.LinuxSll2 && p.LinkDeviceType == 772;
        var local = _options.LocalNetworks;
        if (!local.IsEmpty)
        {
            var v4 = p.IpVersion == 4;
            var srcLocal = v4 ? local.Contains((uint)source) : local.Contains(source);
            var dstLocal = v4 ? local.Contains((uint)destination) : local.Contains(destination);
            return (srcLocal, dstLocal) switch
            {
                (true, true) => TrafficDirection.Loopback,
                (true, false) => TrafficDirection.Outbound,
                (false, true) => TrafficDirection.Inbound,
                _ => TrafficDirection.Forward,
            };
        }

        if (p.LinkType is LinkType.LinuxSll or LinkType.LinuxSll2)
        {
            // PACKET_* packet types (if_packet.h): a capture on lo records each packet once as OUTGOING and once as
            // HOST, so each copy takes its own direction and together they meet both, as loopback does in WFP.
            return p.LinkPacketType switch
            {
                4 => TrafficDirection.Outbound,
                3 => TrafficDirection.Forward,
                _ => TrafficDirection.Inbound,
            };
        }

        if (IsLoopbackAddress(p.IpVersion, source) && IsLoopbackAddress(p.IpVersion, destination))
        {
            return TrafficDirection.Loopback;
        }

        // No --local: the flow's first packet was sent by this host. Look the flow up from both sides.
        var asSender = new PacketFacts { IpVersion = p.IpVersion, Protocol = p.Protocol };
        Orient(ref asSender, ref p, outbound: true, addressesOnly: true);
        var expired = default(ExpiredFlow);
        knownFlow = _flows.Find(KeyOf(in asSender, ref p), now, in _timeouts, ref expired);
        if (knownFlow >= 0)
        {
            Notify(expired);
            return TrafficDirection.Outbound;
        }

        Notify(expired);
        var asReceiver = asSender;
        Orient(ref asReceiver, ref p, outbound: false, addressesOnly: true);
        expired = default;
        knownFlow = _flows.Find(KeyOf(in asReceiver, ref p), now, in _timeouts, ref expired);
        Notify(expired);
        if (knownFlow >= 0)
        {
            return TrafficDirection.Inbound;
        }

        // An ICMP error belongs to the flow of the packet it quotes: if this host sent that packet, the error is inbound.
        return p.Has(PacketFlags.IcmpError) && p.Has(PacketFlags.InnerNetworkPresent) && QuotedFlowIsOurs(ref p, now)
            ? TrafficDirection.Inbound
            : TrafficDirection.Outbound;
    }

    private bool QuotedFlowIsOurs(ref ParsedPacket p, long now)
    {
        var v4 = p.InnerIpVersion == 4;
        var key = new FlowKey(
            v4 ? p.InnerSourceIPv4 : p.InnerSourceIPv6,
            v4 ? p.InnerDestinationIPv4 : p.InnerDestinationIPv6,
            p.Has(PacketFlags.InnerPortsPresent) ? p.InnerSourcePort : (ushort)0,
            p.Has(PacketFlags.InnerPortsPresent) ? p.InnerDestinationPort : (ushort)0,
            p.InnerProtocol,
            p.InnerIpVersion);
        var expired = default(ExpiredFlow);
        var found = _flows.Find(key, now, in _timeouts, ref expired) >= 0;
        Notify(expired);
        return found;
    }

    /// <summary>Sets local/remote addresses, ports and MACs for one side of the packet.</summary>
    private static void Orient(ref PacketFacts f, ref ParsedPacket p, bool outbound, bool addressesOnly = false)
    {
        var v4 = p.IpVersion == 4;
        UInt128 src = v4 ? p.SourceIPv4 : p.SourceIPv6;
        UInt128 dst = v4 ? p.DestinationIPv4 : p.DestinationIPv6;
        f.LocalAddress = outbound ? src : dst;
        f.RemoteAddress = outbound ? dst : src;
        var icmp = p.Protocol is Icmp or IcmpV6;
        if (icmp)
        {
            // ICMP_TYPE ≡ IP_LOCAL_PORT and ICMP_CODE ≡ IP_REMOTE_PORT (SPEC §3.5), whichever the direction.
            f.HasPorts = p.Has(PacketFlags.TransportPresent);
            f.LocalPort = p.IcmpType;
            f.RemotePort = p.IcmpCode;
        }
        else
        {
            f.HasPorts = p.Has(PacketFlags.PortsPresent);
            f.LocalPort = outbound ? p.SourcePort : p.DestinationPort;
            f.RemotePort = outbound ? p.DestinationPort : p.SourcePort;
        }

        if (addressesOnly)
        {
            return;
        }

        f.LocalAddressType = AddressType(p.IpVersion, f.LocalAddress);
        f.DestinationAddressType = AddressType(p.IpVersion, dst);
        f.LocalMac = outbound ? p.SourceMac : p.DestinationMac;
        f.RemoteMac = outbound ? p.DestinationMac : p.SourceMac;
    }

    private static void SetEmbedded(ref PacketFacts f, ref ParsedPacket p)
    {
        if (!p.Has(PacketFlags.InnerNetworkPresent))
        {
            return;
        }

        // The quoted packet was sent by this host: its destination is the remote end, its source port our port.
        var v4 = p.InnerIpVersion == 4;
        f.HasEmbedded = true;
        f.EmbeddedProtocol = p.InnerProtocol;
        f.EmbeddedRemoteAddress = v4 ? p.InnerDestinationIPv4 : p.InnerDestinationIPv6;
        f.EmbeddedLocalAddressType = AddressType(p.InnerIpVersion, v4 ? p.InnerSourceIPv4 : p.InnerSourceIPv6);
        f.EmbeddedLocalPort = p.Has(PacketFlags.InnerPortsPresent) ? p.InnerSourcePort : (ushort)0;
        f.EmbeddedRemotePort = p.Has(PacketFlags.InnerPortsPresent) ? p.InnerDestinationPort : (ushort)0;
    }

    /// <summary>The ALE flow key (SPEC §7.2): the 5-tuple; for ICMP echo, the identifier in place of ports.</summary>
    private static FlowKey KeyOf(in PacketFacts f, ref ParsedPacket p)
    {
        if (p.Protocol is Icmp or IcmpV6)
        {
            var id = p.Has(PacketFlags.IcmpEcho) ? p.IcmpId : (ushort)((p.IcmpType << 8) | p.IcmpCode);
            return new FlowKey(f.LocalAddress, f.RemoteAddress, id, 0, p.Protocol, p.IpVersion);
        }

        return new FlowKey(f.LocalAddress, f.RemoteAddress, f.HasPorts ? f.LocalPort : (ushort)0, f.HasPorts ? f.RemotePort : (ushort)0, p.Protocol, p.IpVersion);
    }

    /// <summary>The packet's tuple as the shim oriented it (ports 0 when it has none).</summary>
    private static FlowTuple TupleOf(in PacketFacts f, bool outbound) =>
        new(f.IpVersion, f.Protocol, f.LocalAddress, f.HasPorts ? f.LocalPort : (ushort)0, f.RemoteAddress, f.HasPorts ? f.RemotePort : (ushort)0, outbound);

    /// <summary>NL_ADDRESS_TYPE of an address.</summary>
    internal static byte AddressType(byte ipVersion, UInt128 address)
    {
        if (address == 0)
        {
            return StackValues.AddressUnspecified;
        }

        if (ipVersion == 4)
        {
            var a = (uint)address;
            return a == uint.MaxValue ? StackValues.AddressBroadcast
                : (a >> 28) == 0xE ? StackValues.AddressMulticast
                : StackValues.AddressUnicast;
        }

        return (address >> 120) == 0xFF ? StackValues.AddressMulticast : StackValues.AddressUnicast;
    }

    private static bool IsLoopbackAddress(byte ipVersion, UInt128 address) =>
        ipVersion == 4 ? ((uint)address >> 24) == 127 : address == 1;

    private void LearnLocalMac(ulong mac)
    {
        if (mac == 0 || IsLocalMac(mac))
        {
            return;
        }

        _localMacs[_localMacNext] = mac;
        _localMacNext = (_localMacNext + 1) % LocalMacSlots;
    }

    private bool IsLocalMac(ulong mac)
    {
        foreach (var m in _localMacs)
        {
            if (m == mac)
            {
                return true;
            }
        }

        return false;
    }

    private void Notify(ExpiredFlow expired)
    {
        if (expired.FlowId != 0)
        {
            DeleteFlowContexts(expired.FlowId);
        }
    }

    private void DeleteFlowContexts(ulong flowId)
    {
        if (!_engine.FlowContexts.IsEmpty)
        {
            _engine.FlowContexts.DeleteFlow(flowId);
        }
    }

    /// <summary>One packet's walk through the layers: where it is, and what has decided so far.</summary>
    private struct Walk(PolicySnapshot snapshot, ShimTrace? trace)
    {
        public readonly PolicySnapshot Snapshot = snapshot;
        public readonly ShimTrace? Trace = trace;
        public TrafficDirection Direction;
        public ulong FlowId;
        public FlowOwner Owner;
        public bool OwnerLookedUp;
        public ushort LayerId = ShimVerdict.NoLayer;
        public ulong FilterId;
        public ulong StepFilterId;
        public bool FlowEstablished;
        public bool FlowBlocked;
        private bool _blocked;
        private bool _absorbed;
        private ShimReason _reason;

        public void Block(ushort layerId, ulong filterId, bool absorbed, ShimReason reason)
        {
            _blocked = true;
            _absorbed = absorbed;
            _reason = reason;
            LayerId = layerId;
            FilterId = filterId;
        }

        public void Permit(ushort layerId, ulong filterId)
        {
            LayerId = layerId;
            FilterId = filterId;
        }

        public readonly bool IsBlocked => _blocked;

        /// <summary>The packet belongs to <paramref name="e"/>: its id and, as far as the table knows it, its owner.</summary>
        public void UseFlow(in FlowEntry e)
        {
            FlowId = e.FlowId;
            Owner = new FlowOwner(e.AppId, e.UserId.Token, e.ProcessId);
            OwnerLookedUp = e.OwnerLookedUp;
        }

        public readonly ShimVerdict Verdict(in FlowTuple tuple, TcpFlags tcpFlags) => new()
        {
            Tuple = tuple,
            TcpFlags = tcpFlags,
            Owner = Owner,
            OwnerLookedUp = OwnerLookedUp,
            Action = _blocked ? ActionType.Block : ActionType.Permit,
            Reason = _reason,
            LayerId = LayerId,
            FilterId = FilterId,
            Absorbed = _absorbed,
            Direction = Direction,
            FlowId = FlowId,
            FlowEstablished = FlowEstablished && !FlowBlocked,
            FlowBlocked = FlowBlocked,
        };
    }
}
