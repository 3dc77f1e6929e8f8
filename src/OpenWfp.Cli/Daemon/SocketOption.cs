using System.CommandLine;
using OpenWfp.Client;

namespace OpenWfp.Cli.Daemon;

/// <summary>The <c>--socket [PATH]</c> option of the commands that talk to wfpd, and how its path is found.</summary>
internal static class SocketOption
{
    /// <summary>What <c>--socket</c> says when the command always talks to the daemon.</summary>
    public const string DaemonDescription =
        "wfpd's socket. Default: $" + BfeClient.SocketEnvironmentVariable + ", else " + BfeClient.DefaultSocketPath + ".";

    /// <summary>The <c>--socket PATH</c> option of a command that always talks to the daemon.</summary>
    /// <returns>The option.</returns>
    public static Option<string?> Create() => new("--socket")
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
    public static Option<string?> CreateSelector(string description) => new("--socket")
    {
        Description = description,
        HelpName = "PATH",
        Arity = ArgumentArity.ZeroOrOne,
    };

    /// <summary>
    /// The option as the command line gave it: null when <c>--socket</c> is absent, "" when it is given without a
    /// path (the environment or the default decides), else the path.
    /// </summary>
    /// <param name="parseResult">The parse.</param>
    /// <param name="option">The option.</param>
    /// <returns>The value.</returns>
    public static string? Read(ParseResult parseResult, Option<string?> option) =>
        parseResult.GetResult(option) is null ? null : parseResult.GetValue(option) ?? "";

    /// <summary>The socket path: <paramref name="socket"/> if it names one, else $OPENWFP_SOCKET, else /run/openwfp/bfe.sock.</summary>
    /// <param name="socket">The option's value, or null / "".</param>
    /// <returns>The path.</returns>
    public static string Resolve(string? socket) => BfeClient.ResolveSocketPath(socket);
}
