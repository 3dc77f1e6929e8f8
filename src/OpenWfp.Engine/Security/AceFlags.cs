namespace OpenWfp.Engine.Security;

/// <summary>
/// ACE header flags (winnt.h values). Only <see cref="InheritOnly"/> changes an access check (such an ACE is
/// skipped, as Windows does); the others are kept so SDDL round-trips.
/// </summary>
[Flags]
public enum AceFlags : byte
{
    /// <summary>No flags.</summary>
    None = 0,

    /// <summary>OBJECT_INHERIT_ACE, SDDL <c>OI</c>.</summary>
    ObjectInherit = 0x01,

    /// <summary>CONTAINER_INHERIT_ACE, SDDL <c>CI</c>.</summary>
    ContainerInherit = 0x02,

    /// <summary>NO_PROPAGATE_INHERIT_ACE, SDDL <c>NP</c>.</summary>
    NoPropagateInherit = 0x04,

    /// <summary>INHERIT_ONLY_ACE, SDDL <c>IO</c>: the ACE only serves inheritance and is ignored by the access check.</summary>
    InheritOnly = 0x08,

    /// <summary>INHERITED_ACE, SDDL <c>ID</c>.</summary>
    Inherited = 0x10,

    /// <summary>CRITICAL_ACE_FLAG, SDDL <c>CR</c>.</summary>
    Critical = 0x20,

    /// <summary>SUCCESSFUL_ACCESS_ACE_FLAG, SDDL <c>SA</c> (audit ACEs only; kept if present).</summary>
    SuccessfulAccess = 0x40,

    /// <summary>FAILED_ACCESS_ACE_FLAG, SDDL <c>FA</c> (audit ACEs only; kept if present).</summary>
    FailedAccess = 0x80,
}
