using System.Text;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Callouts.Tests;

public class HttpRequestCalloutTests
{
    private const string Get = "GET /index.html HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n";
    private const string Upload = "POST /upload/file HTTP/1.1\r\nHost: Example.COM:8080\r\nContent-Length: 5\r\n\r\nhello";

    private static byte[] Bytes(string s) => Encoding.ASCII.GetBytes(s);

    private static (Harness H, StreamDriver D) Setup(string rules, bool receive = false)
    {
        var h = new Harness();
        h.AddFilter(OpenWfpCallouts.HttpRequest, "STREAM_V4", rules);
        return (h, new StreamDriver(h.Engine, flowHandle: 7, receive));
    }

    [Fact]
    public void MatchingRequest_ResetsConnection_AndReportsRequestLine()
    {
        var (h, d) = Setup("POST example.com/upload");
        d.Send(Bytes(Get));
        Assert.False(d.Dropped);
        Assert.Equal(Get.Length, d.Delivered.Count);

        d.Send(Bytes(Upload));
        Assert.True(d.Dropped);
        Assert.Equal(Get.Length, d.Delivered.Count);
        var e = Assert.Single(h.Events);
        Assert.Equal(CalloutEventKind.HttpRequestBlocked, e.Kind);
        Assert.Equal("POST Example.COM /upload/file", e.Text);
        Assert.Equal(7UL, e.FlowHandle);
        Assert.Equal(LayerIds.StreamV4, e.LayerId);
        Assert.Equal((ushort)80, e.Flow.RemotePort);
        Assert.Equal((byte)6, e.Flow.IpProtocol);
        Assert.Equal(h.Engine.Current.CalloutsByKey[OpenWfpCallouts.HttpRequest.Key].CalloutId, e.CalloutId);
        Assert.Equal(1, h.Builtins.Http.Counters[HttpCounter.Blocked]);
        Assert.Equal(2, h.Builtins.Http.Counters[HttpCounter.Requests]);
    }

    [Fact]
    public void RequestSplitAtEveryByte_IsHeldUntilCompleteAndBlocked_NothingOfItLeaks()
    {
        var stream = Bytes(Get + Upload);
        for (var cut = 1; cut < stream.Length; cut++)
        {
            var (h, d) = Setup("POST example.com/upload");
            d.SendSplit(stream, cut);
            Assert.True(d.Dropped, $"cut at {cut}");
            Assert.True(d.Delivered.Count <= Get.Length, $"cut at {cut}: {d.Delivered.Count} bytes let through");
            Assert.Single(h.Events);
        }
    }

    [Fact]
    public void RequestFedOneByteAtATime_AndAcrossTheRing_IsBlocked()
    {
        var stream = Bytes(Get + Upload);
        var (_, d) = Setup("POST example.com/upload");
        d.SendSplit(stream, [.. Enumerable.Range(1, stream.Length - 1)]);
        Assert.True(d.Dropped);
        Assert.Equal(Get.Length, d.Delivered.Count);

        for (var ring = 1; ring < stream.Length; ring++)
        {
            var (_, r) = Setup("POST example.com/upload");
            r.RingSplit = ring;
            r.Send(stream);
            Assert.True(r.Dropped, $"ring split at {ring}");
        }
    }

    [Fact]
    public void PipelinedGetAndPost_InOneSegment_BothParsed()
    {
        var (h, d) = Setup("DELETE");
        d.Send(Bytes(Get + Upload));
        Assert.False(d.Dropped);
        Assert.Equal(2, h.Builtins.Http.Counters[HttpCounter.Requests]);

        var (h2, d2) = Setup("POST");
        d2.Send(Bytes(Get + Upload));
        Assert.True(d2.Dropped);
        Assert.Equal("POST Example.COM /upload/file", Assert.Single(h2.Events).Text);
    }

    [Fact]
    public void KeepAlive_ContentLengthBodyThatLooksLikeARequest_IsSkipped()
    {
        const string body = "POST /upload HTTP/1.1\r\nHost: example.com\r\n\r\n";
        var first = $"PUT /notes HTTP/1.1\r\nHost: example.com\r\nContent-Length: {body.Length}\r\n\r\n{body}";
        var stream = Bytes(first + Get + Upload);
        for (var cut = 1; cut < stream.Length; cut += 3)
        {
            var (h, d) = Setup("POST example.com/upload");
            d.SendSplit(stream, cut, cut + 40);
            Assert.True(d.Dropped, $"cut at {cut}");
            Assert.True(d.Delivered.Count <= first.Length + Get.Length);
            Assert.Equal("POST Example.COM /upload/file", Assert.Single(h.Events).Text);
            Assert.Equal(3, h.Builtins.Http.Counters[HttpCounter.Requests]);
        }
    }

