using System.CommandLine;

namespace OpenWfp.Cli.Commands;

/// <summary>The syntax of <c>wfp replay</c>.</summary>
internal static class ReplayCommandDefinition
{
    public static Command Create(Func<ReplayArguments, int> action)
    {
        var capture = new Argument<string?>("CAPTURE")
        {
            Description = "A pcap or pcapng file (Ethernet, 802.1Q/QinQ, LLC/SNAP, Linux cooked SLL/SLL2, BSD loopback or raw IP). Omit it, and --policy, to replay the bundled sample.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var policy = new Option<string?>("--policy", "-p")
        {
            Description = "The policy file: native JSON (docs/POLICY.md) or a netsh wfp show filters / show state XML dump.",
            HelpName = "FILE",
        };
        var local = new Option<string[]>("--local")
        {
            Description = "This host's addresses, as address or address/prefix; repeat for more. A packet from a local address is " +
                "outbound, to one inbound, between two loopback, between none forwarded (IPFORWARD). Without --local: Linux cooked " +
                "captures give the direction; otherwise the sender of each flow's first packet is taken as this host.",
            HelpName = "CIDR",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var json = new Option<bool>("--json") { Description = "One JSON object per packet (frame, layers with their field values and decisions, final decision), then one summary object." };
        var outPcap = new Option<string?>("--out-pcap") { Description = "Write the permitted frames to this capture file (pcapng; classic pcap if the name ends in .pcap).", HelpName = "FILE" };
        var dropsPcap = new Option<string?>("--drops-pcap") { Description = "Write the blocked frames to this capture file.", HelpName = "FILE" };
        var summary = new Option<bool>("--summary") { Description = "Print only the summary, not a line per packet." };
        var unparsed = new Option<string>("--unparsed")
        {
            Description = "The decision for frames that cannot be parsed (truncated or malformed link/IP headers): permit or block.",
            DefaultValueFactory = _ => "permit",
            HelpName = "permit|block",
        };
        unparsed.AcceptOnlyFromAmong("permit", "block");
        var calloutAssembly = new Option<string[]>("--callout-assembly")
        {
            Description = "A callout plug-in (.dll) to run, as wfpd --callout-dir loads them (docs/CALLOUTS.md); repeat for more. " +
                "The policy defines the callouts' FWPM_CALLOUT objects by key. OpenWfp's own callouts (openwfp.http-request, openwfp.dns) always run.",
            HelpName = "FILE",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var injectedPcap = new Option<string?>("--injected-pcap") { Description = "Write the packets callouts injected (an NXDOMAIN answer, a re-injected clone) to this capture file, as raw IP.", HelpName = "FILE" };
        var command = new Command(
            "replay",
            "Send every packet of a capture through the WFP layers it would meet on this host, as the live data plane does: " +
            "the ALE layers once per connection (ALE_AUTH_CONNECT, ALE_AUTH_RECV_ACCEPT, ALE_FLOW_ESTABLISHED), then the " +
            "transport, IP packet and MAC layers, DATAGRAM_DATA for UDP and STREAM for TCP data, ICMP_ERROR for ICMP errors, " +
            "IPFORWARD for routed packets. Prints one line per packet (the layers that had filters and what they decided) and " +
            "a summary per layer and per filter.\n" +
            "With no arguments it replays the bundled capture (samples/sample-capture.pcapng: DNS, HTTP GET and POST, ping, " +
            "IPv6, a closed port, an inbound connection) against samples/replay-policy.json, with --local 10.77.0.1 --local fd77::1.\n\n" +
            "Examples:\n" +
            "  wfp replay\n" +
            "  wfp replay traffic.pcapng --policy policy.json --local 192.168.1.0/24 --local 2001:db8:1::/64\n" +
            "  wfp replay traffic.pcap --policy wfpstate.xml --json > decisions.jsonl\n" +
            "  wfp replay traffic.pcapng --policy policy.json --drops-pcap dropped.pcapng --summary\n" +
            "  wfp replay samples/sample-capture.pcapng --policy samples/callouts-policy.json --local 10.77.0.1   (built-in HTTP and DNS callouts)\n" +
            "  wfp explain --policy policy.json --capture traffic.pcapng --frame 12     (one packet, every filter)");
        command.Arguments.Add(capture);
        command.Options.Add(policy);
        command.Options.Add(local);
        command.Options.Add(json);
        command.Options.Add(outPcap);
        command.Options.Add(dropsPcap);
        command.Options.Add(summary);
        command.Options.Add(unparsed);
        command.Options.Add(calloutAssembly);
        command.Options.Add(injectedPcap);
        command.SetAction(parseResult => action(new ReplayArguments(
            parseResult.GetValue(capture),
            parseResult.GetValue(policy),
            parseResult.GetValue(local) ?? [],
            parseResult.GetValue(json),
            parseResult.GetValue(outPcap),
            parseResult.GetValue(dropsPcap),
            parseResult.GetValue(summary),
            parseResult.GetValue(unparsed) ?? "permit",
            parseResult.GetValue(calloutAssembly) ?? [],
            parseResult.GetValue(injectedPcap))));
        return command;
    }
}
