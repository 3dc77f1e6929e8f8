using System.CommandLine;
using OpenWfp.Cli.Commands;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.PolicyFile;

namespace OpenWfp.Cli;

/// <summary>The <c>wfp</c> command line: parses, dispatches and turns user errors into one stderr line and exit 1.</summary>
internal static class WfpCli
{
    /// <summary>Runs one command line; returns the exit code.</summary>
    public static int Run(string[] args, CliConsole console)
    {
        // The commands see the console through this variable: --wait is known only once the line is parsed.
        var current = console;
        var root = BuildRoot(() => current);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 || UnknownOption(parse) is not null)
        {
            console.Error.WriteLine($"wfp: {ErrorMessage(parse)} (see '{HelpCommand(parse)}')");
            return 1;
        }

        if (MisplacedDaemonOption(parse) is { } misplaced)
        {
            console.Error.WriteLine($"wfp: {misplaced} does not apply to '{parse.CommandResult.Command.Name}', which works on files, not on wfpd (see '{HelpCommand(parse)}')");
            return 1;
        }

        try
        {
            current = console with { DaemonWait = Daemon.SocketOption.ReadWait(parse) };
        }
        catch (CliUserException ex)
        {
            console.Error.WriteLine("wfp: " + ex.Message);
            return 1;
        }

