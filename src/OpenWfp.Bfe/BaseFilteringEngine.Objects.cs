using OpenWfp.Bfe.Changes;
using OpenWfp.Bfe.Sessions;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Policy;
using OpenWfp.Engine.Security;

namespace OpenWfp.Bfe;

/// <summary>Fwpm*Add0 / Delete*0 / Get*0 / Enum0 for providers, sublayers, callouts, provider contexts and filters.</summary>
public sealed partial class BaseFilteringEngine
{
    /// <summary>FwpmProviderAdd0; <paramref name="sd"/> is the object's own security descriptor (null: the default).</summary>
    public ProviderSpec AddProvider(BfeSession session, ProviderSpec provider, SecurityDescriptor? sd = null) => Write(session, "add provider", (txn, log) =>
    {
        CheckNewObjectLifetime(session, ObjectKind.Provider, persistent: (provider.Flags & ProviderFlags.Persistent) != 0, []);
        var stored = txn.AddProvider(provider);
        RecordSecurity(session, log, ObjectKind.Provider, stored.Key, sd);
        log.Added(ObjectKind.Provider, stored.Key, 0, stored.DisplayData.Name, ChangeLog.IsPersistent(stored), stored);
        return stored;
    });

    /// <summary>FwpmSubLayerAdd0; needs FWPM_ACTRL_ADD_LINK on its provider.</summary>
    public SublayerSpec AddSublayer(BfeSession session, SublayerSpec sublayer, SecurityDescriptor? sd = null) => Write(session, "add sublayer", (txn, log) =>
    {
        CheckNewObjectLifetime(session, ObjectKind.Sublayer, (sublayer.Flags & SublayerFlags.Persistent) != 0, [(ObjectKind.Provider, sublayer.ProviderKey)]);
        DemandLinks(session, [(ObjectKind.Provider, sublayer.ProviderKey)]);
        var stored = txn.AddSublayer(sublayer);
        RecordSecurity(session, log, ObjectKind.Sublayer, stored.Key, sd);
        log.Added(ObjectKind.Sublayer, stored.Key, 0, stored.DisplayData.Name, ChangeLog.IsPersistent(stored), stored);
        return stored;
    });

    /// <summary>FwpmCalloutAdd0; needs FWPM_ACTRL_ADD_LINK on its provider.</summary>
    public CalloutSpec AddCallout(BfeSession session, CalloutSpec callout, SecurityDescriptor? sd = null) => Write(session, "add callout", (txn, log) =>
    {
        CheckNewObjectLifetime(session, ObjectKind.Callout, (callout.Flags & CalloutFlags.Persistent) != 0, [(ObjectKind.Provider, callout.ProviderKey)]);
        DemandLinks(session, [(ObjectKind.Provider, callout.ProviderKey)]);
        var stored = txn.AddCallout(callout);
        RecordSecurity(session, log, ObjectKind.Callout, stored.Key, sd);
        log.Added(ObjectKind.Callout, stored.Key, stored.CalloutId, stored.DisplayData.Name, ChangeLog.IsPersistent(stored), stored);
        return stored;
    });

    /// <summary>FwpmProviderContextAdd0; needs FWPM_ACTRL_ADD_LINK on its provider.</summary>
    public ProviderContextSpec AddProviderContext(BfeSession session, ProviderContextSpec context, SecurityDescriptor? sd = null) => Write(session, "add provider context", (txn, log) =>
    {
        CheckNewObjectLifetime(session, ObjectKind.ProviderContext, (context.Flags & ProviderContextFlags.Persistent) != 0, [(ObjectKind.Provider, context.ProviderKey)]);
        DemandLinks(session, [(ObjectKind.Provider, context.ProviderKey)]);
        var stored = txn.AddProviderContext(context);
        RecordSecurity(session, log, ObjectKind.ProviderContext, stored.Key, sd);
        log.Added(ObjectKind.ProviderContext, stored.Key, stored.ProviderContextId, stored.DisplayData.Name, ChangeLog.IsPersistent(stored), stored);
        return stored;
    });

