using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using OpenWfp.Client;

namespace OpenWfp.Cli.Daemon;

/// <summary>
/// The options that say how to reach wfpd: <c>--socket [PATH]</c> and <c>--wait SECONDS</c>. Each daemon-facing
/// command has its own copy (so its help describes it), and the root command has a recursive one, so both may be
/// given before the command too: <c>wfp --socket P show filters</c> is <c>wfp show filters --socket P</c>.
/// </summary>
internal static class SocketOption
{
    /// <summary>The option's name.</summary>
    public const string Name = "--socket";

    /// <summary>The grace time option's name.</summary>
    public const string WaitName = "--wait";

    /// <summary>What <c>--socket</c> says when the command always talks to the daemon.</summary>
    public const string DaemonDescription =
        "wfpd's socket. Default: $" + BfeClient.SocketEnvironmentVariable + ", else " + BfeClient.DefaultSocketPath + ".";

    /// <summary>What <c>--wait</c> says.</summary>
    public const string WaitDescription =
        "When wfpd's socket does not exist yet or refuses connections, keep retrying (every 100 ms) for up to this many " +
        "seconds before failing. Default 0: fail at once.";

    /// <summary>The <c>--socket PATH</c> option of a command that always talks to the daemon.</summary>
    /// <returns>The option.</returns>
    public static Option<string?> Create() => new(Name)
    {
        Description = DaemonDescription,
        HelpName = "PATH",
    };

    /// <summary>
    /// The <c>--socket [PATH]</c> option of a command that works on a file unless told to use the daemon
    /// (classify, explain, export): its path may be left out, then the environment or the default decides.
    /// </summary>
    /// <param name="description">The help text.</param>
    /// <returns>The option.</returns>
    public static Option<string?> CreateSelector(string description) => new(Name)
    {
        Description = description,
        HelpName = "PATH",
        Arity = ArgumentArity.ZeroOrOne,
    };

    /// <summary>
    /// The root command's <c>--socket [PATH]</c>: recursive, so it may stand before the command. Its path is optional
    /// as for classify, explain and export, where <c>--socket</c> alone means "the running wfpd". Hidden: each command
    /// that uses it lists its own <c>--socket</c>, and the root's description names both global options.
    /// </summary>
    /// <returns>The option.</returns>
    public static Option<string?> CreateGlobal() => new(Name)
    {
        Description = "wfpd's socket, for the command that follows (PATH optional; default $" + BfeClient.SocketEnvironmentVariable +
            ", else " + BfeClient.DefaultSocketPath + ").",
        HelpName = "PATH",
        Arity = ArgumentArity.ZeroOrOne,
        Recursive = true,
        Hidden = true,
    };

    /// <summary>The <c>--wait SECONDS</c> option of a daemon-facing command.</summary>
    /// <returns>The option.</returns>
    public static Option<double?> CreateWait() => new(WaitName)
    {
        Description = WaitDescription,
        HelpName = "SECONDS",
    };

    /// <summary>The root command's recursive, hidden <c>--wait SECONDS</c>, so it may stand before the command.</summary>
    /// <returns>The option.</returns>
    public static Option<double?> CreateGlobalWait() => new(WaitName)
    {
        Description = WaitDescription,
        HelpName = "SECONDS",
        Recursive = true,
        Hidden = true,
    };

    /// <summary>
    /// The option as the command line gave it, after the command or before it: null when <c>--socket</c> is absent,
    /// "" when it is given without a path (the environment or the default decides), else the path. After the command
    /// wins when both are given.
    /// </summary>
    /// <param name="parseResult">The parse.</param>
    /// <param name="option">The command's own option.</param>
    /// <returns>The value.</returns>
    public static string? Read(ParseResult parseResult, Option<string?> option)
    {
        var result = parseResult.GetResult(option) ?? GlobalResult(parseResult, Name);
        return result is null ? null : result.GetValueOrDefault<string?>() ?? "";
    }

    /// <summary>
    /// The grace time <c>--wait</c> gives (the command's own, else the root's), zero when absent.
    /// </summary>
    /// <param name="parseResult">The parse.</param>
    /// <returns>The time.</returns>
    /// <exception cref="CliUserException">A negative or absurd number of seconds.</exception>
    public static TimeSpan ReadWait(ParseResult parseResult)
    {
        var own = parseResult.CommandResult.Command.Options.FirstOrDefault(o => o.Name == WaitName && !o.Recursive);
        var result = (own is null ? null : parseResult.GetResult(own)) ?? GlobalResult(parseResult, WaitName);
        return result?.GetValueOrDefault<double?>() is { } seconds ? Seconds(seconds, WaitName) : TimeSpan.Zero;
    }

    /// <summary>A number of seconds from the command line, checked.</summary>
    /// <param name="seconds">The number.</param>
    /// <param name="option">The option, as the error names it.</param>
    /// <returns>The time.</returns>
    /// <exception cref="CliUserException">Negative, not a number, or more than a day.</exception>
    public static TimeSpan Seconds(double seconds, string option) =>
        double.IsFinite(seconds) && seconds >= 0 && seconds <= 86_400
            ? TimeSpan.FromSeconds(seconds)
            : throw new CliUserException($"{option} {seconds.ToString(CultureInfo.InvariantCulture)}: expected a number of seconds from 0 to 86400");

    /// <summary>The socket path: <paramref name="socket"/> if it names one, else $OPENWFP_SOCKET, else /run/openwfp/bfe.sock.</summary>
    /// <param name="socket">The option's value, or null / "".</param>
    /// <returns>The path.</returns>
    public static string Resolve(string? socket) => BfeClient.ResolveSocketPath(socket);

    // The root command's recursive copy, when the command line gave it.
    private static OptionResult? GlobalResult(ParseResult parseResult, string name) =>
        parseResult.RootCommandResult.Command.Options.FirstOrDefault(o => o.Name == name && o.Recursive) is { } global
            ? parseResult.GetResult(global)
            : null;
}
