using OpenWfp.Dataplane.Live;
using OpenWfp.Dataplane.Rules;

namespace OpenWfp.Ebpf;

/// <summary>Settings of the eBPF data plane.</summary>
public sealed class EbpfOptions
{
    /// <summary>Where the *.bpf.o files are; default: bpf/ beside the assembly.</summary>
    public string? ObjectDirectory { get; init; }

    /// <summary>
    /// wfpd's mark bits. The kernel sets the reserved bit (the one of <see cref="MarkBits.Mask"/> that is neither Permit,
    /// Established nor Block) on a socket whose classification was ASK, so the NFQUEUE rules can send exactly those
    /// connections to user space.
    /// </summary>
    public MarkBits Marks { get; init; } = MarkBits.Default;

    /// <summary>Also load the test-run wrapper of kform_decide (tests only).</summary>
    internal bool LoadTestProgram { get; init; }

    /// <summary>Where messages go (as the NFQUEUE data plane's).</summary>
    public Action<DataplaneLogLevel, string>? Log { get; init; }

    /// <summary>The ask bit <see cref="Marks"/> gives: the lowest bit of the mask that is not Permit, Established or Block; 0 when there is none.</summary>
    public uint AskMark
    {
        get
        {
            var free = Marks.Mask & ~(Marks.Permit | Marks.Established | Marks.Block);
            return free & (0u - free);
        }
    }
}
