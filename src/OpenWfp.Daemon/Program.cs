using System.CommandLine;
using OpenWfp.Daemon.Hosting;

// wfpd: the OpenWfp Base Filtering Engine service (docs/WFPD.md).
var stateDir = new Option<string?>("--state-dir") { Description = $"Where the policy store lives (default {DaemonConfig.DefaultStateDirectory}).", HelpName = "DIR" };
var socket = new Option<string?>("--socket") { Description = $"The management socket (default ${DaemonConfig.SocketEnvironmentVariable}, else the config file's, else {DaemonConfig.DefaultSocket}).", HelpName = "PATH" };
var config = new Option<string?>("--config") { Description = $"A JSON config file (default {DaemonConfig.DefaultConfigFile} when it exists; sample: contrib/wfpd.json).", HelpName = "FILE" };
var noDataplane = new Option<bool>("--no-dataplane") { Description = "Serve the management API only; touch nothing in the kernel." };
var failOpen = new Option<bool>("--fail-open") { Description = "Let packets pass while wfpd is down or overloaded (default: fail-closed, they are dropped)." };
var dataplane = new Option<string?>("--dataplane")
{
    Description = "nfqueue, ebpf or auto (default): auto decides connections in the kernel with eBPF where the kernel allows it and hands the rest (callouts, per-packet layers) to NFQUEUE; elsewhere NFQUEUE alone (docs/DATAPLANE.md).",
    HelpName = "nfqueue|ebpf|auto",
};
dataplane.AcceptOnlyFromAmong("nfqueue", "ebpf", "auto");
var cgroup = new Option<string?>("--cgroup") { Description = "The cgroup-v2 directory the eBPF programs attach to (default: the cgroup-v2 root, every process; the programs act on this network namespace's sockets only).", HelpName = "DIR" };
var bpfDir = new Option<string?>("--bpf-dir") { Description = $"Where the eBPF programs and maps are pinned in bpffs, so the kernel keeps enforcing while wfpd is down (default {DaemonConfig.DefaultBpfDirectory}).", HelpName = "DIR" };
var queue = new Option<ushort?>("--queue") { Description = "The first NFQUEUE number to bind (default 7000).", HelpName = "N" };
var calloutDir = new Option<string?>("--callout-dir") { Description = "Load callout plug-ins (*.dll) from DIR, and follow it: files added, replaced or removed while wfpd runs are loaded or unloaded (docs/CALLOUTS.md).", HelpName = "DIR" };
var calloutDeadline = new Option<int?>("--callout-deadline-ms") { Description = "A callout whose classify call runs longer than this is declared hung and acts as unregistered (default 200).", HelpName = "MS" };
var remoteCalloutDeadline = new Option<int?>("--remote-callout-deadline-ms") { Description = "How long a classify waits for a remote callout's answer before acting as if the callout were unregistered (default 100).", HelpName = "MS" };
var root = new RootCommand(
    "wfpd: the OpenWfp Base Filtering Engine. Owns the filter database, sessions and transactions, persistent and " +
    "boot-time policy, net events and change notifications, and serves the Fwpm* API over gRPC on a Unix socket " +
    "(proto/openwfp/bfe/v1). Root or the writer group may change policy; other local users may read.\n\n" +
    "The live data plane enforces the policy on this network namespace's traffic. Where the kernel allows it, eBPF " +
    "programs decide connections in the kernel (connect, sendmsg, bind) and stay pinned in bpffs, enforcing the last " +
    "committed policy while wfpd is down; what they cannot decide (callouts, per-packet layers) goes to NFQUEUE, " +
    "through wfpd's own iptables-nft chains (OPENWFP-*, mangle table), removed on stop (docs/DATAPLANE.md).\n\n" +
    "Examples:\n" +
    "  wfpd                                          defaults: /var/lib/openwfp, /run/openwfp/bfe.sock\n" +
    "  wfpd --state-dir /tmp/wfp --socket /tmp/wfp/bfe.sock --no-dataplane\n" +
    "  ip netns exec lab wfpd --state-dir /tmp/lab --socket /tmp/lab/bfe.sock     enforce inside a network namespace\n" +
    "  systemctl start wfpd                          with contrib/wfpd.service");
root.Options.Add(stateDir);
root.Options.Add(socket);
root.Options.Add(config);
root.Options.Add(noDataplane);
root.Options.Add(failOpen);
root.Options.Add(dataplane);
root.Options.Add(cgroup);
root.Options.Add(bpfDir);
root.Options.Add(queue);
root.Options.Add(calloutDir);
root.Options.Add(calloutDeadline);
root.Options.Add(remoteCalloutDeadline);
root.SetAction(async (parse, cancel) =>
{
    try
    {
        var settings = DaemonConfig.Load(parse.GetValue(config));
        settings = settings with
        {
            StateDirectory = parse.GetValue(stateDir) ?? settings.StateDirectory,
            Socket = parse.GetValue(socket) ?? DaemonConfig.SocketFromEnvironment() ?? settings.Socket,
            Dataplane = settings.Dataplane && !parse.GetValue(noDataplane),
            FailOpen = settings.FailOpen || parse.GetValue(failOpen),
            DataplaneMode = parse.GetValue(dataplane) switch
            {
                "nfqueue" => DataplaneMode.Nfqueue,
                "ebpf" => DataplaneMode.Ebpf,
                "auto" => DataplaneMode.Auto,
                _ => settings.DataplaneMode,
            },
            Cgroup = parse.GetValue(cgroup) ?? settings.Cgroup,
            BpfDirectory = parse.GetValue(bpfDir) ?? settings.BpfDirectory,
            QueueNumber = parse.GetValue(queue) ?? settings.QueueNumber,
            CalloutDirectory = parse.GetValue(calloutDir) ?? settings.CalloutDirectory,
            CalloutDeadlineMs = parse.GetValue(calloutDeadline) ?? settings.CalloutDeadlineMs,
            RemoteCalloutDeadlineMs = parse.GetValue(remoteCalloutDeadline) ?? settings.RemoteCalloutDeadlineMs,
        };
        return await DaemonHost.RunAsync(settings, cancel);
    }
    catch (DaemonStartException e)
    {
        await Console.Error.WriteLineAsync("wfpd: " + e.Message);
        return 1;
    }
});
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // A mistyped option is one line, as wfp does, not the whole help text.
    var error = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0];
    var message = string.Join(' ', error.Message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    await Console.Error.WriteLineAsync($"wfpd: {message} (see 'wfpd --help')");
    return 1;
}

return await parsed.InvokeAsync();
