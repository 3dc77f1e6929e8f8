namespace OpenWfp.Dataplane.Rules;

/// <summary>Everything the kernel rules depend on; <see cref="RulesManager.Apply"/> makes the kernel match it.</summary>
/// <param name="V4">The IPv4 hooks (iptables-nft).</param>
/// <param name="V6">The IPv6 hooks (ip6tables-nft).</param>
/// <param name="QueueNumber">The first NFQUEUE queue number.</param>
/// <param name="QueueCount">How many queues from <paramref name="QueueNumber"/> on (1 = one queue; more = --queue-balance).</param>
/// <param name="FailOpen">
/// True adds --queue-bypass: with no wfpd bound to the queue, queued packets pass. False (the default policy) drops them.
/// </param>
/// <param name="Marks">The mark bits wfpd owns.</param>
public sealed record RulePlan(FamilyPlan V4, FamilyPlan V6, ushort QueueNumber, ushort QueueCount, bool FailOpen, MarkBits Marks)
{
    /// <summary>The plan for one family.</summary>
    /// <param name="ipVersion">4 or 6.</param>
    /// <returns><see cref="V4"/> or <see cref="V6"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ipVersion"/> is neither 4 nor 6.</exception>
    public FamilyPlan ForFamily(int ipVersion) => ipVersion switch
    {
        4 => V4,
        6 => V6,
        _ => throw new ArgumentOutOfRangeException(nameof(ipVersion), ipVersion, "the IP version is 4 or 6"),
    };

    /// <summary>Why the kernel cannot take this plan, or null when it can.</summary>
    /// <returns>One line, or null.</returns>
    public string? Problem()
    {
        if (QueueCount == 0)
        {
            return "the queue count must be at least 1";
        }

        if (QueueNumber + QueueCount - 1 > ushort.MaxValue)
        {
            return $"queues {QueueNumber}..{QueueNumber + QueueCount - 1} go past the last queue number {ushort.MaxValue}";
        }

        foreach (var family in (FamilyPlan[])[V4, V6])
        {
            var ports = family.Output is HookMode.TcpPorts or HookMode.FirstPacketAndTcpPorts
                || family.Input is HookMode.TcpPorts or HookMode.FirstPacketAndTcpPorts
                || family.Forward is HookMode.TcpPorts or HookMode.FirstPacketAndTcpPorts;
            if (ports && !ValidPorts(family.StreamPorts))
            {
                return $"TCP port queueing needs 1 to 15 comma-separated ports (got \"{family.StreamPorts}\")";
            }
        }

        return Marks is null ? "the plan has no mark bits" : Marks.Problem();
    }

    private static bool ValidPorts(string? ports)
    {
        if (string.IsNullOrEmpty(ports))
        {
            return false;
        }

        var parts = ports.Split(',');
        return parts.Length <= 15 && Array.TrueForAll(parts, p => ushort.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) && v != 0);
    }
}
