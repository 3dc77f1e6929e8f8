using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Compiler;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;

namespace OpenWfp.Engine.Policy;

/// <summary>
/// A read-write transaction (FwpmTransactionBegin0): changes are checked when made and applied to a private
/// copy; <see cref="Commit"/> compiles the touched layers and publishes everything at once; <see cref="Abort"/>
/// (or disposing without commit) leaves the engine exactly as it was. A failed call does not doom the
/// transaction: the caller may retry, commit what succeeded, or abort (docs/WFPD.md, The API). One transaction at a time per engine.
/// </summary>
public sealed class EngineTransaction : IDisposable
{
    private readonly FilterEngine _engine;
    private readonly HashSet<Guid> _dirtyLayers = [];
    private readonly List<(CalloutSlot Slot, RuntimeFilter Filter)> _postCommitNotify = [];
    private readonly PolicyWorkingCopy _work;
    private bool _changed;
    private bool _done;

    internal EngineTransaction(FilterEngine engine, PolicySnapshot start)
    {
        _engine = engine;
        _work = new PolicyWorkingCopy(start);
    }

    /// <summary>The policy as this transaction sees it (its own uncommitted changes included).</summary>
    public PolicySnapshot View => _work.ToSnapshot();

    /// <summary>True once committed or aborted.</summary>
    public bool IsCompleted => _done;

    /// <summary>
    /// Set by importers (netsh dumps, policy files, the BFE's store): objects keep what Windows reported as state —
    /// output-only flags (FWPM_PROVIDER_FLAG_DISABLED, FWPM_CALLOUT_FLAG_REGISTERED, FWPM_FILTER_FLAG_DISABLED), flag bits
    /// this engine has no name for, and the callout and provider-context ids — instead of being rejected or
    /// renumbered. A client's add (the Fwpm API) leaves it off and gets Windows' checks.
    /// </summary>
    public bool KeepState { get; set; }

    /// <summary>FwpmProviderAdd0. Returns the stored object (with a generated key if none was given).</summary>
    public ProviderSpec AddProvider(ProviderSpec provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        EnsureOpen();
        Reject(PolicyValidator.ValidateProvider(provider, _work, KeepState), "provider", provider.DisplayData?.Name, provider.Key);
        var stored = provider with { Key = KeyOrNew(provider.Key), IsBuiltin = false };
        _work.ProvidersBuilder.Add(stored.Key, stored);
        _changed = true;
        return stored;
    }

    /// <summary>FwpmSubLayerAdd0.</summary>
    public SublayerSpec AddSublayer(SublayerSpec sublayer)
    {
        ArgumentNullException.ThrowIfNull(sublayer);
        EnsureOpen();
        Reject(PolicyValidator.ValidateSublayer(sublayer, _work), "sublayer", sublayer.DisplayData?.Name, sublayer.Key);
        var stored = sublayer with { Key = KeyOrNew(sublayer.Key), IsBuiltin = false };
        _work.SublayersBuilder.Add(stored.Key, stored);
        _changed = true;
        return stored;
    }

    /// <summary>FwpmCalloutAdd0. Assigns the run-time callout id.</summary>
    public CalloutSpec AddCallout(CalloutSpec callout)
    {
        ArgumentNullException.ThrowIfNull(callout);
        EnsureOpen();
        Reject(PolicyValidator.ValidateCallout(callout, _work, KeepState), "callout", callout.DisplayData?.Name, callout.Key);
        var keepId = KeepState && callout.CalloutId != 0 && !_work.CalloutsBuilder.Values.Any(c => c.CalloutId == callout.CalloutId);
        var id = keepId ? callout.CalloutId : _work.NextCalloutId;
        var stored = callout with { Key = KeyOrNew(callout.Key), CalloutId = id, IsBuiltin = false, Flags = KeepState ? callout.Flags : callout.Flags & ~CalloutFlags.Registered };
        _work.CalloutsBuilder.Add(stored.Key, stored);
        _changed = true;
        _work.NextCalloutId = Math.Max(_work.NextCalloutId, id + 1);
        return stored;
    }

