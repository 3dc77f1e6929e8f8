using System.Collections.Immutable;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Compiler;
using OpenWfp.Engine.Kernel;
using OpenWfp.Engine.Model;

namespace OpenWfp.Engine.Policy;

/// <summary>
/// One committed generation of the policy: every management object plus the compiled per-layer programs.
/// Immutable; a commit builds the next snapshot aside and publishes it with one store, so readers take no locks (docs/ENGINE.md, Transactions and snapshots).
/// </summary>
public sealed class PolicySnapshot : IPolicyView
{
    internal PolicySnapshot(
        long generation,
        ImmutableDictionary<Guid, ProviderSpec> providers,
        ImmutableDictionary<Guid, SublayerSpec> sublayers,
        ImmutableDictionary<Guid, CalloutSpec> callouts,
        ImmutableDictionary<Guid, ProviderContextSpec> providerContexts,
        ImmutableDictionary<Guid, FilterSpec> filters,
        ImmutableDictionary<ulong, Guid> filterKeyById,
        ImmutableDictionary<Guid, ImmutableDictionary<Guid, FilterSpec>> filtersByLayer,
        ImmutableDictionary<ulong, RuntimeFilter> runtimeFilters,
        LayerProgram?[] programs,
        ulong nextFilterId,
        uint nextCalloutId,
        ulong nextProviderContextId)
    {
        Generation = generation;
        ProvidersByKey = providers;
        SublayersByKey = sublayers;
        CalloutsByKey = callouts;
        ProviderContextsByKey = providerContexts;
        FiltersByKey = filters;
        FilterKeyById = filterKeyById;
        FiltersByLayer = filtersByLayer;
        RuntimeFilters = runtimeFilters;
        Programs = programs;
        NextFilterId = nextFilterId;
        NextCalloutId = nextCalloutId;
        NextProviderContextId = nextProviderContextId;
    }

    /// <summary>Increases by one with every commit that changed something.</summary>
    public long Generation { get; }

    /// <summary>Providers by key.</summary>
    public ImmutableDictionary<Guid, ProviderSpec> ProvidersByKey { get; }

    /// <summary>Sublayers by key.</summary>
    public ImmutableDictionary<Guid, SublayerSpec> SublayersByKey { get; }

    /// <summary>Callouts (management objects) by key.</summary>
    public ImmutableDictionary<Guid, CalloutSpec> CalloutsByKey { get; }

    /// <summary>Provider contexts by key.</summary>
    public ImmutableDictionary<Guid, ProviderContextSpec> ProviderContextsByKey { get; }

    /// <summary>Filters by key.</summary>
    public ImmutableDictionary<Guid, FilterSpec> FiltersByKey { get; }

    internal ImmutableDictionary<ulong, Guid> FilterKeyById { get; }

    internal ImmutableDictionary<Guid, ImmutableDictionary<Guid, FilterSpec>> FiltersByLayer { get; }

    internal ImmutableDictionary<ulong, RuntimeFilter> RuntimeFilters { get; }

    internal LayerProgram?[] Programs { get; }

    internal ulong NextFilterId { get; }

    internal uint NextCalloutId { get; }

    internal ulong NextProviderContextId { get; }

    IReadOnlyDictionary<Guid, ProviderSpec> IPolicyView.Providers => ProvidersByKey;

    IReadOnlyDictionary<Guid, SublayerSpec> IPolicyView.Sublayers => SublayersByKey;

    IReadOnlyDictionary<Guid, CalloutSpec> IPolicyView.Callouts => CalloutsByKey;

    IReadOnlyDictionary<Guid, ProviderContextSpec> IPolicyView.ProviderContexts => ProviderContextsByKey;

    IReadOnlyDictionary<Guid, FilterSpec> IPolicyView.Filters => FiltersByKey;

    IReadOnlyDictionary<ulong, Guid> IPolicyView.FilterKeyById => FilterKeyById;

