using System.Diagnostics;
using System.Net.Sockets;

namespace OpenWfp.Cli.Daemon.Tests;

/// <summary>
/// A real wfpd (built next to the tests) on a temporary socket and state directory, started with --no-dataplane and
/// killed by its Process object when disposed; the temporary directory is deleted then.
/// </summary>
internal sealed class Wfpd : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly bool _ownsDirectory;

    private Wfpd(Process process, string stateDirectory, bool ownsDirectory)
    {
        _process = process;
        StateDirectory = stateDirectory;
        _ownsDirectory = ownsDirectory;
    }

    public string StateDirectory { get; }

    public string Socket => Path.Combine(StateDirectory, "bfe.sock");

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

    /// <summary>A fresh temporary directory (short, so the socket path fits sun_path).</summary>
    public static string NewDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "wfp-cli-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Starts wfpd and waits until its socket accepts connections.</summary>
    /// <param name="stateDirectory">An existing state directory to reuse (a restart); null for a new one the daemon owns.</param>
    public static async Task<Wfpd> StartAsync(string? stateDirectory = null)
    {
        var owns = stateDirectory is null;
        stateDirectory ??= NewDirectory();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "wfpd.dll"), "--state-dir", stateDirectory, "--socket", Path.Combine(stateDirectory, "bfe.sock"), "--no-dataplane"])
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_NOLOGO"] = "1";
        var daemon = new Wfpd(Process.Start(psi)!, stateDirectory, owns);
        daemon._process.OutputDataReceived += (_, e) => daemon.Record(e.Data);
        daemon._process.ErrorDataReceived += (_, e) => daemon.Record(e.Data);
        daemon._process.BeginOutputReadLine();
        daemon._process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (daemon._process.HasExited)
            {
                var output = daemon.Output;
                await daemon.DisposeAsync();
                throw new InvalidOperationException($"wfpd exited with {daemon._process.ExitCode} before opening its socket:\n{output}");
            }

            if (CanConnect(daemon.Socket))
            {
                return daemon;
            }

            await Task.Delay(50);
        }

        await daemon.DisposeAsync();
        throw new TimeoutException($"wfpd did not open {daemon.Socket} within 30 s:\n{daemon.Output}");
    }

    /// <summary>Kills the daemon (its state directory is kept, for a restart); idempotent.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        if (_ownsDirectory)
        {
            DeleteDirectory(StateDirectory);
        }
    }

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

    private static bool CanConnect(string socket)
    {
        if (!File.Exists(socket))
        {
            return false;
        }

        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
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
