using System.Net;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Protocol.Mapping;
using V1 = OpenWfp.Protocol.V1;

namespace OpenWfp.Client;

/// <summary>Conversions between the client's Fwpm* structures and bfe.proto messages that <see cref="ProtoMap"/> does not cover.</summary>
internal static class ClientMap
{
    private const long TicksPerNanosecond100 = 100;

    public static V1.FilterEnumTemplate ToProto(FwpmFilterEnumTemplate0? template)
    {
        var p = new V1.FilterEnumTemplate();
        if (template is null)
        {
            return p;
        }

        p.ProviderKey = ProtoMap.KeyToProto(template.ProviderKey);
        p.LayerKey = ProtoMap.KeyToProto(template.LayerKey);
        p.EnumType = template.EnumType;
        p.Flags = template.Flags;
        p.ActionMask = template.ActionMask;
        p.CalloutKey = ProtoMap.KeyToProto(template.CalloutKey);
        p.SublayerKey = ProtoMap.KeyToProto(template.SublayerKey);
        foreach (var c in template.FilterConditions ?? [])
        {
            p.Conditions.Add(ProtoMap.ToProto(c));
        }

        return p;
    }

    public static V1.SubscribeChangesRequest SubscribeRequest(IReadOnlyCollection<BfeObjectType>? objectTypes, uint flags, FwpmFilterEnumTemplate0? filterTemplate, Guid? providerKey, Guid? layerKey)
    {
        var request = new V1.SubscribeChangesRequest
        {
            Flags = flags,
            ProviderKey = ProtoMap.KeyToProto(providerKey),
            LayerKey = ProtoMap.KeyToProto(layerKey is { } l && l != Guid.Empty ? l : null),
        };
        if (filterTemplate is not null)
        {
            request.FilterTemplate = ToProto(filterTemplate);
        }

        foreach (var type in objectTypes ?? [])
        {
            request.ObjectTypes.Add((uint)type);
        }

        return request;
    }

    public static BfeChangeSubscription ToSubscription(V1.ChangeSubscription s) => new(
        TryKey(s.SessionKey),
        [.. s.ObjectTypes.Select(t => (BfeObjectType)t)],
        s.Flags,
        s.ProviderKey.Length == 0 ? null : TryKey(s.ProviderKey),
        s.LayerKey.Length == 0 ? null : TryKey(s.LayerKey),
        s.FilterTemplate is not { } t ? null : new FwpmFilterEnumTemplate0
        {
            ProviderKey = t.ProviderKey.Length == 0 ? null : TryKey(t.ProviderKey),
            LayerKey = TryKey(t.LayerKey),
            EnumType = t.EnumType,
            Flags = t.Flags,
            ActionMask = t.ActionMask == 0 ? 0xFFFFFFFF : t.ActionMask,
            CalloutKey = t.CalloutKey.Length == 0 ? null : TryKey(t.CalloutKey),
            SublayerKey = t.SublayerKey.Length == 0 ? null : TryKey(t.SublayerKey),
            FilterConditions = [.. t.Conditions.Select((c, i) => ProtoMap.ToCondition(c, $"conditions[{i}]"))],
        });

    public static FwpmLayer0 ToLayer(V1.Layer l) => new(
        TryKey(l.Key),
        ProtoMap.ToDisplayData(l.DisplayData),
        l.Flags,
        [.. l.Fields.Select(f => new FwpmField0(TryKey(f.FieldKey), f.Type, (Engine.Values.FwpDataType)f.DataType, f.Name))],
        TryKey(l.DefaultSublayerKey),
        (ushort)l.LayerId,
        l.Name);

    public static FwpmSession0 ToSession(V1.Session s) => new()
    {
        SessionKey = TryKey(s.SessionKey),
        DisplayData = ProtoMap.ToDisplayData(s.DisplayData),
        Flags = s.Flags,
        TxnWaitTimeoutInMSec = s.TxnWaitTimeoutMs,
        ProcessId = s.ProcessId,
        Sid = s.Sid,
        Username = s.UserName,
        KernelMode = s.KernelMode,
        Uid = s.Uid,
        InTransaction = s.InTransaction,
    };

