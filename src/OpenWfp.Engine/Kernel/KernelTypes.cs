namespace OpenWfp.Engine.Kernel;

/// <summary>
/// The fields a kernel form matches (docs/KERNEL-FORM.md, "What the kernel can see"), as bits of a mask. Bit i is
/// field number i in <see cref="KernelForm.FieldCount"/> order.
/// </summary>
[Flags]
public enum KernelFields : byte
{
    /// <summary>No field.</summary>
    None = 0,

    /// <summary>LOCAL_ADDR: FWPM_CONDITION_IP_LOCAL_ADDRESS.</summary>
    LocalAddress = 1 << 0,

    /// <summary>REMOTE_ADDR: FWPM_CONDITION_IP_REMOTE_ADDRESS.</summary>
    RemoteAddress = 1 << 1,

    /// <summary>LOCAL_PORT: FWPM_CONDITION_IP_LOCAL_PORT.</summary>
    LocalPort = 1 << 2,

    /// <summary>REMOTE_PORT: FWPM_CONDITION_IP_REMOTE_PORT.</summary>
    RemotePort = 1 << 3,

    /// <summary>PROTOCOL: FWPM_CONDITION_IP_PROTOCOL.</summary>
    Protocol = 1 << 4,

    /// <summary>APP: FWPM_CONDITION_ALE_APP_ID, as an app number of the form's app table.</summary>
    App = 1 << 5,

    /// <summary>Every field.</summary>
    All = LocalAddress | RemoteAddress | LocalPort | RemotePort | Protocol | App,
}

/// <summary>What a rule does when it is met (docs/KERNEL-FORM.md, "Rules").</summary>
public enum KernelAction : byte
{
    /// <summary>A soft permit: a permit filter without FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT.</summary>
    Permit,

    /// <summary>A permit with FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT.</summary>
    HardPermit,

    /// <summary>A block (always hard).</summary>
    Block,

    /// <summary>The kernel cannot decide this filter: classify in user space.</summary>
    Ask,
}

/// <summary>Why a rule is <see cref="KernelAction.Ask"/>.</summary>
public enum KernelAskReason : byte
{
    /// <summary>Not an ASK rule.</summary>
    None,

    /// <summary>The filter's action is a callout (of any type).</summary>
    Callout,

    /// <summary>The filter has a condition on a field that is not a kernel field.</summary>
    NonKernelField,

    /// <summary>A condition on a kernel field has a match type that intervals cannot express (FLAGS, PREFIX, FWP_EMPTY, blob orders, ...).</summary>
    InexpressibleMatch,

    /// <summary>The cross product of the filter's intervals is above <see cref="KernelForm.MaxRulesPerFilter"/>.</summary>
    TooManyIntervals,
}

/// <summary>What a layer's kernel form is.</summary>
public enum KernelFormStatus : byte
{
    /// <summary>The layer has no filters (or only filters that never match): every classification is NO_MATCH.</summary>
    Empty,

    /// <summary>The form holds the layer: the kernel decides, or asks per classification.</summary>
    Kernel,

    /// <summary>A bound is exceeded: every classification at the layer is ASK (<see cref="KernelForm.AskAllReason"/> says which).</summary>
    AskAll,
}

/// <summary>Which bound made a layer ask-all (docs/KERNEL-FORM.md, "The index").</summary>
public enum KernelAskAllReason : byte
{
    /// <summary>The layer is not ask-all.</summary>
    None,

    /// <summary>More than <see cref="KernelForm.MaxSublayers"/> sublayers hold filters of the layer.</summary>
    TooManySublayers,

    /// <summary>More than <see cref="KernelForm.MaxRules"/> rules.</summary>
    TooManyRules,

    /// <summary>The rules could not be placed in <see cref="KernelForm.MaxTuples"/> tuples with at most <see cref="KernelForm.MaxBucketRules"/> rules per bucket.</summary>
    TooManyTuples,
}

/// <summary>The kernel's answer for one classification.</summary>
public enum KernelVerdict : byte
{
    /// <summary>No filter was met (the data planes treat it as permit, docs/ARBITRATION.md, "The algorithm").</summary>
    NoMatch,

    /// <summary>Permit.</summary>
    Permit,

    /// <summary>Block.</summary>
    Block,

    /// <summary>Classify in user space (callouts, non-kernel conditions, unknown fields, ask-all layers).</summary>
    Ask,
}

