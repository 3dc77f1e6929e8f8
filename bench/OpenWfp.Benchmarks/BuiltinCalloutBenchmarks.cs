using System.Buffers.Binary;
using System.Text;
using BenchmarkDotNet.Attributes;
using OpenWfp.Callouts;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Testing.Packets;
using OpenWfp.Wire;

namespace OpenWfp.Benchmarks;

/// <summary>
/// openwfp.dns through a real engine (docs/BUILTIN-CALLOUTS.md): one classify per operation of a query that passes,
/// a query for a listed name (blocked, NXDOMAIN built and handed to an injector that drops it), an answer learned
/// through a CNAME, and a connect checked against the learned addresses. Operations per second is queries per second.
/// </summary>
[Config(typeof(ShortInProcessConfig))]
public class DnsCalloutBenchmarks
{
    private static readonly LayerInfo Datagram = LayerCatalog.Layer("DATAGRAM_DATA_V4");
    private static readonly LayerInfo Connect = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4");
    private readonly NullInjector _injector = new();
    private FilterEngine _engine = null!;
    private FwpValue[] _outbound = null!;
    private FwpValue[] _inbound = null!;
    private FwpValue[] _connect = null!;
    private byte[] _allowed = null!;
    private byte[] _blocked = null!;
    private byte[] _response = null!;

    /// <summary>An engine with the built-in callouts, a 1,000-name list at DATAGRAM_DATA_V4 and ALE_AUTH_CONNECT_V4.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _engine = new FilterEngine();
        BuiltinCallouts.Register(_engine);
        var names = string.Join(",", Enumerable.Range(0, 1000).Select(i => i % 2 == 0 ? $"host{i}.example.test" : $"*.zone{i}.test"));
        Add(Datagram, names);
        Add(Connect, names + ",www.blocked.test");
        _outbound = Values(outbound: true);
        _inbound = Values(outbound: false);
        _connect = new FwpValue[Connect.Fields.Count];
        _connect[Connect.Field("IP_REMOTE_ADDRESS").Index] = FwpValue.FromUInt32(0xC000_020A);
        _allowed = Packet(Query("www.example.org"), outbound: true);
        _blocked = Packet(Query("cdn.zone7.test"), outbound: true);
        _response = Packet(
            [.. Query("www.blocked.test"), 0xC0, 12, 0, 5, 0, 1, 0, 0, 1, 0x2C, 0, 8, 1, (byte)'e', 3, (byte)'c', (byte)'d', (byte)'n', 0xC0, 24,
                0xC0, 46, 0, 1, 0, 1, 0, 0, 1, 0x2C, 0, 4, 192, 0, 2, 10],
            outbound: false,
            answers: 2);
        if (AnswerLearned() != ActionType.Permit || ConnectChecked() != ActionType.Block || QueryBlocked() != ActionType.Block || QueryPermitted() != ActionType.Permit)
        {
            throw new InvalidOperationException("the DNS benchmark's traffic does not do what it should");
        }
    }

    /// <summary>A query for a name not listed: parsed, matched, permitted.</summary>
    [Benchmark(Baseline = true)]
    public ActionType QueryPermitted() => Classify(_allowed, _outbound, 20);

    /// <summary>A query for a listed name: blocked, NXDOMAIN built (IP/UDP checksums) and injected.</summary>
    [Benchmark]
    public ActionType QueryBlocked() => Classify(_blocked, _outbound, 20);

    /// <summary>An answer (CNAME then A) learned into the address set (a refresh once warm).</summary>
    [Benchmark]
    public ActionType AnswerLearned() => Classify(_response, _inbound, 28);

    /// <summary>A connect to a learned address of a listed name: blocked.</summary>
    [Benchmark]
    public ActionType ConnectChecked() => _engine.Classify(Connect, _connect).Action;

    private ActionType Classify(byte[] packet, FwpValue[] values, int dataOffset)
    {
        var layerData = new LayerData(packet, 20, 8, dataOffset, 1, _injector);
        return _engine.Classify(Datagram, values, default, default, in layerData).Action;
    }

    private void Add(LayerInfo layer, string config)
    {
        var context = _engine.AddProviderContext(new ProviderContextSpec { DisplayData = new("names"), Data = Encoding.UTF8.GetBytes(config) });
        _engine.AddFilter(new FilterSpec
        {
            DisplayData = new("dns"),
            LayerKey = layer.Key,
            Flags = FilterFlags.HasProviderContext,
            ProviderContextKey = context.Key,
            Action = FilterAction.Callout(ActionType.CalloutTerminating, OpenWfpCallouts.Dns.Key),
        });
    }

    private static FwpValue[] Values(bool outbound)
    {
        var v = new FwpValue[Datagram.Fields.Count];
        v[Datagram.Field("IP_PROTOCOL").Index] = FwpValue.FromUInt8(IpProtocol.Udp);
        v[Datagram.Field("IP_LOCAL_PORT").Index] = FwpValue.FromUInt16(40000);
        v[Datagram.Field("IP_REMOTE_PORT").Index] = FwpValue.FromUInt16(53);
        v[Datagram.Field("DIRECTION").Index] = FwpValue.FromUInt32(outbound ? 0u : 1u);
        return v;
    }

    private static byte[] Query(string name)
    {
        var bytes = new List<byte> { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.AddRange([0, 0, 1, 0, 1]);
        return [.. bytes];
    }

    private static byte[] Packet(byte[] dns, bool outbound, int answers = 0)
    {
        if (!outbound)
        {
            BinaryPrimitives.WriteUInt16BigEndian(dns.AsSpan(2), 0x8180);
            BinaryPrimitives.WriteUInt16BigEndian(dns.AsSpan(6), (ushort)answers);
        }

        return outbound
            ? PacketBuilder.Ipv4(0x0A00_0002, 0x0A00_0035, IpProtocol.Udp, PacketBuilder.Udp(40000, 53, dns))
            : PacketBuilder.Ipv4(0x0A00_0035, 0x0A00_0002, IpProtocol.Udp, PacketBuilder.Udp(53, 40000, dns));
    }
}

