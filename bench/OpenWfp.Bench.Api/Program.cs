using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using OpenWfp.Protocol.V1;
using V1 = OpenWfp.Protocol.V1;

// Starts a real wfpd (Release build next to this program) on a temporary socket and state directory, then measures
// end to end over the socket:
//   1. 10,000 AddFilter calls in one explicit transaction plus the commit (rounds: 5; each in a dynamic session so
//      the filters go when it ends), with 1 call in flight and with 16 in flight;
//   2. a single AddFilter with its implicit commit, 2,000 times: median and 99th percentile;
//   3. the same with a persistent filter (the SQLite write is in the commit).
// Usage: dotnet run -c Release --project bench/OpenWfp.Bench.Api [-- --rounds N]
//        dotnet run -c Release --project bench/OpenWfp.Bench.Api -- --remote-callouts [SECONDS]   (RemoteCalloutBench.cs)
if (args.Length > 0 && args[0] == "--remote-callouts" && OperatingSystem.IsLinux())
{
    await OpenWfp.Bench.Api.RemoteCalloutBench.RunAsync(args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 3);
    return;
}

var rounds = args.Length == 2 && args[0] == "--rounds" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var state = Path.Combine(Path.GetTempPath(), "wfpd-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(state);
var socket = Path.Combine(state, "bfe.sock");
var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "wfpd.dll"), "--state-dir", state, "--socket", socket, "--no-dataplane"])
{
    RedirectStandardOutput = true,
    RedirectStandardError = true,
};
using var daemon = Process.Start(psi)!;
daemon.OutputDataReceived += (_, _) => { };
daemon.ErrorDataReceived += (_, _) => { };
daemon.BeginOutputReadLine();
daemon.BeginErrorReadLine();
try
{
    for (var i = 0; i < 300 && !File.Exists(socket); i++)
    {
        await Task.Delay(100);
    }

    using var channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
                return new NetworkStream(s, ownsSocket: true);
            },
        },
    });
    var client = new V1.Bfe.BfeClient(channel);
    await client.EnumProvidersAsync(new EnumTemplate()); // warm the connection and the JIT

    Console.WriteLine($"wfpd end-to-end API, {Environment.ProcessorCount} CPUs, .NET {Environment.Version}");
    foreach (var inFlight in new[] { 1, 16 })
    {
        var times = new List<double>();
        for (var r = 0; r < rounds + 1; r++)
        {
            using var session = client.OpenSession(new OpenSessionRequest { Flags = 1, DisplayData = new DisplayData { Name = "bench" } });
            await session.ResponseStream.MoveNext(CancellationToken.None);
            var headers = new Metadata { { "openwfp-session", session.ResponseStream.Current.Opened.SessionKey } };
            var watch = Stopwatch.StartNew();
            await client.BeginTransactionAsync(new BeginTransactionRequest(), headers);
            var next = 0;
            await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
            {
                int n;
                while ((n = Interlocked.Increment(ref next)) <= 10_000)
                {
                    await client.AddFilterAsync(Filter($"bench {n}", (uint)(n % 60000) + 1, persistent: false), headers);
                }
            }));
            await client.CommitTransactionAsync(new Empty(), headers);
            watch.Stop();
            if (r > 0)
            {
                times.Add(watch.Elapsed.TotalMilliseconds); // round 0 warms up
            }
        }

        times.Sort();
        Console.WriteLine($"10,000 adds + commit, {inFlight,2} in flight: median {times[times.Count / 2]:F0} ms (min {times[0]:F0}, max {times[^1]:F0}, {rounds} rounds)");
    }

    // Single add with commit: each filter is deleted again (untimed), so the layer keeps its size; measured with the
    // layer empty and with 1,000 filters already in it (a commit recompiles the layer it changed).
    foreach (var preload in new[] { 0, 1_000 })
    {
        if (preload > 0)
        {
            using var session = client.OpenSession(new OpenSessionRequest { DisplayData = new DisplayData { Name = "preload" } });
            await session.ResponseStream.MoveNext(CancellationToken.None);
            var headers = new Metadata { { "openwfp-session", session.ResponseStream.Current.Opened.SessionKey } };
            await client.BeginTransactionAsync(new BeginTransactionRequest(), headers);
            for (var i = 0; i < preload; i++)
            {
                await client.AddFilterAsync(Filter($"preload {i}", (uint)(i % 60000) + 1, persistent: false), headers);
            }

            await client.CommitTransactionAsync(new Empty(), headers);
        }

        foreach (var persistent in new[] { false, true })
        {
            var latencies = new List<double>();
            for (var i = 0; i < 1_100; i++)
            {
                var watch = Stopwatch.StartNew();
                var f = await client.AddFilterAsync(Filter($"single {i}", (uint)(i % 60000) + 1, persistent));
                watch.Stop();
                if (i >= 100)
                {
                    latencies.Add(watch.Elapsed.TotalMilliseconds);
                }

                await client.DeleteFilterAsync(new ObjectRef { Key = f.Key });
            }

            latencies.Sort();
            Console.WriteLine($"single add with its commit, {preload,5} other filters in the layer, {(persistent ? "persistent (SQLite write)" : "static")}: median {latencies[latencies.Count / 2]:F3} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:F3} ms ({latencies.Count} adds)");
        }
    }
}
finally
{
    daemon.Kill();
    await daemon.WaitForExitAsync();
    Directory.Delete(state, recursive: true);
}

static Filter Filter(string name, uint port, bool persistent) => new()
{
    DisplayData = new DisplayData { Name = name },
    LayerKey = "c38d57d1-05a7-4c33-904f-7fbceee60e82",
    Flags = persistent ? 1u : 0u,
    Action = new FilterAction { Type = 0x1001 },
    Conditions =
    {
        new FilterCondition
        {
            FieldKey = "c35a604d-d22b-4e1a-91b4-68f674ee674b",
            Value = new ConditionValue { Type = 2, Value = new Value { Type = 2, Uint = port } },
        },
    },
};