    public static V1.EnumTemplate ToProto(FwpmProviderEnumTemplate0? template) =>
        new() { ProviderKey = ProtoMap.KeyToProto(template?.ProviderKey) };

    public static V1.EnumTemplate ToProto(FwpmSubLayerEnumTemplate0? template) =>
        new() { ProviderKey = ProtoMap.KeyToProto(template?.ProviderKey) };

    public static V1.EnumTemplate ToProto(FwpmCalloutEnumTemplate0? template) =>
        new() { ProviderKey = ProtoMap.KeyToProto(template?.ProviderKey), LayerKey = ProtoMap.KeyToProto(template?.LayerKey ?? Guid.Empty) };

    public static V1.EnumTemplate ToProto(FwpmProviderContextEnumTemplate0? template)
    {
        var p = new V1.EnumTemplate { ProviderKey = ProtoMap.KeyToProto(template?.ProviderKey) };
        if (template?.ProviderContextType is { } type)
        {
            p.HasType = true;
            p.Type = (uint)type;
        }

        return p;
    }

    public static V1.NetEventTemplate ToProto(FwpmNetEventEnumTemplate0? template)
    {
        var p = new V1.NetEventTemplate();
        if (template is null)
        {
            return p;
        }

        p.StartTimeUnixNs = template.StartTime is { } start ? ToUnixNanoseconds(start) : 0;
        p.EndTimeUnixNs = template.EndTime is { } end ? ToUnixNanoseconds(end) : 0;
        p.MaxCount = template.MaxCount;
        p.FilterId = template.FilterId;
        if (template.LayerId is { } layer)
        {
            p.LayerId = layer;
        }

        foreach (var c in template.FilterConditions ?? [])
        {
            p.Conditions.Add(ProtoMap.ToProto(c));
        }

        return p;
    }

    public static long ToUnixNanoseconds(DateTimeOffset time) =>
        (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * TicksPerNanosecond100;

    public static DateTimeOffset FromUnixNanoseconds(long nanoseconds) =>
        DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / TicksPerNanosecond100);

    /// <summary>A net event from the daemon; members that do not parse are left unset rather than failing the whole list.</summary>
    public static FwpmNetEvent ToNetEvent(V1.NetEvent e)
    {
        var terminating = new FwpmTerminatingFilter[e.TerminatingFilters.Count];
        for (var i = 0; i < terminating.Length; i++)
        {
            var t = e.TerminatingFilters[i];
            terminating[i] = new FwpmTerminatingFilter(t.FilterId, TryKey(t.SublayerKey), (ActionType)t.Action);
        }

        return new FwpmNetEvent
        {
            TimeStamp = FromUnixNanoseconds(e.TimeUnixNs),
            Type = e.Type,
            IpVersion = e.IpVersion,
            IpProtocol = (byte)e.IpProtocol,
            LocalAddress = IPAddress.TryParse(e.LocalAddress, out var local) ? local : null,
            RemoteAddress = IPAddress.TryParse(e.RemoteAddress, out var remote) ? remote : null,
            LocalPort = (ushort)e.LocalPort,
            RemotePort = (ushort)e.RemotePort,
            AppId = e.AppId.IsEmpty ? null : e.AppId.ToByteArray(),
            UserId = Sid.TryParse(e.UserId, out var sid) ? sid : null,
            FilterId = e.FilterId,
            LayerId = (ushort)e.LayerId,
            LayerName = e.LayerName,
            Direction = e.Direction,
            IsLoopback = e.IsLoopback,
            ReauthReason = e.ReauthReason,
            CalloutId = e.CalloutId,
            CalloutDetail = e.CalloutDetail.Length == 0 ? null : e.CalloutDetail,
            TerminatingFilters = terminating,
            Sequence = e.Sequence,
        };
    }

    public static BfeChange ToChange(V1.ChangeEvent e) =>
        new((FwpmChangeType)e.ChangeType, (BfeObjectType)e.ObjectType, TryKey(e.Key), e.Id, e.Name);

    private static Guid TryKey(string text) =>
        Guid.TryParseExact(text, "D", out var key) || Guid.TryParseExact(text, "B", out key) ? key : Guid.Empty;
}
