using System.Buffers.Binary;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Wire;

namespace OpenWfp.Callouts.Dns;

/// <summary>
/// openwfp.dns (docs/BUILTIN-CALLOUTS.md). At DATAGRAM_DATA_V4/V6 it drops DNS queries for listed names and injects
/// an NXDOMAIN answer so the client fails at once, and learns the addresses answers give; at ALE_AUTH_CONNECT_V4/V6
/// it blocks connections to an address learned for a listed name. Anything it cannot parse is permitted and counted.
/// </summary>
public sealed class DnsCallout : ICallout
{
    // Answer records examined per response; CNAME chains followed at most this deep.
    private const int MaxRecords = 64;
    private const int MaxChain = 8;

    private readonly EventSink _events;

    internal DnsCallout(BuiltinCalloutOptions options, EventSink events)
    {
        _events = events;
        Addresses = new DnsAddressSet(options.MaxDnsAddresses, options.TimeProvider, options.DnsMinimumTtl, options.DnsMaximumTtl);
    }

    /// <summary>The callout's counters.</summary>
    public CalloutCounters<DnsCounter> Counters { get; } = new();

    /// <summary>What the answers seen so far resolved, shared by every openwfp.dns filter of the engine.</summary>
    public DnsAddressSet Addresses { get; }

    /// <inheritdoc />
    public bool Notify(CalloutNotifyType type, Guid filterKey, RuntimeFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (type == CalloutNotifyType.AddFilter)
        {
            // Compile once; a bad configuration throws a FormatException whose message the engine reports with
            // FWP_E_CALLOUT_NOTIFICATION_FAILED.
            CalloutConfig.CheckLayer(filter, OpenWfpCallouts.Dns);
            filter.CalloutContext = DnsNameSet.Parse(CalloutConfig.TextOf(filter, OpenWfpCallouts.Dns));
        }

        return true;
    }

    /// <inheritdoc />
    public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
    {
        // Not listed, not DNS, not parseable: a soft permit, so the rest of the policy decides.
        classifyOut.ActionType = ActionType.Permit;
        var names = CalloutConfig.Compiled(context.Filter, OpenWfpCallouts.Dns, DnsNameSet.Parse);
        var fields = LayerFields.Of(context.Layer.LayerId);
        if (names is null || fields is null)
        {
            Counters.Increment(DnsCounter.InvalidConfig);
            return;
        }

        if (context.Layer.LayerId is LayerIds.AleAuthConnectV4 or LayerIds.AleAuthConnectV6)
        {
            Connect(in context, fields, names, ref classifyOut);
            return;
        }

        var layerData = context.LayerData;
        var packet = layerData.Packet;
        var udp = layerData.IpHeaderSize;
        if (layerData.Kind != LayerDataKind.Packet
            || context.Value(fields.Protocol).RawUInt64 != IpProtocol.Udp
            || (ushort)context.Value(fields.RemotePort).RawUInt64 != DnsWire.Port
            || udp <= 0 || udp + UdpHeader.Length > packet.Length)
        {
            Counters.Increment(DnsCounter.Ignored);
            return;
        }

        // The UDP length bounds the message (the packet may carry link padding after it).
        var udpLength = BinaryPrimitives.ReadUInt16BigEndian(packet[(udp + 4)..]);
        if (udpLength < UdpHeader.Length + DnsWire.HeaderLength || udp + udpLength > packet.Length)
        {
            Counters.Increment(DnsCounter.Malformed);
            return;
        }

        var message = packet.Slice(udp + UdpHeader.Length, udpLength - UdpHeader.Length);
        if (context.Value(fields.Direction).RawUInt64 == 0)
        {
            Query(in context, fields, names, message, ref classifyOut);
        }
        else
        {
            Response(message);
        }
    }

    private void Connect(in CalloutClassifyContext context, LayerFields fields, DnsNameSet names, ref ClassifyOut classifyOut)
    {
        Counters.Increment(DnsCounter.ConnectsChecked);
        var address = new DnsAddress(LayerFields.Address(context.Value(fields.RemoteAddress)), fields.IsV6);
        if (Addresses.FindListed(address, names) is not { } name)
        {
            return;
        }

        Counters.Increment(DnsCounter.ConnectsBlocked);
        classifyOut.ActionType = ActionType.Block;
        classifyOut.ClearActionRight();
        Report(in context, fields, IpProtocol.Tcp, CalloutEventKind.DnsAddressBlocked, name);
    }

    private void Query(in CalloutClassifyContext context, LayerFields fields, DnsNameSet names, ReadOnlySpan<byte> message, ref ClassifyOut classifyOut)
    {
        var flags = DnsWire.Flags(message);
        if (DnsWire.IsResponse(flags) || DnsWire.Opcode(flags) != 0)
        {
            Counters.Increment(DnsCounter.Ignored);
            return;
        }

        Counters.Increment(DnsCounter.Queries);
        Span<char> text = stackalloc char[DnsWire.MaxNameLength];
        var offset = DnsWire.HeaderLength;
        var blockedAt = -1;
        for (var q = DnsWire.QuestionCount(message); q > 0; q--)
        {
            var start = offset;
            var length = DnsWire.ReadName(message, offset, text);
            if (length < 0 || !DnsWire.SkipName(message, ref offset) || offset + 4 > message.Length)
            {
                Counters.Increment(DnsCounter.Malformed);
                return;
            }

            if (blockedAt < 0 && names.Matches(text[..length]))
            {
                blockedAt = start;
            }

            offset += 4;
        }

        if (blockedAt < 0 || names.Count == 0)
        {
            return;
        }

        Counters.Increment(DnsCounter.QueriesBlocked);
        classifyOut.ActionType = ActionType.Block;
        classifyOut.ClearActionRight();

        var layerData = context.LayerData;
        Span<byte> reply = stackalloc byte[NxDomainReply.MaxLength];
        var replyLength = NxDomainReply.Build(layerData.Packet, layerData.IpHeaderSize, offset, reply);
        var injected = replyLength > 0 && layerData.Injector is { } injector
            && injector.InjectReceive(reply[..replyLength], layerData.InterfaceIndex) == InjectStatus.Ok;
        Counters.Increment(injected ? DnsCounter.NxDomainInjected : DnsCounter.NxDomainNotInjected);

        // The blocked name again (the buffer holds the last question's).
        var blockedLength = DnsWire.ReadName(message, blockedAt, text);
        Report(in context, fields, IpProtocol.Udp, CalloutEventKind.DnsNameBlocked, text[..blockedLength]);
    }

