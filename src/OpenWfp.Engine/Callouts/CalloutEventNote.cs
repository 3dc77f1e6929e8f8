namespace OpenWfp.Engine.Callouts;

/// <summary>
/// What a callout that decided the current packet wants its net event to say: its callout id and one line of
/// detail (the HTTP request line, the DNS name). A callout calls <see cref="Set"/> on the classifying thread when it
/// blocks; the data plane that writes the packet's net event on the same thread <see cref="Take"/>s it (docs/CALLOUTS.md,
/// Net events). Thread-local, so nothing is shared between queue threads and nothing is allocated but the text.
/// </summary>
public static class CalloutEventNote
{
    [ThreadStatic]
    private static uint _calloutId;

    [ThreadStatic]
    private static string? _detail;

    /// <summary>Leaves a note for the net event of the packet being classified on this thread.</summary>
    public static void Set(uint calloutId, string? detail)
    {
        _calloutId = calloutId;
        _detail = detail;
    }

    /// <summary>Takes this thread's note (and clears it): false when there is none.</summary>
    public static bool Take(out uint calloutId, out string? detail)
    {
        calloutId = _calloutId;
        detail = _detail;
        _calloutId = 0;
        _detail = null;
        return calloutId != 0;
    }

    /// <summary>Drops a note nobody took (a packet whose event was not recorded).</summary>
    public static void Clear()
    {
        _calloutId = 0;
        _detail = null;
    }
}
