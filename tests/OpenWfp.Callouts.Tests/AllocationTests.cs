using System.Text;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Callouts.Tests;

/// <summary>The built-in callouts' classify paths allocate nothing once warm.</summary>
public class AllocationTests
{
    private const int Iterations = 5_000;

    [Fact]
    public void Http_KeepAliveSegments_AllocateNothing()
    {
        var h = new Harness();
        h.AddFilter(OpenWfpCallouts.HttpRequest, "STREAM_V4", "DELETE; POST example.com/upload; GET *.example.org/private");
        var layer = LayerCatalog.Layer("STREAM_V4");
        var values = new FwpValue[layer.Fields.Count];
        var metadata = ClassifyMetadata.ForFlow(11);

        // Each round: a request with a body, then the next request's head in two segments (held once with NEED_MORE_DATA).
        var request = Encoding.ASCII.GetBytes("POST /api/items HTTP/1.1\r\nHost: example.com\r\nContent-Length: 10\r\nAccept: */*\r\n\r\n0123456789");
        var chunked = Encoding.ASCII.GetBytes("PUT /x HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n");
        ulong offset = 0;
        var permits = 0;
        void Round()
        {
            permits += Indicate(h, layer, values, metadata, request, request.Length, ref offset);
            permits += Indicate(h, layer, values, metadata, chunked, 20, ref offset);
        }

        for (var i = 0; i < 200; i++)
        {
            Round();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Iterations; i++)
        {
            Round();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal((Iterations + 200) * 2, permits);
        Assert.Equal((Iterations + 200) * 2, h.Builtins.Http.Counters[HttpCounter.Requests]);
        Assert.Equal(Iterations + 200, h.Builtins.Http.Counters[HttpCounter.NeedMoreData]);
    }

    [Fact]
    public void Dns_QueriesResponsesAndConnects_AllocateNothing()
    {
        var engine = new Engine.FilterEngine();
        var builtins = BuiltinCallouts.Register(engine);
        Harness.AddFilter(engine, OpenWfpCallouts.Dns, "DATAGRAM_DATA_V4", "blocked.test, *.ads.test");
        Harness.AddFilter(engine, OpenWfpCallouts.Dns, "ALE_AUTH_CONNECT_V4", "www.blocked.test");
        var injector = new RecordingInjector { Keep = false };
        var datagram = LayerCatalog.Layer("DATAGRAM_DATA_V4");
        var connect = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4");
        var outbound = DnsTraffic.Values(datagram, false, DnsTraffic.ClientPort, 53, outbound: true);
        var inbound = DnsTraffic.Values(datagram, false, DnsTraffic.ClientPort, 53, outbound: false);
        var connectValues = new FwpValue[connect.Fields.Count];
        connectValues[connect.Field("IP_REMOTE_ADDRESS").Index] = FwpValue.FromUInt32(DnsTraffic.V4("192.0.2.10"));
        var otherValues = (FwpValue[])connectValues.Clone();
        otherValues[connect.Field("IP_REMOTE_ADDRESS").Index] = FwpValue.FromUInt32(DnsTraffic.V4("192.0.2.99"));

        var allowed = DnsTraffic.QueryPacket(new DnsBuilder(1, 0x0100, 1, 0).Question("www.example.test").ToArray());
        var blocked = DnsTraffic.QueryPacket(new DnsBuilder(2, 0x0100, 1, 0).Question("x.ads.test", 28).ToArray());
        var response = DnsTraffic.ResponsePacket(new DnsBuilder(3, 0x8180, 1, 3)
            .Question("www.blocked.test").Cname("www.blocked.test", "e.cdn.test").A("e.cdn.test", "192.0.2.10").A("e.cdn.test", "192.0.2.11").ToArray());
        var blocks = 0;
        void Round()
        {
            var a = new LayerData(allowed, 20, 8, 20, 1, injector);
            blocks += engine.Classify(datagram, outbound, default, default, in a).Action == ActionType.Block ? 1 : 0;
            var b = new LayerData(blocked, 20, 8, 20, 1, injector);
            blocks += engine.Classify(datagram, outbound, default, default, in b).Action == ActionType.Block ? 1 : 0;
            var r = new LayerData(response, 20, 8, 28, 1, injector);
            blocks += engine.Classify(datagram, inbound, default, default, in r).Action == ActionType.Block ? 1 : 0;
            blocks += engine.Classify(connect, connectValues).Action == ActionType.Block ? 1 : 0;
            blocks += engine.Classify(connect, otherValues).Action == ActionType.Block ? 1 : 0;
        }

        for (var i = 0; i < 200; i++)
        {
            Round();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Iterations; i++)
        {
            Round();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal((Iterations + 200) * 2, blocks);
        Assert.Equal(Iterations + 200, injector.Count);
        Assert.Equal((Iterations + 200) * 2, builtins.Dns.Counters[DnsCounter.AddressesLearned]);
    }

    // Indicates the first `first` bytes, then (after NEED_MORE_DATA) the whole message; returns 1 when it was permitted.
    private static int Indicate(Harness h, LayerInfo layer, FwpValue[] values, ClassifyMetadata metadata, byte[] message, int first, ref ulong offset)
    {
        var result = new StreamIoResult();
        if (first < message.Length)
        {
            var part = new LayerData(new StreamData(StreamDataFlags.Send, offset, message.AsSpan(0, first), default, 0), ref result, null);
            h.Engine.Classify(layer, values, in metadata, default, in part);
            if (result.Action != StreamAction.NeedMoreData)
            {
                return 0;
            }

            result = default;
        }

        var whole = new LayerData(new StreamData(StreamDataFlags.Send, offset, message.AsSpan(0, 7), message.AsSpan(7), 0), ref result, null);
        var r = h.Engine.Classify(layer, values, in metadata, default, in whole);
        offset += (ulong)message.Length;
        return r.Action == ActionType.Permit && result.Action == StreamAction.None ? 1 : 0;
    }
}
