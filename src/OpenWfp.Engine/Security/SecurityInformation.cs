namespace OpenWfp.Engine.Security;

/// <summary>SECURITY_INFORMATION bits (winnt.h) that FwpmXxxGetSecurityInfoByKey0 / SetSecurityInfoByKey0 take.</summary>
[Flags]
public enum SecurityInformation : uint
{
    /// <summary>Nothing named: a Get returns owner, group and DACL; a Set is refused.</summary>
    None = 0,

    /// <summary>OWNER_SECURITY_INFORMATION.</summary>
    Owner = 0x1,

    /// <summary>GROUP_SECURITY_INFORMATION.</summary>
    Group = 0x2,

    /// <summary>DACL_SECURITY_INFORMATION.</summary>
    Dacl = 0x4,

    /// <summary>SACL_SECURITY_INFORMATION: refused, no SACL is kept.</summary>
    Sacl = 0x8,
}