    /// <summary>
    /// FwpmFilterAdd0. A boot-time filter is validated like any other, stored, and kept out of the running policy:
    /// boot-time filters are enforced only while the daemon starts (docs/WFPD.md, Running it). Needs
    /// FWPM_ACTRL_ADD_LINK on its provider, sublayer, callout and provider context.
    /// </summary>
    public FilterSpec AddFilter(BfeSession session, FilterSpec filter, SecurityDescriptor? sd = null) => Write(session, "add filter", (txn, log) =>
    {
        var persistent = (filter.Flags & (FilterFlags.Persistent | FilterFlags.BootTime)) != 0;
        (ObjectKind, Guid?)[] links =
        [
            (ObjectKind.Provider, filter.ProviderKey),
            (ObjectKind.Sublayer, filter.SublayerKey),
            (ObjectKind.Callout, filter.Action.IsCallout ? filter.Action.CalloutKey : null),
            (ObjectKind.ProviderContext, filter.ProviderContextKey),
        ];
        CheckNewObjectLifetime(session, ObjectKind.Filter, persistent, links);
        DemandLinks(session, links);
        if ((filter.Flags & FilterFlags.BootTime) != 0 && filter.Key != Guid.Empty && Volatile.Read(ref _bootTimeFilters).ContainsKey(filter.Key))
        {
            throw new WfpException(WfpError.AlreadyExists, $"a boot-time filter with key {{{filter.Key}}} already exists");
        }

        var stored = txn.AddFilter(filter);
        RecordSecurity(session, log, ObjectKind.Filter, stored.Key, sd);
        if ((stored.Flags & FilterFlags.BootTime) != 0)
        {
            txn.DeleteFilterByKey(stored.Key);
        }

        log.Added(ObjectKind.Filter, stored.Key, stored.FilterId, stored.DisplayData.Name, persistent, stored);
        return stored;
    });

    /// <summary>FwpmProviderDeleteByKey0.</summary>
    public void DeleteProvider(BfeSession session, Guid key) => Delete(session, ObjectKind.Provider, key, "delete provider");

    /// <summary>FwpmSubLayerDeleteByKey0.</summary>
    public void DeleteSublayer(BfeSession session, Guid key) => Delete(session, ObjectKind.Sublayer, key, "delete sublayer");

    /// <summary>FwpmCalloutDeleteByKey0.</summary>
    public void DeleteCallout(BfeSession session, Guid key) => Delete(session, ObjectKind.Callout, key, "delete callout");

    /// <summary>FwpmCalloutDeleteById0.</summary>
    public void DeleteCallout(BfeSession session, uint calloutId) =>
        Delete(session, ObjectKind.Callout, ResolveId(session, ObjectKind.Callout, calloutId), "delete callout");

    /// <summary>FwpmProviderContextDeleteByKey0.</summary>
    public void DeleteProviderContext(BfeSession session, Guid key) => Delete(session, ObjectKind.ProviderContext, key, "delete provider context");

    /// <summary>FwpmProviderContextDeleteById0.</summary>
    public void DeleteProviderContext(BfeSession session, ulong id) =>
        Delete(session, ObjectKind.ProviderContext, ResolveId(session, ObjectKind.ProviderContext, id), "delete provider context");

    /// <summary>FwpmFilterDeleteByKey0.</summary>
    public void DeleteFilter(BfeSession session, Guid key) => Delete(session, ObjectKind.Filter, key, "delete filter");

    /// <summary>FwpmFilterDeleteById0.</summary>
    public void DeleteFilter(BfeSession session, ulong filterId) =>
        Delete(session, ObjectKind.Filter, ResolveId(session, ObjectKind.Filter, filterId), "delete filter");

    /// <summary>FwpmProviderGetByKey0; needs FWPM_ACTRL_READ on the object, as every Get does.</summary>
    public ProviderSpec GetProvider(BfeSession session, Guid key) => Readable(session, ObjectKind.Provider, key,
        View(session).ProvidersByKey.GetValueOrDefault(key) ?? throw NotFound(ObjectKind.Provider, key.ToString("B")));

