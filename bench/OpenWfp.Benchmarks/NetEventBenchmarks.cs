using BenchmarkDotNet.Attributes;
using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.NetEvents;

namespace OpenWfp.Benchmarks;

/// <summary>
/// <see cref="NetEventLog.Write"/> throughput into a 65,536-event ring that is already full (every write overwrites),
/// from one thread and from two threads at once. Time is per event.
/// </summary>
[Config(typeof(ShortInProcessConfig))]
public class NetEventWriteBenchmarks
{
    /// <summary>Events per thread per invocation.</summary>
    public const int EventsPerThread = 50_000;

    private NetEventLog _log = null!;
    private NetEventRecord _record;
    private Thread _worker = null!;
    private SemaphoreSlim _start = null!;
    private SemaphoreSlim _done = null!;
    private volatile bool _stop;

    /// <summary>False: the record has no time and the log reads the clock per event. True: the caller supplied the time.</summary>
    [Params(false, true)]
    public bool CallerTime { get; set; }

    /// <summary>Builds the record (as a data plane would: addresses, ports, app id, two terminating filters) and fills the ring once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _log = new NetEventLog();
        _record = new NetEventRecord
        {
            TimeUnixNs = CallerTime ? (TimeProvider.System.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) * 100 : 0,
            Type = NetEventType.ClassifyDrop,
            IpVersion = 4,
            IpProtocol = 6,
            LocalAddress = 0x0A00_0001,
            RemoteAddress = 0xC0A8_0105,
            LocalPort = 49152,
            RemotePort = 443,
            AppId = AppId.FromPath("/usr/bin/curl"),
            FilterId = 12345,
            LayerId = PolicyFactory.Layer.LayerId,
            Direction = NetEventDirection.Out,
        };
        _record.AddTerminatingFilter(new TerminatingFilterInfo(12345, Guid.NewGuid(), 0x8000, ActionType.Block));
        _record.AddTerminatingFilter(new TerminatingFilterInfo(23456, Guid.NewGuid(), 0x4000, ActionType.Permit));
        WriteMany(_log.Capacity);

        _start = new SemaphoreSlim(0);
        _done = new SemaphoreSlim(0);
        _worker = new Thread(() =>
        {
            while (true)
            {
                _start.Wait();
                if (_stop)
                {
                    return;
                }

                WriteMany(EventsPerThread);
                _done.Release();
            }
        })
        { IsBackground = true, Name = "net event writer 2" };
        _worker.Start();
    }

    /// <summary>Stops the second writer.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        _start.Release();
        _worker.Join();
        _start.Dispose();
        _done.Dispose();
    }

    /// <summary>One thread writes.</summary>
    [Benchmark(OperationsPerInvoke = EventsPerThread)]
    public ulong WriteOneThread()
    {
        WriteMany(EventsPerThread);
        return _log.Written;
    }

    /// <summary>Two threads write at once (this one and a parked worker); time is per event of either.</summary>
    [Benchmark(OperationsPerInvoke = 2 * EventsPerThread)]
    public ulong WriteTwoThreads()
    {
        _start.Release();
        WriteMany(EventsPerThread);
        _done.Wait();
        return _log.Written;
    }

    private void WriteMany(int count)
    {
        var r = _record;
        for (var i = 0; i < count; i++)
        {
            r.RemotePort = (ushort)i;
            _log.Write(in r);
        }
    }
}

/// <summary>
/// Classify at ALE_AUTH_CONNECT_V4 over the 1,000-filter <see cref="PolicyFactory"/> policy and its 1,024 inputs, side
/// by side: classify alone; classify collecting the per-sublayer terminating filters; and classify writing a
/// CLASSIFY_DROP net event (header, filter, layer, terminating filters) for every blocked input, as a data plane
/// would. Time is per classify.
/// </summary>
[Config(typeof(ShortInProcessConfig))]
public class NetEventClassifyBenchmarks
{
    private const int MaxSublayers = NetEventRecord.MaxTerminatingFilters;

    private FilterEngine _engine = null!;
    private FwpValue[][] _inputs = null!;
    private LayerInfo _layer = null!;
    private NetEventLog _log = null!;
    private long[] _pairAlone = null!;
    private long[] _pairEvents = null!;
    private int _pairs;

    /// <summary>Builds the policy, the inputs and a full ring; counts the blocked inputs.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var factory = new PolicyFactory(1000);
        _engine = factory.BuildEngine();
        _inputs = factory.Inputs(ClassifyBenchmarks.InputCount);
        _layer = PolicyFactory.Layer;
        _log = new NetEventLog();
        while (_log.Written < (ulong)_log.Capacity)
        {
            ClassifyWithEvents();
        }