    /// <summary>FwpmProviderContextAdd. Assigns the provider context id.</summary>
    public ProviderContextSpec AddProviderContext(ProviderContextSpec context)
    {
        ArgumentNullException.ThrowIfNull(context);
        EnsureOpen();
        Reject(PolicyValidator.ValidateProviderContext(context, _work), "provider context", context.DisplayData?.Name, context.Key);
        var keepId = KeepState && context.ProviderContextId != 0 && !_work.ProviderContextsBuilder.Values.Any(c => c.ProviderContextId == context.ProviderContextId);
        var id = keepId ? context.ProviderContextId : _work.NextProviderContextId;
        var stored = context with { Key = KeyOrNew(context.Key), ProviderContextId = id };
        _work.ProviderContextsBuilder.Add(stored.Key, stored);
        _changed = true;
        _work.NextProviderContextId = id == ulong.MaxValue ? id : Math.Max(_work.NextProviderContextId, id + 1);
        return stored;
    }

    /// <summary>
    /// FwpmFilterAdd0: validates (every error reported together), assigns the filter id and effective weight,
    /// and notifies the callout if it has one registered.
    /// </summary>
    public FilterSpec AddFilter(FilterSpec filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        EnsureOpen();
        var errors = PolicyValidator.ValidateFilter(filter, _work, KeepState, out var layer);
        Reject(errors, "filter", filter.DisplayData?.Name, filter.Key);

        var id = filter.FilterId != 0 ? filter.FilterId : _work.NextFilterId;
        var weight = filter.EffectiveWeight != 0 ? filter.EffectiveWeight : AutoWeight.Compute(layer!, filter.Weight, filter.Conditions);
        var stored = filter with
        {
            Key = KeyOrNew(filter.Key),
            FilterId = id,
            EffectiveWeight = weight,
            Conditions = [.. filter.Conditions],
        };

        RuntimeFilter? runtime = null;
        if (stored.Action.IsCallout)
        {
            var callout = _work.CalloutsBuilder[stored.Action.CalloutKey];
            var sublayerKey = stored.SublayerKey == Guid.Empty ? LayerCatalog.SublayerUniversal : stored.SublayerKey;
            runtime = RuntimeFilterFactory.Create(layer!, stored, _work.SublayersBuilder[sublayerKey].Weight, callout, _work.ProviderContexts);
            var slot = _engine.Callouts.Slot(callout.Key);
            if (slot.Callout is { } impl)
            {
                bool accepted;
                try
                {
                    accepted = impl.Notify(CalloutNotifyType.AddFilter, stored.Key, runtime);
                }
                catch (Exception ex)
                {
                    throw new WfpException([new WfpErrorDetail(WfpError.CalloutNotificationFailed, "action.calloutKey", $"callout \"{callout.DisplayData.Name}\" threw from notify: {ex.Message}")], Describe("filter", stored.DisplayData?.Name, stored.Key));
                }

                if (!accepted)
                {
                    throw new WfpException([new WfpErrorDetail(WfpError.CalloutNotificationFailed, "action.calloutKey", $"callout \"{callout.DisplayData.Name}\" rejected the filter")], Describe("filter", stored.DisplayData?.Name, stored.Key));
                }

                if ((slot.Flags & CalloutRegistrationFlags.EnableCommitAddNotify) != 0)
                {
                    _postCommitNotify.Add((slot, runtime));
                }
            }
        }

        _work.LayerFilters(layer!.Key).Add(stored.Key, stored);
        _work.FiltersBuilder.Add(stored.Key, stored);
        _work.FilterKeyByIdBuilder.Add(id, stored.Key);
        if (runtime is not null)
        {
            _work.RuntimeFiltersBuilder[id] = runtime;
        }

        _work.NextFilterId = Math.Max(_work.NextFilterId, id + 1);
        _dirtyLayers.Add(layer.Key);
        _changed = true;
        return stored;
    }