    /// <summary>Every filter, in no particular order.</summary>
    public IEnumerable<FilterSpec> Filters => FiltersByKey.Values;

    /// <summary>The filter with this id, or null.</summary>
    public FilterSpec? FilterById(ulong filterId) =>
        FilterKeyById.TryGetValue(filterId, out var key) ? FiltersByKey[key] : null;

    /// <summary>The filter with this key, or null.</summary>
    public FilterSpec? FilterByKey(Guid key) => FiltersByKey.GetValueOrDefault(key);

    /// <summary>The filters of one layer.</summary>
    public IEnumerable<FilterSpec> FiltersOf(LayerInfo layer) =>
        FiltersByLayer.TryGetValue(layer.Key, out var d) ? d.Values : [];

    /// <summary>The number of filters.</summary>
    public int FilterCount => FiltersByKey.Count;

    /// <summary>
    /// True when the layer with this run-time id has at least one filter. The shim asks before it builds a layer's
    /// values, so layers with no filters cost nothing per packet.
    /// </summary>
    public bool HasFilters(ushort layerId) => layerId < Programs.Length && Programs[layerId] is { FilterCount: > 0 };

    /// <summary>
    /// The fields classify may read at this layer, as a bit mask by field index (all bits when a callout filter is
    /// present): the shim fills only these, since filling a 42-field layer costs more than classifying it.
    /// </summary>
    public ulong FieldsRead(ushort layerId) => layerId < Programs.Length && Programs[layerId] is { } p ? p.FieldsRead : 0;

    /// <summary>
    /// True when this snapshot and <paramref name="other"/> hold the very same compiled program for a layer, i.e. no
    /// commit between them changed that layer (a commit recompiles only the layers it touched). A live data plane
    /// reauthorizes open connections only when an ALE layer changed.
    /// </summary>
    public bool SameProgram(PolicySnapshot other, ushort layerId)
    {
        ArgumentNullException.ThrowIfNull(other);
        var mine = layerId < Programs.Length ? Programs[layerId] : null;
        var theirs = layerId < other.Programs.Length ? other.Programs[layerId] : null;
        return ReferenceEquals(mine, theirs);
    }

    /// <summary>
    /// The kernel form of the layer with this run-time id (docs/KERNEL-FORM.md): what an eBPF data plane loads and
    /// evaluates. A layer without filters has an empty form. Compiled on first request and cached with the layer's
    /// program, so every snapshot that shares the program shares the form.
    /// </summary>
    /// <param name="layerId">The run-time layer id.</param>
    /// <returns>The form.</returns>
    public KernelForm KernelForm(ushort layerId)
    {
        if (layerId < Programs.Length && Programs[layerId] is { } program)
        {
            return program.KernelForm;
        }

        var layer = LayerCatalog.ById(layerId) ?? throw new ArgumentOutOfRangeException(nameof(layerId), layerId, "no layer has this run-time id");
        return Kernel.KernelForm.EmptyOf(layer);
    }

    /// <summary>The callout with this run-time id, or null.</summary>
    public CalloutSpec? CalloutById(uint calloutId) => CalloutsByKey.Values.FirstOrDefault(c => c.CalloutId == calloutId);

    /// <summary>Bytes held by the compiled programs (excluding the management objects they point to).</summary>
    public long CompiledBytes
    {
        get
        {
            long total = 0;
            foreach (var p in Programs)
            {
                total += p?.CompiledBytes ?? 0;
            }

            return total;
        }
    }

    /// <summary>This policy with newly compiled programs, as the next generation (what a commit publishes).</summary>
    internal PolicySnapshot WithPrograms(LayerProgram?[] programs, long generation) =>
        new(
            generation,
            ProvidersByKey,
            SublayersByKey,
            CalloutsByKey,
            ProviderContextsByKey,
            FiltersByKey,
            FilterKeyById,
            FiltersByLayer,
            RuntimeFilters,
            programs,
            NextFilterId,
            NextCalloutId,
            NextProviderContextId);
}
