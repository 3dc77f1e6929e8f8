namespace OpenWfp.Engine.Model;

/// <summary>FWPM_CALLOUT0: the management half of a callout. Its implementation registers separately (<see cref="Callouts.ICallout"/>).</summary>
public sealed record CalloutSpec
{
    /// <summary>calloutKey; <see cref="Guid.Empty"/> asks the engine to generate one.</summary>
    public Guid Key { get; init; }

    /// <summary>displayData (name required).</summary>
    public DisplayData DisplayData { get; init; } = new("");

    /// <summary>flags.</summary>
    public CalloutFlags Flags { get; init; }

    /// <summary>providerKey, optional.</summary>
    public Guid? ProviderKey { get; init; }

    /// <summary>providerData (opaque).</summary>
    public byte[]? ProviderData { get; init; }

    /// <summary>applicableLayer: the only layer whose filters may use this callout. <see cref="Guid.Empty"/> only for built-ins whose layer the catalog does not give.</summary>
    public Guid ApplicableLayer { get; init; }

    /// <summary>calloutId (output): the run-time id.</summary>
    public uint CalloutId { get; init; }

    /// <summary>True for the built-in callouts of the catalog.</summary>
    public bool IsBuiltin { get; init; }
}
