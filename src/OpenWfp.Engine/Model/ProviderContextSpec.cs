namespace OpenWfp.Engine.Model;

/// <summary>
/// FWPM_PROVIDER_CONTEXT3 (https://learn.microsoft.com/en-us/windows/win32/api/fwpmtypes/ns-fwpmtypes-fwpm_provider_context3):
/// a GENERAL context's data buffer for callouts (<see cref="Data"/>), or, for every other type, the policy
/// structure of the union (IKEEXT_*_POLICY, IPSEC_*_POLICY, FWPM_CLASSIFY_OPTIONS0, ...) as a typed element tree
/// (<see cref="Policy"/>). docs/POLICY.md, Provider contexts.
/// </summary>
public sealed record ProviderContextSpec
{
    /// <summary>providerContextKey; <see cref="Guid.Empty"/> asks the engine to generate one.</summary>
    public Guid Key { get; init; }

    /// <summary>displayData.</summary>
    public DisplayData DisplayData { get; init; } = new("");

    /// <summary>flags.</summary>
    public ProviderContextFlags Flags { get; init; }

    /// <summary>providerKey, optional.</summary>
    public Guid? ProviderKey { get; init; }

    /// <summary>providerData (opaque).</summary>
    public byte[]? ProviderData { get; init; }

    /// <summary>type.</summary>
    public ProviderContextType Type { get; init; } = ProviderContextType.General;

    /// <summary>dataBuffer of a FWPM_GENERAL_CONTEXT: opaque bytes a callout reads. Null for the other types.</summary>
    public byte[]? Data { get; init; }

    /// <summary>
    /// The policy of every other type, as the element tree netsh prints (root named after the union member, e.g.
    /// <c>authIpMmPolicy</c>, <c>classifyOptions</c>). Null for GENERAL.
    /// </summary>
    public ProviderContextNode? Policy { get; init; }

    /// <summary>providerContextId (output; kept as given when a dump is imported).</summary>
    public ulong ProviderContextId { get; init; }
}