/// <summary>
/// openwfp.http-request parse throughput: one classify per operation of a 64 KiB stream indication holding
/// keep-alive requests (heads of ~200 bytes, 300-byte Content-Length bodies, every fourth chunked), none matching the
/// rules. MB/s = <see cref="IndicationBytes"/> / mean time.
/// </summary>
[Config(typeof(ShortInProcessConfig))]
public class HttpCalloutBenchmarks
{
    /// <summary>Bytes per indication.</summary>
    public const int IndicationBytes = 64 * 1024;

    private static readonly LayerInfo Stream = LayerCatalog.Layer("STREAM_V4");
    private FilterEngine _engine = null!;
    private FwpValue[] _values = null!;
    private byte[] _data = null!;
    private ulong _offset;

    /// <summary>An engine with openwfp.http-request and 20 rules; the indication, cut at a request boundary.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _engine = new FilterEngine();
        BuiltinCallouts.Register(_engine);
        var rules = string.Join(";", Enumerable.Range(0, 20).Select(i => $"POST host{i}.example.test/upload{i}"));
        var context = _engine.AddProviderContext(new ProviderContextSpec { DisplayData = new("rules"), Data = Encoding.UTF8.GetBytes(rules) });
        _engine.AddFilter(new FilterSpec
        {
            DisplayData = new("http"),
            LayerKey = Stream.Key,
            Flags = FilterFlags.HasProviderContext,
            ProviderContextKey = context.Key,
            Action = FilterAction.Callout(ActionType.CalloutTerminating, OpenWfpCallouts.HttpRequest.Key),
        });
        _values = new FwpValue[Stream.Fields.Count];

        var body = new string('x', 300);
        var stream = new StringBuilder();
        for (var i = 0; stream.Length < IndicationBytes; i++)
        {
            var next = i % 4 == 3
                ? $"POST /api/items/{i} HTTP/1.1\r\nHost: app.example.test\r\nUser-Agent: bench/1.0\r\nAccept: */*\r\nTransfer-Encoding: chunked\r\n\r\n12c\r\n{body}\r\n0\r\n\r\n"
                : $"POST /api/items/{i} HTTP/1.1\r\nHost: app.example.test\r\nUser-Agent: bench/1.0\r\nAccept: */*\r\nContent-Type: text/plain\r\nContent-Length: 300\r\n\r\n{body}";
            if (stream.Length + next.Length > IndicationBytes)
            {
                break;
            }

            stream.Append(next);
        }

        _data = Encoding.ASCII.GetBytes(stream.ToString());
    }

    /// <summary>One indication of the connection (the stream offset moves on, as the data does).</summary>
    [Benchmark]
    public StreamAction Parse()
    {
        var result = new StreamIoResult();
        var layerData = new LayerData(new StreamData(StreamDataFlags.Send, _offset, _data, default, 0), ref result, null);
        var metadata = ClassifyMetadata.ForFlow(1);
        _engine.Classify(Stream, _values, in metadata, default, in layerData);
        _offset += (ulong)_data.Length;
        return result.Action;
    }
}

/// <summary>An injector that accepts and drops (the benchmark measures the callout, not a data plane).</summary>
internal sealed class NullInjector : IPacketInjector
{
    public InjectStatus InjectSend(ReadOnlySpan<byte> ipDatagram, uint interfaceIndex) => InjectStatus.Ok;

    public InjectStatus InjectReceive(ReadOnlySpan<byte> ipDatagram, uint interfaceIndex) => InjectStatus.Ok;

    public InjectStatus InjectStream(ulong flowHandle, StreamDataFlags flags, ReadOnlySpan<byte> data) => InjectStatus.Ok;

    public InjectStatus StreamContinue(ulong flowHandle, StreamDataFlags direction) => InjectStatus.Ok;

    public InjectStatus CompletePended(ulong completionHandle) => InjectStatus.Ok;
}
