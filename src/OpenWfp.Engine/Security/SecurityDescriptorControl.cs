namespace OpenWfp.Engine.Security;

/// <summary>
/// The DACL control bits SDDL can express after <c>D:</c> (SECURITY_DESCRIPTOR_CONTROL values). They matter for
/// inheritance only, never for an access check; they are kept so SDDL round-trips.
/// </summary>
[Flags]
public enum SecurityDescriptorControl : ushort
{
    /// <summary>No control bits.</summary>
    None = 0,

    /// <summary>SE_DACL_AUTO_INHERIT_REQ, SDDL <c>AR</c>.</summary>
    DaclAutoInheritRequired = 0x0100,

    /// <summary>SE_DACL_AUTO_INHERITED, SDDL <c>AI</c>.</summary>
    DaclAutoInherited = 0x0400,

    /// <summary>SE_DACL_PROTECTED, SDDL <c>P</c>.</summary>
    DaclProtected = 0x1000,
}