    /// <summary>FwpmSubLayerGetByKey0.</summary>
    public SublayerSpec GetSublayer(BfeSession session, Guid key) => Readable(session, ObjectKind.Sublayer, key,
        View(session).SublayersByKey.GetValueOrDefault(key) ?? throw NotFound(ObjectKind.Sublayer, key.ToString("B")));

    /// <summary>FwpmCalloutGetByKey0.</summary>
    public CalloutSpec GetCallout(BfeSession session, Guid key) => Readable(session, ObjectKind.Callout, key,
        View(session).CalloutsByKey.GetValueOrDefault(key) ?? throw NotFound(ObjectKind.Callout, key.ToString("B")));

    /// <summary>FwpmCalloutGetById0.</summary>
    public CalloutSpec GetCallout(BfeSession session, uint calloutId)
    {
        var c = View(session).CalloutById(calloutId) ?? throw NotFound(ObjectKind.Callout, $"id {calloutId}");
        return Readable(session, ObjectKind.Callout, c.Key, c);
    }

    /// <summary>FwpmProviderContextGetByKey0.</summary>
    public ProviderContextSpec GetProviderContext(BfeSession session, Guid key) => Readable(session, ObjectKind.ProviderContext, key,
        View(session).ProviderContextsByKey.GetValueOrDefault(key) ?? throw NotFound(ObjectKind.ProviderContext, key.ToString("B")));

    /// <summary>FwpmProviderContextGetById0.</summary>
    public ProviderContextSpec GetProviderContext(BfeSession session, ulong id)
    {
        var pc = View(session).ProviderContextsByKey.Values.FirstOrDefault(c => c.ProviderContextId == id) ?? throw NotFound(ObjectKind.ProviderContext, $"id {id}");
        return Readable(session, ObjectKind.ProviderContext, pc.Key, pc);
    }

    /// <summary>FwpmFilterGetByKey0 (boot-time filters included).</summary>
    public FilterSpec GetFilter(BfeSession session, Guid key) => Readable(session, ObjectKind.Filter, key,
        View(session).FilterByKey(key) ?? Volatile.Read(ref _bootTimeFilters).GetValueOrDefault(key) ?? throw NotFound(ObjectKind.Filter, key.ToString("B")));

    /// <summary>FwpmFilterGetById0 (boot-time filters included).</summary>
    public FilterSpec GetFilter(BfeSession session, ulong filterId)
    {
        var f = View(session).FilterById(filterId) ?? Volatile.Read(ref _bootTimeFilters).Values.FirstOrDefault(f => f.FilterId == filterId) ?? throw NotFound(ObjectKind.Filter, $"id {filterId}");
        return Readable(session, ObjectKind.Filter, f.Key, f);
    }

    /// <summary>FwpmProviderEnum0.</summary>
    public IReadOnlyList<ProviderSpec> EnumProviders(BfeSession session) =>
        [.. View(session).ProvidersByKey.Values.Where(p => CanReadObject(session, ObjectKind.Provider, p.Key)).OrderBy(p => p.Key)];

    /// <summary>FwpmSubLayerEnum0 with FWPM_SUBLAYER_ENUM_TEMPLATE0 (providerKey).</summary>
    public IReadOnlyList<SublayerSpec> EnumSublayers(BfeSession session, Guid? providerKey = null) =>
        [.. View(session).SublayersByKey.Values.Where(s => (providerKey is null || s.ProviderKey == providerKey) && CanReadObject(session, ObjectKind.Sublayer, s.Key)).OrderByDescending(s => s.Weight).ThenBy(s => s.Key)];

    /// <summary>FwpmCalloutEnum0 with FWPM_CALLOUT_ENUM_TEMPLATE0 (providerKey, layerKey).</summary>
    public IReadOnlyList<CalloutSpec> EnumCallouts(BfeSession session, Guid? providerKey = null, Guid? layerKey = null) =>
        [.. View(session).CalloutsByKey.Values
            .Where(c => (providerKey is null || c.ProviderKey == providerKey) && (layerKey is null || c.ApplicableLayer == layerKey) && CanReadObject(session, ObjectKind.Callout, c.Key))
            .OrderBy(c => c.CalloutId)];

