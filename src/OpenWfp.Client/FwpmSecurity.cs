using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Security;
using static OpenWfp.Client.FwpmConstants;

namespace OpenWfp.Client;

/// <summary>
/// FwpmXxxGetSecurityInfoByKey0 and FwpmXxxSetSecurityInfoByKey0 (fwpmu.h), shaped as on Windows: the SID and ACL
/// out-parameters are <see cref="Sid"/> and ACE lists, and the whole descriptor is a <see cref="SecurityDescriptor"/>.
/// The daemon keeps no SACL: asking for SACL_SECURITY_INFORMATION fails with FWP_E_INVALID_PARAMETER.
/// </summary>
public static partial class Fwpm
{
    /// <summary>FwpmEngineGetSecurityInfo0: the engine's own descriptor (wfpd's access configuration); needs READ_CONTROL.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="securityInfo">SECURITY_INFORMATION: which parts to return (0: owner, group and DACL).</param>
    /// <param name="sidOwner">The owner, if asked for.</param>
    /// <param name="sidGroup">The group, if asked for.</param>
    /// <param name="dacl">The DACL, if asked for (null for a NULL DACL).</param>
    /// <param name="sacl">Always null: no SACL is kept.</param>
    /// <param name="securityDescriptor">The descriptor with the parts asked for.</param>
    /// <returns>ERROR_SUCCESS, ERROR_ACCESS_DENIED, … .</returns>
    public static uint EngineGetSecurityInfo0(FwpmEngineHandle engineHandle, uint securityInfo, out Sid? sidOwner, out Sid? sidGroup, out IReadOnlyList<Ace>? dacl, out IReadOnlyList<Ace>? sacl, out SecurityDescriptor? securityDescriptor) =>
        GetSecurity(engineHandle, null, Guid.Empty, securityInfo, out sidOwner, out sidGroup, out dacl, out sacl, out securityDescriptor);

    /// <summary>FwpmProviderGetSecurityInfoByKey0; needs READ_CONTROL on the object.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="securityInfo">SECURITY_INFORMATION: which parts to return (0: owner, group and DACL).</param>
    /// <param name="sidOwner">The owner, if asked for.</param>
    /// <param name="sidGroup">The group, if asked for.</param>
    /// <param name="dacl">The DACL, if asked for (null for a NULL DACL).</param>
    /// <param name="sacl">Always null: no SACL is kept.</param>
    /// <param name="securityDescriptor">The descriptor with the parts asked for.</param>
    /// <returns>ERROR_SUCCESS, ERROR_ACCESS_DENIED, the not-found error of the object type, … .</returns>
    public static uint ProviderGetSecurityInfoByKey0(FwpmEngineHandle engineHandle, Guid key, uint securityInfo, out Sid? sidOwner, out Sid? sidGroup, out IReadOnlyList<Ace>? dacl, out IReadOnlyList<Ace>? sacl, out SecurityDescriptor? securityDescriptor) =>
        GetSecurity(engineHandle, BfeObjectType.Provider, key, securityInfo, out sidOwner, out sidGroup, out dacl, out sacl, out securityDescriptor);

    /// <summary>FwpmProviderSetSecurityInfoByKey0; needs WRITE_OWNER (owner, group) and/or WRITE_DAC (DACL); not inside a transaction.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="securityInfo">SECURITY_INFORMATION: which of the following to set.</param>
    /// <param name="sidOwner">The new owner.</param>
    /// <param name="sidGroup">The new group.</param>
    /// <param name="dacl">The new DACL (null: a NULL DACL).</param>
    /// <param name="sacl">Must be null: no SACL is kept.</param>
    /// <returns>ERROR_SUCCESS, ERROR_ACCESS_DENIED, FWP_E_TXN_IN_PROGRESS, … .</returns>
    public static uint ProviderSetSecurityInfoByKey0(FwpmEngineHandle engineHandle, Guid key, uint securityInfo, Sid? sidOwner, Sid? sidGroup, IReadOnlyList<Ace>? dacl, IReadOnlyList<Ace>? sacl) =>
        SetSecurity(engineHandle, BfeObjectType.Provider, key, securityInfo, sidOwner, sidGroup, dacl, sacl);

    /// <summary>FwpmSubLayerGetSecurityInfoByKey0; needs READ_CONTROL on the object.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="securityInfo">SECURITY_INFORMATION: which parts to return (0: owner, group and DACL).</param>
    /// <param name="sidOwner">The owner, if asked for.</param>
    /// <param name="sidGroup">The group, if asked for.</param>
    /// <param name="dacl">The DACL, if asked for (null for a NULL DACL).</param>
    /// <param name="sacl">Always null: no SACL is kept.</param>
    /// <param name="securityDescriptor">The descriptor with the parts asked for.</param>
    /// <returns>ERROR_SUCCESS, ERROR_ACCESS_DENIED, the not-found error of the object type, … .</returns>
    public static uint SubLayerGetSecurityInfoByKey0(FwpmEngineHandle engineHandle, Guid key, uint securityInfo, out Sid? sidOwner, out Sid? sidGroup, out IReadOnlyList<Ace>? dacl, out IReadOnlyList<Ace>? sacl, out SecurityDescriptor? securityDescriptor) =>
        GetSecurity(engineHandle, BfeObjectType.Sublayer, key, securityInfo, out sidOwner, out sidGroup, out dacl, out sacl, out securityDescriptor);

