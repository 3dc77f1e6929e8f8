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
