namespace OpenWfp.Dataplane.Rules;

/// <summary>What wfpd's chain on one netfilter hook (mangle OUTPUT, INPUT or FORWARD) sends to NFQUEUE.</summary>
public enum HookMode
{
    /// <summary>Nothing: the chain is empty and not jumped to, so the hook costs nothing.</summary>
    None,

    /// <summary>
    /// Only connections that carry no decision yet (ALE layers): once the connection mark holds Permit or Established,
    /// its packets never leave the kernel.
    /// </summary>
    FirstPacket,

    /// <summary>Every packet not decided in this pass (per-packet layers have filters).</summary>
    EveryPacket,

    /// <summary>
    /// Every TCP packet from or to one of the family's <see cref="FamilyPlan.StreamPorts"/>, nothing else: the only
    /// per-packet layer with filters is STREAM, and each of its filters names its local or remote ports.
    /// </summary>
    TcpPorts,

    /// <summary><see cref="FirstPacket"/> for every connection, and <see cref="TcpPorts"/> as well.</summary>
    FirstPacketAndTcpPorts,
}
