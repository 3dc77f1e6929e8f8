namespace OpenWfp.Cli.Commands;

/// <summary>The parsed command line of <c>wfp diff</c>.</summary>
/// <param name="Before">The first policy (native JSON or a netsh dump).</param>
/// <param name="After">The second policy.</param>
/// <param name="Layer">--layer: classify this input under both instead of the probes built from the changed filters.</param>
/// <param name="Values">--value FIELD=VALUE for that classify.</param>
/// <param name="Capture">--capture: replay this capture under both and list the frames whose verdict differs.</param>
/// <param name="Local">--local for the replay.</param>
/// <param name="Json">--json.</param>
/// <param name="ExitCode">--exit-code: exit 1 when the policies differ.</param>
internal sealed record DiffArguments(
    string Before,
    string After,
    string? Layer,
    IReadOnlyList<string> Values,
    string? Capture,
    IReadOnlyList<string> Local,
    bool Json,
    bool ExitCode);
