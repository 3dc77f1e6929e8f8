namespace OpenWfp.Engine.Model;

/// <summary>FWPM_PROVIDER_CONTEXT: data for callouts (GENERAL) or classify options; other types are stored opaquely.</summary>
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

    /// <summary>The context's payload (dataBuffer for GENERAL; the serialized policy for other types).</summary>
    public byte[]? Data { get; init; }

    /// <summary>providerContextId (output).</summary>
    public ulong ProviderContextId { get; init; }
}
