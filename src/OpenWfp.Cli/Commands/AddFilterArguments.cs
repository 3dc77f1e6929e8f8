namespace OpenWfp.Cli.Commands;

/// <summary>The parsed command line of <c>wfp add filter</c>, before any of it is interpreted.</summary>
/// <param name="Socket">--socket (null or "" for the environment or the default).</param>
/// <param name="Layer">--layer.</param>
/// <param name="Action">--action: permit, block or callout:NAME.</param>
/// <param name="Conditions">Each --condition "FIELD OP VALUE".</param>
/// <param name="Sublayer">--sublayer: key, built-in name or display name; null for the universal sublayer.</param>
/// <param name="Weight">--weight: a number, or range:N; null for automatic.</param>
/// <param name="Name">--name, or null to describe the filter by its action and conditions.</param>
/// <param name="Description">--description.</param>
/// <param name="Key">--key, or null for a new key.</param>
/// <param name="Provider">--provider: key, built-in name or display name.</param>
/// <param name="Hard">--hard: FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT.</param>
/// <param name="Persistent">--persistent.</param>
/// <param name="BootTime">--boottime.</param>
/// <param name="Json">--json.</param>
/// <param name="ProviderContext">--provider-context: key, id or display name; sets FWPM_FILTER_FLAG_HAS_PROVIDER_CONTEXT.</param>
internal sealed record AddFilterArguments(
    string? Socket,
    string Layer,
    string Action,
    IReadOnlyList<string> Conditions,
    string? Sublayer,
    string? Weight,
    string? Name,
    string? Description,
    string? Key,
    string? Provider,
    bool Hard,
    bool Persistent,
    bool BootTime,
    bool Json,
    string? ProviderContext = null);
