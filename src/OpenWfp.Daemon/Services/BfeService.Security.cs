using Grpc.Core;
using OpenWfp.Bfe;
using OpenWfp.Bfe.Changes;
using OpenWfp.Bfe.Sessions;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Security;
using OpenWfp.Protocol.V1;
using V1 = OpenWfp.Protocol.V1;

namespace OpenWfp.Daemon.Services;

/// <summary>Per-object security: Get/SetSecurityInfo and the sd of the add calls (docs/WFPD.md, Access control).</summary>
internal sealed partial class BfeService
{
    public override Task<SecurityInfo> GetSecurityInfo(SecurityInfoRequest request, ServerCallContext context) =>
        Run(context, s =>
        {
            var kind = KindOf(request.ObjectType);
            var key = kind is { } k ? ObjectKey(s, k, request.Object) : Guid.Empty;
            return new SecurityInfo { Sddl = bfe.GetSecurityInfo(s, kind, key, (SecurityInformation)request.SecurityInfo).ToSddl() };
        });

    public override Task<Empty> SetSecurityInfo(SetSecurityInfoRequest request, ServerCallContext context) =>
        Run(context, s =>
        {
            var kind = KindOf(request.ObjectType)
                ?? throw new WfpException(WfpError.InvalidParameter, "object_type: the engine's own security descriptor is wfpd's configuration (wfpd.json) and cannot be set");
            var sd = ObjectSd(request.Sddl) ?? throw new WfpException(WfpError.NullPointer, "sddl: missing");
            bfe.SetSecurityInfo(s, kind, ObjectKey(s, kind, request.Object), (SecurityInformation)request.SecurityInfo, sd);
        });

    /// <summary>The sd parameter of an add call: empty means none (the engine default).</summary>
    private static SecurityDescriptor? ObjectSd(string sddl)
    {
        if (string.IsNullOrEmpty(sddl))
        {
            return null;
        }

        return SecurityDescriptor.TryParseSddl(sddl, out var sd, out var error)
            ? sd
            : throw new WfpException(WfpError.InvalidParameter, $"security_descriptor: {error}");
    }

    private static ObjectKind? KindOf(V1.ObjectType type) => type switch
    {
        V1.ObjectType.Unspecified => null,
        V1.ObjectType.Provider => ObjectKind.Provider,
        V1.ObjectType.Sublayer => ObjectKind.Sublayer,
        V1.ObjectType.Callout => ObjectKind.Callout,
        V1.ObjectType.ProviderContext => ObjectKind.ProviderContext,
        V1.ObjectType.Filter => ObjectKind.Filter,
        _ => throw new WfpException(WfpError.InvalidEnumerator, $"object_type: unknown object type {(int)type}"),
    };

    /// <summary>The key an ObjectRef names; an id is resolved for the kinds that have ids.</summary>
    private Guid ObjectKey(BfeSession session, ObjectKind kind, ObjectRef? reference)
    {
        if (reference is null)
        {
            throw new WfpException(WfpError.NullPointer, "object: missing");
        }

        if (reference.Id == 0)
        {
            return Key(reference);
        }

        return kind is ObjectKind.Filter or ObjectKind.Callout or ObjectKind.ProviderContext
            ? bfe.ResolveKey(session, kind, reference.Id)
            : throw new WfpException(WfpError.InvalidParameter, $"object.id: a {kind} has no run-time id; give its key");
    }
}
