using Grpc.Core;
using OpenWfp.Bfe.Changes;
using OpenWfp.Bfe.Sessions;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;
using OpenWfp.Protocol.Mapping;
using OpenWfp.Protocol.V1;
using V1 = OpenWfp.Protocol.V1;

namespace OpenWfp.Daemon.Services;

/// <summary>Layers, sessions and the change subscriptions in force (FwpmLayer*, FwpmSessionEnum0, Fwpm*SubscriptionsGet0).</summary>
internal sealed partial class BfeService
{
    /// <summary>FWPM_LAYER_FLAG_KERNEL (fwpmtypes.h).</summary>
    private const uint LayerFlagKernel = 0x1;

    /// <summary>FWPM_LAYER_FLAG_BUILTIN (fwpmtypes.h).</summary>
    private const uint LayerFlagBuiltin = 0x2;

    /// <summary>FWPM_FIELD_RAW_DATA (fwpmtypes.h, FWPM_FIELD_TYPE).</summary>
    private const uint FieldRawData = 0;

    /// <summary>FWPM_FIELD_IP_ADDRESS (fwpmtypes.h, FWPM_FIELD_TYPE).</summary>
    private const uint FieldIpAddress = 1;

    /// <summary>FWPM_FIELD_FLAGS (fwpmtypes.h, FWPM_FIELD_TYPE).</summary>
    private const uint FieldFlags = 2;

    public override Task<LayerList> EnumLayers(Empty request, ServerCallContext context) => Run(context, s =>
    {
        bfe.Access.DemandRead(s.Caller, "enumerate layers");
        var list = new LayerList();
        list.Items.AddRange(LayerCatalog.Layers.OrderBy(l => l.LayerId).Select(ToProto));
        return list;
    });

    public override Task<V1.Layer> GetLayer(ObjectRef request, ServerCallContext context) => Run(context, s =>
    {
        bfe.Access.DemandRead(s.Caller, "read a layer");
        LayerInfo? layer;
        if (request.Key.Length > 0)
        {
            layer = LayerCatalog.ByKey(Key(request)) ?? throw new WfpException(WfpError.LayerNotFound, $"no layer {{{request.Key}}}");
        }
        else
        {
            layer = request.Id <= ushort.MaxValue ? LayerCatalog.ById((ushort)request.Id) : null;
            if (layer is null)
            {
                throw new WfpException(WfpError.LayerNotFound, $"no layer with id {request.Id}");
            }
        }

        return ToProto(layer);
    });

    public override Task<SessionList> EnumSessions(Empty request, ServerCallContext context) => Run(context, s =>
    {
        var list = new SessionList();
        list.Items.AddRange(bfe.EnumSessions(s).Select(ToProto));
        return list;
    });

    public override Task<ChangeSubscriptionList> GetChangeSubscriptions(Empty request, ServerCallContext context) => Run(context, s =>
    {
        bfe.Access.DemandRead(s.Caller, "enumerate change subscriptions");
        var list = new ChangeSubscriptionList();
        foreach (var subscription in bfe.Changes.Subscriptions)
        {
            var t = subscription.Template;
            var item = new ChangeSubscription
            {
                SessionKey = subscription.SessionKey.ToString(),
                Flags = t.Flags,
                ProviderKey = ProtoMap.KeyToProto(t.ProviderKey),
                LayerKey = ProtoMap.KeyToProto(t.LayerKey),
            };
            item.ObjectTypes.AddRange(t.Kinds.Order().Select(k => (uint)k));
            if (t.FilterTemplate is { } f)
            {
                var template = new V1.FilterEnumTemplate
                {
                    ProviderKey = ProtoMap.KeyToProto(f.ProviderKey),
                    LayerKey = ProtoMap.KeyToProto(f.LayerKey),
                    SublayerKey = ProtoMap.KeyToProto(f.SublayerKey),
                    CalloutKey = ProtoMap.KeyToProto(f.CalloutKey),
                    EnumType = f.EnumType,
                    Flags = f.Flags,
                    ActionMask = f.ActionMask,
                };
                template.Conditions.AddRange(f.Conditions.Select(ProtoMap.ToProto));
                item.FilterTemplate = template;
            }

            list.Items.Add(item);
        }

        return list;
    });

