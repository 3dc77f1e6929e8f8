using System.Net.Sockets;
using OpenWfp.Client;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;

namespace OpenWfp.Cli.Daemon;

/// <summary>
/// One command's conversation with wfpd: connect (a static session, so what the command adds stays after it exits),
/// run, disconnect. Every failure becomes one line: a socket that cannot be reached says why, an error the daemon
/// returned names its FWP_E_* constant.
/// </summary>
internal static class DaemonSession
{
    /// <summary>The session's display name, as wfpd logs it.</summary>
    public const string SessionName = "wfp command line";

    /// <summary>How often <c>--wait</c> and <c>wfp wait</c> try again.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Connects to the daemon at <paramref name="socket"/>, runs <paramref name="body"/> and disconnects. An
    /// FWP_E_* error that escapes the body is reported as <c>WHAT: message [FWP_E_…]</c>.
    /// </summary>
    /// <param name="socket">The --socket value (null or "" for the environment or the default).</param>
    /// <param name="wait">How long to keep retrying while the socket is missing or refuses connections (--wait).</param>
    /// <param name="what">The command, as error lines name it, e.g. <c>delete filter 12</c>.</param>
    /// <param name="body">The work; it gets the client and the socket path.</param>
    /// <returns>The body's exit code.</returns>
    public static int Run(string? socket, TimeSpan wait, string what, Func<BfeClient, string, Task<int>> body) => Call(socket, wait, what, body);

