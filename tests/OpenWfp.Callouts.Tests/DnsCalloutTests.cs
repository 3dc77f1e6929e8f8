using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using OpenWfp.Callouts.Dns;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Testing.Packets;
using OpenWfp.Wire;
using static OpenWfp.Callouts.Tests.DnsTraffic;

namespace OpenWfp.Callouts.Tests;

public class DnsCalloutTests
{
    private static byte[] Query(string name, ushort id = 0x1234, ushort flags = 0x0100, ushort type = 1) =>
        new DnsBuilder(id, flags, 1, 0).Question(name, type).ToArray();

    private static Harness WithFilters(string datagram, string? connect = null, BuiltinCalloutOptions? options = null)
    {
        var h = new Harness(options);
        h.AddFilter(OpenWfpCallouts.Dns, "DATAGRAM_DATA_V4", datagram);
        h.AddFilter(OpenWfpCallouts.Dns, "DATAGRAM_DATA_V6", datagram);
        if (connect is not null)
        {
            h.AddFilter(OpenWfpCallouts.Dns, "ALE_AUTH_CONNECT_V4", connect);
            h.AddFilter(OpenWfpCallouts.Dns, "ALE_AUTH_CONNECT_V6", connect);
        }

        return h;
    }

    [Theory]
    [InlineData(false, (ushort)0x0100, (ushort)0x8183)]
    [InlineData(false, (ushort)0x0000, (ushort)0x8083)]
    [InlineData(true, (ushort)0x0110, (ushort)0x8183)]
    public void BlockedQuery_IsDropped_AndAnsweredWithAnExactNxDomain(bool v6, ushort queryFlags, ushort replyFlags)
    {
        var h = WithFilters("ads.example.com, tracker.example.net");
        var injector = new RecordingInjector();
        var dns = Query("Ads.Example.COM.", id: 0xBEEF, flags: queryFlags, type: 28);
        var r = Datagram(h, QueryPacket(dns, v6), outbound: true, injector);

        Assert.Equal(ActionType.Block, r.Action);
        var (reply, iface) = Assert.Single(injector.Received);
        Assert.Equal(Interface, iface);

        // Expected: the question echoed under a header with the same id, QR, RD as asked, RA, RCODE 3, no records.
        var expectedDns = new byte[dns.Length];
        dns.CopyTo(expectedDns, 0);
        BinaryPrimitives.WriteUInt16BigEndian(expectedDns.AsSpan(2), replyFlags);
        var expected = v6
            ? PacketBuilder.Ipv6(Server6, Client6, IpProtocol.Udp, PacketBuilder.Udp(53, ClientPort, expectedDns))
            : PacketBuilder.Ipv4(Server4, Client4, IpProtocol.Udp, PacketBuilder.Udp(53, ClientPort, expectedDns));
        Assert.Equal(expected, reply);

        // The checksums verify on their own too.
        var ipHeader = v6 ? 40 : 20;
        if (!v6)
        {
            Assert.Equal(0, InternetChecksum.Compute(reply.AsSpan(0, 20)));
        }

        var pseudo = v6
            ? InternetChecksum.PseudoHeaderIpv6(Server6, Client6, IpProtocol.Udp, reply.Length - ipHeader)
            : InternetChecksum.PseudoHeaderIpv4(Server4, Client4, IpProtocol.Udp, reply.Length - ipHeader);
        Assert.Equal(0, InternetChecksum.Finish(InternetChecksum.Accumulate(reply.AsSpan(ipHeader), pseudo)));
        Assert.NotEqual(0, BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(ipHeader + 6)));

