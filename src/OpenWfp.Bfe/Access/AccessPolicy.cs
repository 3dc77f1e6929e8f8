using OpenWfp.Engine.Errors;

namespace OpenWfp.Bfe.Access;

/// <summary>Who may read the policy besides writers.</summary>
public enum ReadAccess
{
    /// <summary>Any local user who can connect to the socket.</summary>
    Everyone,

    /// <summary>Only members of <see cref="AccessPolicy.ReaderGroupId"/>.</summary>
    Group,

    /// <summary>Only writers.</summary>
    None,
}

/// <summary>
/// The daemon's access rules (WFP's access control mapped to Linux peer credentials; docs/WFPD.md, Access control): root or a member of the writer group
/// may change policy; others may read as <see cref="Readers"/> says. A refusal is E_ACCESSDENIED (0x80070005),
/// as WFP returns.
/// </summary>
public sealed class AccessPolicy
{
    /// <summary>The group whose members may write (besides root); null: root only.</summary>
    public uint? WriterGroupId { get; init; }

    /// <summary>Who may read.</summary>
    public ReadAccess Readers { get; init; } = ReadAccess.Everyone;

    /// <summary>The reader group for <see cref="ReadAccess.Group"/>.</summary>
    public uint? ReaderGroupId { get; init; }

    /// <summary>True when the caller may change policy, options and transactions that write.</summary>
    public bool CanWrite(CallerIdentity caller) =>
        caller.IsRoot || (WriterGroupId is { } g && caller.InGroup(g));

    /// <summary>True when the caller may read policy, enumerate, subscribe and classify.</summary>
    public bool CanRead(CallerIdentity caller) => CanWrite(caller) || Readers switch
    {
        ReadAccess.Everyone => true,
        ReadAccess.Group => ReaderGroupId is { } g && caller.InGroup(g),
        _ => false,
    };

    /// <summary>Throws access denied unless the caller may write.</summary>
    public void DemandWrite(CallerIdentity caller, string what)
    {
        if (!CanWrite(caller))
        {
            throw new WfpException(WfpError.AccessDenied, $"{what}: {caller} may not change the policy (root or the writer group only)");
        }
    }

    /// <summary>Throws access denied unless the caller may read.</summary>
    public void DemandRead(CallerIdentity caller, string what)
    {
        if (!CanRead(caller))
        {
            throw new WfpException(WfpError.AccessDenied, $"{what}: {caller} may not read the policy");
        }
    }
}
