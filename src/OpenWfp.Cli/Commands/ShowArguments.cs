namespace OpenWfp.Cli.Commands;

/// <summary>The parsed command line of <c>wfp show filters|sublayers|callouts|providers|provider-contexts|layers|sessions|state|netevents</c>.</summary>
/// <param name="What">Which listing.</param>
/// <param name="Socket">--socket (null or "" for the environment or the default).</param>
/// <param name="Json">--json.</param>
/// <param name="All">--all: built-in sublayers, callouts and providers too.</param>
/// <param name="Layer">filters --layer: only this layer's filters; layers --layer: this layer with its fields.</param>
/// <param name="Events">netevents: the net event filters.</param>
internal sealed record ShowArguments(string What, string? Socket, bool Json, bool All = false, string? Layer = null, NetEventFilterArguments? Events = null);