    [Fact]
    public void ChunkedBody_WithExtensionsAndTrailers_IsSkippedAtEveryCut()
    {
        const string fake = "POST /upload HTTP/1.1\r\n";
        var chunked = "POST /api HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
            + $"{fake.Length:x};name=value\r\n{fake}\r\n"
            + "3\r\nabc\r\n"
            + "0\r\nX-Trailer: POST /upload\r\n\r\n";
        var stream = Bytes(chunked + Get + Upload);
        for (var cut = 1; cut < stream.Length; cut++)
        {
            var (h, d) = Setup("POST example.com/upload");
            d.SendSplit(stream, cut);
            Assert.True(d.Dropped, $"cut at {cut}");
            Assert.True(d.Delivered.Count <= chunked.Length + Get.Length);
            if (cut == chunked.Length + Get.Length)
            {
                Assert.Equal(chunked.Length + Get.Length, d.Delivered.Count);
            }

            Assert.Equal(3, h.Builtins.Http.Counters[HttpCounter.Requests]);
            Assert.Equal(0, h.Builtins.Http.Counters[HttpCounter.Malformed]);
        }

        // Without a matching request the whole exchange passes and the callout keeps watching.
        var (h2, d2) = Setup("PATCH");
        d2.SendSplit(stream, [.. Enumerable.Range(1, stream.Length - 1)]);
        Assert.False(d2.Dropped);
        Assert.Equal(stream.Length, d2.Delivered.Count);
        Assert.Equal(StreamAction.None, d2.LastAction);
        Assert.Equal(3, h2.Builtins.Http.Counters[HttpCounter.Requests]);
    }