/// <summary>A kernel form's decision and the deciding filter (0 for NO_MATCH and ASK).</summary>
/// <param name="Verdict">The verdict.</param>
/// <param name="FilterId">The filter that decided, or 0.</param>
public readonly record struct KernelDecision(KernelVerdict Verdict, ulong FilterId)
{
    /// <summary>The ASK decision.</summary>
    public static KernelDecision Ask => new(KernelVerdict.Ask, 0);

    /// <summary>The NO_MATCH decision.</summary>
    public static KernelDecision NoMatch => new(KernelVerdict.NoMatch, 0);
}

/// <summary>
/// One classification's kernel fields. Addresses are host-order numbers (IPv4 in the low 32 bits); <see cref="Known"/>
/// has a bit for each field the hook could supply (docs/KERNEL-FORM.md, "What the kernel can see").
/// </summary>
public struct KernelInput
{
    /// <summary>The local address.</summary>
    public UInt128 LocalAddress;

    /// <summary>The remote address.</summary>
    public UInt128 RemoteAddress;

    /// <summary>The local port.</summary>
    public ushort LocalPort;

    /// <summary>The remote port.</summary>
    public ushort RemotePort;

    /// <summary>The IP protocol.</summary>
    public byte Protocol;

    /// <summary>The app number (0: an executable no rule names).</summary>
    public uint App;

    /// <summary>The fields this classification has values for.</summary>
    public KernelFields Known;
}

/// <summary>A bucket key: per field, the value masked to its tuple's prefix length (0 where the tuple does not constrain the field).</summary>
/// <param name="LocalAddress">The masked local address.</param>
/// <param name="RemoteAddress">The masked remote address.</param>
/// <param name="LocalPort">The masked local port.</param>
/// <param name="RemotePort">The masked remote port.</param>
/// <param name="Protocol">The masked protocol.</param>
/// <param name="App">The app number, or 0.</param>
public readonly record struct KernelKey(UInt128 LocalAddress, UInt128 RemoteAddress, ushort LocalPort, ushort RemotePort, byte Protocol, uint App);

/// <summary>
/// One rule (docs/KERNEL-FORM.md, "Rules"): the filter's rank, sublayer, action and, for each constrained field, an
/// interval. The address intervals are in <see cref="KernelForm.LocalAddress"/> and <see cref="KernelForm.RemoteAddress"/>.
/// </summary>
public readonly struct KernelRule
{
    internal KernelRule(int rank, ulong filterId, byte sublayer, KernelAction action, KernelAskReason askReason, KernelFields fields, ushort localPortLo, ushort localPortHi, ushort remotePortLo, ushort remotePortHi, byte protocolLo, byte protocolHi, uint app)
    {
        Rank = rank;
        FilterId = filterId;
        Sublayer = sublayer;
        Action = action;
        AskReason = askReason;
        Fields = fields;
        LocalPortLo = localPortLo;
        LocalPortHi = localPortHi;
        RemotePortLo = remotePortLo;
        RemotePortHi = remotePortHi;
        ProtocolLo = protocolLo;
        ProtocolHi = protocolHi;
        App = app;
    }

    /// <summary>The filter's position in evaluation order (shared by all rules of a filter).</summary>
    public int Rank { get; }

    /// <summary>The filter id.</summary>
    public ulong FilterId { get; }

    /// <summary>The sublayer ordinal (0 = evaluated first).</summary>
    public byte Sublayer { get; }

    /// <summary>The action.</summary>
    public KernelAction Action { get; }

    /// <summary>Why the rule is ASK, or <see cref="KernelAskReason.None"/>.</summary>
    public KernelAskReason AskReason { get; }

    /// <summary>The constrained fields.</summary>
    public KernelFields Fields { get; }

    /// <summary>The local port interval's low end.</summary>
    public ushort LocalPortLo { get; }

    /// <summary>The local port interval's high end.</summary>
    public ushort LocalPortHi { get; }

    /// <summary>The remote port interval's low end.</summary>
    public ushort RemotePortLo { get; }

    /// <summary>The remote port interval's high end.</summary>
    public ushort RemotePortHi { get; }

    /// <summary>The protocol interval's low end.</summary>
    public byte ProtocolLo { get; }

    /// <summary>The protocol interval's high end.</summary>
    public byte ProtocolHi { get; }

    /// <summary>The app number the rule names (when <see cref="Fields"/> has <see cref="KernelFields.App"/>).</summary>
    public uint App { get; }
}

