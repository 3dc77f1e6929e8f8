namespace OpenWfp.Cli.Commands;

/// <summary>The parsed command line of <c>classify</c> / <c>explain</c>, before any of it is interpreted.</summary>
/// <param name="Policy">The --policy file, or null.</param>
/// <param name="Layer">The --layer text, or null.</param>
/// <param name="Values">Each --value FIELD=VALUE as typed.</param>
/// <param name="Json">--json.</param>
/// <param name="Socket">--socket: null to work on --policy; "" or a path to work on the running wfpd's policy.</param>
internal sealed record ClassifyArguments(string? Policy, string? Layer, IReadOnlyList<string> Values, bool Json, string? Socket = null);
