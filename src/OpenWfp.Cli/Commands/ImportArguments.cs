namespace OpenWfp.Cli.Commands;

/// <summary>The parsed command line of <c>wfp import</c>.</summary>
/// <param name="File">The netsh XML dump.</param>
/// <param name="Out">--out: where to write the native JSON policy, or null.</param>
/// <param name="Json">--json.</param>
internal sealed record ImportArguments(string File, string? Out, bool Json);
