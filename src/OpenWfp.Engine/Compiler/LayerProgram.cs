using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;

namespace OpenWfp.Engine.Compiler;

/// <summary>
/// The compiled, immutable filters of one layer: everything classify reads. Built by <see cref="FilterCompiler"/>
/// aside from the live one and swapped in whole on commit (docs/ENGINE.md, "Transactions and snapshots"); never
/// mutated afterwards, so classify on any number of threads reads it without locks.
/// </summary>
internal sealed partial class LayerProgram
{
    private Kernel.KernelForm? _kernelForm;

    public LayerProgram(
        LayerInfo layer,
        CompiledFilter[] filters,
        int[] sublayerEnd,
        SublayerSpec[] sublayers,
        ConditionOp[] ops,
        ulong[] bounds64,
        UInt128[] bounds128,
        object[] refs,
        CalloutSlot[] calloutSlots,
        RuntimeFilter[] runtimeFilters,
        DecisionTree tree,
        FilterSpec[] specs,
        int[] opConditionIndex)
    {
        Layer = layer;
        Filters = filters;
        SublayerEnd = sublayerEnd;
        Sublayers = sublayers;
        Ops = ops;
        Bounds64 = bounds64;
        Bounds128 = bounds128;
        Refs = refs;
        CalloutSlots = calloutSlots;
        RuntimeFilters = runtimeFilters;
        Tree = tree;
        Specs = specs;
        OpConditionIndex = opConditionIndex;
        FieldsRead = ComputeFieldsRead(ops, calloutSlots);
    }

    public LayerInfo Layer { get; }

    /// <summary>Filters in evaluation order: sublayer weight desc, effective weight desc, filter id asc.</summary>
    public CompiledFilter[] Filters { get; }

    /// <summary>For each sublayer ordinal, the rank just past its last filter.</summary>
    public int[] SublayerEnd { get; }

    /// <summary>Sublayers by ordinal (weight desc, key asc).</summary>
    public SublayerSpec[] Sublayers { get; }

    public ConditionOp[] Ops { get; }

    public ulong[] Bounds64 { get; }

    public UInt128[] Bounds128 { get; }

    public object[] Refs { get; }

    /// <summary>Callout filters' slots, by <see cref="CompiledFilter.CalloutIndex"/>.</summary>
    public CalloutSlot[] CalloutSlots { get; }

    /// <summary>Callout filters' run-time copies, by <see cref="CompiledFilter.CalloutIndex"/>.</summary>
    public RuntimeFilter[] RuntimeFilters { get; }

    /// <summary>Finds the few filters that can decide for an input (see <see cref="DecisionTree"/>).</summary>
    public DecisionTree Tree { get; }

    /// <summary>The management objects, by rank (for explain and callouts; not read by classify).</summary>
    public FilterSpec[] Specs { get; }

    /// <summary>For each op, the index of the condition in its filter's spec it came from.</summary>
    public int[] OpConditionIndex { get; }

    public int FilterCount => Filters.Length;

    /// <summary>
    /// The layer's kernel form (docs/KERNEL-FORM.md), compiled on first use and cached: most layers are never asked
    /// for one, and a commit should not pay for it. Racing first callers may both compile; one result wins.
    /// </summary>
    public Kernel.KernelForm KernelForm
    {
        get
        {
            var form = Volatile.Read(ref _kernelForm);
            if (form is null)
            {
                Interlocked.CompareExchange(ref _kernelForm, Kernel.KernelFormCompiler.Compile(this), null);
                form = Volatile.Read(ref _kernelForm)!;
            }

            return form;
        }
    }

    /// <summary>
    /// Bit i set when classify may read field i: a condition tests it, or a callout filter is present (callouts get the
    /// whole value array). Layers have at most 64 fields (the catalog's largest has 42, pinned by a test). Computed in the
    /// constructor rather than on first use: queue threads read it concurrently, and a lazily filled 16-byte
    /// <c>ulong?</c> can be read torn (flag set, value not yet written).
    /// </summary>
    public ulong FieldsRead { get; }

    private static ulong ComputeFieldsRead(ConditionOp[] ops, CalloutSlot[] calloutSlots)
    {
        if (calloutSlots.Length > 0)
        {
            return ulong.MaxValue;
        }

        ulong mask = 0;
        foreach (var op in ops)
        {
            mask |= 1UL << op.Field;
        }

        return mask;
    }

    /// <summary>Bytes held by the compiled form itself (not the specs it points to).</summary>
    public long CompiledBytes =>
        (Filters.Length * 24L) + (SublayerEnd.Length * 4L) + (Ops.Length * 12L) + (Bounds64.Length * 8L) + (Bounds128.Length * 16L)
        + (Refs.Length * 8L) + (CalloutSlots.Length * 8L) + (RuntimeFilters.Length * 8L)
        + Tree.MemoryBytes + (OpConditionIndex.Length * 4L);
}