    /// <summary>FwpmFilterDeleteById0.</summary>
    public void DeleteFilter(ulong filterId)
    {
        EnsureOpen();
        if (!_work.FilterKeyByIdBuilder.TryGetValue(filterId, out var key))
        {
            throw new WfpException(WfpError.FilterNotFound, $"no filter has id {filterId}");
        }

        DeleteFilterByKey(key);
    }

    /// <summary>FwpmFilterDeleteByKey0.</summary>
    public void DeleteFilterByKey(Guid key)
    {
        EnsureOpen();
        if (!_work.FiltersBuilder.TryGetValue(key, out var f))
        {
            throw new WfpException(WfpError.FilterNotFound, $"no filter has key {{{key}}}");
        }

        if (_work.RuntimeFiltersBuilder.TryGetValue(f.FilterId, out var runtime) && _engine.Callouts.Slot(f.Action.CalloutKey).Callout is { } impl)
        {
            // Notify failures cannot stop a delete (WDK: the return value of DELETE_FILTER is ignored).
            try
            {
                impl.Notify(CalloutNotifyType.DeleteFilter, f.Key, runtime);
            }
            catch (Exception)
            {
                _engine.Callouts.Slot(f.Action.CalloutKey).CountFault();
            }
        }

        _work.LayerFilters(f.LayerKey).Remove(key);
        _work.FiltersBuilder.Remove(key);
        _work.FilterKeyByIdBuilder.Remove(f.FilterId);
        _work.RuntimeFiltersBuilder.Remove(f.FilterId);
        _dirtyLayers.Add(f.LayerKey);
        _changed = true;
    }

    /// <summary>FwpmSubLayerDeleteByKey0: FWP_E_IN_USE while filters use it; FWP_E_BUILTIN_OBJECT for built-ins.</summary>
    public void DeleteSublayer(Guid key)
    {
        EnsureOpen();
        if (!_work.SublayersBuilder.TryGetValue(key, out var sl))
        {
            throw new WfpException(WfpError.SublayerNotFound, $"no sublayer has key {{{key}}}");
        }

        if (sl.IsBuiltin)
        {
            throw new WfpException(WfpError.BuiltinObject, $"sublayer \"{sl.DisplayData.Name}\" is built in and cannot be deleted");
        }

        var users = _work.FiltersBuilder.Values.Count(f => (f.SublayerKey == Guid.Empty ? LayerCatalog.SublayerUniversal : f.SublayerKey) == key);
        if (users > 0)
        {
            throw new WfpException(WfpError.InUse, $"sublayer \"{sl.DisplayData.Name}\" still holds {users} filter(s)");
        }

        _work.SublayersBuilder.Remove(key);
        _changed = true;
    }

    /// <summary>FwpmCalloutDeleteByKey0: FWP_E_IN_USE while filters reference it.</summary>
    public void DeleteCallout(Guid key)
    {
        EnsureOpen();
        if (!_work.CalloutsBuilder.TryGetValue(key, out var c))
        {
            throw new WfpException(WfpError.CalloutNotFound, $"no callout has key {{{key}}}");
        }

        if (c.IsBuiltin)
        {
            throw new WfpException(WfpError.BuiltinObject, $"callout \"{c.DisplayData.Name}\" is built in and cannot be deleted");
        }

        var users = _work.FiltersBuilder.Values.Count(f => f.Action.IsCallout && f.Action.CalloutKey == key);
        if (users > 0)
        {
            throw new WfpException(WfpError.InUse, $"callout \"{c.DisplayData.Name}\" is used by {users} filter(s)");
        }

        _work.CalloutsBuilder.Remove(key);
        _changed = true;
    }

