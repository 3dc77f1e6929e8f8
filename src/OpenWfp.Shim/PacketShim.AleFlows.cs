using OpenWfp.Engine.Model;
using OpenWfp.Engine.Policy;
using OpenWfp.Engine.Values;
using OpenWfp.Wire;

namespace OpenWfp.Shim;

// ALE flow state (docs/SHIM.md, "ALE: once per flow"): ALE decides once per flow; later packets of a permitted flow
// skip the ALE layers, later packets of a blocked flow are dropped before any layer. After a commit, the next packet
// of each flow reauthorizes at the ALE layer that created it. TCP meets FLOW_ESTABLISHED when its handshake completes
// (SYN-ACK in for a client, the final ACK in for a server).
public sealed partial class PacketShim
{
    /// <summary>
    /// The ALE step for a packet that may start or continue a flow. Returns false when the packet is dropped.
    /// <paramref name="flow"/> is the flow's slot when the caller already looked it up, else -1.
    /// </summary>
    private bool Ale(ShimLayers layers, ref PacketFacts f, ref ParsedPacket p, long now, ref Walk walk, ref int flow)
    {
        walk.FlowSlot = -1;
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
                Notify(_flows.Remove(flow));
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

            if (!outbound && InResponseWindow(in f, now, ref walk))
            {
                return true;
            }

            return NewFlow(layers, ref f, ref p, now, ref walk, out flow);
        }

        ref var entry = ref _flows.At(flow);
        entry.LastSeenNanoseconds = now;
        walk.UseFlow(in entry);
        walk.FlowSlot = flow;
        f.AppId = entry.AppId;
        f.UserId = entry.UserId;
        if (Stale(ref entry, walk.Snapshot))
        {
            if (!Reauthorize(layers, ref f, ref entry, ref walk))
            {
                if (walk.Pended)
                {
                    Notify(_flows.Remove(flow));
                    walk.FlowId = 0;
                    walk.FlowSlot = -1;
                    flow = -1;
                }

                return false;
            }
        }
        else if (entry.Blocked)
        {
            DropBlockedFlow(flow, ref f, ref walk);
            return false;
        }

        if (tcp)
        {
            var progressed = TcpProgress(layers, ref f, ref entry, flags, outbound, ref walk);
            walk.FlowEstablished = progressed && entry.Stage != TcpStage.Handshake;
            return progressed;
        }

        if (outbound && entry.Multicast)
        {
            OpenResponseWindow(in f, entry.FlowId, now);
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
        e.Multicast = f.Direction == FwpDirection.Outbound && p.Protocol != Tcp && IsGroupAddress(f.IpVersion, f.RemoteAddress);
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
        walk.FlowSlot = flow;

        f.AppId = e.AppId;
        f.UserId = e.UserId;
        var auth = f.Direction == FwpDirection.Outbound ? layers.AuthConnect : layers.AuthRecvAccept;
        e.AleLayerId = auth.LayerId;
        if (!Classify(auth, ref f, ref walk, false, e.FlowId))
        {
            if (walk.Pended)
            {
                // Undecided: the packet comes back through the layers once the callout completes, and starts the flow then.
                Notify(_flows.Remove(flow));
                walk.FlowId = 0;
                walk.FlowSlot = -1;
                flow = -1;
                return false;
            }

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

        if (e.Multicast)
        {
            OpenResponseWindow(in f, e.FlowId, now);
        }

        walk.FlowEstablished = e.Stage != TcpStage.Handshake;
        return true;
    }

    /// <summary>
    /// True when a commit since the flow was last authorized changed the layer that authorized it, so the flow must be
    /// reauthorized. A flow untouched by the commits since is brought up to date here and keeps its decision: a commit
    /// at, say, OUTBOUND_TRANSPORT reauthorizes no flow (docs/SHIM.md, "Reauthorization").
    /// </summary>
    private bool Stale(ref FlowEntry e, PolicySnapshot snapshot)
    {
        if (e.Generation == snapshot.Generation)
        {
            return false;
        }

        NoteSnapshot(snapshot);
        if (_layerChangedAt[e.AleLayerId] > e.Generation)
        {
            return true;
        }

        e.Generation = snapshot.Generation;
        return false;
    }

    /// <summary>
    /// Records, for each ALE authorization layer, the generation of the last snapshot this shim saw it change in. A
    /// commit recompiles only the layers it touched, so an unchanged layer keeps the very same program
    /// (<see cref="PolicySnapshot.SameProgram"/>); comparing with the last snapshot seen also covers commits that
    /// happened between two packets.
    /// </summary>
    private void NoteSnapshot(PolicySnapshot snapshot)
    {
        var seen = _seenSnapshot;
        if (ReferenceEquals(seen, snapshot))
        {
            return;
        }

        if (seen is not null && snapshot.Generation > seen.Generation)
        {
            foreach (var id in AuthLayerIds)
            {
                if (!snapshot.SameProgram(seen, id))
                {
                    _layerChangedAt[id] = snapshot.Generation;
                }
            }
        }

        _seenSnapshot = snapshot;
    }

    private bool Reauthorize(ShimLayers layers, ref PacketFacts f, ref FlowEntry e, ref Walk walk)
    {
        _counters.Reauthorizations++;
        e.Generation = walk.Snapshot.Generation;
        var auth = e.Origin == FwpDirection.Outbound ? layers.AuthConnect : layers.AuthRecvAccept;
        // The layer that created the flow classifies again, even when this packet travels the other way (docs/SHIM.md, "ALE: once per flow");
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

    private void DropBlockedFlow(int flow, ref PacketFacts f, ref Walk walk)
    {
        ref var e = ref _flows.At(flow);
        _counters.FlowBlockedDrops++;
        walk.UseFlow(in e);
        walk.FlowBlocked = true;
        walk.Block(e.AleLayerId, e.FilterId, absorbed: false, ShimReason.FlowBlocked);

        // The flow's filter blocked it, at the flow's ALE layer; the discard layer sees the facts of the flow's direction.
        var dropped = f;
        dropped.Direction = e.Origin;
        dropped.AppId = e.AppId;
        dropped.UserId = e.UserId;
        IndicateDiscard(e.AleLayerId, ref dropped, ref walk, StackValues.DiscardModuleGeneral, StackValues.DiscardFirewallPolicy, e.FilterId);
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

    /// <summary>The ALE flow key (docs/SHIM.md): the 5-tuple; for ICMP echo, the identifier in place of ports.</summary>
    private static FlowKey KeyOf(in PacketFacts f, ref ParsedPacket p)
    {
        if (p.Protocol is Icmp or IcmpV6)
        {
            var id = p.Has(PacketFlags.IcmpEcho) ? p.IcmpId : (ushort)((p.IcmpType << 8) | p.IcmpCode);
            return new FlowKey(f.LocalAddress, f.RemoteAddress, id, 0, p.Protocol, p.IpVersion);
        }

        // Inbound multicast and broadcast: one flow per local endpoint, whoever sent it (PacketShim.Multicast.cs).
        if (IsGroupAddress(p.IpVersion, f.LocalAddress))
        {
            return new FlowKey(f.LocalAddress, 0, f.HasPorts ? f.LocalPort : (ushort)0, 0, p.Protocol, p.IpVersion);
        }

        return new FlowKey(f.LocalAddress, f.RemoteAddress, f.HasPorts ? f.LocalPort : (ushort)0, f.HasPorts ? f.RemotePort : (ushort)0, p.Protocol, p.IpVersion);
    }

    private void Notify(ExpiredFlow expired)
    {
        if (expired.Stream != 0)
        {
            FreeStream(expired.Stream);
        }

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
}
