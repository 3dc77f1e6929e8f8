namespace OpenWfp.Cli.Commands;

/// <summary>The parsed command line of <c>wfp replay</c>.</summary>
/// <param name="Capture">The pcap/pcapng file, or null for the bundled sample.</param>
/// <param name="Policy">--policy, or null for the bundled sample's policy.</param>
/// <param name="Local">--local ranges.</param>
/// <param name="Json">--json: one line per packet, then a summary line.</param>
/// <param name="OutPcap">--out-pcap: where permitted frames go.</param>
/// <param name="DropsPcap">--drops-pcap: where blocked frames go.</param>
/// <param name="SummaryOnly">--summary: no per-packet lines.</param>
/// <param name="Unparsed">--unparsed: the decision for frames that cannot be parsed.</param>
/// <param name="CalloutAssemblies">--callout-assembly: callout plug-ins to run.</param>
/// <param name="InjectedPcap">--injected-pcap: where packets callouts injected go.</param>
internal sealed record ReplayArguments(
    string? Capture,
    string? Policy,
    IReadOnlyList<string> Local,
    bool Json,
    string? OutPcap,
    string? DropsPcap,
    bool SummaryOnly,
    string Unparsed,
    IReadOnlyList<string> CalloutAssemblies,
    string? InjectedPcap);