    /// <summary>FwpmCalloutDeleteById0.</summary>
    public void DeleteCallout(uint calloutId)
    {
        var c = _work.CalloutsBuilder.Values.FirstOrDefault(x => x.CalloutId == calloutId) ?? throw new WfpException(WfpError.CalloutNotFound, $"no callout has id {calloutId}");
        DeleteCallout(c.Key);
    }

    /// <summary>FwpmProviderDeleteByKey0: FWP_E_IN_USE while any object references it.</summary>
    public void DeleteProvider(Guid key)
    {
        EnsureOpen();
        if (!_work.ProvidersBuilder.TryGetValue(key, out var p))
        {
            throw new WfpException(WfpError.ProviderNotFound, $"no provider has key {{{key}}}");
        }

        if (p.IsBuiltin)
        {
            throw new WfpException(WfpError.BuiltinObject, $"provider \"{p.DisplayData.Name}\" is built in and cannot be deleted");
        }

        var users = _work.FiltersBuilder.Values.Count(f => f.ProviderKey == key)
            + _work.SublayersBuilder.Values.Count(s => s.ProviderKey == key)
            + _work.CalloutsBuilder.Values.Count(c => c.ProviderKey == key)
            + _work.ProviderContextsBuilder.Values.Count(c => c.ProviderKey == key);
        if (users > 0)
        {
            throw new WfpException(WfpError.InUse, $"provider \"{p.DisplayData.Name}\" is referenced by {users} object(s)");
        }

        _work.ProvidersBuilder.Remove(key);
        _changed = true;
    }

    /// <summary>FwpmProviderContextDeleteByKey0: FWP_E_IN_USE while filters reference it.</summary>
    public void DeleteProviderContext(Guid key)
    {
        EnsureOpen();
        if (!_work.ProviderContextsBuilder.TryGetValue(key, out var pc))
        {
            throw new WfpException(WfpError.ProviderContextNotFound, $"no provider context has key {{{key}}}");
        }

        var users = _work.FiltersBuilder.Values.Count(f => (f.Flags & FilterFlags.HasProviderContext) != 0 && f.ProviderContextKey == key);
        if (users > 0)
        {
            throw new WfpException(WfpError.InUse, $"provider context \"{pc.DisplayData.Name}\" is used by {users} filter(s)");
        }

        _work.ProviderContextsBuilder.Remove(key);
        _changed = true;
    }

    /// <summary>FwpmTransactionCommit0: compiles the layers this transaction touched and publishes the result.</summary>
    public void Commit()
    {
        EnsureOpen();
        try
        {
            if (_changed)
            {
                _engine.Publish(_work.ToSnapshot(), _dirtyLayers);
            }
        }
        finally
        {
            _done = true;
            _engine.EndTransaction(this);
        }

        foreach (var (slot, runtime) in _postCommitNotify)
        {
            try
            {
                slot.Callout?.Notify(CalloutNotifyType.AddFilterPostCommit, runtime.FilterKey, runtime);
            }
            catch (Exception)
            {
                slot.CountFault();
            }
        }
    }

    /// <summary>FwpmTransactionAbort0: discards every change.</summary>
    public void Abort()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        _engine.EndTransaction(this);
    }

    /// <summary>Aborts unless committed.</summary>
    public void Dispose() => Abort();

    private void EnsureOpen()
    {
        if (_done)
        {
            throw new WfpException(WfpError.NoTxnInProgress, "the transaction has already been committed or aborted");
        }
    }

    private static Guid KeyOrNew(Guid key) => key == Guid.Empty ? Guid.NewGuid() : key;

    private static string Describe(string type, string? name, Guid key) =>
        $"{type} \"{name}\"" + (key == Guid.Empty ? "" : $" {{{key}}}");

    private static void Reject(List<WfpErrorDetail> errors, string type, string? name, Guid key)
    {
        if (errors.Count > 0)
        {
            throw new WfpException(errors, Describe(type, name, key));
        }
    }
}
