using OpenWfp.Engine.Security;
using OpenWfp.Protocol.Mapping;
using V1 = OpenWfp.Protocol.V1;

namespace OpenWfp.Client;

/// <summary>SECURITY_INFORMATION bits (winnt.h) for the Get/SetSecurityInfo calls.</summary>
[Flags]
public enum SecurityInformation : uint
{
    /// <summary>Owner, group and DACL (what 0 asks the daemon for).</summary>
    All = 0,

    /// <summary>OWNER_SECURITY_INFORMATION.</summary>
    Owner = 0x1,

    /// <summary>GROUP_SECURITY_INFORMATION.</summary>
    Group = 0x2,

    /// <summary>DACL_SECURITY_INFORMATION.</summary>
    Dacl = 0x4,

    /// <summary>SACL_SECURITY_INFORMATION: refused, wfpd keeps no SACLs.</summary>
    Sacl = 0x8,
}

/// <summary>Per-object security: GetSecurityInfo / SetSecurityInfo (docs/WFPD.md, Access control).</summary>
public sealed partial class BfeClient
{
    /// <summary>
    /// FwpmEngineGetSecurityInfo0 (<paramref name="objectType"/> null) or FwpmXxxGetSecurityInfoByKey0; needs
    /// READ_CONTROL on the object.
    /// </summary>
    /// <param name="objectType">The object's type, or null for the engine.</param>
    /// <param name="key">The object's key (ignored for the engine).</param>
    /// <param name="information">Which parts to return.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The security descriptor.</returns>
    public async Task<SecurityDescriptor> GetSecurityInfoAsync(BfeObjectType? objectType, Guid key, SecurityInformation information = SecurityInformation.All, CancellationToken cancellationToken = default)
    {
        var request = new V1.SecurityInfoRequest
        {
            ObjectType = objectType is { } t ? (V1.ObjectType)t : V1.ObjectType.Unspecified,
            Object = new V1.ObjectRef { Key = objectType is null ? "" : ProtoMap.KeyToProto(key) },
            SecurityInfo = (uint)information,
        };
        var reply = await Unary(o => Raw.GetSecurityInfoAsync(request, o), cancellationToken).ConfigureAwait(false);
        return SecurityDescriptor.ParseSddl(reply.Sddl);
    }

    /// <summary>FwpmXxxSetSecurityInfoByKey0: WRITE_OWNER for owner and group, WRITE_DAC for the DACL; not inside a transaction.</summary>
    /// <param name="objectType">The object's type.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="information">Which parts of <paramref name="sd"/> to apply.</param>
    /// <param name="sd">The new owner, group and/or DACL.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task SetSecurityInfoAsync(BfeObjectType objectType, Guid key, SecurityInformation information, SecurityDescriptor sd, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sd);
        var request = new V1.SetSecurityInfoRequest
        {
            ObjectType = (V1.ObjectType)objectType,
            Object = new V1.ObjectRef { Key = ProtoMap.KeyToProto(key) },
            SecurityInfo = (uint)information,
            Sddl = sd.ToSddl(),
        };
        return Unary(o => Raw.SetSecurityInfoAsync(request, o), cancellationToken);
    }

    private static V1.Provider WithSd(V1.Provider message, SecurityDescriptor? sd)
    {
        message.SecurityDescriptor = sd?.ToSddl() ?? "";
        return message;
    }

    private static V1.Sublayer WithSd(V1.Sublayer message, SecurityDescriptor? sd)
    {
        message.SecurityDescriptor = sd?.ToSddl() ?? "";
        return message;
    }

    private static V1.Callout WithSd(V1.Callout message, SecurityDescriptor? sd)
    {
        message.SecurityDescriptor = sd?.ToSddl() ?? "";
        return message;
    }

    private static V1.ProviderContext WithSd(V1.ProviderContext message, SecurityDescriptor? sd)
    {
        message.SecurityDescriptor = sd?.ToSddl() ?? "";
        return message;
    }

    private static V1.Filter WithSd(V1.Filter message, SecurityDescriptor? sd)
    {
        message.SecurityDescriptor = sd?.ToSddl() ?? "";
        return message;
    }
}
