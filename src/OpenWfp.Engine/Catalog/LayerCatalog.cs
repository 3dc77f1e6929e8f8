using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace OpenWfp.Engine.Catalog;

/// <summary>
/// The built-in WFP catalog: the filtering layers with their run-time ids and fields, the condition identifiers,
/// and the built-in sublayers, providers, provider contexts, callouts and keying modules. The data is generated from
/// <c>Catalog/layers.json</c> by <c>tools/gen-catalog.cs</c> (see <c>Generated/LayerCatalog.g.cs</c>); the lookups are
/// built once, on first use, and are safe to use from any thread.
/// </summary>
public static partial class LayerCatalog
{
    private const string LayerPrefix = "FWPM_LAYER_";
    private const string ConditionPrefix = "FWPM_CONDITION_";
    private const string SublayerPrefix = "FWPM_SUBLAYER_";
    private const string ProviderPrefix = "FWPM_PROVIDER_";
    private const string ProviderContextPrefix = "FWPM_PROVIDER_CONTEXT_";
    private const string CalloutPrefix = "FWPM_CALLOUT_";
    private const string KeyingModulePrefix = "FWPM_KEYING_MODULE_";

    // Field initializers run in textual order; the generated half of this class declares only methods.
    private static readonly LayerInfo[] LayerArray = CreateLayers();
    private static readonly ConditionInfo[] ConditionArray = CreateConditions();
    private static readonly BuiltinObject[] SublayerArray = CreateSublayers();
    private static readonly BuiltinObject[] ProviderArray = CreateProviders();
    private static readonly BuiltinObject[] ProviderContextArray = CreateProviderContexts();
    private static readonly BuiltinObject[] CalloutArray = CreateCallouts();
    private static readonly BuiltinObject[] KeyingModuleArray = CreateKeyingModules();

    private static readonly FrozenDictionary<Guid, LayerInfo> LayersByKey =
        LayerArray.ToFrozenDictionary(static l => l.Key);

    private static readonly LayerInfo?[] LayersById = BuildLayersById();

    private static readonly FrozenDictionary<string, LayerInfo> LayersByName = BuildNameIndex(
        LayerArray,
        static l => [l.Name, l.ShortName, l.FwpsName]);

    private static readonly FrozenDictionary<string, ConditionInfo> ConditionsByName = BuildNameIndex(
        ConditionArray,
        static c => [c.Name, StripPrefix(c.Name, ConditionPrefix)]);

    private static readonly FrozenDictionary<Guid, ConditionInfo> ConditionsByKey = BuildCanonicalKeyIndex(
        ConditionArray,
        static c => c.Key,
        static c => c.AliasOf is null);

    private static readonly FrozenDictionary<string, BuiltinObject> SublayersByName = BuildBuiltinNameIndex(SublayerArray, SublayerPrefix);
    private static readonly FrozenDictionary<string, BuiltinObject> ProvidersByName = BuildBuiltinNameIndex(ProviderArray, ProviderPrefix);
    private static readonly FrozenDictionary<string, BuiltinObject> ProviderContextsByName = BuildBuiltinNameIndex(ProviderContextArray, ProviderContextPrefix);
    private static readonly FrozenDictionary<string, BuiltinObject> CalloutsByName = BuildBuiltinNameIndex(CalloutArray, CalloutPrefix);
    private static readonly FrozenDictionary<string, BuiltinObject> KeyingModulesByName = BuildBuiltinNameIndex(KeyingModuleArray, KeyingModulePrefix);

    private static readonly FrozenDictionary<Guid, string> BuiltinNamesByKey = BuildBuiltinNames();

    /// <summary>FWPM_SUBLAYER_UNIVERSAL (eebecc03-ced4-4380-819a-2734397b2b74): the default sublayer (docs/ARBITRATION.md, Layers, sublayers and filters).</summary>
    public static readonly Guid SublayerUniversal = SublayersByName["FWPM_SUBLAYER_UNIVERSAL"].Key;

    /// <summary>All built-in filtering layers, in source order.</summary>
    public static IReadOnlyList<LayerInfo> Layers { get; } = Array.AsReadOnly(LayerArray);

    /// <summary>All condition identifiers, aliases included (each alias has its own entry with its target's GUID), in source order.</summary>
    public static IReadOnlyList<ConditionInfo> Conditions { get; } = Array.AsReadOnly(ConditionArray);

