using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using OpenWfp.Testing.Netns;

namespace OpenWfp.Testing.Daemon;

/// <summary>
/// A real wfpd (wfpd.dll, built next to the test assembly by its project reference) on a temporary socket and state
/// directory, started for one test and stopped by its own PID. Every test project that runs the daemon as a process
/// starts it through this class.
/// </summary>
/// <remarks>
/// A state directory this class created is deleted on dispose; one the caller passed in is kept, so a test can start
/// the daemon again on the same state (a restart). Without <c>dataplane: true</c> the daemon runs with
/// <c>--no-dataplane</c> (nothing in the machine's netfilter changes); with it, it must run inside a
/// <see cref="NetworkNamespace"/>, which also kills it when it is disposed.
/// </remarks>
public sealed class WfpdProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly List<string> _errors = [];
    private readonly bool _ownsStateDirectory;

    private WfpdProcess(Process process, string stateDirectory, string socket, bool ownsStateDirectory)
    {
        _process = process;
        StateDirectory = stateDirectory;
        Socket = socket;
        _ownsStateDirectory = ownsStateDirectory;
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            Record(e.Data);
            if (e.Data is not null)
            {
                lock (_output)
                {
                    _errors.Add(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The daemon's --state-dir.</summary>
    public string StateDirectory { get; }

    /// <summary>The daemon's --socket.</summary>
    public string Socket { get; }

    /// <summary>The daemon's process id.</summary>
    public int Pid => _process.Id;

    /// <summary>True once the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Everything the daemon wrote to stdout and stderr so far, one line each.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>What the daemon wrote to stderr alone so far, one line each.</summary>
    public string StandardError
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _errors);
            }
        }
    }

    /// <summary>A fresh temporary directory, short enough for a socket path inside it to fit sun_path (unix(7)).</summary>
    /// <returns>Its path; the caller deletes it with <see cref="DeleteDirectory"/>.</returns>
    public static string NewStateDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "wfpd-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Deletes a directory and what is in it; a directory already gone is fine.</summary>
    /// <param name="directory">The directory.</param>
    public static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Starts wfpd and waits until its socket accepts connections.</summary>
    /// <param name="stateDirectory">An existing state directory (kept on dispose); null for a new one (deleted on dispose).</param>
    /// <param name="socket">The socket path; null for <c>bfe.sock</c> in the state directory.</param>
    /// <param name="extraArguments">More command-line arguments.</param>
    /// <returns>The running daemon.</returns>
    /// <exception cref="InvalidOperationException">wfpd exited before it opened its socket (its output is in the message).</exception>
    public static Task<WfpdProcess> StartAsync(string? stateDirectory = null, string? socket = null, params string[] extraArguments) =>
        StartAsync(inNamespace: null, stateDirectory, socket, extraArguments);

    /// <summary>Starts wfpd with its data plane inside <paramref name="inNamespace"/> and waits for its socket.</summary>
    /// <param name="inNamespace">The namespace wfpd runs in (its queues and rules live there).</param>
    /// <param name="stateDirectory">An existing state directory (kept on dispose); null for a new one (deleted on dispose).</param>
    /// <param name="socket">The socket path; null for <c>bfe.sock</c> in the state directory.</param>
    /// <param name="extraArguments">More command-line arguments.</param>
    /// <returns>The running daemon.</returns>
    public static async Task<WfpdProcess> StartAsync(NetworkNamespace? inNamespace, string? stateDirectory, string? socket, params string[] extraArguments)
    {
        var daemon = Launch(inNamespace, stateDirectory, socket, extraArguments);
        try
        {
            await daemon.WaitReadyAsync();
            return daemon;
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts wfpd without waiting for it: for a test that expects it to exit at start-up.</summary>
    /// <param name="stateDirectory">An existing state directory (kept on dispose); null for a new one (deleted on dispose).</param>
    /// <param name="extraArguments">More command-line arguments.</param>
    /// <returns>The process, running or already gone.</returns>
    public static WfpdProcess Launch(string? stateDirectory = null, params string[] extraArguments) =>
        Launch(inNamespace: null, stateDirectory, socket: null, extraArguments);

    /// <summary>Starts wfpd, in a namespace (with its data plane) or not, without waiting for it.</summary>
    /// <param name="inNamespace">The namespace; null to run here with <c>--no-dataplane</c>.</param>
    /// <param name="stateDirectory">An existing state directory (kept on dispose); null for a new one (deleted on dispose).</param>
    /// <param name="socket">The socket path; null for <c>bfe.sock</c> in the state directory.</param>
    /// <param name="extraArguments">More command-line arguments.</param>
    /// <returns>The process, running or already gone.</returns>
    public static WfpdProcess Launch(NetworkNamespace? inNamespace, string? stateDirectory, string? socket, params string[] extraArguments)
    {
        var owns = stateDirectory is null;
        stateDirectory ??= NewStateDirectory();
        socket ??= Path.Combine(stateDirectory, "bfe.sock");
        string[] arguments = [Path.Combine(AppContext.BaseDirectory, "wfpd.dll"), "--state-dir", stateDirectory, "--socket", socket];
        if (inNamespace is null)
        {
            arguments = [.. arguments, "--no-dataplane"];
        }
        else if (!extraArguments.Contains("--dataplane"))
        {
            arguments = [.. arguments, .. TestDataplane.Arguments(inNamespace, stateDirectory)];
        }

        arguments = [.. arguments, .. extraArguments];
        Process process;
        if (inNamespace is not null)
        {
            process = inNamespace.Start("dotnet", arguments);
        }
        else
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in arguments)
            {
                psi.ArgumentList.Add(a);
            }

            psi.Environment["DOTNET_NOLOGO"] = "1";
            psi.Environment["Logging__LogLevel__Default"] = "Information";
            process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start dotnet wfpd.dll");
        }

        return new WfpdProcess(process, stateDirectory, socket, owns);
    }

    /// <summary>True when wfpd has logged <paramref name="text"/>, waiting up to 10 s (the console logger writes from a queue).</summary>
    /// <param name="text">Text the output must contain.</param>
    /// <returns>Whether it appeared in time.</returns>
    public async Task<bool> LoggedAsync(string text)
    {
        var clock = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>SIGTERM (the clean stop) and waits up to 30 s.</summary>
    /// <returns>The exit code.</returns>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        try
        {
            return await WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("wfpd did not stop within 30 s of SIGTERM:\n" + Output);
        }
    }

    /// <summary>SIGKILL: the daemon gets no chance to clean up. Its state directory is kept.</summary>
    /// <returns>A task that completes when the process is gone.</returns>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>Waits for the process to end by itself.</summary>
    /// <param name="timeout">Longest wait.</param>
    /// <returns>The exit code.</returns>
    /// <exception cref="OperationCanceledException">It was still running after <paramref name="timeout"/>.</exception>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Kills the daemon if it still runs, and deletes the state directory if this object created it.</summary>
    /// <returns>A task that completes when done.</returns>
    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();

        // The eBPF data plane leaves its programs pinned (they keep enforcing while wfpd is down): unpinning detaches them.
        var pins = TestDataplane.BpfDirectory(StateDirectory);
        if (TestDataplane.IsEbpf && Directory.Exists(pins))
        {
            DeleteDirectory(pins);
        }

        if (_ownsStateDirectory)
        {
            DeleteDirectory(StateDirectory);
        }
    }

    private async Task WaitReadyAsync()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync();
                throw new InvalidOperationException($"wfpd exited with {_process.ExitCode} before opening its socket:\n{Output}");
            }

            if (CanConnect(Socket))
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"wfpd did not open {Socket} within {StartTimeout.TotalSeconds} s:\n{Output}");
    }

    private static bool CanConnect(string socket)
    {
        if (!File.Exists(socket))
        {
            return false;
        }

        using var s = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            s.Connect(new UnixDomainSocketEndPoint(socket));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Add(line);
            }
        }
    }
}
