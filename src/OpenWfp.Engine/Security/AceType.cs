namespace OpenWfp.Engine.Security;

/// <summary>
/// The DACL ACE types the filter engine evaluates, with their winnt.h ACE_HEADER.AceType values and SDDL codes
/// (https://learn.microsoft.com/en-us/windows/win32/secauthz/ace-strings).
/// </summary>
public enum AceType : byte
{
    /// <summary>ACCESS_ALLOWED_ACE_TYPE, SDDL <c>A</c>.</summary>
    AccessAllowed = 0x00,

    /// <summary>ACCESS_DENIED_ACE_TYPE, SDDL <c>D</c>.</summary>
    AccessDenied = 0x01,

    /// <summary>ACCESS_ALLOWED_OBJECT_ACE_TYPE, SDDL <c>OA</c>.</summary>
    AccessAllowedObject = 0x05,

    /// <summary>ACCESS_DENIED_OBJECT_ACE_TYPE, SDDL <c>OD</c>.</summary>
    AccessDeniedObject = 0x06,

    /// <summary>ACCESS_ALLOWED_CALLBACK_ACE_TYPE, SDDL <c>XA</c>: an allow ACE with a conditional expression.</summary>
    AccessAllowedCallback = 0x09,

    /// <summary>ACCESS_DENIED_CALLBACK_ACE_TYPE, SDDL <c>XD</c>: a deny ACE with a conditional expression.</summary>
    AccessDeniedCallback = 0x0A,

    /// <summary>ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE, SDDL <c>ZA</c>: an object allow ACE with a conditional expression.</summary>
    AccessAllowedCallbackObject = 0x0B,
}
