namespace OpenWfp.Engine.Callouts;

/// <summary>
/// The run-time binding of one callout key: which implementation is registered now, and its fault counter.
/// Compiled programs hold the slot, so registering and unregistering never needs a recompile.
/// </summary>
public sealed class CalloutSlot
{
    private ICallout? _callout;
    private long _faults;
    private long _invocations;

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

    internal void Set(ICallout? callout, CalloutRegistrationFlags flags)
    {
        Flags = flags;
        Volatile.Write(ref _callout, callout);
    }

    internal void CountFault() => Interlocked.Increment(ref _faults);

    internal void CountInvocation() => Interlocked.Increment(ref _invocations);
}
