using System.CommandLine;
using System.Globalization;
using OpenWfp.Cli.Daemon;
using OpenWfp.Engine.Errors;

namespace OpenWfp.Cli.Commands;

/// <summary>The parsed command line of <c>wfp wait</c>.</summary>
/// <param name="Socket">--socket (null or "" for the environment or the default).</param>
/// <param name="Timeout">--timeout in seconds.</param>
internal sealed record WaitArguments(string? Socket, double Timeout);

/// <summary>
/// The syntax and behaviour of <c>wfp wait</c>: for scripts that start wfpd and then talk to it. Ready means wfpd
/// opened a session and answered GetState (what <c>wfp show state</c> asks), not merely that its socket exists.
/// </summary>
internal sealed class WaitCommand(CliConsole console)
{
    /// <summary>The default --timeout, in seconds.</summary>
    public const double DefaultTimeout = 30;

    public static Command Create(Func<WaitArguments, int> action)
    {
        var socket = SocketOption.Create();
        var timeout = new Option<double>("--timeout", "-t")
        {
            Description = "Give up after this many seconds.",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => DefaultTimeout,
        };
        var command = new Command(
            "wait",
            "Wait until wfpd answers on its socket: try to open a session and read its state every 100 ms. Prints " +
            "'wfpd is ready at PATH' and exits 0 once it answers; prints 'wfpd did not answer on PATH within N s' and " +
            "exits 1 if it does not within --timeout.\n\n" +
            "Examples:\n" +
            "  wfpd --socket /tmp/wfp/bfe.sock & wfp wait --socket /tmp/wfp/bfe.sock && wfp apply policy.json --socket /tmp/wfp/bfe.sock\n" +
            "  wfp wait --timeout 5");
        command.Options.Add(socket);
        command.Options.Add(timeout);
        command.SetAction(parseResult => action(new WaitArguments(SocketOption.Read(parseResult, socket), parseResult.GetValue(timeout))));
        return command;
    }

    public int Run(WaitArguments args)
    {
        var timeout = SocketOption.Seconds(args.Timeout, "--timeout");
        var path = SocketOption.Resolve(args.Socket);
        var ready = Task.Run(() => WaitAsync(path, timeout)).GetAwaiter().GetResult();
        if (!ready)
        {
            throw new CliUserException($"wfpd did not answer on {path} within {args.Timeout.ToString("0.###", CultureInfo.InvariantCulture)} s");
        }

        console.Out.WriteLine($"wfpd is ready at {path}");
        return 0;
    }

    // Every failure is retried until the deadline: a wfpd that is starting may refuse, time out or not exist yet.
    private static async Task<bool> WaitAsync(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            // At least one real try, even with --timeout 0.
            var left = Max(deadline - DateTime.UtcNow, DaemonSession.RetryInterval);
            try
            {
                var client = await DaemonSession.ConnectAsync(path, left).ConfigureAwait(false);
                await using (client.ConfigureAwait(false))
                {
                    using var cancel = new CancellationTokenSource(Max(deadline - DateTime.UtcNow, DaemonSession.RetryInterval));
                    await client.GetStateAsync(cancel.Token).ConfigureAwait(false);
                    return true;
                }
            }
            catch (Exception ex) when (ex is CliUserException or WfpException or OperationCanceledException or Grpc.Core.RpcException)
            {
                // Not ready yet: try again below.
            }

            if (DateTime.UtcNow + DaemonSession.RetryInterval > deadline)
            {
                return false;
            }

            await Task.Delay(DaemonSession.RetryInterval).ConfigureAwait(false);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
