using System.Diagnostics;
using System.Globalization;
using OpenWfp.Bfe;
using OpenWfp.Callouts;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;

namespace OpenWfp.Daemon.Callouts;

/// <summary>
/// Registers the callouts OpenWfp ships (docs/BUILTIN-CALLOUTS.md) on wfpd's engine at start, and reports what they
/// block: one log line per event naming the callout (name and run-time id), the filter and the connection, at most
/// <see cref="MaxLinesPerSecond"/> a second (the rest are counted and summed up in the next line). The packet the
/// callout blocked is already a CLASSIFY_DROP net event of the data plane, with the filter whose action names the
/// callout, so no second net event is written.
/// </summary>
internal sealed class BuiltinCalloutHost(BaseFilteringEngine bfe, ILogger<BuiltinCalloutHost> log) : IHostedService, ICalloutEvents
{
    private const int MaxLinesPerSecond = 20;

    private readonly Lock _gate = new();
    private BuiltinCallouts? _builtins;
    private long _windowStart;
    private int _linesInWindow;
    private long _suppressed;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _builtins = BuiltinCallouts.Register(bfe.Engine, new BuiltinCalloutOptions { Events = this });
        if (log.IsEnabled(LogLevel.Information))
        {
            log.LogInformation("built-in callouts registered: {Callouts}", string.Join(", ", OpenWfpCallouts.All.Where(c => bfe.Engine.Callouts.IsRegistered(c.Key)).Select(c => c.Name)));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        var builtins = Interlocked.Exchange(ref _builtins, null);
        if (builtins is not null)
        {
            builtins.Unregister();
            var counters = builtins.Counters().Where(c => c.Value != 0).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key}={c.Value}")).ToList();
            if (counters.Count > 0 && log.IsEnabled(LogLevel.Information))
            {
                log.LogInformation("built-in callouts stopped: {Counters}", string.Join(", ", counters));
            }
        }

        return Task.CompletedTask;
    }

    public void OnEvent(CalloutEvent calloutEvent)
    {
        long suppressed;
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            if (Stopwatch.GetElapsedTime(_windowStart, now) >= TimeSpan.FromSeconds(1))
            {
                _windowStart = now;
                _linesInWindow = 0;
            }

            if (++_linesInWindow > MaxLinesPerSecond)
            {
                _suppressed++;
                return;
            }

            suppressed = _suppressed;
            _suppressed = 0;
        }

        if (!log.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var name = OpenWfpCallouts.All.FirstOrDefault(c => bfe.Engine.Callouts.Slot(c.Key).CalloutId == calloutEvent.CalloutId)?.Name ?? "callout";
        var layer = LayerCatalog.ById(calloutEvent.LayerId)?.ShortName ?? calloutEvent.LayerId.ToString(CultureInfo.InvariantCulture);
        log.LogInformation(
            "{Callout} (callout id {CalloutId}) {Kind} at {Layer}, filter {FilterId}: {Text} ({Flow}){Suppressed}",
            name,
            calloutEvent.CalloutId,
            calloutEvent.Kind,
            layer,
            calloutEvent.FilterId,
            calloutEvent.Text,
            Describe(calloutEvent.Flow),
            suppressed == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"; {suppressed} more events not logged"));
    }

    private static string Describe(FlowTuple f)
    {
        static string Address(byte version, UInt128 a) => version == 4
            ? new System.Net.IPAddress(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((uint)a)).ToString()
            : new System.Net.IPAddress(BigEndian(a)).ToString();
        return string.Create(CultureInfo.InvariantCulture, $"{Address(f.IpVersion, f.LocalAddress)}:{f.LocalPort} {(f.Direction == 1 ? "<-" : "->")} {Address(f.IpVersion, f.RemoteAddress)}:{f.RemotePort}");
    }

    private static byte[] BigEndian(UInt128 value)
    {
        var bytes = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return bytes;
    }
}
