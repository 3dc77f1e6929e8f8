using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenWfp.Bfe;
using OpenWfp.Bfe.Access;
using OpenWfp.Client;
using OpenWfp.Daemon.Callouts;
using OpenWfp.Daemon.Hosting;
using OpenWfp.Daemon.Services;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Bench.Api;

/// <summary>
/// Remote callouts (docs/CALLOUTS.md, Remote callouts): wfpd's gRPC service in this process on a Unix socket, a
/// client in this process registering the callout over that socket, and the engine classifying directly, so that the
/// figures are the callout's round trip and not another RPC's. The same classify through an in-process callout is
/// the baseline for the added latency.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class RemoteCalloutBench
{
    private const int LatencySamples = 20_000;

    public static async Task RunAsync(double seconds)
    {
        var dir = Path.Combine(Path.GetTempPath(), "wfpd-rc-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var socket = Path.Combine(dir, "bfe.sock");
        using var bfe = new BaseFilteringEngine(new AccessPolicy());
        var hub = new RemoteCalloutHub(bfe.Engine, bfe.Access, TimeSpan.FromMilliseconds(RemoteCalloutHub.DefaultDeadlineMs));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(socket, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.Use(PeerCredentials.Middleware);
        }));
        builder.Services.AddSingleton(bfe);
        builder.Services.AddSingleton(hub);
        builder.Services.AddGrpc();
        await using var app = builder.Build();
        app.MapGrpcService<BfeService>();
        await app.StartAsync();
        try
        {
            await using var client = await BfeClient.ConnectAsync(socket);
            var layer = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4");
            var key = Guid.NewGuid();
            await client.AddCalloutAsync(new CalloutSpec { Key = key, DisplayData = new DisplayData("bench"), ApplicableLayer = layer.Key });
            await client.AddFilterAsync(new FilterSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData("bench"), LayerKey = layer.Key, Action = FilterAction.Callout(ActionType.CalloutTerminating, key) });
            var values = new FwpValue[layer.Fields.Count];
            values[layer.Field("IP_REMOTE_PORT").Index] = FwpValue.FromUInt16(443);

            Console.WriteLine($"remote callouts, {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, deadline {hub.Deadline.TotalMilliseconds} ms");
            bfe.Engine.Callouts.Register(key, new LocalPermit());
            var local = Latencies(bfe, layer, values);
            bfe.Engine.Callouts.Unregister(key);

            await using (await client.RegisterCalloutAsync(new FwpsCallout0 { CalloutKey = key, ClassifyFn = static (_, o) => o.ActionType = ActionType.Permit }))
            {
                var remote = Latencies(bfe, layer, values);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  one thread, {LatencySamples:N0} classifies: in-process callout median {local.Median:0.0} µs; remote median {remote.Median:0.0} µs, p99 {remote.P99:0.0} µs; added median {remote.Median - local.Median:0.0} µs"));
                foreach (var threads in new[] { 1, 4, 16, 64 })
                {
                    var (rate, faults) = Throughput(bfe, layer, values, threads, seconds);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {threads,2} classifying threads: {rate:N0} classifications/s through one remote callout ({faults} acted unregistered)"));
                }
            }

            var c = hub.CountersOf(key);
            Console.WriteLine($"  counters: timeouts {c.Timeouts}, disconnects {c.Disconnects}, bad answers {c.BadAnswers}, unmatched answers {hub.UnmatchedAnswers}");
        }
        finally
        {
            await app.StopAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (double Median, double P99) Latencies(BaseFilteringEngine bfe, LayerInfo layer, FwpValue[] values)
    {
        for (var i = 0; i < 2_000; i++)
        {
            bfe.Engine.Classify(layer, values);
        }

        var samples = new double[LatencySamples];
        for (var i = 0; i < samples.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var r = bfe.Engine.Classify(layer, values);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            if (r.Action != ActionType.Permit)
            {
                throw new InvalidOperationException($"classify {i} answered {r.Action}, not the callout's PERMIT");
            }
        }

        Array.Sort(samples);
        return (samples[samples.Length / 2], samples[(int)(samples.Length * 0.99)]);
    }

    private static (double Rate, long Faults) Throughput(BaseFilteringEngine bfe, LayerInfo layer, FwpValue[] values, int threads, double seconds)
    {
        long done = 0;
        long faults = 0;
        var stop = false;
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            long n = 0;
            long f = 0;
            while (!Volatile.Read(ref stop))
            {
                if (bfe.Engine.Classify(layer, values).Action != ActionType.Permit)
                {
                    f++;
                }

                n++;
            }

            Interlocked.Add(ref done, n);
            Interlocked.Add(ref faults, f);
        })).ToList();
        var clock = Stopwatch.StartNew();
        workers.ForEach(w => w.Start());
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        Volatile.Write(ref stop, true);
        workers.ForEach(w => w.Join());
        return (done / clock.Elapsed.TotalSeconds, faults);
    }

    /// <summary>The baseline: the same answer from a callout in the engine's process.</summary>
    private sealed class LocalPermit : ICallout
    {
        public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut) => classifyOut.ActionType = ActionType.Permit;
    }
}
