namespace OpenWfp.Engine.Security;

/// <summary>The DACL ACE types the filter engine evaluates (SDDL <c>A</c> and <c>D</c>).</summary>
public enum AceType
{
    /// <summary>ACCESS_ALLOWED_ACE_TYPE, SDDL <c>A</c>.</summary>
    AccessAllowed = 0,

    /// <summary>ACCESS_DENIED_ACE_TYPE, SDDL <c>D</c>.</summary>
    AccessDenied = 1,
}