/// <summary>
/// A tuple (docs/KERNEL-FORM.md, "The index"): a prefix length per field, and the range of its buckets in
/// <see cref="KernelForm.Buckets"/>.
/// </summary>
public readonly struct KernelTuple
{
    internal KernelTuple(byte localAddress, byte remoteAddress, byte localPort, byte remotePort, byte protocol, byte app, int bucketStart, int bucketCount, int ruleCount, int bestRank)
    {
        LocalAddress = localAddress;
        RemoteAddress = remoteAddress;
        LocalPort = localPort;
        RemotePort = remotePort;
        Protocol = protocol;
        App = app;
        BucketStart = bucketStart;
        BucketCount = bucketCount;
        RuleCount = ruleCount;
        BestRank = bestRank;
        var f = KernelFields.None;
        f |= localAddress > 0 ? KernelFields.LocalAddress : 0;
        f |= remoteAddress > 0 ? KernelFields.RemoteAddress : 0;
        f |= localPort > 0 ? KernelFields.LocalPort : 0;
        f |= remotePort > 0 ? KernelFields.RemotePort : 0;
        f |= protocol > 0 ? KernelFields.Protocol : 0;
        f |= app > 0 ? KernelFields.App : 0;
        Fields = f;
    }

    /// <summary>The local address prefix length (0-32, or 0-128 on an IPv6 layer).</summary>
    public byte LocalAddress { get; }

    /// <summary>The remote address prefix length.</summary>
    public byte RemoteAddress { get; }

    /// <summary>The local port prefix length (0-16).</summary>
    public byte LocalPort { get; }

    /// <summary>The remote port prefix length (0-16).</summary>
    public byte RemotePort { get; }

    /// <summary>The protocol prefix length (0-8).</summary>
    public byte Protocol { get; }

    /// <summary>The app prefix length (0 or 32).</summary>
    public byte App { get; }

    /// <summary>The fields whose prefix length is above 0: an input lacking one of them cannot look this tuple up.</summary>
    public KernelFields Fields { get; }

    /// <summary>The tuple's first bucket in <see cref="KernelForm.Buckets"/>.</summary>
    public int BucketStart { get; }

    /// <summary>The number of buckets.</summary>
    public int BucketCount { get; }

    /// <summary>The number of rules in the tuple's buckets.</summary>
    public int RuleCount { get; }

    /// <summary>The lowest rank of a rule in the tuple.</summary>
    public int BestRank { get; }
}

/// <summary>A bucket: its tuple and its rules, a range of <see cref="KernelForm.BucketRules"/> in rank order. Its key is <see cref="KernelForm.BucketKey"/>.</summary>
public readonly struct KernelBucket
{
    internal KernelBucket(int tuple, int ruleStart, int ruleCount)
    {
        Tuple = tuple;
        RuleStart = ruleStart;
        RuleCount = ruleCount;
    }

    /// <summary>The tuple's index in <see cref="KernelForm.Tuples"/>.</summary>
    public int Tuple { get; }

    /// <summary>The bucket's first entry in <see cref="KernelForm.BucketRules"/>.</summary>
    public int RuleStart { get; }

    /// <summary>The number of rules (at most <see cref="KernelForm.MaxBucketRules"/>).</summary>
    public int RuleCount { get; }
}

/// <summary>What a kernel form holds and what it had to leave to user space (docs/KERNEL-FORM.md, "Ask-all layers and counters").</summary>
/// <param name="Rules">Rules in the form.</param>
/// <param name="AskCallout">ASK rules of callout filters.</param>
/// <param name="AskNonKernelField">ASK rules of filters with a condition on a non-kernel field.</param>
/// <param name="AskInexpressible">ASK rules of filters with a match type intervals cannot express.</param>
/// <param name="AskTooManyIntervals">ASK rules of filters whose cross product is too large.</param>
/// <param name="DroppedFilters">Filters dropped because they can never match.</param>
/// <param name="AskAllReason">Why the layer is ask-all, or <see cref="KernelAskAllReason.None"/>.</param>
public readonly record struct KernelFormCounters(int Rules, int AskCallout, int AskNonKernelField, int AskInexpressible, int AskTooManyIntervals, int DroppedFilters, KernelAskAllReason AskAllReason)
{
    /// <summary>All ASK rules.</summary>
    public int AskRules => AskCallout + AskNonKernelField + AskInexpressible + AskTooManyIntervals;
}