    [Theory]
    [InlineData("POST", Upload, true)]
    [InlineData("post", Upload, true)]
    [InlineData("GET", Upload, false)]
    [InlineData("* example.com", Upload, true)]
    [InlineData("* example.org", Upload, false)]
    [InlineData("* *.com", Upload, true)]
    [InlineData("* *.example.com", Upload, false)]
    [InlineData("* *.example.com", "GET / HTTP/1.1\r\nHost: www.Example.com.\r\n\r\n", true)]
    [InlineData("POST example.com/upload", Upload, true)]
    [InlineData("POST example.com/uploads", Upload, false)]
    [InlineData("POST /upload/f", Upload, true)]
    [InlineData("* */upload", Upload, true)]
    [InlineData("POST example.com/upload", "POST /%75pload HTTP/1.1\r\nHost: example.com\r\n\r\n", true)]
    [InlineData("POST example.com/upload", "POST /download?x=/upload HTTP/1.1\r\nHost: example.com\r\n\r\n", false)]
    [InlineData("GET example.com/private", "GET http://example.com:81/private/x HTTP/1.1\r\nHost: other.org\r\n\r\n", true)]
    [InlineData("GET other.org", "GET http://example.com/ HTTP/1.1\r\nHost: other.org\r\n\r\n", false)]
    [InlineData("CONNECT example.com", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", true)]
    [InlineData("GET ::1", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", true)]
    [InlineData("DELETE; PUT; POST example.com", Upload, true)]
    [InlineData("# comment\nDELETE\n\nGET", Upload, false)]
    public void Rules_MatchByMethodHostAndPath(string rules, string request, bool blocked)
    {
        var (_, d) = Setup(rules);
        d.Send(Bytes(request));
        Assert.Equal(blocked, d.Dropped);
    }

    [Fact]
    public void ServerSide_RequestsInboundAreInspected()
    {
        var (h, d) = Setup("POST example.com/upload", receive: true);
        d.Send(Bytes(Get));
        d.Send(Bytes(Upload[..20]));
        Assert.Equal(StreamAction.NeedMoreData, d.LastAction);
        d.Send(Bytes(Upload[20..]));
        Assert.True(d.Dropped);
        Assert.Equal(1U, Assert.Single(h.Events).Flow.Direction);
    }

    [Fact]
    public void ResponsesInTheOtherDirection_AreNotParsed()
    {
        var h = new Harness();
        h.AddFilter(OpenWfpCallouts.HttpRequest, "STREAM_V4", "GET");
        var send = new StreamDriver(h.Engine, 9, receive: false);
        var receive = new StreamDriver(h.Engine, 9, receive: true);
        send.Send(Bytes("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"));
        receive.Send(Bytes("GET / HTTP/1.1\r\n\r\n"));
        Assert.False(receive.Dropped);
        Assert.Equal(StreamAction.None, receive.LastAction);
        send.Send(Bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
        Assert.True(send.Dropped);
    }

    [Theory]
    [InlineData("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", HttpCounter.NotHttp)]
    [InlineData("SSH-2.0-OpenSSH_9.6\r\n", HttpCounter.NotHttp)]
    [InlineData("220 mail.example.com ESMTP\r\n", HttpCounter.NotHttp)]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", HttpCounter.NotHttp)]
    [InlineData("GET / HTTP/1.1\r\nNo colon here\r\n\r\n", HttpCounter.Malformed)]
    [InlineData("GET / HTTP/1.1\r\nHost : a\r\n\r\n", HttpCounter.Malformed)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", HttpCounter.Malformed)]
    [InlineData("GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", HttpCounter.Malformed)]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", HttpCounter.Malformed)]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", HttpCounter.Malformed)]
    [InlineData("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", HttpCounter.Malformed)]
    [InlineData("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", HttpCounter.Malformed)]
    [InlineData("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcdeXY", HttpCounter.Malformed)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n\x00\x01binary", HttpCounter.Malformed)]
    [InlineData("GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05POST ", HttpCounter.Upgraded)]
    public void BadOrForeignInput_LetsTheConnectionGo_AndCounts(string input, HttpCounter counter)
    {
        var (h, d) = Setup("DELETE");
        d.Send(Encoding.Latin1.GetBytes(input));
        Assert.False(d.Dropped);
        Assert.Equal(StreamAction.AllowConnection, d.LastAction);
        Assert.Equal(1, h.Builtins.Http.Counters[counter]);

        // ALLOW_CONNECTION: the rest goes through without the callout.
        var calls = d.Calls;
        d.Send(Bytes("DELETE / HTTP/1.1\r\n\r\n"));
        Assert.Equal(calls, d.Calls);
        Assert.False(d.Dropped);
    }

    [Fact]
    public void OneMegabyteHeader_IsHeldOnlyUpToTheLimit_ThenLetGo()
    {
        var (h, d) = Setup("POST");
        var head = Bytes("POST / HTTP/1.1\r\nX-Big: " + new string('a', 1 << 20) + "\r\n\r\n");
        for (var at = 0; at < head.Length && !d.Dropped && d.LastAction != StreamAction.AllowConnection; at += 1460)
        {
            d.Send(head.AsSpan(at, Math.Min(1460, head.Length - at)));
        }

        Assert.Equal(StreamAction.AllowConnection, d.LastAction);
        Assert.False(d.Dropped);
        Assert.Equal(1, h.Builtins.Http.Counters[HttpCounter.HeadTooLarge]);
        Assert.Equal(1, h.Builtins.Http.Counters[HttpCounter.Malformed]);
        Assert.InRange(d.Delivered.Count, 16 * 1024, 16 * 1024 + 1460);
    }

    [Fact]
    public void RandomGarbage_NeverThrows()
    {
        var rng = new Random(5);
        for (var i = 0; i < 300; i++)
        {
            var (h, d) = Setup("POST; GET example.com/x");
            var prefix = rng.Next(3) == 0 ? Bytes("GET /") : [];
            var junk = new byte[rng.Next(1, 400)];
            rng.NextBytes(junk);
            d.SendSplit([.. prefix, .. junk], rng.Next(1, 50), rng.Next(50, 200));
            Assert.Equal(0, h.Engine.Callouts.FaultsOf(OpenWfpCallouts.HttpRequest.Key));
        }
    }

    [Fact]
    public void ClientClosingMidHead_IsPermitted()
    {
        var (_, d) = Setup("POST");
        d.Send(Bytes("POST /x HTTP/1.1\r\nHo"));
        Assert.Equal(StreamAction.NeedMoreData, d.LastAction);
        d.Send([], end: true);
        Assert.False(d.Dropped);
        Assert.Equal(StreamAction.None, d.LastAction);
    }

    [Fact]
    public void FlowDelete_FreesTheConnectionState()
    {
        var (h, d) = Setup("POST");
        d.Send(Bytes(Get));
        Assert.Equal(1, h.Builtins.Http.TrackedFlows);
        Assert.Equal(1, h.Engine.FlowContexts.DeleteFlow(7));
        Assert.Equal(0, h.Builtins.Http.TrackedFlows);
    }

    [Fact]
    public void FlowTableFull_NewConnectionsAreLetThrough()
    {
        var h = new Harness(new BuiltinCalloutOptions { MaxHttpFlows = 2 });
        h.AddFilter(OpenWfpCallouts.HttpRequest, "STREAM_V4", "POST");
        var drivers = Enumerable.Range(1, 3).Select(i => new StreamDriver(h.Engine, (ulong)i)).ToArray();
        foreach (var d in drivers)
        {
            d.Send(Bytes(Upload));
        }

        Assert.True(drivers[0].Dropped);
        Assert.True(drivers[1].Dropped);
        Assert.False(drivers[2].Dropped);
        Assert.Equal(StreamAction.AllowConnection, drivers[2].LastAction);
        Assert.Equal(1, h.Builtins.Http.Counters[HttpCounter.Untracked]);
    }

    [Fact]
    public void TwoFilters_OnOneConnection_EachFollowItsOwnRules()
    {
        var h = new Harness();
        var low = h.Engine.AddSublayer(new SublayerSpec { Key = Guid.NewGuid(), DisplayData = new("low"), Weight = 1 });
        h.AddFilter(OpenWfpCallouts.HttpRequest, "STREAM_V4", "DELETE");
        var pc = h.Engine.AddProviderContext(new ProviderContextSpec { DisplayData = new("put"), Type = ProviderContextType.General, Data = Bytes("PUT") });
        var lowFilter = h.Engine.AddFilter(new FilterSpec
        {
            DisplayData = new("put in low"),
            LayerKey = LayerCatalog.Layer("STREAM_V4").Key,
            SublayerKey = low.Key,
            Flags = FilterFlags.HasProviderContext,
            ProviderContextKey = pc.Key,
            Action = FilterAction.Callout(ActionType.CalloutTerminating, OpenWfpCallouts.HttpRequest.Key),
        });
        var d = new StreamDriver(h.Engine, 3);
        d.Send(Bytes(Get + "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"));
        Assert.True(d.Dropped);
        Assert.Equal(lowFilter.FilterId, Assert.Single(h.Events).FilterId);
    }

    [Theory]
    [InlineData("FOO BAR BAZ", "expected METHOD [host[/path-prefix]]")]
    [InlineData("GE(T", "is not an HTTP method")]
    [InlineData("GET example.com:80/x", "must not carry a port")]
    [InlineData("GET exa mple", "expected METHOD")]
    [InlineData("GET ex!ample.com", "no valid host")]
    [InlineData("GET example.com/%zz", "bad %-escape")]
    [InlineData("  ;\n# nothing", "lists no rules")]
    public void BadConfiguration_FailsTheAdd_WithAClearMessage(string rules, string message)
    {
        var h = new Harness();
        var ex = Assert.Throws<WfpException>(() => h.AddFilter(OpenWfpCallouts.HttpRequest, "STREAM_V4", rules));
        Assert.Equal(WfpError.CalloutNotificationFailed, ex.Error);
        Assert.Contains(message, ex.Details[0].Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Engine.Current.FilterCount);
    }

    [Fact]
    public void OtherLayers_AndMissingContext_AreRefused()
    {
        var h = new Harness();
        var ex = Assert.Throws<WfpException>(() => h.AddFilter(OpenWfpCallouts.HttpRequest, "DATAGRAM_DATA_V4", "GET"));
        Assert.Equal(WfpError.CalloutNotificationFailed, ex.Error);
        Assert.Contains("works only at STREAM_V4, STREAM_V6", ex.Details[0].Message, StringComparison.Ordinal);

        var noContext = Assert.Throws<WfpException>(() => h.Engine.AddFilter(new FilterSpec
        {
            DisplayData = new("bare"),
            LayerKey = LayerCatalog.Layer("STREAM_V6").Key,
            Action = FilterAction.Callout(ActionType.CalloutTerminating, OpenWfpCallouts.HttpRequest.Key),
        }));
        Assert.Contains("needs a provider context", noContext.Details[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FilterAddedBeforeRegistration_IsCompiledOnFirstUse()
    {
        var engine = new Engine.FilterEngine();
        Harness.AddFilter(engine, OpenWfpCallouts.HttpRequest, "STREAM_V6", "POST");
        Harness.AddFilter(engine, OpenWfpCallouts.HttpRequest, "STREAM_V4", "B@D");
        var builtins = BuiltinCallouts.Register(engine);
        var d = new StreamDriver(engine, 1, layer: LayerCatalog.Layer("STREAM_V6"));
        d.Send(Bytes(Upload));
        Assert.True(d.Dropped);

        // A configuration that does not compile lets connections go (and keeps doing so without reparsing).
        var d4 = new StreamDriver(engine, 2);
        d4.Send(Bytes(Upload));
        Assert.False(d4.Dropped);
        Assert.Equal(StreamAction.AllowConnection, d4.LastAction);
        d4.Send(Bytes(Upload));
        Assert.Equal(1, builtins.Http.Counters[HttpCounter.InvalidConfig]);
        Assert.Equal(0, builtins.Http.Counters[HttpCounter.Untracked]);
    }

    [Fact]
    public void WithoutStreamData_Permits()
    {
        var h = new Harness();
        h.AddFilter(OpenWfpCallouts.HttpRequest, "STREAM_V4", "GET");
        var layer = LayerCatalog.Layer("STREAM_V4");
        var r = h.Engine.Classify(layer, new FwpValue[layer.Fields.Count], ClassifyMetadata.ForFlow(1));
        Assert.Equal(ActionType.Permit, r.Action);
    }
}