        var blocked = _inputs.Count(v => _engine.Classify(_layer, v).Action == ActionType.Block);
        Console.WriteLine($"// {blocked} of {_inputs.Length} inputs are blocked: one net event each per pass");
        _pairAlone = new long[1 << 20];
        _pairEvents = new long[1 << 20];
        _pairs = 0;
    }

    /// <summary>Prints what <see cref="InterleavedPair"/> measured: medians of the alternating passes.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        if (_pairs == 0)
        {
            return;
        }

        var n = Math.Min(_pairs, _pairAlone.Length);
        var alone = _pairAlone[..n];
        var events = _pairEvents[..n];
        var ratios = new double[n];
        for (var i = 0; i < n; i++)
        {
            ratios[i] = (double)events[i] / alone[i];
        }

        Array.Sort(alone);
        Array.Sort(events);
        Array.Sort(ratios);
        var perClassify = 1e9 / System.Diagnostics.Stopwatch.Frequency / ClassifyBenchmarks.InputCount;
        Console.WriteLine(
            $"// InterleavedPair over {n:N0} pairs: alone median {alone[n / 2] * perClassify:F1} ns, with events median " +
            $"{events[n / 2] * perClassify:F1} ns per classify; per-pair ratio median {ratios[n / 2]:F3} " +
            $"(quartiles {ratios[n / 4]:F3}–{ratios[3 * n / 4]:F3})");
    }

    /// <summary>
    /// One pass of <see cref="ClassifyAlone"/> and one of <see cref="ClassifyWithEvents"/>, alternating which goes
    /// first, each timed on its own; the cleanup prints the medians. Interleaving at ~1 ms makes the comparison
    /// immune to the load drifting on this shared machine, which separate benchmarks are not.
    /// </summary>
    [Benchmark(OperationsPerInvoke = 2 * ClassifyBenchmarks.InputCount)]
    public ulong InterleavedPair()
    {
        var i = _pairs++ & (_pairAlone.Length - 1);
        ulong sum;
        if ((i & 1) == 0)
        {
            var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            sum = ClassifyAlone();
            var t1 = System.Diagnostics.Stopwatch.GetTimestamp();
            sum += ClassifyAndLog(time: 0);
            var t2 = System.Diagnostics.Stopwatch.GetTimestamp();
            _pairAlone[i] = t1 - t0;
            _pairEvents[i] = t2 - t1;
        }
        else
        {
            var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            sum = ClassifyAndLog(time: 0);
            var t1 = System.Diagnostics.Stopwatch.GetTimestamp();
            sum += ClassifyAlone();
            var t2 = System.Diagnostics.Stopwatch.GetTimestamp();
            _pairEvents[i] = t1 - t0;
            _pairAlone[i] = t2 - t1;
        }

        return sum;
    }

    /// <summary>Classify alone (as ClassifyBenchmarks at 1,000 filters).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = ClassifyBenchmarks.InputCount)]
    public ulong ClassifyAlone()
    {
        ulong sum = 0;
        var inputs = _inputs;
        for (var i = 0; i < inputs.Length; i++)
        {
            var r = _engine.Classify(_layer, inputs[i]);
            sum += r.FilterId + (ulong)r.Action;
        }

        return sum;
    }

    /// <summary>Classify asking for the per-sublayer terminating filters, no event.</summary>
    [Benchmark(OperationsPerInvoke = ClassifyBenchmarks.InputCount)]
    public ulong ClassifyCollectingTerminating()
    {
        ulong sum = 0;
        var inputs = _inputs;
        Span<TerminatingFilterInfo> terminating = stackalloc TerminatingFilterInfo[MaxSublayers];
        for (var i = 0; i < inputs.Length; i++)
        {
            var r = _engine.Classify(_layer, inputs[i], default, terminating);
            sum += r.FilterId + (ulong)r.Action + (ulong)r.TerminatingCount;
        }

        return sum;
    }

    /// <summary>Classify, and for every block build a CLASSIFY_DROP record and write it to the log (the log stamps the time).</summary>
    [Benchmark(OperationsPerInvoke = ClassifyBenchmarks.InputCount)]
    public ulong ClassifyWithEvents() => ClassifyAndLog(time: 0);

    /// <summary>
    /// As <see cref="ClassifyWithEvents"/>, but the caller supplies the time, read once per batch of 1,024 inputs (as a
    /// data plane that has a capture or batch timestamp would), so the log does not read the clock per event.
    /// </summary>
    [Benchmark(OperationsPerInvoke = ClassifyBenchmarks.InputCount)]
    public ulong ClassifyWithEventsBatchTime() =>
        ClassifyAndLog((TimeProvider.System.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) * 100);

    private ulong ClassifyAndLog(long time)
    {
        ulong sum = 0;
        var inputs = _inputs;
        var log = _log;
        Span<TerminatingFilterInfo> terminating = stackalloc TerminatingFilterInfo[MaxSublayers];
        for (var i = 0; i < inputs.Length; i++)
        {
            var values = inputs[i];
            var r = _engine.Classify(_layer, values, default, terminating);
            sum += r.FilterId + (ulong)r.Action;
            if (r.Action == ActionType.Block && log.ShouldRecord(NetEventType.ClassifyDrop))
            {
                var e = new NetEventRecord
                {
                    TimeUnixNs = time,
                    Type = NetEventType.ClassifyDrop,
                    IpVersion = 4,
                    IpProtocol = (byte)values[PolicyFactory.Protocol.Index].RawUInt64,
                    RemoteAddress = values[PolicyFactory.RemoteAddress.Index].RawUInt64,
                    LocalPort = (ushort)values[PolicyFactory.LocalPort.Index].RawUInt64,
                    RemotePort = (ushort)values[PolicyFactory.RemotePort.Index].RawUInt64,
                    AppId = values[PolicyFactory.AppIdField.Index].Reference as byte[],
                    FilterId = r.FilterId,
                    LayerId = _layer.LayerId,
                    Direction = NetEventDirection.Out,
                };
                e.SetTerminatingFilters(terminating[..Math.Min(r.TerminatingCount, MaxSublayers)]);
                log.Write(in e);
            }
        }

        return sum;
    }
}