    /// <summary>FwpmSubLayerSetSecurityInfoByKey0; needs WRITE_OWNER (owner, group) and/or WRITE_DAC (DACL); not inside a transaction.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="securityInfo">SECURITY_INFORMATION: which of the following to set.</param>
    /// <param name="sidOwner">The new owner.</param>
    /// <param name="sidGroup">The new group.</param>
    /// <param name="dacl">The new DACL (null: a NULL DACL).</param>
    /// <param name="sacl">Must be null: no SACL is kept.</param>
    /// <returns>ERROR_SUCCESS, ERROR_ACCESS_DENIED, FWP_E_TXN_IN_PROGRESS, … .</returns>
    public static uint SubLayerSetSecurityInfoByKey0(FwpmEngineHandle engineHandle, Guid key, uint securityInfo, Sid? sidOwner, Sid? sidGroup, IReadOnlyList<Ace>? dacl, IReadOnlyList<Ace>? sacl) =>
        SetSecurity(engineHandle, BfeObjectType.Sublayer, key, securityInfo, sidOwner, sidGroup, dacl, sacl);

    /// <summary>FwpmCalloutGetSecurityInfoByKey0; needs READ_CONTROL on the object.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="securityInfo">SECURITY_INFORMATION: which parts to return (0: owner, group and DACL).</param>
    /// <param name="sidOwner">The owner, if asked for.</param>
    /// <param name="sidGroup">The group, if asked for.</param>
    /// <param name="dacl">The DACL, if asked for (null for a NULL DACL).</param>
    /// <param name="sacl">Always null: no SACL is kept.</param>
    /// <param name="securityDescriptor">The descriptor with the parts asked for.</param>
    /// <returns>ERROR_SUCCESS, ERROR_ACCESS_DENIED, the not-found error of the object type, … .</returns>
    public static uint CalloutGetSecurityInfoByKey0(FwpmEngineHandle engineHandle, Guid key, uint securityInfo, out Sid? sidOwner, out Sid? sidGroup, out IReadOnlyList<Ace>? dacl, out IReadOnlyList<Ace>? sacl, out SecurityDescriptor? securityDescriptor) =>
        GetSecurity(engineHandle, BfeObjectType.Callout, key, securityInfo, out sidOwner, out sidGroup, out dacl, out sacl, out securityDescriptor);

    /// <summary>FwpmCalloutSetSecurityInfoByKey0; needs WRITE_OWNER (owner, group) and/or WRITE_DAC (DACL); not inside a transaction.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="securityInfo">SECURITY_INFORMATION: which of the following to set.</param>
    /// <param name="sidOwner">The new owner.</param>
    /// <param name="sidGroup">The new group.</param>
    /// <param name="dacl">The new DACL (null: a NULL DACL).</param>
    /// <param name="sacl">Must be null: no SACL is kept.</param>
    /// <returns>ERROR_SUCCESS, ERROR_ACCESS_DENIED, FWP_E_TXN_IN_PROGRESS, … .</returns>
    public static uint CalloutSetSecurityInfoByKey0(FwpmEngineHandle engineHandle, Guid key, uint securityInfo, Sid? sidOwner, Sid? sidGroup, IReadOnlyList<Ace>? dacl, IReadOnlyList<Ace>? sacl) =>
        SetSecurity(engineHandle, BfeObjectType.Callout, key, securityInfo, sidOwner, sidGroup, dacl, sacl);

    /// <summary>FwpmProviderContextGetSecurityInfoByKey0; needs READ_CONTROL on the object.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="securityInfo">SECURITY_INFORMATION: which parts to return (0: owner, group and DACL).</param>
    /// <param name="sidOwner">The owner, if asked for.</param>
    /// <param name="sidGroup">The group, if asked for.</param>
    /// <param name="dacl">The DACL, if asked for (null for a NULL DACL).</param>
    /// <param name="sacl">Always null: no SACL is kept.</param>
    /// <param name="securityDescriptor">The descriptor with the parts asked for.</param>
    /// <returns>ERROR_SUCCESS, ERROR_ACCESS_DENIED, the not-found error of the object type, … .</returns>
    public static uint ProviderContextGetSecurityInfoByKey0(FwpmEngineHandle engineHandle, Guid key, uint securityInfo, out Sid? sidOwner, out Sid? sidGroup, out IReadOnlyList<Ace>? dacl, out IReadOnlyList<Ace>? sacl, out SecurityDescriptor? securityDescriptor) =>
        GetSecurity(engineHandle, BfeObjectType.ProviderContext, key, securityInfo, out sidOwner, out sidGroup, out dacl, out sacl, out securityDescriptor);