    /// <summary>The built-in sublayers (<c>FWPM_SUBLAYER_*</c>), in source order.</summary>
    public static IReadOnlyList<BuiltinObject> Sublayers { get; } = Array.AsReadOnly(SublayerArray);

    /// <summary>The built-in providers (<c>FWPM_PROVIDER_*</c>), in source order.</summary>
    public static IReadOnlyList<BuiltinObject> Providers { get; } = Array.AsReadOnly(ProviderArray);

    /// <summary>The built-in provider contexts (<c>FWPM_PROVIDER_CONTEXT_*</c>), in source order.</summary>
    public static IReadOnlyList<BuiltinObject> ProviderContexts { get; } = Array.AsReadOnly(ProviderContextArray);

    /// <summary>The built-in callouts (<c>FWPM_CALLOUT_*</c>), in source order.</summary>
    public static IReadOnlyList<BuiltinObject> Callouts { get; } = Array.AsReadOnly(CalloutArray);

    /// <summary>The built-in keying modules (<c>FWPM_KEYING_MODULE_*</c>), in source order.</summary>
    public static IReadOnlyList<BuiltinObject> KeyingModules { get; } = Array.AsReadOnly(KeyingModuleArray);

    /// <summary>
    /// The <c>FWPS_BUILTIN_LAYERS</c> enum (name → run-time id), including ids with no management layer
    /// (<c>FWPS_LAYER_RESERVED_LAYER_9/10</c>, <c>FWPS_BUILTIN_LAYER_MAX</c>). Keys are case-insensitive.
    /// </summary>
    public static IReadOnlyDictionary<string, ushort> FwpsBuiltinLayers { get; } =
        CreateFwpsBuiltinLayers().ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// FWPS field names that are <c>#define</c> aliases of another field of the same layer
    /// (e.g. <c>..._ICMP_TYPE</c> → <c>..._IP_LOCAL_PORT</c>). Keys are case-insensitive.
    /// </summary>
    public static IReadOnlyDictionary<string, string> FwpsFieldAliases { get; } =
        CreateFwpsFieldAliases().ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The metadata flag values: <c>FWPS_METADATA_FIELD_*</c> and <c>FWPS_L2_METADATA_FIELD_*</c> (the two sets
    /// reuse bit values). Keys are case-insensitive.
    /// </summary>
    public static IReadOnlyDictionary<string, uint> MetadataFieldFlags { get; } =
        CreateMetadataFieldFlags().ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The layer with GUID <paramref name="key"/>, or <see langword="null"/>. Does not allocate.</summary>
    /// <param name="key">A layer GUID (<c>FWPM_LAYER_*</c>).</param>
    /// <returns>The layer, or <see langword="null"/>.</returns>
    public static LayerInfo? ByKey(Guid key) => LayersByKey.TryGetValue(key, out var layer) ? layer : null;

    /// <summary>The layer with run-time id <paramref name="layerId"/>, or <see langword="null"/>. Does not allocate.</summary>
    /// <param name="layerId">A run-time layer id (<c>FWPS_BUILTIN_LAYERS</c>).</param>
    /// <returns>The layer, or <see langword="null"/> (also for reserved ids that have no management layer).</returns>
    public static LayerInfo? ById(ushort layerId) => layerId < LayersById.Length ? LayersById[layerId] : null;

    /// <summary>The layer with run-time id <paramref name="layerId"/> (a <see cref="LayerIds"/> constant); throws when there is none.</summary>
    /// <param name="layerId">A run-time layer id.</param>
    /// <returns>The layer.</returns>
    public static LayerInfo Layer(ushort layerId) =>
        ById(layerId) ?? throw new KeyNotFoundException($"no WFP layer has run-time id {layerId}");

    /// <summary>The layer with this name or key (as <see cref="TryFindLayer"/> reads it); throws when there is none.</summary>
    public static LayerInfo Layer(string nameOrKey) =>
        TryFindLayer(nameOrKey, out var layer) ? layer : throw new KeyNotFoundException($"no WFP layer is called '{nameOrKey}'");

    /// <summary>
    /// Finds a layer by name (case-insensitive, with or without the <c>FWPM_LAYER_</c> prefix, or its
    /// <c>FWPS_LAYER_*</c> name) or by GUID text, with or without braces.
    /// </summary>
    /// <param name="nameOrKey">The name or GUID text.</param>
    /// <param name="layer">The layer found.</param>
    /// <returns><see langword="true"/> if a layer was found.</returns>
    public static bool TryFindLayer(string nameOrKey, [MaybeNullWhen(false)] out LayerInfo layer)
    {
        ArgumentNullException.ThrowIfNull(nameOrKey);
        var text = nameOrKey.Trim();
        if (LayersByName.TryGetValue(text, out layer))
        {
            return true;
        }

        if (Guid.TryParse(text, out var key) && LayersByKey.TryGetValue(key, out layer))
        {
            return true;
        }

        layer = null;
        return false;
    }

    /// <summary>
    /// Finds a condition by name (case-insensitive, with or without the <c>FWPM_CONDITION_</c> prefix) or by GUID
    /// text, with or without braces. An alias name returns the alias's own entry (same GUID as its target); a GUID
    /// returns the canonical (non-alias) entry.
    /// </summary>
    /// <param name="nameOrKey">The name or GUID text.</param>
    /// <param name="condition">The condition found.</param>
    /// <returns><see langword="true"/> if a condition was found.</returns>
    public static bool TryFindCondition(string nameOrKey, [MaybeNullWhen(false)] out ConditionInfo condition)
    {
        ArgumentNullException.ThrowIfNull(nameOrKey);
        var text = nameOrKey.Trim();
        if (ConditionsByName.TryGetValue(text, out condition))
        {
            return true;
        }

        if (Guid.TryParse(text, out var key) && ConditionsByKey.TryGetValue(key, out condition))
        {
            return true;
        }

        condition = null;
        return false;
    }

    /// <summary>The canonical (non-alias) name of condition GUID <paramref name="key"/>, or <see langword="null"/>.</summary>
    /// <param name="key">A condition GUID.</param>
    /// <returns>The name, e.g. <c>FWPM_CONDITION_IP_LOCAL_PORT</c> for the GUID shared with <c>ICMP_TYPE</c>.</returns>
    public static string? ConditionNameOf(Guid key) => ConditionsByKey.TryGetValue(key, out var condition) ? condition.Name : null;

    /// <summary>Finds a built-in sublayer by name (<c>FWPM_SUBLAYER_</c> prefix optional, case-insensitive) or GUID text.</summary>
    /// <param name="nameOrKey">The name or GUID text.</param>
    /// <param name="sublayer">The sublayer found.</param>
    /// <returns><see langword="true"/> if a sublayer was found.</returns>
    public static bool TryFindSublayer(string nameOrKey, [MaybeNullWhen(false)] out BuiltinObject sublayer) =>
        TryFindBuiltin(SublayersByName, SublayerArray, nameOrKey, out sublayer);

    /// <summary>Finds a built-in provider by name (<c>FWPM_PROVIDER_</c> prefix optional, case-insensitive) or GUID text.</summary>
    /// <param name="nameOrKey">The name or GUID text.</param>
    /// <param name="provider">The provider found.</param>
    /// <returns><see langword="true"/> if a provider was found.</returns>
    public static bool TryFindProvider(string nameOrKey, [MaybeNullWhen(false)] out BuiltinObject provider) =>
        TryFindBuiltin(ProvidersByName, ProviderArray, nameOrKey, out provider);

    /// <summary>
    /// Finds a built-in provider context by name (<c>FWPM_PROVIDER_CONTEXT_</c> prefix optional, case-insensitive) or
    /// GUID text.
    /// </summary>
    /// <param name="nameOrKey">The name or GUID text.</param>
    /// <param name="providerContext">The provider context found.</param>
    /// <returns><see langword="true"/> if a provider context was found.</returns>
    public static bool TryFindProviderContext(string nameOrKey, [MaybeNullWhen(false)] out BuiltinObject providerContext) =>
        TryFindBuiltin(ProviderContextsByName, ProviderContextArray, nameOrKey, out providerContext);

    /// <summary>Finds a built-in callout by name (<c>FWPM_CALLOUT_</c> prefix optional, case-insensitive) or GUID text.</summary>
    /// <param name="nameOrKey">The name or GUID text.</param>
    /// <param name="callout">The callout found.</param>
    /// <returns><see langword="true"/> if a callout was found.</returns>
    public static bool TryFindCallout(string nameOrKey, [MaybeNullWhen(false)] out BuiltinObject callout) =>
        TryFindBuiltin(CalloutsByName, CalloutArray, nameOrKey, out callout);

    /// <summary>Finds a built-in keying module by name (<c>FWPM_KEYING_MODULE_</c> prefix optional, case-insensitive) or GUID text.</summary>
    /// <param name="nameOrKey">The name or GUID text.</param>
    /// <param name="keyingModule">The keying module found.</param>
    /// <returns><see langword="true"/> if a keying module was found.</returns>
    public static bool TryFindKeyingModule(string nameOrKey, [MaybeNullWhen(false)] out BuiltinObject keyingModule) =>
        TryFindBuiltin(KeyingModulesByName, KeyingModuleArray, nameOrKey, out keyingModule);

    /// <summary>
    /// The name of the built-in layer, condition, sublayer, provider, provider context, callout or keying module with GUID
    /// <paramref name="key"/> (the canonical name where aliases share a GUID), or <see langword="null"/>.
    /// </summary>
    /// <param name="key">A GUID.</param>
    /// <returns>The SDK name, or <see langword="null"/>.</returns>
    public static string? BuiltinNameOf(Guid key) => BuiltinNamesByKey.TryGetValue(key, out var name) ? name : null;

    private static bool TryFindBuiltin(
        FrozenDictionary<string, BuiltinObject> byName,
        BuiltinObject[] all,
        string nameOrKey,
        [MaybeNullWhen(false)] out BuiltinObject found)
    {
        ArgumentNullException.ThrowIfNull(nameOrKey);
        var text = nameOrKey.Trim();
        if (byName.TryGetValue(text, out found))
        {
            return true;
        }

        if (Guid.TryParse(text, out var key))
        {
            // Canonical entry first, then an alias that shares the GUID.
            found = Array.Find(all, o => o.Key == key && o.AliasOf is null) ?? Array.Find(all, o => o.Key == key);
            return found is not null;
        }

        found = null;
        return false;
    }

    private static string StripPrefix(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name;

    private static LayerInfo?[] BuildLayersById()
    {
        var max = 0;
        foreach (var layer in LayerArray)
        {
            max = Math.Max(max, layer.LayerId);
        }

        var byId = new LayerInfo?[max + 1];
        foreach (var layer in LayerArray)
        {
            if (byId[layer.LayerId] is not null)
            {
                throw new InvalidOperationException($"Layer id {layer.LayerId} is used by {byId[layer.LayerId]} and {layer}.");
            }

            byId[layer.LayerId] = layer;
        }

        return byId;
    }

    private static FrozenDictionary<string, T> BuildNameIndex<T>(T[] items, Func<T, string[]> namesOf)
        where T : class
    {
        var index = new Dictionary<string, T>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in items)
        {
            foreach (var name in namesOf(item))
            {
                if (index.TryGetValue(name, out var existing) && !ReferenceEquals(existing, item))
                {
                    throw new InvalidOperationException($"Catalog name '{name}' is ambiguous: {existing} and {item}.");
                }

                index[name] = item;
            }
        }

        return index.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    private static FrozenDictionary<string, BuiltinObject> BuildBuiltinNameIndex(BuiltinObject[] items, string prefix) =>
        BuildNameIndex(items, o => [o.Name, StripPrefix(o.Name, prefix)]);

    private static FrozenDictionary<Guid, T> BuildCanonicalKeyIndex<T>(T[] items, Func<T, Guid> keyOf, Func<T, bool> isCanonical)
    {
        var index = new Dictionary<Guid, T>();
        foreach (var item in items)
        {
            var key = keyOf(item);
            if (!index.TryGetValue(key, out var existing) || (isCanonical(item) && !isCanonical(existing)))
            {
                index[key] = item;
            }
        }

        return index.ToFrozenDictionary();
    }

    private static FrozenDictionary<Guid, string> BuildBuiltinNames()
    {
        var names = new Dictionary<Guid, string>();
        foreach (var layer in LayerArray)
        {
            names.TryAdd(layer.Key, layer.Name);
        }

        foreach (var (key, condition) in ConditionsByKey)
        {
            names.TryAdd(key, condition.Name);
        }

        foreach (var group in (BuiltinObject[][])[SublayerArray, ProviderArray, ProviderContextArray, CalloutArray, KeyingModuleArray])
        {
            // Canonical names first so that a GUID shared with an alias reports the canonical name.
            foreach (var item in group)
            {
                if (item.AliasOf is null)
                {
                    names.TryAdd(item.Key, item.Name);
                }
            }

            foreach (var item in group)
            {
                names.TryAdd(item.Key, item.Name);
            }
        }

        return names.ToFrozenDictionary();
    }
}
