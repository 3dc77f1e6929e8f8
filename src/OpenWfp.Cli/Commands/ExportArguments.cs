namespace OpenWfp.Cli.Commands;

/// <summary>The parsed command line of <c>wfp export</c>.</summary>
/// <param name="Policy">The --policy file (native JSON or netsh XML), or null.</param>
/// <param name="Out">--out: where to write the XML, or null for standard output.</param>
/// <param name="Socket">--socket: null to export --policy; "" or a path to export the running wfpd's policy.</param>
internal sealed record ExportArguments(string? Policy, string? Out, string? Socket = null);
