using V1 = OpenWfp.Protocol.V1;
using System.Diagnostics;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using OpenWfp.Protocol.V1;

namespace OpenWfp.Daemon.Tests;

/// <summary>
/// A real wfpd process on a temporary socket and state directory, started for one test and stopped (by its PID)
/// afterwards. The state directory can outlive the process, to test restarts.
/// </summary>
internal sealed class DaemonProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private DaemonProcess(Process process, string stateDirectory, string socket)
    {
        _process = process;
        StateDirectory = stateDirectory;
        Socket = socket;
    }

    public string StateDirectory { get; }

    public string Socket { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

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

    /// <summary>A fresh temporary state directory (deleted by the caller with <see cref="DeleteState"/>).</summary>
    public static string NewStateDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "wfpd-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void DeleteState(string stateDirectory)
    {
        try
        {
            Directory.Delete(stateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Starts wfpd and waits until its socket accepts connections.</summary>
    public static Task<DaemonProcess> StartAsync(string? stateDirectory = null, params string[] extraArgs) =>
        StartAsync(stateDirectory, socket: null, extraArgs);

    /// <summary>Starts wfpd on a given socket path.</summary>
    public static async Task<DaemonProcess> StartAsync(string? stateDirectory, string? socket, params string[] extraArgs)
    {
        stateDirectory ??= NewStateDirectory();
        socket ??= Path.Combine(stateDirectory, "bfe.sock");
        var wfpd = Path.Combine(AppContext.BaseDirectory, "wfpd.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[wfpd, "--state-dir", stateDirectory, "--socket", socket, "--no-dataplane", .. extraArgs])
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["Logging__LogLevel__Default"] = "Information";
        var process = Process.Start(psi)!;
        var daemon = new DaemonProcess(process, stateDirectory, socket);
        process.OutputDataReceived += (_, e) => daemon.Record(e.Data);
        process.ErrorDataReceived += (_, e) => daemon.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                return daemon;
            }

            if (File.Exists(socket) && CanConnect(socket))
            {
                return daemon;
            }

            await Task.Delay(50);
        }

        await daemon.DisposeAsync();
        throw new TimeoutException($"wfpd did not open {socket} within 30 s:\n{daemon.Output}");
    }

    /// <summary>Stops it with SIGTERM (clean stop) and waits.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the daemon gets no chance to clean up.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>A gRPC channel to the daemon over its socket.</summary>
    public GrpcChannel Channel() => CreateChannel(Socket);

    public static GrpcChannel CreateChannel(string socket)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            },
        };
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 64 * 1024 * 1024 });
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private static bool CanConnect(string socket)
    {
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
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }
    }
}

/// <summary>A session on a daemon: the open OpenSession stream and calls that carry its header.</summary>
internal sealed class TestSession : IAsyncDisposable
{
    private readonly AsyncServerStreamingCall<SessionEvent> _stream;

    private TestSession(V1.Bfe.BfeClient client, AsyncServerStreamingCall<SessionEvent> stream, SessionOpened opened)
    {
        Client = client;
        _stream = stream;
        Opened = opened;
        Headers = new Metadata { { "openwfp-session", opened.SessionKey } };
    }

    public V1.Bfe.BfeClient Client { get; }

    public SessionOpened Opened { get; }

    public Metadata Headers { get; }

    public static async Task<TestSession> OpenAsync(GrpcChannel channel, bool dynamic = false, string name = "test")
    {
        var client = new V1.Bfe.BfeClient(channel);
        var stream = client.OpenSession(new OpenSessionRequest { DisplayData = new DisplayData { Name = name }, Flags = dynamic ? 1u : 0u });
        if (!await stream.ResponseStream.MoveNext(CancellationToken.None))
        {
            throw new InvalidOperationException("the session stream ended before it said the session was open");
        }

        return new TestSession(client, stream, stream.ResponseStream.Current.Opened);
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        return ValueTask.CompletedTask;
    }
}
