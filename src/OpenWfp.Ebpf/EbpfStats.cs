namespace OpenWfp.Ebpf;

/// <summary>What the kernel's programs decided since the maps were created (the counters survive a takeover).</summary>
public struct EbpfStats
{
    /// <summary>Classifications no filter met (let through).</summary>
    public long NoMatch { get; set; }

    /// <summary>Classifications permitted.</summary>
    public long Permitted { get; set; }

    /// <summary>Classifications blocked (the call failed with EPERM).</summary>
    public long Blocked { get; set; }

    /// <summary>Classifications handed to user space (every reason below).</summary>
    public long Asked { get; set; }

    /// <summary>ASK: the deciding rule is an ASK rule (a callout, a non-kernel field, an inexpressible match).</summary>
    public long AskRule { get; set; }

    /// <summary>ASK: a met rule constrains a field the hook did not know.</summary>
    public long AskMaybe { get; set; }

    /// <summary>ASK: a tuple is keyed on a field the hook did not know.</summary>
    public long AskUnknownField { get; set; }

    /// <summary>ASK: the layer is ask-all.</summary>
    public long AskAllLayer { get; set; }

    /// <summary>ASK: no form installed for the layer.</summary>
    public long AskNoForm { get; set; }

    /// <summary>ASK: the program ran while a commit swapped the maps (two generations seen).</summary>
    public long GenerationMismatches { get; set; }

    /// <summary>Net events the kernel could not queue because the ring buffer was full.</summary>
    public long RingBufferDrops { get; set; }

    /// <summary>ASK decisions whose socket could not be marked (bpf_setsockopt refused).</summary>
    public long MarkFailures { get; set; }

    /// <summary>Net events read from the ring buffer by this process.</summary>
    public long EventsRead { get; set; }

    /// <summary>Layer forms written into the maps by this process (unchanged layers are not written).</summary>
    public long LayersWritten { get; set; }
}
