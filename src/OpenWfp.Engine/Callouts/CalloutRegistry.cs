using System.Collections.Concurrent;
using OpenWfp.Engine.Errors;

namespace OpenWfp.Engine.Callouts;

/// <summary>
/// Run-time callout registrations (FwpsCalloutRegister / FwpsCalloutUnregisterByKey). Independent of the
/// management objects: a callout may be registered before or after its FWPM_CALLOUT is added (docs/ARBITRATION.md, Callouts).
/// </summary>
public sealed class CalloutRegistry
{
    // FWP_E_TOO_MANY_CALLOUTS past this many registrations (WFP's limit; docs/ARBITRATION.md, Callouts).
    internal const int MaxRegistered = 100_000;

    private readonly ConcurrentDictionary<Guid, CalloutSlot> _slots = new();
    private int _registered;

    /// <summary>Registers an implementation for a callout key. Fails with FWP_E_ALREADY_EXISTS if one is registered.</summary>
    public void Register(Guid calloutKey, ICallout callout, CalloutRegistrationFlags flags = CalloutRegistrationFlags.None)
    {
        ArgumentNullException.ThrowIfNull(callout);
        var slot = Slot(calloutKey);
        lock (slot)
        {
            if (slot.Callout is not null)
            {
                throw new WfpException(WfpError.AlreadyExists, $"callout {{{calloutKey}}} is already registered");
            }

            if (Interlocked.Increment(ref _registered) > MaxRegistered)
            {
                Interlocked.Decrement(ref _registered);
                throw new WfpException(WfpError.TooManyCallouts, $"at most {MaxRegistered} callouts can be registered");
            }

            slot.Set(callout, flags);
        }

        Registered?.Invoke(calloutKey, callout);
    }

    /// <summary>Raised after a registration (outside the slot's lock); the engine notifies the callout of the filters that already use it.</summary>
    internal event Action<Guid, ICallout>? Registered;

    /// <summary>Unregisters a callout key. Filters that use it then act as unregistered callouts (docs/ARBITRATION.md, Unregistered callouts).</summary>
    public bool Unregister(Guid calloutKey)
    {
        if (!_slots.TryGetValue(calloutKey, out var slot))
        {
            return false;
        }

        lock (slot)
        {
            if (slot.Callout is null)
            {
                return false;
            }

            slot.Set(null, CalloutRegistrationFlags.None);
            Interlocked.Decrement(ref _registered);
            return true;
        }
    }

    /// <summary>True when an implementation is registered for the key.</summary>
    public bool IsRegistered(Guid calloutKey) => _slots.TryGetValue(calloutKey, out var s) && s.Callout is not null;

    /// <summary>The slot of a key (created on first use).</summary>
    public CalloutSlot Slot(Guid calloutKey) => _slots.GetOrAdd(calloutKey, static k => new CalloutSlot(k));

    /// <summary>The number of classify exceptions counted for a callout key.</summary>
    public long FaultsOf(Guid calloutKey) => _slots.TryGetValue(calloutKey, out var s) ? s.Faults : 0;

    /// <summary>The slots that have an implementation registered now.</summary>
    public IReadOnlyList<CalloutSlot> RegisteredSlots() => [.. _slots.Values.Where(s => s.Callout is not null)];

    /// <summary>
    /// A watchdog's pass: declares hung each registered slot with a call in flight longer than
    /// <paramref name="deadline"/> and returns the slots declared hung by this pass (docs/CALLOUTS.md, Containment).
    /// </summary>
    public IReadOnlyList<CalloutSlot> CheckDeadlines(TimeSpan deadline)
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        List<CalloutSlot>? hung = null;
        foreach (var slot in _slots.Values)
        {
            if (slot.CheckDeadline(deadline, now))
            {
                (hung ??= []).Add(slot);
            }
        }

        return hung is null ? [] : hung;
    }
}
