using OpenWfp.Engine.Model;

namespace OpenWfp.Client;

/// <summary>The object types a change subscription can cover (bfe.proto ObjectType).</summary>
public enum BfeObjectType
{
    /// <summary>Not given.</summary>
    Unspecified = 0,

    /// <summary>FWPM_PROVIDER0.</summary>
    Provider = 1,

    /// <summary>FWPM_SUBLAYER0.</summary>
    Sublayer = 2,

    /// <summary>FWPM_CALLOUT0.</summary>
    Callout = 3,

    /// <summary>FWPM_PROVIDER_CONTEXT.</summary>
    ProviderContext = 4,

    /// <summary>FWPM_FILTER0.</summary>
    Filter = 5,
}

/// <summary>One change reported by <see cref="BfeClient.SubscribeChangesAsync"/> (FWPM_*_CHANGE0).</summary>
/// <param name="ChangeType">Added or deleted.</param>
/// <param name="ObjectType">The object's type.</param>
/// <param name="Key">The object's key.</param>
/// <param name="Id">The object's run-time id (filters, callouts, provider contexts), else 0.</param>
/// <param name="Name">The object's display name.</param>
public sealed record BfeChange(FwpmChangeType ChangeType, BfeObjectType ObjectType, Guid Key, ulong Id, string Name);

/// <summary>The whole policy as one read transaction saw it (<see cref="BfeClient.GetStateAsync"/>).</summary>
/// <param name="Providers">Every provider.</param>
/// <param name="Sublayers">Every sublayer.</param>
/// <param name="Callouts">Every callout.</param>
/// <param name="ProviderContexts">Every provider context.</param>
/// <param name="Filters">Every filter.</param>
/// <param name="Generation">The policy's generation: one more per commit.</param>
public sealed record BfeState(
    IReadOnlyList<ProviderSpec> Providers,
    IReadOnlyList<SublayerSpec> Sublayers,
    IReadOnlyList<CalloutSpec> Callouts,
    IReadOnlyList<ProviderContextSpec> ProviderContexts,
    IReadOnlyList<FilterSpec> Filters,
    ulong Generation);

/// <summary>How <see cref="BfeClient.ConnectAsync(BfeClientOptions?, CancellationToken)"/> reaches the daemon and opens the session.</summary>
public sealed class BfeClientOptions
{
    /// <summary>
    /// The daemon's socket: a path, or <c>unix:</c> followed by one. Null or empty: the <c>OPENWFP_SOCKET</c>
    /// environment variable, else <see cref="BfeClient.DefaultSocketPath"/>.
    /// </summary>
    public string? Socket { get; set; }

    /// <summary>The session to open (FWPM_SESSION0); null for a static, unnamed session with the default wait.</summary>
    public FwpmSession0? Session { get; set; }

    /// <summary>How long to wait for the daemon to open the session. Default 15 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a subscription waits for the daemon's response headers before it counts as started (see the notes on
    /// <see cref="BfeClient.SubscribeChangesAsync"/>). Default 1 s.
    /// </summary>
    public TimeSpan SubscriptionStartTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The largest response accepted, in bytes (enumerations of a large policy are one message). Default 256 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = 256 * 1024 * 1024;
}
