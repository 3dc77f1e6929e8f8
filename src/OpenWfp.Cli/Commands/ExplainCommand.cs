using OpenWfp.Cli.Daemon;
using OpenWfp.Cli.Input;
using OpenWfp.Cli.Output;

namespace OpenWfp.Cli.Commands;

/// <summary>
/// The behaviour of <c>wfp explain</c>: the full account of a classify; with no options, the built-in sample
/// policy over its sample scenarios.
/// </summary>
internal sealed class ExplainCommand(CliConsole console)
{
    public int Run(ClassifyArguments args)
    {
        var sample = args.Socket is null && args.Policy is null && args.Layer is null && args.Values.Count == 0;
        var requests = sample ? SampleScenarios.Load() : [args.Socket is null ? InputResolver.Resolve(args, console.Error) : ResolveFromDaemon(args)];
        var reports = requests.Select(r => (Request: r, Report: r.Engine.Explain(r.Layer, r.Values))).ToList();
        if (args.Json)
        {
            console.Out.WriteLine(sample ? JsonReport.ExplainScenarios(reports) : JsonReport.Explain(reports[0].Request, reports[0].Report));
            return 0;
        }

        var text = new TextReport(console.Out, new Painter(console.Color));
        if (sample)
        {
            text.WriteSampleBanner(requests[0].PolicyName, reports.Count);
        }

        for (var i = 0; i < reports.Count; i++)
        {
            if (sample)
            {
                text.WriteScenarioHeader(i + 1, reports.Count, reports[i].Request.Scenario!);
            }

            text.WriteExplain(reports[i].Request, reports[i].Report);
        }

        return 0;
    }

    // The running wfpd's policy (GetState), loaded into a local engine and explained here.
    private ClassifyRequest ResolveFromDaemon(ClassifyArguments args)
    {
        var layer = DaemonClassify.CheckArguments(args, "explain");
        InputResolver.ResolveValues(layer, args.Values.Select(InputResolver.SplitAssignment));
        var (engine, socket) = DaemonClassify.LoadPolicy(args.Socket, console.DaemonWait, "explain");
        return InputResolver.Resolve(args, engine, DaemonClassify.PolicyName(socket));
    }
}
