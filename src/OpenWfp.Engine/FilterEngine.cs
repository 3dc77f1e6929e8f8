using System.Collections.Immutable;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Compiler;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Policy;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine;

/// <summary>
/// The filter engine: the policy (providers, sublayers, callouts, provider contexts, filters), its compiled
/// per-layer programs, and classify. Pure: no I/O, no logging (docs/ENGINE.md).
/// </summary>
/// <remarks>
/// Thread-safety: <see cref="Classify(LayerInfo, ReadOnlySpan{FwpValue}, in ClassifyMetadata, Span{TerminatingFilterInfo}, in Callouts.LayerData)"/>
/// may run on any number of threads at once and takes no lock; it reads the current <see cref="PolicySnapshot"/>
/// once, so it sees either all of a commit or none of it. Writers go through one <see cref="EngineTransaction"/>
/// at a time.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "SemaphoreSlim needs disposing only when its AvailableWaitHandle is used, which it never is here.")]
public sealed class FilterEngine
{
    /// <summary>The default wait for the write lock (FWPM_SESSION0.txnWaitTimeoutInMSec = 0 means 15 s; docs/WFPD.md, The API).</summary>
    public static readonly TimeSpan DefaultTransactionTimeout = TimeSpan.FromSeconds(15);

    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private PolicySnapshot _snapshot;
    private EngineTransaction? _current;

    /// <summary>A new engine holding the built-in providers and sublayers of the catalog.</summary>
    public FilterEngine(FilterEngineOptions? options = null)
    {
        Options = options ?? new FilterEngineOptions();
        var providers = ImmutableDictionary.CreateBuilder<Guid, ProviderSpec>();
        foreach (var p in LayerCatalog.Providers)
        {
            providers[p.Key] = Options.BuiltinProviders.TryGetValue(p.Key, out var given)
                ? given with { Key = p.Key, IsBuiltin = true }
                : new ProviderSpec { Key = p.Key, DisplayData = new DisplayData(p.Name), IsBuiltin = true, Flags = ProviderFlags.Persistent };
        }

        var sublayers = ImmutableDictionary.CreateBuilder<Guid, SublayerSpec>();
        foreach (var s in LayerCatalog.Sublayers)
        {
            sublayers[s.Key] = Options.BuiltinSublayers.TryGetValue(s.Key, out var given)
                ? given with { Key = s.Key, Weight = Options.BuiltinSublayerWeight(s.Name), IsBuiltin = true }
                : new SublayerSpec
                {
                    Key = s.Key,
                    DisplayData = new DisplayData(s.Name),
                    Weight = Options.BuiltinSublayerWeight(s.Name),
                    IsBuiltin = true,
                    Flags = SublayerFlags.Persistent,
                };
        }

        var callouts = ImmutableDictionary.CreateBuilder<Guid, CalloutSpec>();
        var givenIds = new HashSet<uint>();
        foreach (var c in LayerCatalog.Callouts)
        {
            if (!callouts.ContainsKey(c.Key) && Options.BuiltinCallouts.TryGetValue(c.Key, out var given) && given.CalloutId != 0 && givenIds.Add(given.CalloutId))
            {
                callouts[c.Key] = given with { Key = c.Key, IsBuiltin = true };
            }
        }

        uint calloutId = 1;
        foreach (var c in LayerCatalog.Callouts)
        {
            if (callouts.ContainsKey(c.Key))
            {
                continue;
            }

            while (givenIds.Contains(calloutId))
            {
                calloutId++;
            }

            // The catalog gives built-in callouts no layer, so they accept filters at any layer; no implementation
            // is registered, so their filters act as unregistered callouts unless the host registers one.
            callouts[c.Key] = new CalloutSpec
            {
                Key = c.Key,
                DisplayData = new DisplayData(c.Name),
                CalloutId = calloutId++,
                IsBuiltin = true,
                Flags = CalloutFlags.Persistent,
            };
        }

        foreach (var c in OpenWfpCallouts.All)
        {
            while (givenIds.Contains(calloutId))
            {
                calloutId++;
            }

            callouts[c.Key] = new CalloutSpec
            {
                Key = c.Key,
                DisplayData = new DisplayData(c.Name, c.Description),
                CalloutId = calloutId++,
                IsBuiltin = true,
                Flags = CalloutFlags.Persistent | CalloutFlags.UsesProviderContext,
            };
        }

        _snapshot = new PolicySnapshot(
            0,
            providers.ToImmutable(),
            sublayers.ToImmutable(),
            callouts.ToImmutable(),
            ImmutableDictionary<Guid, ProviderContextSpec>.Empty,
            ImmutableDictionary<Guid, FilterSpec>.Empty,
            ImmutableDictionary<ulong, Guid>.Empty,
            ImmutableDictionary<Guid, ImmutableDictionary<Guid, FilterSpec>>.Empty,
            ImmutableDictionary<ulong, RuntimeFilter>.Empty,
            new LayerProgram?[MaxLayerId + 1],
            Options.FirstFilterId,
            Math.Max(Math.Max(calloutId, givenIds.Count == 0 ? 0 : givenIds.Max() + 1), Options.FirstCalloutId),
            1);
        foreach (var c in _snapshot.CalloutsByKey.Values)
        {
            Callouts.Slot(c.Key).CalloutId = c.CalloutId;
        }

        Callouts.Registered += NotifyExistingFilters;
    }