        var e = Assert.Single(h.Events);
        Assert.Equal(CalloutEventKind.DnsNameBlocked, e.Kind);
        Assert.Equal("ads.example.com", e.Text);
        Assert.Equal((ushort)53, e.Flow.RemotePort);
        Assert.Equal((byte)17, e.Flow.IpProtocol);
        Assert.Equal(v6 ? LayerIds.DatagramDataV6 : LayerIds.DatagramDataV4, e.LayerId);
        Assert.Equal(1, h.Builtins.Dns.Counters[DnsCounter.NxDomainInjected]);
    }

    [Theory]
    [InlineData("*.ads.example", "x.ads.example", true)]
    [InlineData("*.ads.example", "a.b.ADS.example.", true)]
    [InlineData("*.ads.example", "ads.example", false)]
    [InlineData("*.ads.example", "badads.example", false)]
    [InlineData("ads.example", "x.ads.example", false)]
    [InlineData("ads.example\nother.test", "other.test", true)]
    [InlineData("# list\nads.example; other.test", "ads.example", true)]
    [InlineData("", "ads.example", false)]
    public void NamesAndSuffixes_Match(string config, string name, bool blocked)
    {
        var h = WithFilters(config);
        var injector = new RecordingInjector();
        var r = Datagram(h, QueryPacket(Query(name)), outbound: true, injector);
        Assert.Equal(blocked ? ActionType.Block : ActionType.Permit, r.Action);
        Assert.Equal(blocked ? 1 : 0, injector.Count);
        Assert.Equal(1, h.Builtins.Dns.Counters[DnsCounter.Queries]);
    }

    [Fact]
    public void BlockedQuery_WithoutInjector_IsStillDropped_AndCounted()
    {
        var h = WithFilters("ads.example");
        var r = Datagram(h, QueryPacket(Query("ads.example")), outbound: true, injector: null);
        Assert.Equal(ActionType.Block, r.Action);
        Assert.Equal(1, h.Builtins.Dns.Counters[DnsCounter.NxDomainNotInjected]);
    }

    [Fact]
    public void LearnedAnswer_ThroughCnameChain_BlocksTheConnectToItsAddresses()
    {
        var h = WithFilters("", "www.blocked.test");
        var response = new DnsBuilder(0x1234, 0x8180, 1, 4)
            .Question("www.blocked.test")
            .Cname("www.blocked.test", "edge.cdn.test", ttl: 600)
            .Cname("edge.cdn.test", "e1.edge.cdn.test", ttl: 600)
            .A("e1.edge.cdn.test", "93.184.216.34", ttl: 300)
            .A("e1.edge.cdn.test", "93.184.216.35")
            .ToArray();
        Assert.Equal(ActionType.Permit, Datagram(h, ResponsePacket(response), outbound: false).Action);
        Assert.Equal(2, h.Builtins.Dns.Counters[DnsCounter.AddressesLearned]);

        var r = Connect(h, FwpValue.FromUInt32(V4("93.184.216.35")));
        Assert.Equal(ActionType.Block, r.Action);
        var e = Assert.Single(h.Events);
        Assert.Equal(CalloutEventKind.DnsAddressBlocked, e.Kind);
        Assert.Equal("www.blocked.test", e.Text);
        Assert.Equal(LayerIds.AleAuthConnectV4, e.LayerId);
        Assert.Equal((ushort)443, e.Flow.RemotePort);

        Assert.Equal(ActionType.Permit, Connect(h, FwpValue.FromUInt32(V4("93.184.216.36"))).Action);

        // A dual-stack socket's IPv4-mapped form is the same address.
        var mapped = FwpValue.FromByteArray16(((UInt128)0xFFFF << 32) | V4("93.184.216.34"));
        Assert.Equal(ActionType.Block, Connect(h, mapped).Action);

        Assert.Equal(["www.blocked.test", "edge.cdn.test", "e1.edge.cdn.test"], h.Builtins.Dns.Addresses.NamesOf(new DnsAddress(V4("93.184.216.34"), false)));
        Assert.Equal(2, h.Builtins.Dns.Addresses.AddressesOf("edge.cdn.test").Count);
    }

    [Fact]
    public void AaaaAnswers_OutOfOrderChain_AndUncompressedNames_AreLearned()
    {
        var h = WithFilters("", "*.video.test");
        var address = UInt128.Parse("20010db8000000000000000000000abc", System.Globalization.NumberStyles.HexNumber);
        var response = new DnsBuilder(7, 0x8180, 1, 3) { Compress = false }
            .Question("cdn.video.test", type: 28)
            .Aaaa("z.example", address)
            .Cname("y.example", "z.example")
            .Cname("cdn.video.test", "y.example")
            .ToArray();
        Datagram(h, ResponsePacket(response, v6: true), outbound: false);
        Assert.Equal(ActionType.Block, Connect(h, FwpValue.FromByteArray16(address)).Action);
        Assert.Equal("cdn.video.test", Assert.Single(h.Events).Text);
    }

    [Fact]
    public void RecordsOffTheChain_AreNotLearned()
    {
        var h = WithFilters("", "www.blocked.test");
        var response = new DnsBuilder(1, 0x8180, 1, 2)
            .Question("www.blocked.test")
            .A("other.test", "192.0.2.7")
            .Cname("unrelated.test", "www.blocked.test")
            .ToArray();
        Datagram(h, ResponsePacket(response), outbound: false);
        Assert.Equal(ActionType.Permit, Connect(h, FwpValue.FromUInt32(V4("192.0.2.7"))).Action);
        Assert.Equal(0, h.Builtins.Dns.Addresses.Count);
    }

    [Fact]
    public void LearnedAddresses_ExpireAfterTheirTtl_NoSoonerThanTheMinimum()
    {
        var time = new FakeTimeProvider();
        var h = WithFilters("", "a.test", new BuiltinCalloutOptions { TimeProvider = time, DnsMinimumTtl = TimeSpan.FromSeconds(30) });
        var response = new DnsBuilder(1, 0x8180, 1, 2).Question("a.test").A("a.test", "192.0.2.1", ttl: 5).A("a.test", "192.0.2.2", ttl: 120).ToArray();
        Datagram(h, ResponsePacket(response), outbound: false);
        var one = FwpValue.FromUInt32(V4("192.0.2.1"));
        var two = FwpValue.FromUInt32(V4("192.0.2.2"));

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(ActionType.Block, Connect(h, one).Action);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(ActionType.Permit, Connect(h, one).Action);
        Assert.Equal(ActionType.Block, Connect(h, two).Action);
        time.Advance(TimeSpan.FromSeconds(90));
        Assert.Equal(ActionType.Permit, Connect(h, two).Action);
    }

    [Fact]
    public void AddressSet_IsBounded()
    {
        var h = WithFilters("", "a.test", new BuiltinCalloutOptions { MaxDnsAddresses = 2 });
        var response = new DnsBuilder(1, 0x8180, 1, 3).Question("a.test").A("a.test", "192.0.2.1").A("a.test", "192.0.2.2").A("a.test", "192.0.2.3").ToArray();
        Datagram(h, ResponsePacket(response), outbound: false);
        Assert.Equal(2, h.Builtins.Dns.Addresses.Count);
        Assert.Equal(1, h.Builtins.Dns.Counters[DnsCounter.AddressSetFull]);
        Assert.Equal(ActionType.Permit, Connect(h, FwpValue.FromUInt32(V4("192.0.2.3"))).Action);
    }

    public static TheoryData<string, byte[]> MalformedMessages()
    {
        var header = new byte[] { 0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0 };
        return new TheoryData<string, byte[]>
        {
            { "pointer to itself", [.. header, 0xC0, 12, 0, 1, 0, 1] },
            { "pointer forward", [.. header, 0xC0, 20, 0, 1, 0, 1, 1, (byte)'a', 0] },
            { "pointer loop through a label", [.. header, 1, (byte)'a', 0xC0, 12, 0, 1, 0, 1] },
            { "two names pointing at each other", [.. header, 3, (byte)'a', (byte)'b', (byte)'c', 0xC0, 20, 0, 1, 0, 1, 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4] },
            { "label past the end", [.. header, 40, (byte)'a', (byte)'b'] },
            { "reserved label type", [.. header, 0x80, 1, 0, 1, 0, 1] },
            { "name longer than 255", [.. header, .. Enumerable.Repeat((byte[])[63, .. new byte[63]], 5).SelectMany(x => x), 0, 0, 1, 0, 1] },
            { "rdata past the end", [.. header, 1, (byte)'a', 0, 0, 1, 0, 1, 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 200, 1, 2] },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedMessages))]
    public void MalformedMessages_ArePermittedAndCounted_NeverThrow(string what, byte[] dns)
    {
        var h = WithFilters("b.test", "b.test");
        Assert.Equal(ActionType.Permit, Datagram(h, ResponsePacket(dns), outbound: false).Action);
        var asQuery = (byte[])dns.Clone();
        asQuery[2] = 0x01;
        Assert.Equal(ActionType.Permit, Datagram(h, QueryPacket(asQuery), outbound: true, new RecordingInjector()).Action);
        Assert.True(h.Builtins.Dns.Counters[DnsCounter.Malformed] >= 1, what);
        Assert.Equal(0, h.Engine.Callouts.FaultsOf(OpenWfpCallouts.Dns.Key));
        Assert.Equal(0, h.Builtins.Dns.Addresses.Count);
    }

    [Fact]
    public void TruncatedAtEveryLength_NeverThrows()
    {
        var h = WithFilters("www.blocked.test", "www.blocked.test");
        var response = new DnsBuilder(1, 0x8180, 1, 2).Question("www.blocked.test").Cname("www.blocked.test", "e.cdn.test").A("e.cdn.test", "192.0.2.9").ToArray();
        var query = Query("www.blocked.test");
        var injector = new RecordingInjector();
        for (var length = 0; length < response.Length; length++)
        {
            Datagram(h, ResponsePacket(response[..length]), outbound: false);
        }

        for (var length = 0; length < query.Length; length++)
        {
            Assert.Equal(ActionType.Permit, Datagram(h, QueryPacket(query[..length]), outbound: true, injector).Action);
        }

        Assert.Equal(0, injector.Count);
        Assert.Equal(0, h.Engine.Callouts.FaultsOf(OpenWfpCallouts.Dns.Key));
        Assert.Equal(0, h.Builtins.Dns.Addresses.Count);
        Assert.True(h.Builtins.Dns.Counters[DnsCounter.Malformed] > 20);
    }

    [Fact]
    public void RandomBytesOnPort53_NeverThrow()
    {
        var h = WithFilters("a.test", "a.test");
        var rng = new Random(53);
        for (var i = 0; i < 2000; i++)
        {
            var dns = new byte[rng.Next(0, 120)];
            rng.NextBytes(dns);
            Datagram(h, ResponsePacket(dns), outbound: false);
            Datagram(h, QueryPacket(dns), outbound: true, new RecordingInjector { Keep = false });
        }

        Assert.Equal(0, h.Engine.Callouts.FaultsOf(OpenWfpCallouts.Dns.Key));
    }

    [Fact]
    public void OtherTraffic_IsIgnored()
    {
        var h = WithFilters("a.test");
        var layer = LayerCatalog.Layer("DATAGRAM_DATA_V4");
        var packet = PacketBuilder.Ipv4(Client4, Server4, IpProtocol.Udp, PacketBuilder.Udp(ClientPort, 5353, Query("a.test")));
        var values = Values(layer, false, ClientPort, 5353, outbound: true);
        var layerData = new LayerData(packet, 20, 8, 20, Interface, null);
        Assert.Equal(ActionType.Permit, h.Engine.Classify(layer, values, default, default, in layerData).Action);
        Assert.Equal(ActionType.Permit, h.Engine.Classify(layer, values).Action);
        Assert.Equal(2, h.Builtins.Dns.Counters[DnsCounter.Ignored]);
        Assert.Equal(0, h.Builtins.Dns.Counters[DnsCounter.Queries]);
    }

    [Theory]
    [InlineData("bad name!", "is not a DNS name")]
    [InlineData("a..b", "is not a DNS name")]
    [InlineData("*", "is not a DNS name")]
    public void BadConfiguration_FailsTheAdd(string config, string message)
    {
        var h = new Harness();
        var ex = Assert.Throws<WfpException>(() => h.AddFilter(OpenWfpCallouts.Dns, "DATAGRAM_DATA_V4", config));
        Assert.Equal(WfpError.CalloutNotificationFailed, ex.Error);
        Assert.Contains(message, ex.Details[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherLayers_AreRefused()
    {
        var h = new Harness();
        var ex = Assert.Throws<WfpException>(() => h.AddFilter(OpenWfpCallouts.Dns, "STREAM_V4", "a.test"));
        Assert.Contains("works only at DATAGRAM_DATA_V4, DATAGRAM_DATA_V6, ALE_AUTH_CONNECT_V4, ALE_AUTH_CONNECT_V6", ex.Details[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unregister_MakesTheFiltersActAsUnregisteredCallouts()
    {
        var h = WithFilters("a.test");
        h.Builtins.Unregister();
        Assert.False(h.Engine.Callouts.IsRegistered(OpenWfpCallouts.Dns.Key));
        Assert.False(h.Engine.Callouts.IsRegistered(OpenWfpCallouts.HttpRequest.Key));
        Assert.Equal(ActionType.Block, Datagram(h, QueryPacket(Query("b.test")), outbound: true).Action);
        Assert.Throws<WfpException>(() => BuiltinCallouts.Register(new Harness().Engine));
    }

    [Fact]
    public void Counters_AreNamedPerCallout()
    {
        var h = WithFilters("a.test");
        Datagram(h, QueryPacket(Query("a.test")), outbound: true);
        var counters = h.Builtins.Counters().ToDictionary(c => c.Key, c => c.Value);
        Assert.Equal(1, counters["openwfp.dns.QueriesBlocked"]);
        Assert.Equal(0, counters["openwfp.http-request.Blocked"]);
    }
}
