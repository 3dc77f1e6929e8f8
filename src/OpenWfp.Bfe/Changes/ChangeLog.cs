using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;

namespace OpenWfp.Bfe.Changes;

/// <summary>The kinds of management objects (ObjectType in the protocol).</summary>
public enum ObjectKind
{
    /// <summary>FWPM_PROVIDER0.</summary>
    Provider = 1,

    /// <summary>FWPM_SUBLAYER0.</summary>
    Sublayer = 2,

    /// <summary>FWPM_CALLOUT0.</summary>
    Callout = 3,

    /// <summary>FWPM_PROVIDER_CONTEXT0.</summary>
    ProviderContext = 4,

    /// <summary>FWPM_FILTER0.</summary>
    Filter = 5,
}

/// <summary>FWPM_CHANGE_TYPE.</summary>
public enum ChangeType
{
    /// <summary>FWPM_CHANGE_ADD.</summary>
    Add = 1,

    /// <summary>FWPM_CHANGE_DELETE.</summary>
    Delete = 2,
}

/// <summary>One committed add or delete (FWPM_*_CHANGE0), with the object for persistence.</summary>
/// <param name="Type">Add or delete.</param>
/// <param name="Kind">The object kind.</param>
/// <param name="Key">Its key.</param>
/// <param name="Id">Its run-time id (filters, callouts, provider contexts), else 0.</param>
/// <param name="Name">Its display name.</param>
/// <param name="Persistent">True when the object is persistent or boot-time (it is stored).</param>
/// <param name="Object">The object (the spec as stored).</param>
public sealed record ChangeRecord(ChangeType Type, ObjectKind Kind, Guid Key, ulong Id, string Name, bool Persistent, object Object);

/// <summary>The changes of one transaction, in order.</summary>
internal sealed class ChangeLog
{
    public List<ChangeRecord> Records { get; } = [];

    /// <summary>Security descriptors given to objects added in this transaction; they take effect at commit.</summary>
    public Dictionary<(ObjectKind Kind, Guid Key), SecurityDescriptor> Security { get; } = [];

    public void Added(ObjectKind kind, Guid key, ulong id, string name, bool persistent, object spec) =>
        Records.Add(new ChangeRecord(ChangeType.Add, kind, key, id, name, persistent, spec));

    public void Deleted(ObjectKind kind, Guid key, ulong id, string name, bool persistent, object spec) =>
        Records.Add(new ChangeRecord(ChangeType.Delete, kind, key, id, name, persistent, spec));

    public static bool IsPersistent(object spec) => spec switch
    {
        FilterSpec f => (f.Flags & (FilterFlags.Persistent | FilterFlags.BootTime)) != 0,
        ProviderSpec p => (p.Flags & ProviderFlags.Persistent) != 0,
        SublayerSpec s => (s.Flags & SublayerFlags.Persistent) != 0,
        CalloutSpec c => (c.Flags & CalloutFlags.Persistent) != 0,
        ProviderContextSpec pc => (pc.Flags & ProviderContextFlags.Persistent) != 0,
        _ => false,
    };
}
