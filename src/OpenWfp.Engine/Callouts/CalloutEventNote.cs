namespace OpenWfp.Engine.Callouts;

/// <summary>
/// What a callout that decided the current packet wants its net event to say: its callout id and one line of
/// detail (the HTTP request line, the DNS name). A callout calls <see cref="Set"/> on the classifying thread when it
/// blocks; the data plane that writes the packet's net event on the same thread <see cref="Take"/>s it (docs/CALLOUTS.md,
/// Net events). Thread-local, so nothing is shared between queue threads; the detail is copied into a per-thread
/// buffer and made a string only when an event is written, so a flood of blocked packets allocates nothing.
/// </summary>
public static class CalloutEventNote
{
    private const int MaxDetail = 256;

    [ThreadStatic]
    private static uint _calloutId;

    [ThreadStatic]
    private static char[]? _detail;

    [ThreadStatic]
    private static int _detailLength;

    /// <summary>Leaves a note for the net event of the packet being classified on this thread (the detail is cut at 256 characters).</summary>
    public static void Set(uint calloutId, ReadOnlySpan<char> detail)
    {
        var buffer = _detail ??= new char[MaxDetail];
        var n = Math.Min(detail.Length, MaxDetail);
        detail[..n].CopyTo(buffer);
        _detailLength = n;
        _calloutId = calloutId;
    }

    /// <summary>Takes this thread's note (and clears it): false when there is none.</summary>
    public static bool Take(out uint calloutId, out string? detail)
    {
        calloutId = _calloutId;
        detail = calloutId != 0 && _detailLength > 0 ? new string(_detail!, 0, _detailLength) : null;
        Clear();
        return calloutId != 0;
    }

    /// <summary>Drops a note nobody took (a packet whose event was not recorded).</summary>
    public static void Clear()
    {
        _calloutId = 0;
        _detailLength = 0;
    }
}