    /// <summary>
    /// A callout registered after filters that use it were added is told of each of them (notifyFn with
    /// FWPS_CALLOUT_NOTIFY_ADD_FILTER), as WFP does at FwpsCalloutRegister, so it can read their configuration. The
    /// filters exist already: a refusal or an exception here cannot undo them; the callout then sees them at classify.
    /// </summary>
    private void NotifyExistingFilters(Guid calloutKey, ICallout callout)
    {
        foreach (var runtime in Current.RuntimeFilters.Values)
        {
            if (runtime.Spec.Action.CalloutKey != calloutKey || !runtime.Spec.Action.IsCallout)
            {
                continue;
            }

            try
            {
                callout.Notify(CalloutNotifyType.AddFilter, runtime.FilterKey, runtime);
            }
            catch (Exception)
            {
                Callouts.Slot(calloutKey).CountFault();
            }
        }
    }

    /// <summary>The options the engine was made with.</summary>
    public FilterEngineOptions Options { get; }

    /// <summary>Run-time callout registrations.</summary>
    public CalloutRegistry Callouts { get; } = new();

    /// <summary>Per-flow callout contexts.</summary>
    public FlowContextTable FlowContexts { get; } = new();

    /// <summary>The current committed policy.</summary>
    public PolicySnapshot Current => Volatile.Read(ref _snapshot);

    private static ushort MaxLayerId { get; } = LayerCatalog.Layers.Max(l => l.LayerId);

    /// <summary>
    /// Begins a read-write transaction, waiting up to <paramref name="timeout"/> (default 15 s) for the writer
    /// lock; FWP_E_TIMEOUT when it cannot be had.
    /// </summary>
    public EngineTransaction BeginTransaction(TimeSpan? timeout = null)
    {
        if (!_writeLock.Wait(timeout ?? DefaultTransactionTimeout))
        {
            throw new WfpException(WfpError.Timeout, "another transaction holds the engine; timed out waiting for it");
        }

        var txn = new EngineTransaction(this, Current);
        _current = txn;
        return txn;
    }

    /// <summary>Adds a provider in its own transaction.</summary>
    public ProviderSpec AddProvider(ProviderSpec provider) => Implicit(t => t.AddProvider(provider));

    /// <summary>Adds a sublayer in its own transaction.</summary>
    public SublayerSpec AddSublayer(SublayerSpec sublayer) => Implicit(t => t.AddSublayer(sublayer));

    /// <summary>Adds a callout in its own transaction.</summary>
    public CalloutSpec AddCallout(CalloutSpec callout) => Implicit(t => t.AddCallout(callout));

    /// <summary>Adds a provider context in its own transaction.</summary>
    public ProviderContextSpec AddProviderContext(ProviderContextSpec context) => Implicit(t => t.AddProviderContext(context));

    /// <summary>Adds a filter in its own transaction.</summary>
    public FilterSpec AddFilter(FilterSpec filter) => Implicit(t => t.AddFilter(filter));

    /// <summary>Deletes a filter by id in its own transaction.</summary>
    public void DeleteFilter(ulong filterId) => Implicit(t =>
    {
        t.DeleteFilter(filterId);
        return 0;
    });

    /// <summary>Deletes a filter by key in its own transaction.</summary>
    public void DeleteFilterByKey(Guid key) => Implicit(t =>
    {
        t.DeleteFilterByKey(key);
        return 0;
    });

    /// <summary>Deletes a sublayer in its own transaction.</summary>
    public void DeleteSublayer(Guid key) => Implicit(t =>
    {
        t.DeleteSublayer(key);
        return 0;
    });

    /// <summary>Deletes a callout in its own transaction.</summary>
    public void DeleteCallout(Guid key) => Implicit(t =>
    {
        t.DeleteCallout(key);
        return 0;
    });