    /// <summary>FwpmProviderContextEnum0 with FWPM_PROVIDER_CONTEXT_ENUM_TEMPLATE0 (providerKey, type).</summary>
    public IReadOnlyList<ProviderContextSpec> EnumProviderContexts(BfeSession session, Guid? providerKey = null, ProviderContextType? type = null) =>
        [.. View(session).ProviderContextsByKey.Values
            .Where(c => (providerKey is null || c.ProviderKey == providerKey) && (type is null || c.Type == type) && CanReadObject(session, ObjectKind.ProviderContext, c.Key))
            .OrderBy(c => c.ProviderContextId)];

    /// <summary>FwpmFilterEnum0 with FWPM_FILTER_ENUM_TEMPLATE0 (see <see cref="FilterEnumTemplate"/>).</summary>
    public IReadOnlyList<FilterSpec> EnumFilters(BfeSession session, FilterEnumTemplate? template = null)
    {
        var view = View(session);
        template ??= new FilterEnumTemplate();
        var flags = template.Flags;
        IEnumerable<FilterSpec> source = (flags & FilterEnumTemplate.FlagBootTimeOnly) != 0
            ? Volatile.Read(ref _bootTimeFilters).Values
            : (flags & FilterEnumTemplate.FlagIncludeBootTime) != 0
                ? view.Filters.Concat(Volatile.Read(ref _bootTimeFilters).Values)
                : view.Filters;
        return [.. template.Apply(source, view).Where(f => CanReadObject(session, ObjectKind.Filter, f.Key))];
    }

    private void Delete(BfeSession session, ObjectKind kind, Guid key, string what) => Write(session, what, (txn, log) =>
    {
        CheckDeleteLifetime(session, kind, key, log);
        DemandObject(session, kind, key, AccessMasks.Delete, what);
        if (kind == ObjectKind.Filter && Volatile.Read(ref _bootTimeFilters).TryGetValue(key, out var boot) && !txn.View.FiltersByKey.ContainsKey(key))
        {
            log.Deleted(ObjectKind.Filter, key, boot.FilterId, boot.DisplayData.Name, persistent: true, boot);
            return 0;
        }

        DeleteInTransaction(txn, log, kind, key);
        return 0;
    });

    private static void DeleteInTransaction(EngineTransaction txn, ChangeLog log, ObjectKind kind, Guid key)
    {
        var view = txn.View;
        switch (kind)
        {
            case ObjectKind.Filter:
                var f = view.FilterByKey(key) ?? throw NotFound(kind, key.ToString("B"));
                txn.DeleteFilterByKey(key);
                log.Deleted(kind, key, f.FilterId, f.DisplayData.Name, ChangeLog.IsPersistent(f), f);
                break;
            case ObjectKind.ProviderContext:
                var pc = view.ProviderContextsByKey.GetValueOrDefault(key) ?? throw NotFound(kind, key.ToString("B"));
                txn.DeleteProviderContext(key);
                log.Deleted(kind, key, pc.ProviderContextId, pc.DisplayData.Name, ChangeLog.IsPersistent(pc), pc);
                break;
            case ObjectKind.Callout:
                var c = view.CalloutsByKey.GetValueOrDefault(key) ?? throw NotFound(kind, key.ToString("B"));
                txn.DeleteCallout(key);
                log.Deleted(kind, key, c.CalloutId, c.DisplayData.Name, ChangeLog.IsPersistent(c), c);
                break;
            case ObjectKind.Sublayer:
                var s = view.SublayersByKey.GetValueOrDefault(key) ?? throw NotFound(kind, key.ToString("B"));
                txn.DeleteSublayer(key);
                log.Deleted(kind, key, 0, s.DisplayData.Name, ChangeLog.IsPersistent(s), s);
                break;
            default:
                var p = view.ProvidersByKey.GetValueOrDefault(key) ?? throw NotFound(kind, key.ToString("B"));
                txn.DeleteProvider(key);
                log.Deleted(kind, key, 0, p.DisplayData.Name, ChangeLog.IsPersistent(p), p);
                break;
        }
    }