        // No default exception handler: anything that is not a user error is a bug and should show its trace.
        return parse.Invoke(new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false });
    }

    /// <summary>The root command with every subcommand wired to its behaviour.</summary>
    /// <param name="console">Where the commands write, read when a command runs.</param>
    /// <returns>The root command.</returns>
    public static RootCommand BuildRoot(Func<CliConsole> console)
    {
        var root = new RootCommand(
            "OpenWfp: the Windows Filtering Platform filter engine on Linux.\n\n" +
            "Examples:\n" +
            "  wfp replay                                    replay the bundled capture through the layers against the bundled policy\n" +
            "  wfp replay   traffic.pcapng --policy p.json --local 192.168.1.0/24 [--json]\n" +
            "  wfp explain                                   run the built-in sample policy over its sample inputs\n" +
            "  wfp explain  --policy p.json --capture traffic.pcapng --frame 12   every layer and filter for one packet\n" +
            "  wfp classify --policy p.json --layer ALE_AUTH_CONNECT_V4 --value IP_REMOTE_ADDRESS=203.0.113.10 --value IP_REMOTE_PORT=443\n" +
            "  wfp explain  --policy p.json --layer ALE_AUTH_CONNECT_V4 --value IP_PROTOCOL=tcp --json\n" +
            "  wfp import   wfpstate.xml --out policy.json     read a netsh wfp show state/filters dump\n" +
            "  wfp export   --policy policy.json --out filters.xml\n" +
            "  wfp diff     before.xml after.xml                what differs between two policies, and which decisions change\n\n" +
            "Against the running wfpd (--socket PATH, else $OPENWFP_SOCKET, else /run/openwfp/bfe.sock):\n" +
            "  wfp wait     [--timeout 30]                      until wfpd answers\n" +
            "  wfp apply    policy.json                         every object in one transaction\n" +
            "  wfp show     filters|sublayers|callouts|providers|provider-contexts|layers|sessions|state|netevents [--json]\n" +
            "  wfp add filter --layer ALE_AUTH_CONNECT_V4 --condition \"IP_REMOTE_PORT == 23\" --action block\n" +
            "  wfp add      provider|sublayer|callout|provider-context --name NAME …\n" +
            "  wfp delete   filter 12   (or provider|sublayer|callout|provider-context KEY|NAME)\n" +
            "  wfp events   --follow\n" +
            "  wfp classify --socket --layer ALE_AUTH_CONNECT_V4 --value IP_REMOTE_PORT=23   (also explain, export)\n" +
            "Global options, before or after the command: --socket [PATH] (wfpd's socket), --wait SECONDS (keep retrying\n" +
            "that long while wfpd's socket is missing or refuses connections; default 0).\n\n" +
            "Policy format: docs/POLICY.md. Commands: docs/CLI.md. The daemon: docs/WFPD.md.");
        root.Subcommands.Add(ClassifyCommandDefinition.Create(a => Guard(console(), () => new ClassifyCommand(console()).Run(a))));
        root.Subcommands.Add(ExplainCommandDefinition.Create((a, capture) => Guard(console(), () => capture is null
            ? new ExplainCommand(console()).Run(a)
            : new ExplainFrameCommand(console()).Run(a, capture))));
        root.Subcommands.Add(ReplayCommandDefinition.Create(a => Guard(console(), () => new ReplayCommand(console()).Run(a))));
        root.Subcommands.Add(ImportCommandDefinition.Create(a => Guard(console(), () => new ImportCommand(console()).Run(a))));
        root.Subcommands.Add(ExportCommandDefinition.Create(a => Guard(console(), () => new ExportCommand(console()).Run(a))));
        root.Subcommands.Add(DiffCommandDefinition.Create(a => Guard(console(), () => new DiffCommand(console()).Run(a))));
        root.Subcommands.Add(ApplyCommand.Create(a => Guard(console(), () => new ApplyCommand(console()).Run(a))));
        root.Subcommands.Add(ShowCommandDefinition.Create(a => Guard(console(), () => new ShowCommand(console()).Run(a))));
        var add = AddFilterCommandDefinition.Create(a => Guard(console(), () => new AddFilterCommand(console()).Run(a)));
        AddObjectCommand.Register(add, a => Guard(console(), () => new AddObjectCommand(console()).Run(a)));
        root.Subcommands.Add(add);
        var delete = DeleteFilterCommand.Create(a => Guard(console(), () => new DeleteFilterCommand(console()).Run(a)));
        DeleteObjectCommand.Register(delete, a => Guard(console(), () => new DeleteObjectCommand(console()).Run(a)));
        root.Subcommands.Add(delete);
        root.Subcommands.Add(EventsCommand.Create(a => Guard(console(), () => new EventsCommand(console()).Run(a))));
        root.Subcommands.Add(WaitCommand.Create(a => Guard(console(), () => new WaitCommand(console()).Run(a))));
        root.Options.Add(Daemon.SocketOption.CreateGlobal());
        root.Options.Add(Daemon.SocketOption.CreateGlobalWait());
        root.SetAction(_ =>
        {
            console().Error.WriteLine("wfp: no command given; try 'wfp explain' or 'wfp --help'");
            return 1;
        });
        return root;
    }

    // The root's --socket and --wait may stand before any command, so the parser takes them for commands that never
    // talk to wfpd (replay, import, diff) too; silently ignoring one would let a script believe it read the daemon.
    private static string? MisplacedDaemonOption(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        if (command == parse.RootCommandResult.Command)
        {
            return null;
        }

        foreach (var global in parse.RootCommandResult.Command.Options.Where(o => o.Name is Daemon.SocketOption.Name or Daemon.SocketOption.WaitName))
        {
            if (!command.Options.Any(o => o.Name == global.Name) && parse.GetResult(global) is not null)
            {
                return global.Name;
            }
        }

        return null;
    }

    // System.CommandLine lists choices on several lines; a user error is one line. A word it does not know explains
    // more than the "required command" error it also causes; an option it does not know is named as one.
    private static string ErrorMessage(ParseResult parse)
    {
        if (UnknownOption(parse) is { } unknown)
        {
            return "unknown option " + unknown;
        }

        var error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
        return string.Join(' ', error.Message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    // A word that looks like an option (-x, --xyz) and is none: either left unmatched, or taken by a command's
    // positional argument (replay's CAPTURE, apply's FILE), which would otherwise read it as a file name. A lone "-"
    // and negative numbers are values.
    private static string? UnknownOption(ParseResult parse)
    {
        static bool LooksLikeOption(string token) =>
            token.Length > 1 && token[0] == '-' && !double.TryParse(token, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);

        var unmatched = parse.UnmatchedTokens.FirstOrDefault(LooksLikeOption);
        if (unmatched is not null)
        {
            return unmatched;
        }

        for (var r = parse.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            foreach (var argument in r.Children.OfType<System.CommandLine.Parsing.ArgumentResult>())
            {
                if (argument.Tokens.FirstOrDefault(t => LooksLikeOption(t.Value)) is { } token)
                {
                    return token.Value;
                }
            }
        }

        return null;
    }

    // "wfp show --help" for an error in "wfp show …": the help that lists what was expected there.
    private static string HelpCommand(ParseResult parse)
    {
        var names = new List<string>();
        for (var r = parse.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            if (r.Command is not RootCommand)
            {
                names.Insert(0, r.Command.Name);
            }
        }

        return string.Join(' ', ["wfp", .. names, "--help"]);
    }

    /// <summary>
    /// Runs a command, turning the errors written for the user into one stderr line and exit 1. A parser's
    /// <see cref="FormatException"/> is not among them: the commands turn the ones they expect (<c>--value</c>,
    /// <c>--condition</c>, <c>--local</c>) into <see cref="CliUserException"/> naming the option, so one that gets
    /// here comes from a bug and keeps its stack trace.
    /// </summary>
    internal static int Guard(CliConsole console, Func<int> run)
    {
        try
        {
            return run();
        }
        catch (Exception ex) when (ex is CliUserException or PolicyFileException or WfpException)
        {
            console.Error.WriteLine("wfp: " + ex.Message.ReplaceLineEndings(" "));

            // An add that broke several rules: each further error on a line of its own (docs/CLI.md, Errors).
            foreach (var line in (ex as CliUserException)?.MoreErrors ?? [])
            {
                console.Error.WriteLine("  " + line.ReplaceLineEndings(" "));
            }

            return 1;
        }
    }
}
