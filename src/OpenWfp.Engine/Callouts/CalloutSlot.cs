using System.Diagnostics;

namespace OpenWfp.Engine.Callouts;

/// <summary>
/// The run-time binding of one callout key: which implementation is registered now, its counters, the calls in
/// flight and whether a host declared it hung. Compiled programs hold the slot, so registering and unregistering
/// never needs a recompile.
/// </summary>
/// <remarks>
/// A hung slot acts as an unregistered callout (docs/CALLOUTS.md, Containment): WFP has no such state because a
/// kernel callout that never returns hangs the system; a user-space host can instead stop calling it. Registering
/// or unregistering clears the state.
/// </remarks>
public sealed class CalloutSlot
{
    // How many calls of one callout can be timed at once: more than any data plane has classify threads. A call
    // that finds every entry taken runs untimed rather than allocate.
    private const int TrackedCalls = 32;

    private ICallout? _callout;
    private long _faults;
    private long _invocations;
    private long _hangs;
    private int _hung;

    // Entry timestamps (Stopwatch ticks) of the calls in flight, 0 = free. Replaced on each registration, so a call
    // still stuck in a previous implementation does not count against the next one.
    private long[] _inFlight = new long[TrackedCalls];

    internal CalloutSlot(Guid key) => Key = key;

    /// <summary>The callout key.</summary>
    public Guid Key { get; }

    /// <summary>The registered implementation, or null.</summary>
    public ICallout? Callout => Volatile.Read(ref _callout);

    /// <summary>The registration flags.</summary>
    public CalloutRegistrationFlags Flags { get; private set; }

    /// <summary>The callout's run-time id once the management object exists (0 before).</summary>
    public uint CalloutId { get; internal set; }

    /// <summary>How many times classify threw.</summary>
    public long Faults => Interlocked.Read(ref _faults);

    /// <summary>How many times classify was called.</summary>
    public long Invocations => Interlocked.Read(ref _invocations);

    /// <summary>How many times the slot was declared hung (each registration can be declared hung once).</summary>
    public long Hangs => Interlocked.Read(ref _hangs);

    /// <summary>True while the slot is declared hung: its filters act as if the callout were unregistered.</summary>
    public bool IsHung => Volatile.Read(ref _hung) != 0;

    /// <summary>The implementation classify should call: null when none is registered or the slot is hung.</summary>
    internal ICallout? Active => Volatile.Read(ref _hung) != 0 ? null : Volatile.Read(ref _callout);

    /// <summary>How long the oldest call now in flight has been running (zero when none is).</summary>
    public TimeSpan LongestInFlight(long nowTimestamp)
    {
        var entries = Volatile.Read(ref _inFlight);
        long oldest = 0;
        foreach (ref readonly var e in entries.AsSpan())
        {
            var t = Volatile.Read(in e);
            if (t != 0 && (oldest == 0 || t < oldest))
            {
                oldest = t;
            }
        }

        return oldest == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(oldest, nowTimestamp);
    }

    /// <summary>
    /// Declares the slot hung when a call has been in flight longer than <paramref name="deadline"/>. Returns true
    /// only the first time for this registration (so a host logs it once).
    /// </summary>
    public bool CheckDeadline(TimeSpan deadline, long nowTimestamp)
    {
        if (Volatile.Read(ref _hung) != 0 || Volatile.Read(ref _callout) is null || LongestInFlight(nowTimestamp) <= deadline)
        {
            return false;
        }

        if (Interlocked.CompareExchange(ref _hung, 1, 0) != 0)
        {
            return false;
        }

        Interlocked.Increment(ref _hangs);
        return true;
    }

    internal void Set(ICallout? callout, CalloutRegistrationFlags flags)
    {
        Flags = flags;
        Volatile.Write(ref _inFlight, new long[TrackedCalls]);
        Volatile.Write(ref _hung, 0);
        Volatile.Write(ref _callout, callout);
    }

    internal void CountFault() => Interlocked.Increment(ref _faults);

    /// <summary>Counts a call and records when it began; pass the result to <see cref="Exit"/>. Allocation-free.</summary>
    internal InFlightCall Enter()
    {
        Interlocked.Increment(ref _invocations);
        var entries = Volatile.Read(ref _inFlight);
        var now = Stopwatch.GetTimestamp();
        var start = Environment.CurrentManagedThreadId % TrackedCalls;
        for (var i = 0; i < TrackedCalls; i++)
        {
            var index = (start + i) % TrackedCalls;
            if (Interlocked.CompareExchange(ref entries[index], now, 0) == 0)
            {
                return new InFlightCall(entries, index);
            }
        }

        return default;
    }

    /// <summary>Ends a call begun with <see cref="Enter"/>.</summary>
    internal static void Exit(in InFlightCall call)
    {
        if (call.Entries is { } entries)
        {
            Volatile.Write(ref entries[call.Index], 0);
        }
    }

    /// <summary>One timed call: the entry array it was recorded in and its index.</summary>
    internal readonly struct InFlightCall(long[] entries, int index)
    {
        public long[]? Entries { get; } = entries;

        public int Index { get; } = index;
    }
}
