using OpenWfp.Cli.Daemon;
using OpenWfp.Cli.Input;
using OpenWfp.Engine.PolicyFile.Netsh;

namespace OpenWfp.Cli.Commands;

/// <summary>The behaviour of <c>wfp export</c>: a policy file out as netsh-shaped XML.</summary>
internal sealed class ExportCommand(CliConsole console)
{
    public int Run(ExportArguments args)
    {
        if (args.Policy is not null && args.Socket is not null)
        {
            throw new CliUserException($"--policy {args.Policy} and --socket do not go together: 'export' writes a policy file or the running wfpd's policy");
        }

        if (args.Policy is null && args.Socket is null)
        {
            throw new CliUserException("--policy FILE (or --socket, for the running wfpd's policy) is required, e.g. wfp export --policy policy.json --out filters.xml");
        }

        var engine = args.Socket is not null
            ? DaemonClassify.LoadPolicy(args.Socket, console.DaemonWait, "export").Engine
            : InputResolver.LoadPolicy(args.Policy!, console.Error);
        var xml = NetshExporter.Write(engine.Current);
        if (args.Out is null)
        {
            console.Out.WriteLine(xml);
            return 0;
        }

        try
        {
            File.WriteAllText(args.Out, xml + "\r\n");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliUserException($"{args.Out}: cannot write: {ex.Message}");
        }

        console.Out.WriteLine($"wrote {engine.Current.FilterCount} filter(s) to {args.Out}");
        return 0;
    }
}
