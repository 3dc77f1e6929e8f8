using System.Collections.Immutable;
using OpenWfp.Bfe.Access;
using OpenWfp.Bfe.Changes;
using OpenWfp.Bfe.Sessions;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Security;

namespace OpenWfp.Bfe;

/// <summary>SECURITY_INFORMATION bits (winnt.h) that FwpmXxxGetSecurityInfoByKey0 / SetSecurityInfoByKey0 take.</summary>
[Flags]
public enum SecurityInformation : uint
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>OWNER_SECURITY_INFORMATION.</summary>
    Owner = 0x1,

    /// <summary>GROUP_SECURITY_INFORMATION.</summary>
    Group = 0x2,

    /// <summary>DACL_SECURITY_INFORMATION.</summary>
    Dacl = 0x4,

    /// <summary>SACL_SECURITY_INFORMATION (not kept: a request for it is refused).</summary>
    Sacl = 0x8,
}

/// <summary>
/// Per-object security (docs/WFPD.md, Access control): the descriptor given on add, Get/SetSecurityInfo, and the
/// per-object checks of https://learn.microsoft.com/en-us/windows/win32/fwp/access-control.
/// </summary>
/// <remarks>
/// The engine-wide rule of <see cref="AccessPolicy"/> comes first (it stands for the engine object's descriptor:
/// FWPM_ACTRL_OPEN, ENUM, ADD, BEGIN_READ_TXN/BEGIN_WRITE_TXN). Then each object's own descriptor is checked against
/// the caller's token (<see cref="FwpToken.ForUnixIdentity"/>). An object added without a descriptor has
/// <see cref="DefaultObjectSecurity"/>, the container's default as Windows derives it, so such objects behave exactly
/// as the engine-wide rule says.
/// </remarks>
public sealed partial class BaseFilteringEngine
{
    private ImmutableDictionary<(ObjectKind Kind, Guid Key), SecurityDescriptor> _objectSecurity =
        ImmutableDictionary<(ObjectKind Kind, Guid Key), SecurityDescriptor>.Empty;

    private SecurityDescriptor? _defaultSecurity;

    /// <summary>
    /// The descriptor of the engine and of objects added without one: LocalSystem and Administrators (root) get
    /// GENERIC_ALL; the writer group GENERIC_ALL; readers (Everyone or the reader group) GENERIC_READ and
    /// GENERIC_EXECUTE, as the engine default on Windows grants administrators and network configuration
    /// operators.
    /// </summary>
    public SecurityDescriptor DefaultObjectSecurity => _defaultSecurity ??= BuildDefaultSecurity(Access);

    /// <summary>FwpmEngineGetSecurityInfo0 and FwpmXxxGetSecurityInfoByKey0: needs READ_CONTROL on the object.</summary>
    /// <param name="session">The caller's session.</param>
    /// <param name="kind">The object kind, or null for the engine itself.</param>
    /// <param name="key">The object key (ignored for the engine).</param>
    /// <param name="information">Which parts to return; None means owner, group and DACL.</param>
    /// <returns>The descriptor with the requested parts.</returns>
    public SecurityDescriptor GetSecurityInfo(BfeSession session, ObjectKind? kind, Guid key, SecurityInformation information = SecurityInformation.None)
    {
        Access.DemandRead(session.Caller, "read security information");
        if ((information & SecurityInformation.Sacl) != 0)
        {
            throw new WfpException(WfpError.InvalidParameter, "SACL_SECURITY_INFORMATION: wfpd keeps no SACLs (no auditing)");
        }

        var sd = kind is { } k ? ObjectSecurity(session, k, key, requireExists: true) : DefaultObjectSecurity;
        DemandOn(session, sd, AccessMasks.ReadControl, kind is { } k2 ? $"read the security of {Name(k2)} {{{key}}}" : "read the engine's security");
        if (information == SecurityInformation.None)
        {
            return sd;
        }

        return new SecurityDescriptor(
            (information & SecurityInformation.Owner) != 0 ? sd.Owner : null,
            (information & SecurityInformation.Group) != 0 ? sd.Group : null,
            (information & SecurityInformation.Dacl) != 0 ? (sd.HasDacl ? sd.Dacl : null) : [],
            (information & SecurityInformation.Dacl) != 0 ? sd.Control : SecurityDescriptorControl.None);
    }

