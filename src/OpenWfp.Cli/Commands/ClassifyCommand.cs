using OpenWfp.Cli.Daemon;
using OpenWfp.Cli.Input;
using OpenWfp.Cli.Output;
using OpenWfp.Engine.Classify;

namespace OpenWfp.Cli.Commands;

/// <summary>The behaviour of <c>wfp classify</c>: one classify, the decision and the per-sublayer terminating filters.</summary>
internal sealed class ClassifyCommand(CliConsole console)
{
    public int Run(ClassifyArguments args)
    {
        if (args.Socket is not null)
        {
            return RunOnDaemon(args);
        }

        var request = InputResolver.Resolve(args, console.Error);

        // More sublayers than any real policy has; the result's TerminatingCount says if some did not fit.
        var terminating = new TerminatingFilterInfo[256];
        var result = request.Engine.Classify(request.Layer, request.Values, default, terminating);
        var summary = DecisionSummary.From(request, result, terminating.Take(Math.Min(result.TerminatingCount, terminating.Length)));
        if (args.Json)
        {
            console.Out.WriteLine(JsonReport.Classify(request, summary));
        }
        else
        {
            new TextReport(console.Out, new Painter(console.Color)).WriteClassify(request, summary);
        }

        return 0;
    }

    // The running wfpd classifies (its Classify call), against the policy it enforces.
    private int RunOnDaemon(ClassifyArguments args)
    {
        var layer = DaemonClassify.CheckArguments(args, "classify");
        var (_, given) = InputResolver.ResolveValues(layer, args.Values.Select(InputResolver.SplitAssignment));
        return DaemonSession.Run(args.Socket, console.DaemonWait, "classify", async (client, socket) =>
        {
            var summary = await DaemonClassify.ClassifyAsync(client, layer, given).ConfigureAwait(false);
            var policy = DaemonClassify.PolicyName(socket);
            if (args.Json)
            {
                console.Out.WriteLine(JsonReport.Classify(policy, layer, given, summary));
            }
            else
            {
                new TextReport(console.Out, new Painter(console.Color)).WriteClassify(policy, layer, given, summary);
            }

            return 0;
        });
    }
}