    /// <summary>Deletes a provider in its own transaction.</summary>
    public void DeleteProvider(Guid key) => Implicit(t =>
    {
        t.DeleteProvider(key);
        return 0;
    });

    /// <summary>Deletes a provider context in its own transaction.</summary>
    public void DeleteProviderContext(Guid key) => Implicit(t =>
    {
        t.DeleteProviderContext(key);
        return 0;
    });

    /// <summary>
    /// Classifies one set of incoming values at a layer (docs/ARBITRATION.md, The algorithm). Lock-free and allocation-free.
    /// <paramref name="terminating"/> receives the per-sublayer terminating filters (netsh's terminatingFiltersInfo);
    /// pass an empty span when not needed.
    /// </summary>
    public ClassifyResult Classify(LayerInfo layer, ReadOnlySpan<FwpValue> values, in ClassifyMetadata metadata = default, Span<TerminatingFilterInfo> terminating = default, in LayerData layerData = default)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return Classify(layer.LayerId, values, in metadata, terminating, in layerData);
    }

    /// <summary>Classifies at the layer with this run-time id.</summary>
    public ClassifyResult Classify(ushort layerId, ReadOnlySpan<FwpValue> values, in ClassifyMetadata metadata = default, Span<TerminatingFilterInfo> terminating = default, in LayerData layerData = default) =>
        Classify(Volatile.Read(ref _snapshot), layerId, values, in metadata, terminating, in layerData);

    /// <summary>
    /// Classifies against one snapshot the caller read from <see cref="Current"/>: the shim takes one per packet so
    /// that every layer a packet meets sees the same commit.
    /// </summary>
    public ClassifyResult Classify(PolicySnapshot snapshot, ushort layerId, ReadOnlySpan<FwpValue> values, in ClassifyMetadata metadata = default, Span<TerminatingFilterInfo> terminating = default, in LayerData layerData = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var programs = snapshot.Programs;
        if (layerId >= programs.Length || programs[layerId] is not { } program)
        {
            return ClassifyResult.NoMatch;
        }

        return program.Classify(values, in metadata, terminating, FlowContexts, in layerData);
    }

    /// <summary>
    /// Classify with a full account: every filter of the layer in evaluation order, whether each condition held,
    /// what each matched filter returned and how arbitration used it. Allocates; for people, not packets.
    /// </summary>
    public ExplainReport Explain(LayerInfo layer, ReadOnlySpan<FwpValue> values, in ClassifyMetadata metadata = default, in LayerData layerData = default)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var snapshot = Current;
        var program = snapshot.Programs[layer.LayerId];
        return ExplainBuilder.Build(layer, program, values, in metadata, FlowContexts, in layerData);
    }

    internal void Publish(PolicySnapshot view, IReadOnlyCollection<Guid> dirtyLayers)
    {
        var programs = view.Programs;
        if (dirtyLayers.Count > 0)
        {
            programs = (LayerProgram?[])programs.Clone();
            foreach (var layerKey in dirtyLayers)
            {
                var layer = LayerCatalog.ByKey(layerKey)!;
                var filters = view.FiltersByLayer.TryGetValue(layerKey, out var d) ? (IReadOnlyCollection<FilterSpec>)[.. d.Values] : [];
                programs[layer.LayerId] = FilterCompiler.Compile(
                    layer,
                    filters,
                    k => view.SublayersByKey[k],
                    k => view.CalloutsByKey.GetValueOrDefault(k),
                    Callouts,
                    id => view.RuntimeFilters.GetValueOrDefault(id));
            }
        }

        foreach (var c in view.CalloutsByKey.Values)
        {
            Callouts.Slot(c.Key).CalloutId = c.CalloutId;
        }

        var committed = view.WithPrograms(programs, Current.Generation + 1);
        Volatile.Write(ref _snapshot, committed);
        Committed?.Invoke(committed);
    }

    /// <summary>
    /// Raised after each commit, on the committing thread, with the new snapshot (classifies already see it). A live
    /// data plane uses it to reauthorize open connections and to change which packets the kernel sends it; handlers
    /// must be quick and must not throw.
    /// </summary>
    public event Action<PolicySnapshot>? Committed;

    internal void EndTransaction(EngineTransaction txn)
    {
        if (ReferenceEquals(_current, txn))
        {
            _current = null;
            _writeLock.Release();
        }
    }

    private T Implicit<T>(Func<EngineTransaction, T> action)
    {
        using var txn = BeginTransaction();
        var result = action(txn);
        txn.Commit();
        return result;
    }
}