    /// <summary>
    /// FwpmXxxSetSecurityInfoByKey0: replaces the owner and group (WRITE_OWNER) and/or the DACL (WRITE_DAC) of an object.
    /// As on Windows it cannot run inside an explicit transaction, and a dynamic session may only change its own
    /// dynamic objects. The engine's own descriptor is wfpd's configuration and cannot be set.
    /// </summary>
    /// <param name="session">The caller's session.</param>
    /// <param name="kind">The object kind.</param>
    /// <param name="key">The object key.</param>
    /// <param name="information">Which parts of <paramref name="sd"/> to apply.</param>
    /// <param name="sd">The new parts.</param>
    public void SetSecurityInfo(BfeSession session, ObjectKind kind, Guid key, SecurityInformation information, SecurityDescriptor sd)
    {
        ArgumentNullException.ThrowIfNull(sd);
        var what = $"set the security of {Name(kind)} {{{key}}}";
        if ((information & SecurityInformation.Sacl) != 0)
        {
            throw new WfpException(WfpError.InvalidParameter, $"{what}: wfpd keeps no SACLs (no auditing)");
        }

        if (information == SecurityInformation.None)
        {
            throw new WfpException(WfpError.InvalidParameter, $"{what}: securityInfo names nothing to set");
        }

        if (session.InTransaction)
        {
            throw new WfpException(WfpError.TxnInProgress, $"{what}: security cannot be set inside an explicit transaction");
        }

        if (session.IsDynamic && !session.DynamicObjects.Contains((kind, key)))
        {
            throw new WfpException(WfpError.DynamicSessionInProgress, $"{what}: a dynamic session may only set the security of its own dynamic objects");
        }

        Write(session, what, (txn, log) =>
        {
            var current = ObjectSecurity(session, kind, key, requireExists: true);
            var needed = ((information & (SecurityInformation.Owner | SecurityInformation.Group)) != 0 ? AccessMasks.WriteOwner : 0)
                | ((information & SecurityInformation.Dacl) != 0 ? AccessMasks.WriteDac : 0);
            DemandOn(session, current, needed, what);
            var updated = new SecurityDescriptor(
                (information & SecurityInformation.Owner) != 0 ? sd.Owner ?? current.Owner : current.Owner,
                (information & SecurityInformation.Group) != 0 ? sd.Group ?? current.Group : current.Group,
                (information & SecurityInformation.Dacl) != 0 ? (sd.HasDacl ? sd.Dacl : null) : (current.HasDacl ? current.Dacl : null),
                (information & SecurityInformation.Dacl) != 0 ? sd.Control : current.Control);
            var persistent = IsPersistentObject(txn.View, kind, key);
            if (_store is not null && persistent)
            {
                try
                {
                    _store.Apply(new Persistence.PolicyChangeSet { SecurityDescriptors = [(kind, key, updated)] });
                }
                catch (Persistence.PolicyStoreException e)
                {
                    throw new WfpException(WfpError.TxnAborted, $"{what}: the persistent store could not be written ({e.Message})");
                }
            }

            ImmutableInterlocked.Update(ref _objectSecurity, m => m.SetItem((kind, key), updated));
            return 0;
        });
    }

    /// <summary>The key of the filter, callout or provider context with run-time id <paramref name="id"/> (the ById0 variants).</summary>
    /// <exception cref="WfpException">No such object (FWP_E_*_NOT_FOUND).</exception>
    public Guid ResolveKey(BfeSession session, ObjectKind kind, ulong id) => ResolveId(session, kind, id);

    /// <summary>
    /// Throws E_ACCESSDENIED unless the caller has <paramref name="rights"/> on the object. An object without its own
    /// descriptor has <see cref="DefaultObjectSecurity"/>, which grants exactly what the engine-wide rule already let
    /// through (readers read, writers do everything), so only objects with their own descriptor are checked here.
    /// </summary>
    internal void DemandObject(BfeSession session, ObjectKind kind, Guid key, uint rights, string what)
    {
        if (OwnSecurity(session, kind, key) is { } sd)
        {
            DemandOn(session, sd, rights, what);
        }
    }

    /// <summary>Whether the caller may read the object (enumerations silently leave out the others, as Windows does).</summary>
    internal bool CanReadObject(BfeSession session, ObjectKind kind, Guid key) =>
        OwnSecurity(session, kind, key) is not { } sd || sd.AccessCheck(TokenOf(session.Caller), AccessMasks.FwpmRead);

    /// <summary>The descriptor an add stores: owner and group default to the caller's, as CreatePrivateObjectSecurity does.</summary>
    private static SecurityDescriptor WithCreator(SecurityDescriptor sd, CallerIdentity caller) =>
        sd.Owner is not null && sd.Group is not null
            ? sd
            : new SecurityDescriptor(sd.Owner ?? Sid.ForUnixUser(caller.Uid), sd.Group ?? Sid.ForUnixGroup(caller.Gid), sd.HasDacl ? sd.Dacl : null, sd.Control);

    /// <summary>FWPM_ACTRL_ADD_LINK on every object an added object references (provider, sublayer, callout, provider context).</summary>
    private void DemandLinks(BfeSession session, (ObjectKind Kind, Guid? Key)[] links)
    {
        foreach (var (linkKind, linkKey) in links)
        {
            if (linkKey is { } k && k != Guid.Empty)
            {
                DemandObject(session, linkKind, k, AccessMasks.FwpmAddLink, $"link to {Name(linkKind)} {{{k}}}");
            }
        }
    }