    /// <summary>As <see cref="Run"/>, for work that returns something other than an exit code.</summary>
    /// <typeparam name="T">What the body returns.</typeparam>
    /// <param name="socket">The --socket value (null or "" for the environment or the default).</param>
    /// <param name="wait">How long to keep retrying while the socket is missing or refuses connections (--wait).</param>
    /// <param name="what">The command, as error lines name it.</param>
    /// <param name="body">The work; it gets the client and the socket path.</param>
    /// <returns>The body's result.</returns>
    public static T Call<T>(string? socket, TimeSpan wait, string what, Func<BfeClient, string, Task<T>> body)
    {
        var path = SocketOption.Resolve(socket);

        // Off the caller's synchronization context: the CLI is synchronous, the client is not.
        return Task.Run(async () =>
        {
            var client = await ConnectRetryingAsync(path, wait).ConfigureAwait(false);
            await using (client.ConfigureAwait(false))
            {
                try
                {
                    return await body(client, path).ConfigureAwait(false);
                }
                catch (WfpException ex)
                {
                    throw Failure(what, ex);
                }
            }
        }).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Opens a session, retrying every <see cref="RetryInterval"/> for up to <paramref name="wait"/> while the socket
    /// does not exist yet or nothing listens on it (wfpd is starting); any other failure, or the last one, is a
    /// one-line user error saying why.
    /// </summary>
    /// <param name="path">The socket path.</param>
    /// <param name="wait">The grace time; zero tries once.</param>
    /// <returns>The client.</returns>
    public static async Task<BfeClient> ConnectRetryingAsync(string path, TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                return await ConnectAsync(path).ConfigureAwait(false);
            }
            catch (CliUserException) when (DateTime.UtcNow + RetryInterval <= deadline && NotListeningYet(path))
            {
                await Task.Delay(RetryInterval).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Opens a session; a daemon that cannot be reached is a one-line user error saying why.</summary>
    /// <param name="path">The socket path.</param>
    /// <param name="connectTimeout">How long the daemon may take to open the session (default 10 s).</param>
    /// <returns>The client.</returns>
    public static async Task<BfeClient> ConnectAsync(string path, TimeSpan? connectTimeout = null)
    {
        try
        {
            return await BfeClient.ConnectAsync(new BfeClientOptions
            {
                Socket = path,
                Session = new FwpmSession0 { DisplayData = new DisplayData(SessionName) },
                ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(10),
            }).ConfigureAwait(false);
        }
        catch (WfpException ex) when ((uint)ex.Error is FwpmConstants.RPC_S_SERVER_UNAVAILABLE or FwpmConstants.RPC_S_CALL_FAILED)
        {
            throw new CliUserException($"{path}: cannot connect to wfpd ({Diagnose(path) ?? Message(ex) + "; see docs/WFPD.md"})");
        }
        catch (WfpException ex)
        {
            throw new CliUserException($"{path}: wfpd did not open a session: {Message(ex)} [{ErrorName(ex.Error)}]");
        }
    }

    /// <summary>The one-line error for an error the daemon returned (or a transport failure mid-call).</summary>
    /// <param name="what">The command, e.g. <c>delete filter 12</c>.</param>
    /// <param name="ex">The error.</param>
    /// <returns>The user error.</returns>
    public static CliUserException Failure(string what, WfpException ex) => (uint)ex.Error switch
    {
        FwpmConstants.RPC_S_PROCNUM_OUT_OF_RANGE =>
            new($"{what}: this wfpd does not serve that call yet ({Message(ex)}) [{ErrorName(ex.Error)}]"),
        FwpmConstants.RPC_S_SERVER_UNAVAILABLE or FwpmConstants.RPC_S_CALL_FAILED or FwpmConstants.RPC_S_CALL_CANCELLED =>
            new($"{what}: lost the connection to wfpd ({Message(ex)}) [{ErrorName(ex.Error)}]"),
        _ when ex.Details.Count > 1 => new(
            $"{what}: {(ex.ObjectDescription is { } o ? o + ": " : "")}{Detail(ex.Details[0])}",
            [.. ex.Details.Skip(1).Select(Detail)]),
        _ => new($"{what}: {Message(ex)} [{ErrorName(ex.Error)}]"),
    };

    private static string Detail(WfpErrorDetail d) => $"{(d.Member.Length > 0 ? d.Member + ": " : "")}{d.Message} [{ErrorName(d.Error)}]";

    /// <summary>An error's message without the <c> [NAME (0x…)]</c> the engine appends (the CLI appends the name itself).</summary>
    /// <param name="ex">The error.</param>
    /// <returns>The message, on one line.</returns>
    public static string Message(WfpException ex)
    {
        var message = ex.Message.ReplaceLineEndings(" ");
        var suffix = " [" + WfpErrorInfo.Describe(ex.Error) + "]";
        return message.EndsWith(suffix, StringComparison.Ordinal) ? message[..^suffix.Length] : message;
    }

    /// <summary>The Windows name of an error, including the RPC_S_* codes of transport failures.</summary>
    /// <param name="error">The error.</param>
    /// <returns>The name, e.g. FWP_E_FILTER_NOT_FOUND or RPC_S_SERVER_UNAVAILABLE.</returns>
    public static string ErrorName(WfpError error) => (uint)error switch
    {
        FwpmConstants.ERROR_ACCESS_DENIED => "ERROR_ACCESS_DENIED",
        FwpmConstants.ERROR_NOT_SUPPORTED => "ERROR_NOT_SUPPORTED",
        FwpmConstants.RPC_S_SERVER_UNAVAILABLE => "RPC_S_SERVER_UNAVAILABLE",
        FwpmConstants.RPC_S_CALL_FAILED => "RPC_S_CALL_FAILED",
        FwpmConstants.RPC_S_PROCNUM_OUT_OF_RANGE => "RPC_S_PROCNUM_OUT_OF_RANGE",
        FwpmConstants.RPC_S_CALL_CANCELLED => "RPC_S_CALL_CANCELLED",
        _ => WfpErrorInfo.NameOf(error),
    };

    /// <summary>
    /// True when the socket is missing or refuses connections: what a wfpd that is still starting looks like, so
    /// worth retrying. A directory, a permission problem or a daemon that answers badly is not.
    /// </summary>
    /// <param name="path">The socket path.</param>
    /// <returns>True to retry.</returns>
    public static bool NotListeningYet(string path)
    {
        if (Directory.Exists(path))
        {
            return false;
        }

        if (!File.Exists(path))
        {
            return true;
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return false;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable;
        }
    }

    // Why a connect failed, in the words of the socket layer; null when the socket itself accepts connections (then
    // the daemon behind it is at fault and the client's message says how).
    private static string? Diagnose(string path)
    {
        if (Directory.Exists(path))
        {
            return "it is a directory, not a socket; see docs/WFPD.md";
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return null;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode switch
            {
                SocketError.AccessDenied => "permission denied: the socket is for root and wfpd's socket group; see docs/WFPD.md",
                SocketError.ConnectionRefused => "connection refused, nothing listens there; is wfpd running? see docs/WFPD.md",
                _ when !File.Exists(path) => "no such file; is wfpd running? see docs/WFPD.md",
                _ => ex.Message + "; is wfpd running? see docs/WFPD.md",
            };
        }
    }
}
