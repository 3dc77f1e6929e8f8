namespace OpenWfp.Bfe.Access;

/// <summary>Who is calling: the peer credentials of the socket (SO_PEERCRED) and the caller's groups.</summary>
/// <param name="Uid">User id.</param>
/// <param name="Gid">Primary group id.</param>
/// <param name="Pid">Process id (0 when unknown).</param>
/// <param name="Groups">Supplementary groups (from /proc/PID/status when the daemon can read it).</param>
public sealed record CallerIdentity(uint Uid, uint Gid, int Pid, IReadOnlyList<uint> Groups)
{
    /// <summary>The daemon itself (start-up, boot-time policy): root, no process.</summary>
    public static CallerIdentity System { get; } = new(0, 0, Environment.ProcessId, []);

    /// <summary>True for root.</summary>
    public bool IsRoot => Uid == 0;

    /// <summary>True when the caller's primary or a supplementary group is <paramref name="gid"/>.</summary>
    public bool InGroup(uint gid) => Gid == gid || Groups.Contains(gid);

    /// <inheritdoc/>
    public override string ToString() => $"uid {Uid} pid {Pid}";
}