    // Learns the A and AAAA records that answer the first question, directly or through a CNAME chain in the same message.
    private void Response(ReadOnlySpan<byte> message)
    {
        var flags = DnsWire.Flags(message);
        if (!DnsWire.IsResponse(flags) || DnsWire.Opcode(flags) != 0)
        {
            Counters.Increment(DnsCounter.Ignored);
            return;
        }

        Counters.Increment(DnsCounter.Responses);
        if (DnsWire.Rcode(flags) != 0 || DnsWire.QuestionCount(message) == 0 || DnsWire.AnswerCount(message) == 0)
        {
            return;
        }

        // The questions, then each answer record's owner, type, TTL and RDATA.
        var offset = DnsWire.HeaderLength;
        var question = offset;
        for (var q = DnsWire.QuestionCount(message); q > 0; q--)
        {
            if (!DnsWire.SkipName(message, ref offset) || offset + 4 > message.Length)
            {
                Counters.Increment(DnsCounter.Malformed);
                return;
            }

            offset += 4;
        }

        Span<Record> records = stackalloc Record[MaxRecords];
        var count = 0;
        for (var a = DnsWire.AnswerCount(message); a > 0 && count < MaxRecords; a--)
        {
            var owner = offset;
            if (!DnsWire.SkipName(message, ref offset) || offset + 10 > message.Length)
            {
                Counters.Increment(DnsCounter.Malformed);
                return;
            }

            var type = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
            var cls = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]);
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(offset + 4)..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 8)..]);
            offset += 10;
            if (offset + length > message.Length)
            {
                Counters.Increment(DnsCounter.Malformed);
                return;
            }

            if (cls == DnsWire.ClassIn && type is DnsWire.TypeA or DnsWire.TypeAaaa or DnsWire.TypeCname)
            {
                records[count++] = new Record(owner, type, ttl, offset, length);
            }

            offset += length;
        }

        // The chain: the question's name, then each CNAME target whose owner is already on it (RFC 1034 §3.6.2).
        Span<int> chain = stackalloc int[MaxChain];
        chain[0] = question;
        var links = 1;
        var chainTtl = uint.MaxValue;
        for (var grew = true; grew && links < MaxChain;)
        {
            grew = false;
            foreach (var r in records[..count])
            {
                if (r.Type == DnsWire.TypeCname && links < MaxChain && OnChain(message, chain[..links], r.Owner) && !OnChain(message, chain[..links], r.Data))
                {
                    chain[links++] = r.Data;
                    chainTtl = Math.Min(chainTtl, r.Ttl);
                    grew = true;
                }
            }
        }

        Span<char> text = stackalloc char[DnsWire.MaxNameLength];
        foreach (var r in records[..count])
        {
            var isV6 = r.Type == DnsWire.TypeAaaa;
            if (r.Type == DnsWire.TypeCname || r.Length != (isV6 ? 16 : 4) || !OnChain(message, chain[..links], r.Owner))
            {
                continue;
            }

            var data = message.Slice(r.Data, r.Length);
            var address = new DnsAddress(isV6 ? BinaryPrimitives.ReadUInt128BigEndian(data) : BinaryPrimitives.ReadUInt32BigEndian(data), isV6);
            var ttl = Math.Min(r.Ttl, chainTtl);
            foreach (var name in chain[..links])
            {
                var length = DnsWire.ReadName(message, name, text);
                if (length <= 0)
                {
                    Counters.Increment(DnsCounter.Malformed);
                    return;
                }

                if (!Addresses.Learn(address, text[..length], ttl))
                {
                    Counters.Increment(DnsCounter.AddressSetFull);
                    return;
                }
            }

            Counters.Increment(DnsCounter.AddressesLearned);
        }
    }

    private static bool OnChain(ReadOnlySpan<byte> message, ReadOnlySpan<int> chain, int name)
    {
        foreach (var link in chain)
        {
            if (DnsWire.NamesEqual(message, link, name))
            {
                return true;
            }
        }

        return false;
    }

    private void Report(in CalloutClassifyContext context, LayerFields fields, byte protocol, CalloutEventKind kind, ReadOnlySpan<char> text)
    {
        // For the data plane's net event of this packet (it carries the callout id and the name).
        CalloutEventNote.Set(context.Filter.CalloutId, text);
        if (!_events.Enabled)
        {
            return;
        }

        var e = new CalloutEvent(context.Filter.CalloutId, context.Layer.LayerId, context.Filter.FilterId, context.Metadata.HasFlowHandle ? context.Metadata.FlowHandle : 0, fields.Tuple(in context, protocol), kind, text.ToString());
        if (!_events.Send(e))
        {
            Counters.Increment(DnsCounter.EventFaults);
        }
    }

    private readonly record struct Record(int Owner, ushort Type, uint Ttl, int Data, int Length);
}
