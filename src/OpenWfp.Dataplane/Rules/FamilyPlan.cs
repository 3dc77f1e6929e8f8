namespace OpenWfp.Dataplane.Rules;

/// <summary>The mode of each of wfpd's three hooks in one address family.</summary>
/// <param name="Output">mangle OUTPUT (locally sent packets; ALE_AUTH_CONNECT, OUTBOUND_* layers).</param>
/// <param name="Input">mangle INPUT (packets for this host; ALE_AUTH_RECV_ACCEPT, INBOUND_* layers).</param>
/// <param name="Forward">mangle FORWARD (routed packets; IPFORWARD layers).</param>
public sealed record FamilyPlan(HookMode Output, HookMode Input, HookMode Forward)
{
    /// <summary>Every hook <see cref="HookMode.None"/>: the family has no chains and no jumps.</summary>
    public static FamilyPlan Off { get; } = new(HookMode.None, HookMode.None, HookMode.None);

    /// <summary>True when every hook is <see cref="HookMode.None"/>.</summary>
    public bool IsOff => Output == HookMode.None && Input == HookMode.None && Forward == HookMode.None;

    /// <summary>
    /// The TCP ports of <see cref="HookMode.TcpPorts"/> and <see cref="HookMode.FirstPacketAndTcpPorts"/>, as
    /// iptables' multiport match writes them ("80,443", at most 15), or null.
    /// </summary>
    public string? StreamPorts { get; init; }

    /// <summary>
    /// The eBPF data plane decides ALE_AUTH_CONNECT in the kernel for this family: on OUTPUT, a new connection whose
    /// packets carry <see cref="MarkBits.Kernel"/> is marked decided and stays in the kernel. Only with
    /// <see cref="HookMode.FirstPacket"/> or <see cref="HookMode.FirstPacketAndTcpPorts"/> on OUTPUT, where the first
    /// packet would otherwise go to wfpd for ALE alone.
    /// </summary>
    public bool KernelConnect { get; init; }
}
