using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Model;

/// <summary>
/// FWPM_FILTER0 as a client supplies it and as the engine returns it (with <see cref="FilterId"/> and
/// <see cref="EffectiveWeight"/> filled in).
/// </summary>
public sealed record FilterSpec
{
    /// <summary>filterKey; <see cref="Guid.Empty"/> asks the engine to generate one.</summary>
    public Guid Key { get; init; }

    /// <summary>displayData (name required).</summary>
    public DisplayData DisplayData { get; init; } = new("");

    /// <summary>flags.</summary>
    public FilterFlags Flags { get; init; }

    /// <summary>providerKey, optional.</summary>
    public Guid? ProviderKey { get; init; }

    /// <summary>providerData (opaque).</summary>
    public byte[]? ProviderData { get; init; }

    /// <summary>layerKey.</summary>
    public Guid LayerKey { get; init; }

    /// <summary>subLayerKey; <see cref="Guid.Empty"/> means the layer's default sublayer (FWPM_SUBLAYER_UNIVERSAL).</summary>
    public Guid SublayerKey { get; init; }

    /// <summary>weight: FWP_EMPTY (automatic), FWP_UINT8 0..15 (weight range) or FWP_UINT64 (exact); docs/ARBITRATION.md, Filter weight.</summary>
    public FwpValue Weight { get; init; }

    /// <summary>filterCondition: zero conditions match everything.</summary>
    public IReadOnlyList<FilterCondition> Conditions { get; init; } = [];

    /// <summary>action.</summary>
    public FilterAction Action { get; init; } = FilterAction.Block;

    /// <summary>rawContext: copied verbatim to the run-time filter's context (when no provider context).</summary>
    public ulong RawContext { get; init; }

    /// <summary>providerContextKey, used iff <see cref="FilterFlags.HasProviderContext"/>.</summary>
    public Guid? ProviderContextKey { get; init; }

    /// <summary>
    /// filterId: output. On add, 0 lets the engine assign one; a non-zero id is kept if free (imports keep the ids
    /// Windows assigned, so that net events and dumps line up).
    /// </summary>
    public ulong FilterId { get; init; }

    /// <summary>
    /// effectiveWeight: output, the FWP_UINT64 weight actually used. On add, a non-zero value is kept as is
    /// (imported filters keep Windows' effectiveWeight, docs/ARBITRATION.md, Auto-weight) — otherwise it is computed from <see cref="Weight"/>.
    /// </summary>
    public ulong EffectiveWeight { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"filter {FilterId} \"{DisplayData.Name}\" {{{Key}}}";
}