    private static V1.Layer ToProto(LayerInfo layer)
    {
        var message = new V1.Layer
        {
            Key = layer.Key.ToString(),
            DisplayData = new DisplayData { Name = layer.Name },
            Flags = LayerFlagBuiltin | (layer.IsKernel ? LayerFlagKernel : 0),
            DefaultSublayerKey = LayerCatalog.SublayerUniversal.ToString(),
            LayerId = layer.LayerId,
            Name = layer.Name,
        };

        // FWPM_LAYER0 lists the fields a filter can test: those with a condition GUID.
        foreach (var field in layer.Fields)
        {
            if (field.ConditionKey is not { } key)
            {
                continue;
            }

            message.Fields.Add(new LayerField
            {
                FieldKey = key.ToString(),
                Type = FieldType(field),
                DataType = (uint)field.IncomingType,
                Name = field.ConditionName ?? field.Name,
            });
        }

        return message;
    }

    private static uint FieldType(LayerFieldInfo field)
    {
        if (field.ConditionTypes.Any(t => t is FwpDataType.V4AddrMask or FwpDataType.V6AddrMask))
        {
            return FieldIpAddress;
        }

        return (field.ConditionName ?? field.Name).EndsWith("FLAGS", StringComparison.Ordinal) ? FieldFlags : FieldRawData;
    }

    private static V1.Session ToProto(BfeSession session) => new()
    {
        SessionKey = session.Key.ToString(),
        DisplayData = new DisplayData { Name = session.Name, Description = session.Description ?? "" },
        Flags = session.IsDynamic ? 0x1u : 0,
        TxnWaitTimeoutMs = session.TxnWaitTimeoutInMSec,
        ProcessId = (uint)Math.Max(0, session.Caller.Pid),
        Sid = Sid.ForUnixUser(session.Caller.Uid).ToString(),
        UserName = UserName(session.Caller.Uid),
        KernelMode = false,
        Uid = session.Caller.Uid,
        InTransaction = session.InTransaction,
    };

    // The account name from /etc/passwd, as FWPM_SESSION0.username gives the Windows account; "uid N" when unknown.
    private static string UserName(uint uid)
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var parts = line.Split(':');
                if (parts.Length > 2 && uint.TryParse(parts[2], out var u) && u == uid)
                {
                    return parts[0];
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return $"uid {uid}";
    }

    /// <summary>A SubscribeChangesRequest as the BFE's subscription template.</summary>
    private static ChangeSubscriptionTemplate SubscriptionTemplate(SubscribeChangesRequest request)
    {
        var kinds = new HashSet<ObjectKind>();
        foreach (var t in request.ObjectTypes)
        {
            if (t is < (uint)ObjectKind.Provider or > (uint)ObjectKind.Filter)
            {
                throw new WfpException(WfpError.InvalidEnumerator, $"object type {t} is not one of 1 provider, 2 sublayer, 3 callout, 4 provider context, 5 filter");
            }

            kinds.Add((ObjectKind)t);
        }

        if ((request.Flags & ~(ChangeSubscriptionTemplate.NotifyOnAdd | ChangeSubscriptionTemplate.NotifyOnDelete)) != 0)
        {
            throw new WfpException(WfpError.InvalidFlags, $"subscription flags 0x{request.Flags:x}: only NOTIFY_ON_ADD 0x1 and NOTIFY_ON_DELETE 0x2 exist");
        }

        return new ChangeSubscriptionTemplate(
            kinds,
            request.Flags,
            OptionalKey(request.ProviderKey, "providerKey"),
            request.FilterTemplate is null ? null : Template(request.FilterTemplate),
            OptionalKey(request.LayerKey, "layerKey"));
    }
}