    /// <summary>FwpmProviderContextSetSecurityInfoByKey0; needs WRITE_OWNER (owner, group) and/or WRITE_DAC (DACL); not inside a transaction.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="securityInfo">SECURITY_INFORMATION: which of the following to set.</param>
    /// <param name="sidOwner">The new owner.</param>
    /// <param name="sidGroup">The new group.</param>
    /// <param name="dacl">The new DACL (null: a NULL DACL).</param>
    /// <param name="sacl">Must be null: no SACL is kept.</param>
    /// <returns>ERROR_SUCCESS, ERROR_ACCESS_DENIED, FWP_E_TXN_IN_PROGRESS, … .</returns>
    public static uint ProviderContextSetSecurityInfoByKey0(FwpmEngineHandle engineHandle, Guid key, uint securityInfo, Sid? sidOwner, Sid? sidGroup, IReadOnlyList<Ace>? dacl, IReadOnlyList<Ace>? sacl) =>
        SetSecurity(engineHandle, BfeObjectType.ProviderContext, key, securityInfo, sidOwner, sidGroup, dacl, sacl);

    /// <summary>FwpmFilterGetSecurityInfoByKey0; needs READ_CONTROL on the object.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="securityInfo">SECURITY_INFORMATION: which parts to return (0: owner, group and DACL).</param>
    /// <param name="sidOwner">The owner, if asked for.</param>
    /// <param name="sidGroup">The group, if asked for.</param>
    /// <param name="dacl">The DACL, if asked for (null for a NULL DACL).</param>
    /// <param name="sacl">Always null: no SACL is kept.</param>
    /// <param name="securityDescriptor">The descriptor with the parts asked for.</param>
    /// <returns>ERROR_SUCCESS, ERROR_ACCESS_DENIED, the not-found error of the object type, … .</returns>
    public static uint FilterGetSecurityInfoByKey0(FwpmEngineHandle engineHandle, Guid key, uint securityInfo, out Sid? sidOwner, out Sid? sidGroup, out IReadOnlyList<Ace>? dacl, out IReadOnlyList<Ace>? sacl, out SecurityDescriptor? securityDescriptor) =>
        GetSecurity(engineHandle, BfeObjectType.Filter, key, securityInfo, out sidOwner, out sidGroup, out dacl, out sacl, out securityDescriptor);

    /// <summary>FwpmFilterSetSecurityInfoByKey0; needs WRITE_OWNER (owner, group) and/or WRITE_DAC (DACL); not inside a transaction.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="securityInfo">SECURITY_INFORMATION: which of the following to set.</param>
    /// <param name="sidOwner">The new owner.</param>
    /// <param name="sidGroup">The new group.</param>
    /// <param name="dacl">The new DACL (null: a NULL DACL).</param>
    /// <param name="sacl">Must be null: no SACL is kept.</param>
    /// <returns>ERROR_SUCCESS, ERROR_ACCESS_DENIED, FWP_E_TXN_IN_PROGRESS, … .</returns>
    public static uint FilterSetSecurityInfoByKey0(FwpmEngineHandle engineHandle, Guid key, uint securityInfo, Sid? sidOwner, Sid? sidGroup, IReadOnlyList<Ace>? dacl, IReadOnlyList<Ace>? sacl) =>
        SetSecurity(engineHandle, BfeObjectType.Filter, key, securityInfo, sidOwner, sidGroup, dacl, sacl);

    private static uint GetSecurity(
        FwpmEngineHandle engineHandle, BfeObjectType? type, Guid key, uint securityInfo,
        out Sid? sidOwner, out Sid? sidGroup, out IReadOnlyList<Ace>? dacl, out IReadOnlyList<Ace>? sacl, out SecurityDescriptor? securityDescriptor)
    {
        sacl = null;
        var code = Run(engineHandle, c => c.GetSecurityInfoAsync(type, key, (SecurityInformation)securityInfo), out securityDescriptor);
        sidOwner = securityDescriptor?.Owner;
        sidGroup = securityDescriptor?.Group;
        dacl = securityDescriptor is { HasDacl: true } sd ? sd.Dacl : null;
        return code;
    }

    private static uint SetSecurity(FwpmEngineHandle engineHandle, BfeObjectType type, Guid key, uint securityInfo, Sid? sidOwner, Sid? sidGroup, IReadOnlyList<Ace>? dacl, IReadOnlyList<Ace>? sacl)
    {
        if (sacl is not null || (securityInfo & (uint)SecurityInformation.Sacl) != 0)
        {
            return IsOpen(engineHandle) ? (uint)WfpError.InvalidParameter : ERROR_INVALID_HANDLE;
        }

        var sd = new SecurityDescriptor(sidOwner, sidGroup, dacl);
        return Run(engineHandle, c => c.SetSecurityInfoAsync(type, key, (SecurityInformation)securityInfo, sd));
    }
}