    /// <summary>Records the descriptor of an object added in this transaction; it takes effect at commit.</summary>
    private static void RecordSecurity(BfeSession session, ChangeLog log, ObjectKind kind, Guid key, SecurityDescriptor? sd)
    {
        if (sd is not null)
        {
            log.Security[(kind, key)] = WithCreator(sd, session.Caller);
        }
        else
        {
            log.Security.Remove((kind, key));
        }
    }

    private SecurityDescriptor ObjectSecurity(BfeSession session, ObjectKind kind, Guid key, bool requireExists)
    {
        if (requireExists)
        {
            EnsureExists(session, kind, key);
        }

        return OwnSecurity(session, kind, key) ?? DefaultObjectSecurity;
    }

    /// <summary>The object's own descriptor (an add in the session's open transaction first), or null.</summary>
    private SecurityDescriptor? OwnSecurity(BfeSession session, ObjectKind kind, Guid key)
    {
        if (session.Write is not null && session.Pending.Security.TryGetValue((kind, key), out var pending))
        {
            return pending;
        }

        var map = Volatile.Read(ref _objectSecurity);
        return map.IsEmpty ? null : map.GetValueOrDefault((kind, key));
    }

    private void EnsureExists(BfeSession session, ObjectKind kind, Guid key)
    {
        var view = View(session);
        var exists = kind switch
        {
            ObjectKind.Provider => view.ProvidersByKey.ContainsKey(key),
            ObjectKind.Sublayer => view.SublayersByKey.ContainsKey(key),
            ObjectKind.Callout => view.CalloutsByKey.ContainsKey(key),
            ObjectKind.ProviderContext => view.ProviderContextsByKey.ContainsKey(key),
            _ => view.FilterByKey(key) is not null || Volatile.Read(ref _bootTimeFilters).ContainsKey(key),
        };
        if (!exists)
        {
            throw NotFound(kind, key.ToString("B"));
        }
    }

    private bool IsPersistentObject(Engine.Policy.PolicySnapshot view, ObjectKind kind, Guid key)
    {
        object? spec = kind switch
        {
            ObjectKind.Provider => view.ProvidersByKey.GetValueOrDefault(key),
            ObjectKind.Sublayer => view.SublayersByKey.GetValueOrDefault(key),
            ObjectKind.Callout => view.CalloutsByKey.GetValueOrDefault(key),
            ObjectKind.ProviderContext => view.ProviderContextsByKey.GetValueOrDefault(key),
            _ => view.FilterByKey(key) ?? (object?)Volatile.Read(ref _bootTimeFilters).GetValueOrDefault(key),
        };
        return spec is not null && ChangeLog.IsPersistent(spec);
    }

    private static void DemandOn(BfeSession session, SecurityDescriptor sd, uint rights, string what)
    {
        if (!sd.AccessCheck(TokenOf(session.Caller), rights))
        {
            throw new WfpException(WfpError.AccessDenied, $"{what}: the object's security descriptor does not grant {session.Caller} the access (0x{rights:x})");
        }
    }

    /// <summary>Applies one commit's descriptor changes: adds take the descriptor they were given (or none), deletes drop theirs.</summary>
    private void CommitSecurity(List<ChangeRecord> records, ChangeLog log)
    {
        if (records.Count == 0)
        {
            return;
        }

        ImmutableInterlocked.Update(ref _objectSecurity, map =>
        {
            var builder = map.ToBuilder();
            foreach (var r in records)
            {
                if (r.Type == ChangeType.Add && log.Security.TryGetValue((r.Kind, r.Key), out var sd))
                {
                    builder[(r.Kind, r.Key)] = sd;
                }
                else
                {
                    builder.Remove((r.Kind, r.Key));
                }
            }

            return builder.ToImmutable();
        });
    }

    private static FwpToken TokenOf(CallerIdentity caller) => FwpToken.ForUnixIdentity(caller.Uid, [caller.Gid, .. caller.Groups]);

    private static SecurityDescriptor BuildDefaultSecurity(AccessPolicy access)
    {
        var aces = new List<Ace>
        {
            new(AceType.AccessAllowed, AccessMasks.GenericAll, Sid.LocalSystem),
            new(AceType.AccessAllowed, AccessMasks.GenericAll, Sid.Administrators),
        };
        if (access.WriterGroupId is { } writers)
        {
            aces.Add(new Ace(AceType.AccessAllowed, AccessMasks.GenericAll, Sid.ForUnixGroup(writers)));
        }

        var read = AccessMasks.GenericRead | AccessMasks.GenericExecute;
        switch (access.Readers)
        {
            case ReadAccess.Everyone:
                aces.Add(new Ace(AceType.AccessAllowed, read, Sid.Everyone));
                break;
            case ReadAccess.Group when access.ReaderGroupId is { } readers:
                aces.Add(new Ace(AceType.AccessAllowed, read, Sid.ForUnixGroup(readers)));
                break;
        }

        return new SecurityDescriptor(Sid.LocalSystem, Sid.LocalSystem, aces);
    }
}
