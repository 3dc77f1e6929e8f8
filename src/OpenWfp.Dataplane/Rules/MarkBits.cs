namespace OpenWfp.Dataplane.Rules;

/// <summary>
/// The packet/connection mark bits wfpd owns. Marks are shared with the rest of the system (kube-proxy, VPN clients),
/// so every rule matches and saves them with <see cref="Mask"/> and leaves the other bits alone.
/// </summary>
/// <param name="Permit">ALE permitted this connection.</param>
/// <param name="Established">The connection needs no more user-space decisions (FLOW_ESTABLISHED done).</param>
/// <param name="Block">The connection is blocked: the kernel drops its packets.</param>
/// <param name="Mask">Every bit wfpd owns (the three above plus any it reserves).</param>
public sealed record MarkBits(uint Permit, uint Established, uint Block, uint Mask)
{
    /// <summary>How many consecutive bits <see cref="FromBase"/> takes: Permit, Established, Block and one reserved.</summary>
    public const int Width = 4;

    /// <summary>The default layout: Permit 0x00100000, Established 0x00200000, Block 0x00400000, 0x00800000 reserved.</summary>
    public static MarkBits Default { get; } = FromBase(20);

    /// <summary>The bits that mean "decided, let the kernel handle it": Permit | Established.</summary>
    public uint Decided => Permit | Established;

    /// <summary>The bits a verdict sets on a packet: Permit | Established | Block.</summary>
    public uint Verdicts => Permit | Established | Block;

    /// <summary>
    /// The reserved bit: the eBPF data plane sets it on a socket (SO_MARK) whose connection it permitted at
    /// ALE_AUTH_CONNECT in the kernel, so that the NFQUEUE rules let the connection's new packets pass without a trip
    /// to wfpd (docs/DATAPLANE.md, "Hand-over between the data planes"). 0 when <see cref="Mask"/> reserves no bit.
    /// </summary>
    public uint Kernel
    {
        get
        {
            var reserved = Mask & ~Verdicts;
            return reserved & (0u - reserved); // the lowest reserved bit
        }
    }

    /// <summary>The layout taking <see cref="Width"/> consecutive bits from bit <paramref name="shift"/> up.</summary>
    /// <param name="shift">The lowest bit, 0–28.</param>
    /// <returns>Permit at <paramref name="shift"/>, Established above it, then Block, then a reserved bit.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shift"/> is outside 0–28.</exception>
    public static MarkBits FromBase(int shift)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shift);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shift, 32 - Width);
        return new MarkBits(1u << shift, 2u << shift, 4u << shift, 0xFu << shift);
    }

    /// <summary>Why these bits cannot drive the rules, or null when they can.</summary>
    /// <returns>One line, or null.</returns>
    /// <remarks>
    /// Each flag must be one bit inside the mask and distinct from the others, otherwise "Permit" could read as
    /// "Block"; a mask of all ones would take marks from every other user of them.
    /// </remarks>
    public string? Problem()
    {
        if (!IsSingleBit(Permit) || !IsSingleBit(Established) || !IsSingleBit(Block))
        {
            return $"mark bits must be single bits (permit 0x{Permit:x}, established 0x{Established:x}, block 0x{Block:x})";
        }

        if ((Permit | Established | Block) != (Permit ^ Established ^ Block))
        {
            return $"mark bits must be distinct (permit 0x{Permit:x}, established 0x{Established:x}, block 0x{Block:x})";
        }

        if (((Permit | Established | Block) & ~Mask) != 0)
        {
            return $"mark bits 0x{Permit | Established | Block:x} are not all inside the mask 0x{Mask:x}";
        }

        return Mask == uint.MaxValue ? "the mark mask must leave other users' bits alone (0xffffffff takes them all)" : null;
    }

    private static bool IsSingleBit(uint value) => value != 0 && (value & (value - 1)) == 0;
}
