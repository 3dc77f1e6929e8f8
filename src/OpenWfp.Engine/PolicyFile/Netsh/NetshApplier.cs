using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;

namespace OpenWfp.Engine.PolicyFile.Netsh;

/// <summary>
/// The applying half of the netsh import: adds the objects of a <see cref="NetshDocument"/> to an engine in one
/// transaction, reporting each object the engine rejects (with its FWP_E_* name) instead of failing the whole import.
/// </summary>
internal static class NetshApplier
{
    /// <summary>Engine options that give built-in sublayers the weights the dump reports.</summary>
    /// <param name="document">The dump.</param>
    /// <param name="baseOptions">Options to start from; other settings are kept.</param>
    /// <returns>The options.</returns>
    public static FilterEngineOptions EngineOptions(NetshDocument document, FilterEngineOptions? baseOptions = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        var weights = new Dictionary<string, ushort>(baseOptions?.BuiltinSublayerWeights ?? new Dictionary<string, ushort>());
        foreach (var (name, weight) in document.BuiltinSublayerWeights)
        {
            weights[name] = weight;
        }

        return new FilterEngineOptions
        {
            FirstFilterId = baseOptions?.FirstFilterId ?? 1,
            FirstCalloutId = baseOptions?.FirstCalloutId ?? 1,
            BuiltinSublayerWeights = weights,
            BuiltinProviders = Merge(baseOptions?.BuiltinProviders, document.BuiltinProviders),
            BuiltinSublayers = Merge(baseOptions?.BuiltinSublayers, document.BuiltinSublayers),
            BuiltinCallouts = Merge(baseOptions?.BuiltinCallouts, document.BuiltinCallouts),
        };
    }

    private static Dictionary<Guid, T> Merge<T>(IReadOnlyDictionary<Guid, T>? start, IReadOnlyList<NetshEntry<T>> entries)
        where T : class
    {
        var merged = start is null ? [] : new Dictionary<Guid, T>(start);
        foreach (var e in entries)
        {
            merged[KeyOf(e.Spec)] = e.Spec;
        }

        return merged;
    }

    private static Guid KeyOf(object spec) => spec switch
    {
        ProviderSpec p => p.Key,
        SublayerSpec s => s.Key,
        CalloutSpec c => c.Key,
        _ => throw new ArgumentException("not a built-in object", nameof(spec)),
    };

    /// <summary>Applies a dump to a new engine built with the dump's built-in sublayer weights.</summary>
    /// <param name="document">The dump.</param>
    /// <param name="engine">The new engine.</param>
    /// <returns>The counts and the skipped items.</returns>
    public static NetshImportResult Import(NetshDocument document, out FilterEngine engine)
    {
        engine = new FilterEngine(EngineOptions(document));
        return Apply(document, engine);
    }

    /// <summary>
    /// Adds the dump's objects to <paramref name="engine"/> in one transaction. Objects the engine rejects are
    /// skipped and reported with their FWP_E_* name; the rest are committed. Built-in sublayer weights that differ
    /// from the engine's are reported too (build the engine with <see cref="EngineOptions"/> to take them).
    /// </summary>
    /// <param name="document">The dump.</param>
    /// <param name="engine">The engine.</param>
    /// <returns>The counts and the skipped items (the document's own and the engine's rejections).</returns>
    public static NetshImportResult Apply(NetshDocument document, FilterEngine engine)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(engine);
        var skipped = new List<NetshSkippedItem>(document.Skipped);
        var builtinWeights = 0;
        foreach (var (name, weight) in document.BuiltinSublayerWeights)
        {
            if (LayerCatalog.TryFindSublayer(name, out var builtin) && engine.Current.SublayersByKey.TryGetValue(builtin.Key, out var have))
            {
                if (have.Weight == weight)
                {
                    builtinWeights++;
                }
                else
                {
                    skipped.Add(new NetshSkippedItem($"/{NetshReader.WfpState}/subLayers", name, $"built-in sublayer weight 0x{weight:x4} not applied: this engine gives it 0x{have.Weight:x4} (build the engine with NetshImporter.EngineOptions)"));
                }
            }
        }

        int providers = 0, sublayers = 0, callouts = 0, contexts = 0;
        var filters = new List<FilterSpec>(document.Filters.Count);
        using (var txn = engine.BeginTransaction())
        {
            // Windows' ids, output-only flags and flag bits without a name are the dump's state: kept as given.
            txn.KeepState = true;
            foreach (var e in document.Providers)
            {
                providers += TryAdd(e, () => txn.AddProvider(e.Spec), e.Spec.DisplayData.Name, skipped) is null ? 0 : 1;
            }

            foreach (var e in document.Sublayers)
            {
                sublayers += TryAdd(e, () => txn.AddSublayer(e.Spec), e.Spec.DisplayData.Name, skipped) is null ? 0 : 1;
            }

            foreach (var e in document.Callouts)
            {
                callouts += TryAdd(e, () => txn.AddCallout(e.Spec), e.Spec.DisplayData.Name, skipped) is null ? 0 : 1;
            }

            foreach (var e in document.ProviderContexts)
            {
                contexts += TryAdd(e, () => txn.AddProviderContext(e.Spec), e.Spec.DisplayData.Name, skipped) is null ? 0 : 1;
            }

            foreach (var e in document.Filters)
            {
                if (TryAdd(e, () => txn.AddFilter(e.Spec), e.Spec.DisplayData.Name, skipped) is { } stored)
                {
                    filters.Add(stored);
                }
            }

            txn.Commit();
        }

        return new NetshImportResult
        {
            Source = document.Source,
            Providers = providers,
            Sublayers = sublayers,
            Callouts = callouts,
            ProviderContexts = contexts,
            Filters = filters.Count,
            BuiltinObjects = CountBuiltins(document, engine),
            State = document.State,
            BuiltinSublayerWeights = builtinWeights,
            StoredFilters = filters,
            Skipped = skipped,
            Notes = document.Notes,
        };
    }

    private static int CountBuiltins(NetshDocument document, FilterEngine engine)
    {
        var current = engine.Current;
        return document.BuiltinProviders.Count(e => current.ProvidersByKey.TryGetValue(e.Spec.Key, out var p) && p.Flags == e.Spec.Flags)
            + document.BuiltinSublayers.Count(e => current.SublayersByKey.TryGetValue(e.Spec.Key, out var s) && s.Flags == e.Spec.Flags)
            + document.BuiltinCallouts.Count(e => current.CalloutsByKey.TryGetValue(e.Spec.Key, out var c) && c.CalloutId == e.Spec.CalloutId && c.Flags == e.Spec.Flags);
    }

    private static TResult? TryAdd<TSpec, TResult>(NetshEntry<TSpec> entry, Func<TResult> add, string name, List<NetshSkippedItem> skipped)
        where TResult : class
    {
        try
        {
            return add();
        }
        catch (WfpException ex)
        {
            var what = string.Join("; ", ex.Details.Select(d => (d.Member.Length > 0 ? d.Member + ": " : "") + d.Message));
            skipped.Add(new NetshSkippedItem(entry.Path, name, "rejected by the engine: " + (what.Length > 0 ? what : ex.Message), ex.ErrorName));
            return null;
        }
    }
}
