using OpenWfp.Engine.Model;

namespace OpenWfp.Engine;

/// <summary>Choices WFP leaves open (docs/ARBITRATION.md, Choices OpenWfp makes where Windows is silent), made explicit and configurable.</summary>
public sealed class FilterEngineOptions
{
    /// <summary>The id the first added filter gets (Windows' ids are large; ours start small).</summary>
    public ulong FirstFilterId { get; init; } = 1;

    /// <summary>The lowest id given to an added callout (built-in callouts take the ids below).</summary>
    public uint FirstCalloutId { get; init; } = 1;

    /// <summary>
    /// Weights of the built-in sublayers, by catalog name. Windows does not publish them (docs/ARBITRATION.md, Layers, sublayers and filters); a
    /// state dump supplies real values. Defaults: every built-in sublayer 0x8000, except FWPM_SUBLAYER_INSPECTION
    /// at 0 so that inspection sees traffic after every other built-in decision.
    /// </summary>
    public IReadOnlyDictionary<string, ushort> BuiltinSublayerWeights { get; init; } = new Dictionary<string, ushort>();

    /// <summary>
    /// State a dump gives built-in providers (display data, flags, service name), by key; the engine's built-ins take
    /// it so that an export writes what Windows showed. Keys the catalog does not know are ignored.
    /// </summary>
    public IReadOnlyDictionary<Guid, ProviderSpec> BuiltinProviders { get; init; } = new Dictionary<Guid, ProviderSpec>();

    /// <summary>State a dump gives built-in sublayers (display data, flags, provider), by key; the weight still comes from <see cref="BuiltinSublayerWeights"/>.</summary>
    public IReadOnlyDictionary<Guid, SublayerSpec> BuiltinSublayers { get; init; } = new Dictionary<Guid, SublayerSpec>();

    /// <summary>
    /// State a dump gives built-in callouts (display data, flags, applicable layer, callout id), by key. A
    /// callout id given here is used as is; the other built-ins take the free ids from 1.
    /// </summary>
    public IReadOnlyDictionary<Guid, CalloutSpec> BuiltinCallouts { get; init; } = new Dictionary<Guid, CalloutSpec>();

    /// <summary>The weight a built-in sublayer gets.</summary>
    public ushort BuiltinSublayerWeight(string name) =>
        BuiltinSublayerWeights.TryGetValue(name, out var w) ? w : name == "FWPM_SUBLAYER_INSPECTION" ? (ushort)0 : (ushort)0x8000;
}
