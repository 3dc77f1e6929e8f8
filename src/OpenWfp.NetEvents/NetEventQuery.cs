using OpenWfp.Engine.Errors;

namespace OpenWfp.NetEvents;

/// <summary>
/// FWPM_NET_EVENT_ENUM_TEMPLATE0 (fwpmtypes.h; protocol message <c>NetEventTemplate</c>): a time window, a maximum count
/// and conditions, all AND-ed.
/// </summary>
public sealed class NetEventQuery
{
    /// <summary>Every event.</summary>
    public static NetEventQuery All { get; } = new();

    /// <summary>The earliest event time, inclusive, in nanoseconds since 1970-01-01 UTC; 0: from the oldest.</summary>
    public long StartTimeUnixNs { get; init; }

    /// <summary>The latest event time, inclusive, in nanoseconds since 1970-01-01 UTC; 0: no upper bound.</summary>
    public long EndTimeUnixNs { get; init; }

    /// <summary>
    /// At most this many events (the oldest that match); 0: all that match. For a subscription, the stream ends after
    /// this many events.
    /// </summary>
    public int MaxCount { get; init; }

    /// <summary>The conditions; an event must satisfy every one (conditions on the same field are AND-ed too).</summary>
    public IReadOnlyList<NetEventCondition> Conditions { get; init; } = [];

    /// <summary>Checks the template as FwpmNetEventCreateEnumHandle0 would.</summary>
    /// <exception cref="WfpException">FWP_E_INVALID_INTERVAL when the end time is before the start time.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="MaxCount"/> is negative.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxCount);
        if (StartTimeUnixNs != 0 && EndTimeUnixNs != 0 && EndTimeUnixNs < StartTimeUnixNs)
        {
            throw new WfpException(
                WfpError.InvalidInterval,
                $"The template's end time ({EndTimeUnixNs} ns) is before its start time ({StartTimeUnixNs} ns).");
        }

        foreach (var c in Conditions)
        {
            ArgumentNullException.ThrowIfNull(c, nameof(Conditions));
        }
    }

    /// <summary>Whether an event falls in the time window and satisfies every condition.</summary>
    /// <param name="e">The event.</param>
    /// <returns>True when it matches.</returns>
    public bool Matches(in NetEventRecord e)
    {
        if ((StartTimeUnixNs != 0 && e.TimeUnixNs < StartTimeUnixNs) || (EndTimeUnixNs != 0 && e.TimeUnixNs > EndTimeUnixNs))
        {
            return false;
        }

        var conditions = Conditions;
        for (var i = 0; i < conditions.Count; i++)
        {
            if (!conditions[i].Matches(in e))
            {
                return false;
            }
        }

        return true;
    }
}