    private Guid ResolveId(BfeSession session, ObjectKind kind, ulong id)
    {
        var view = View(session);
        var key = kind switch
        {
            ObjectKind.Filter => view.FilterById(id)?.Key ?? Volatile.Read(ref _bootTimeFilters).Values.FirstOrDefault(f => f.FilterId == id)?.Key,
            ObjectKind.Callout => view.CalloutById((uint)id)?.Key,
            _ => view.ProviderContextsByKey.Values.FirstOrDefault(c => c.ProviderContextId == id)?.Key,
        };
        return key ?? throw NotFound(kind, $"id {id}");
    }

    /// <summary>
    /// The association rule for dynamic objects (docs/ERRORS.md, Lifetimes and references) (the engine checks persistent-to-non-persistent): a static or
    /// persistent object may not reference a dynamic one, and a dynamic object only its own session's. A dynamic
    /// session adds dynamic objects only.
    /// </summary>
    private void CheckNewObjectLifetime(BfeSession session, ObjectKind kind, bool persistent, (ObjectKind Kind, Guid? Key)[] references)
    {
        if (session.IsDynamic && persistent)
        {
            throw new WfpException(WfpError.DynamicSessionInProgress, $"a dynamic session cannot add a persistent {Name(kind)}: its objects end with the session");
        }

        foreach (var (refKind, refKey) in references)
        {
            if (refKey is not { } k || k == Guid.Empty || !_dynamicOwners.TryGetValue((refKind, k), out var owner))
            {
                continue;
            }

            if (!session.IsDynamic || owner != session.Key)
            {
                throw new WfpException(WfpError.LifetimeMismatch, $"the {Name(kind)} references {Name(refKind)} {{{k}}}, a dynamic object of {(session.IsDynamic ? "another" : "a dynamic")} session; it would outlive it");
            }
        }
    }

    /// <summary>A dynamic session deletes only its own objects (FWP_E_DYNAMIC_SESSION_IN_PROGRESS, FWP_E_WRONG_SESSION; docs/ERRORS.md); nobody deletes another session's dynamic objects.</summary>
    private void CheckDeleteLifetime(BfeSession session, ObjectKind kind, Guid key, ChangeLog pending)
    {
        var addedInThisTxn = pending.Records.Exists(r => r.Type == ChangeType.Add && r.Kind == kind && r.Key == key);
        if (_dynamicOwners.TryGetValue((kind, key), out var owner))
        {
            if (owner != session.Key)
            {
                throw new WfpException(WfpError.WrongSession, $"{Name(kind)} {{{key}}} belongs to another dynamic session");
            }
        }
        else if (session.IsDynamic && !addedInThisTxn)
        {
            throw new WfpException(WfpError.DynamicSessionInProgress, $"a dynamic session can delete only the objects it added; {Name(kind)} {{{key}}} is not one");
        }
    }

    private T Readable<T>(BfeSession session, ObjectKind kind, Guid key, T spec)
    {
        DemandObject(session, kind, key, AccessMasks.FwpmRead, $"read {Name(kind)} {{{key}}}");
        return spec;
    }

    private static WfpException NotFound(ObjectKind kind, string what) => new(
        kind switch
        {
            ObjectKind.Filter => WfpError.FilterNotFound,
            ObjectKind.Callout => WfpError.CalloutNotFound,
            ObjectKind.ProviderContext => WfpError.ProviderContextNotFound,
            ObjectKind.Sublayer => WfpError.SublayerNotFound,
            _ => WfpError.ProviderNotFound,
        },
        $"no {Name(kind)} {what}");

    private static string Name(ObjectKind kind) => kind switch
    {
        ObjectKind.ProviderContext => "provider context",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
