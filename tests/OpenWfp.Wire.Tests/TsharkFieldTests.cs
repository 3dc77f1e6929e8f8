using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using OpenWfp.Pcap;
using OpenWfp.Testing.Packets;
using static OpenWfp.Testing.Packets.PacketBuilder;

namespace OpenWfp.Wire.Tests;

/// <summary>
/// Compares the fields <see cref="PacketParser"/> extracts with tshark's decode of the same captures: a varied set of
/// built frames (every link type, VLAN tags, IPv4 options and fragments, IPv6 extension headers and fragments, TCP,
/// UDP, ICMP, ICMPv6 and quoted packets) plus every capture under <c>samples/</c>.
/// </summary>
public sealed class TsharkFieldTests
{
    private static readonly DateTime T0 = new(2024, 5, 1, 12, 0, 0, DateTimeKind.Utc);

    private const ulong MacA = 0x020000000001;
    private const ulong MacB = 0x0A1B2C3D4E5F;

    private static readonly uint A = V4("10.0.0.1");
    private static readonly uint B = V4("192.168.1.10");
    private static readonly uint C = V4("93.184.216.34");
    private static readonly uint D = V4("203.0.113.7");
    private static readonly UInt128 A6 = V6("2001:db8::1");
    private static readonly UInt128 B6 = V6("2001:db8:85a3::8a2e:370:7334");
    private static readonly UInt128 C6 = V6("fe80::1");
    private static readonly UInt128 D6 = V6("2001:db8:0:1:1:1:1:1");
    private static readonly UInt128 E6 = V6("2001:db8::1:0:0:1");
    private static readonly UInt128 F6 = V6("ff02::1:ff00:1");

    /// <summary>The parser fields every run must have compared at least once (with a non-zero value where marked).</summary>
    private static readonly (string Field, bool NonZero)[] RequiredFields =
    [
        ("DestinationMac", true), ("SourceMac", true), ("LinkPacketType", true), ("LinkDeviceType", true), ("InterfaceIndex", true),
        ("VlanCount", true), ("OuterVlanId", true), ("InnerVlanId", true), ("EtherType", true), ("IpVersion", false),
        ("SourceIPv4", true), ("DestinationIPv4", true), ("SourceIPv6", true), ("DestinationIPv6", true),
        ("Protocol", true), ("Ttl", true), ("TrafficClass", true), ("IpLength", true), ("TransportOffset", true), ("ExtensionHeaderCount", true),
        ("FragmentId", true), ("FragmentOffset", true), ("MoreFragments", true),
        ("SourcePort", true), ("DestinationPort", true),
        ("TcpFlags", true), ("TcpSequence", true), ("TcpAcknowledgment", true), ("TcpWindow", true), ("TcpHeaderLength", true), ("UdpLength", true),
        ("IcmpType", true), ("IcmpCode", true), ("IcmpId", true), ("IcmpSequence", true),
        ("InnerIpVersion", false), ("InnerSourceIPv4", true), ("InnerDestinationIPv4", true), ("InnerSourceIPv6", true), ("InnerDestinationIPv6", true),
        ("InnerProtocol", true), ("InnerSourcePort", true), ("InnerDestinationPort", true),
    ];

    [Fact]
    public void ParsedFieldsMatchTsharkDecode()
    {
        var tshark = FindOnPath("tshark");
        if (tshark is null)
        {
            Assert.Skip("tshark is not installed (Debian package tshark); the field comparison needs its decode.");
        }

        var (ipv4Scale, ipv6Scale) = FragmentOffsetScales(tshark);
        var check = new Checker(ipv4Scale, ipv6Scale);
        var dir = Directory.CreateTempSubdirectory("openwfp-tshark-");
        var summary = new List<string>();
        try
        {
            var frames = BuiltFrames();
            Assert.True(frames.Count >= 40, $"only {frames.Count} built frames");
            foreach (var (path, written) in WriteCaptures(dir.FullName, frames))
            {
                var compared = CompareFile(tshark, path, check);
                Assert.True(compared == written, $"{Path.GetFileName(path)}: wrote {written} frames, compared {compared}");
                summary.Add($"{Path.GetFileName(path)}: {compared} frames");
            }

            foreach (var sample in FindSamples())
            {
                summary.Add($"{sample}: {CompareFile(tshark, sample, check)} frames");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }

        summary.Add($"{check.Comparisons} field comparisons: " + string.Join(", ", check.Counts.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => $"{x.Key} {x.Value}")));
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join(Environment.NewLine, summary));
        Assert.True(check.Mismatches.Count == 0, $"{check.Mismatches.Count} field(s) differ from tshark:{Environment.NewLine}{string.Join(Environment.NewLine, check.Mismatches.Take(200))}");
        foreach (var (field, nonZero) in RequiredFields)
        {
            Assert.True(check.Counts.GetValueOrDefault(field) > 0, $"ParsedPacket.{field} was never compared with tshark");
            Assert.True(!nonZero || check.NonZeroCounts.GetValueOrDefault(field) > 0, $"ParsedPacket.{field} was never compared with a non-zero value");
        }
    }

    // Runs tshark on the file, reads it with CaptureReader, and compares frame by frame; returns the frames compared,
    // which is every frame tshark printed. A link type the parser does not handle shows up as a status mismatch.
    private static int CompareFile(string tshark, string path, Checker check)
    {
        var name = Path.GetFileName(path);
        var lines = RunTshark(tshark, path).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var compared = 0;
        using var reader = new CaptureReader(File.OpenRead(path));
        while (reader.TryReadNext(out var packet))
        {
            var index = (int)packet.FrameNumber - 1;
            Assert.True(index < lines.Length, $"{name}: tshark printed {lines.Length} frames, the reader found frame {packet.FrameNumber}");
            var frame = new TsharkFrame(lines[index]);
            Assert.True(frame.Number == packet.FrameNumber, $"{name}: tshark line {index + 1} is frame {frame.Number}, expected {packet.FrameNumber}");
            // Wire's LinkType values are the LINKTYPE_* numbers; anything wider than 16 bits is no link type it knows.
            var linkType = packet.LinkType <= ushort.MaxValue ? (LinkType)packet.LinkType : default;
            var status = PacketParser.Parse(linkType, packet.Data.Span, out var parsed);
            check.Begin(name, packet.FrameNumber);
            CompareFrame(check, frame, status, parsed);
            compared++;
        }

        Assert.True(compared == lines.Length, $"{name}: tshark printed {lines.Length} frames, the reader read {compared}");
        return compared;
    }

    private static readonly HashSet<string> LinkTokens = new(StringComparer.Ordinal) { "eth", "ethertype", "sll", "raw", "vlan", "ieee8021ad" };

    private static void CompareFrame(Checker check, TsharkFrame t, ParseStatus status, in ParsedPacket p)
    {
        var tokens = t.Protocols;

        // Link layer.
        switch (p.LinkType)
        {
            case LinkType.Ethernet:
                check.Text("DestinationMac", "eth.dst", 0, t.Get("eth.dst", 0), Mac(p.DestinationMac));
                check.Text("SourceMac", "eth.src", 0, t.Get("eth.src", 0), Mac(p.SourceMac));
                break;
            case LinkType.LinuxSll:
            case LinkType.LinuxSll2:
                check.Number("LinkPacketType", "sll.pkttype", 0, t.Get("sll.pkttype", 0), p.LinkPacketType);
                check.Number("LinkDeviceType", "sll.hatype", 0, t.Get("sll.hatype", 0), p.LinkDeviceType);
                var sllSource = t.Get("sll.src.eth", 0);
                check.Text("SourceMac", "sll.src.eth", 0, sllSource, sllSource is null && p.SourceMac == 0 ? null : Mac(p.SourceMac));
                check.Number("InterfaceIndex", "sll.ifindex", 0, t.Get("sll.ifindex", 0), p.LinkType == LinkType.LinuxSll2 ? p.InterfaceIndex : null);
                break;
        }

        // VLAN tags, in frame.protocols order: "ieee8021ad" (an 802.1ad S-tag) or "vlan" (802.1Q, or the 0x9100 tag).
        var tags = new List<(string Field, int Occurrence)>();
        var net = 0;
        for (; net < tokens.Length && LinkTokens.Contains(tokens[net]); net++)
        {
            if (tokens[net] is "vlan")
            {
                tags.Add(("vlan.id", t.Occurrence(net)));
            }
            else if (tokens[net] is "ieee8021ad")
            {
                // tshark 4.0 files the S-tag's VLAN id under ieee8021ad.id when a C-tag follows; svid otherwise.
                var occurrence = t.Occurrence(net);
                tags.Add((t.Get("ieee8021ad.id", occurrence) is null ? "ieee8021ad.svid" : "ieee8021ad.id", occurrence));
            }
        }

        check.Number("VlanCount", "vlan.id+ieee8021ad.svid (count)", 0, tags.Count == 0 ? null : tags.Count.ToString(CultureInfo.InvariantCulture), p.VlanCount == 0 ? null : p.VlanCount);
        if (tags.Count > 0 && p.VlanCount > 0)
        {
            check.Number("OuterVlanId", tags[0].Field, tags[0].Occurrence, t.Get(tags[0].Field, tags[0].Occurrence), p.OuterVlanId);
        }

        if (tags.Count > 1 && p.VlanCount > 1)
        {
            check.Number("InnerVlanId", tags[^1].Field, tags[^1].Occurrence, t.Get(tags[^1].Field, tags[^1].Occurrence), p.InnerVlanId);
        }

        // The EtherType after the tags: eth.type / sll.etype untagged, the last 802.1Q tag's type field when tagged.
        // Values below 0x0600 are an 802.3 length (eth.len) or a Linux cooked pseudo-protocol (sll.ltype); the parser
        // reports the field as found, and so does tshark under those names.
        var length = p.EtherType < EtherType.MinimumEtherType;
        var etherTypeField = p.LinkType switch
        {
            LinkType.Ethernet => length ? "eth.len" : "eth.type",
            LinkType.LinuxSll or LinkType.LinuxSll2 => length ? "sll.ltype" : "sll.etype",
            _ => null,
        };
        var etherTypeOccurrence = 0;
        if (tags.Count > 0)
        {
            // tshark names the type field after an 802.1ad tag nowhere we can ask for; after an 802.1Q tag it is vlan.*.
            etherTypeField = tags[^1].Field == "vlan.id" ? (length ? "vlan.len" : "vlan.etype") : null;
            etherTypeOccurrence = tags[^1].Occurrence;
        }

        if (etherTypeField is not null)
        {
            check.Number("EtherType", etherTypeField, etherTypeOccurrence, t.Get(etherTypeField, etherTypeOccurrence), p.EtherType);
        }

        // Network layer: tshark's first protocol after the link layer, and our status. An IP header tshark gives up on
        // before the addresses (bogus length, version) and one the parser rejects before filling in the IP fields
        // agree; a rejection anywhere else (a malformed TCP header fails the whole packet) is a difference.
        const string Rejected = "IP header rejected";
        var tsharkNetwork = net < tokens.Length && tokens[net] is "ip" or "ipv6"
            ? (t.Get(tokens[net] + ".src", t.Occurrence(net)) is null ? Rejected : tokens[net])
            : "not IP";
        var ourNetwork = status switch
        {
            ParseStatus.Ok => p.IpVersion == 4 ? "ip" : "ipv6",
            ParseStatus.NotIp => "not IP",
            ParseStatus.Truncated or ParseStatus.Malformed when p.IpVersion == 0 && p.EtherType is EtherType.Ipv4 or EtherType.Ipv6 => Rejected,
            _ => $"status {status}",
        };
        check.Text("IpVersion", "frame.protocols", 0, tsharkNetwork, ourNetwork);
        if (status != ParseStatus.Ok || tsharkNetwork != ourNetwork)
        {
            return;
        }

        var transport = p.IpVersion == 4 ? CompareIpv4(check, t, net, p) : CompareIpv6(check, t, net, p);
        var transportToken = transport < tokens.Length ? tokens[transport] : null;
        CompareTransport(check, t, transport, transportToken, p);

        // The packet quoted in an ICMP error (RFC 792 and RFC 4443 error types): tshark decodes it as a second ip/ipv6
        // layer right after icmp/icmpv6. (It also decodes the header carried in an ND Redirect's option; that is no
        // error message, and the parser rightly leaves it alone.) A quoted header too short or too broken for the
        // addresses counts as rejected on both sides.
        var errorType = transportToken is "icmp" or "icmpv6" ? t.Get(transportToken + ".type", t.Occurrence(transport)) : null;
        var isError = transportToken == "icmp" ? errorType is "3" or "4" or "5" or "11" or "12" : errorType is "1" or "2" or "3" or "4";
        var quoted = isError && transport + 1 < tokens.Length && tokens[transport + 1] is "ip" or "ipv6" ? transport + 1 : -1;
        var tsharkInner = quoted < 0 ? null : t.Get(tokens[quoted] + ".src", t.Occurrence(quoted)) is null ? Rejected : tokens[quoted];
        var ourInner = p.Has(PacketFlags.InnerNetworkPresent) ? (p.InnerIpVersion == 4 ? "ip" : "ipv6")
            : p.Has(PacketFlags.InnerMalformed) || p.Has(PacketFlags.InnerTruncated) ? Rejected
            : null;
        if (ourInner == Rejected && tsharkInner is null)
        {
            tsharkInner = Rejected; // a quote too short to start an IP header: tshark lists no layer for it at all
        }

        check.Text("InnerIpVersion", "frame.protocols", 0, tsharkInner, ourInner);
        if (tsharkInner is null or Rejected || tsharkInner != ourInner)
        {
            return;
        }

        int innerTransport;
        var o = t.Occurrence(quoted);
        if (tsharkInner == "ip")
        {
            check.Text("InnerSourceIPv4", "ip.src", o, t.Get("ip.src", o), V4(p.InnerSourceIPv4));
            check.Text("InnerDestinationIPv4", "ip.dst", o, t.Get("ip.dst", o), V4(p.InnerDestinationIPv4));
            check.Number("InnerProtocol", "ip.proto", o, t.Get("ip.proto", o), p.InnerProtocol);
            innerTransport = quoted + 1;
        }
        else
        {
            check.Text("InnerSourceIPv6", "ipv6.src", o, t.Get("ipv6.src", o), V6(p.InnerSourceIPv6));
            check.Text("InnerDestinationIPv6", "ipv6.dst", o, t.Get("ipv6.dst", o), V6(p.InnerDestinationIPv6));
            var chain = Ipv6Chain(t, quoted);
            check.Number("InnerProtocol", chain.NextField, chain.NextOccurrence, t.Get(chain.NextField, chain.NextOccurrence), p.InnerProtocol);
            innerTransport = chain.End;
        }

        ComparePorts(check, t, innerTransport, "Inner", p.InnerProtocol, p.Has(PacketFlags.InnerPortsPresent), p.InnerSourcePort, p.InnerDestinationPort);
    }

    // Returns the index in frame.protocols of the layer after the IPv4 header.
    private static int CompareIpv4(Checker check, TsharkFrame t, int index, in ParsedPacket p)
    {
        var o = t.Occurrence(index);
        check.Text("SourceIPv4", "ip.src", o, t.Get("ip.src", o), V4(p.SourceIPv4));
        check.Text("DestinationIPv4", "ip.dst", o, t.Get("ip.dst", o), V4(p.DestinationIPv4));
        check.Number("Protocol", "ip.proto", o, t.Get("ip.proto", o), p.Protocol);
        check.Number("Ttl", "ip.ttl", o, t.Get("ip.ttl", o), p.Ttl);
        check.Number("TrafficClass", "ip.dsfield", o, t.Get("ip.dsfield", o), p.TrafficClass);
        check.Number("IpLength", "ip.len", o, t.Get("ip.len", o), p.IpLength);
        check.Number("TransportOffset", "ip.hdr_len", o, t.Get("ip.hdr_len", o), p.TransportOffset - p.NetworkOffset);
        check.Number("FragmentId", "ip.id", o, t.Get("ip.id", o), p.FragmentId);
        check.Number("FragmentOffset", "ip.frag_offset", o, t.Get("ip.frag_offset", o), p.FragmentOffset, check.Ipv4FragmentScale);
        check.Number("MoreFragments", "ip.flags.mf", o, t.Get("ip.flags.mf", o), p.Has(PacketFlags.MoreFragments) ? 1 : 0);
        return index + 1;
    }

    // Returns the index in frame.protocols of the layer after the IPv6 extension header chain.
    private static int CompareIpv6(Checker check, TsharkFrame t, int index, in ParsedPacket p)
    {
        var o = t.Occurrence(index);
        check.Text("SourceIPv6", "ipv6.src", o, t.Get("ipv6.src", o), V6(p.SourceIPv6));
        check.Text("DestinationIPv6", "ipv6.dst", o, t.Get("ipv6.dst", o), V6(p.DestinationIPv6));
        check.Number("Ttl", "ipv6.hlim", o, t.Get("ipv6.hlim", o), p.Ttl);
        check.Number("TrafficClass", "ipv6.tclass", o, t.Get("ipv6.tclass", o), p.TrafficClass);
        check.Number("IpLength", "ipv6.plen", o, t.Get("ipv6.plen", o), p.IpLength - 40);
        var chain = Ipv6Chain(t, index);
        check.Number("ExtensionHeaderCount", "frame.protocols (ipv6.* layers)", 0, (chain.End - index - 1).ToString(CultureInfo.InvariantCulture), p.ExtensionHeaderCount);
        check.Number("Protocol", chain.NextField, chain.NextOccurrence, t.Get(chain.NextField, chain.NextOccurrence), p.Protocol);
        var f = chain.FragmentOccurrence;
        var fragment = p.Has(PacketFlags.Fragment);
        check.Number("FragmentOffset", "ipv6.fraghdr.offset", f, f < 0 ? null : t.Get("ipv6.fraghdr.offset", f), fragment ? p.FragmentOffset : null, check.Ipv6FragmentScale);
        check.Number("MoreFragments", "ipv6.fraghdr.more", f, f < 0 ? null : t.Get("ipv6.fraghdr.more", f), fragment ? (p.Has(PacketFlags.MoreFragments) ? 1 : 0) : null);
        check.Number("FragmentId", "ipv6.fraghdr.ident", f, f < 0 ? null : t.Get("ipv6.fraghdr.ident", f), fragment ? p.FragmentId : null);
        return chain.End;
    }

    // Walks the ipv6.* layers tshark lists after an ipv6 layer: the field naming the upper protocol (the last
    // extension header's next-header field, or ipv6.nxt), the fragment header's occurrence, and where the chain ends.
    private static (string NextField, int NextOccurrence, int FragmentOccurrence, int End) Ipv6Chain(TsharkFrame t, int index)
    {
        var field = "ipv6.nxt";
        var occurrence = t.Occurrence(index);
        var fragment = -1;
        var i = index + 1;
        for (; i < t.Protocols.Length; i++)
        {
            var next = t.Protocols[i] switch
            {
                "ipv6.hopopts" => "ipv6.hopopts.nxt",
                "ipv6.routing" => "ipv6.routing.nxt",
                "ipv6.dstopts" => "ipv6.dstopts.nxt",
                "ipv6.fraghdr" => "ipv6.fraghdr.nxt",
                "ah" => "ah.next_header",
                _ => null,
            };
            if (next is null)
            {
                break;
            }

            field = next;
            occurrence = t.Occurrence(i);
            if (t.Protocols[i] == "ipv6.fraghdr")
            {
                fragment = occurrence;
            }
        }

        return (field, occurrence, fragment, i);
    }

    private static void CompareTransport(Checker check, TsharkFrame t, int index, string? token, in ParsedPacket p)
    {
        var o = token is null ? 0 : t.Occurrence(index);
        string? Get(string protocol, string field) => token == protocol ? t.Get(field, o) : null;

        // Ports: tshark lists tcp/udp/sctp right after the IP layer exactly when it decodes the header we take ports from.
        ComparePorts(check, t, index, string.Empty, p.Protocol, p.Has(PacketFlags.PortsPresent), p.SourcePort, p.DestinationPort);

        // The rest of the header when we have all of it; a header cut by the capture gives ports only, by design.
        var whole = p.Has(PacketFlags.TransportPresent);
        if (whole || !p.Has(PacketFlags.TransportTruncated))
        {
            var tcp = whole && p.Protocol == IpProtocol.Tcp;
            check.Number("TcpFlags", "tcp.flags", o, Get("tcp", "tcp.flags"), tcp ? (long)p.TcpFlags : null, mask: 0xFF);
            check.Number("TcpSequence", "tcp.seq_raw", o, Get("tcp", "tcp.seq_raw"), tcp ? p.TcpSequence : null);
            check.Number("TcpAcknowledgment", "tcp.ack_raw", o, Get("tcp", "tcp.ack_raw"), tcp ? p.TcpAcknowledgment : null);
            check.Number("TcpWindow", "tcp.window_size_value", o, Get("tcp", "tcp.window_size_value"), tcp ? p.TcpWindow : null);
            check.Number("TcpHeaderLength", "tcp.hdr_len", o, Get("tcp", "tcp.hdr_len"), tcp ? p.TcpHeaderLength : null);
            var udp = whole && p.Protocol == IpProtocol.Udp;
            check.Number("UdpLength", "udp.length", o, Get("udp", "udp.length"), udp ? p.UdpLength : null);
        }

        // ICMP: type and code whenever tshark decodes icmp/icmpv6 here; identifier and sequence for echo messages.
        var icmp = p.IpVersion == 4 ? "icmp" : "icmpv6";
        var ourIcmp = p.Protocol == (p.IpVersion == 4 ? IpProtocol.Icmp : IpProtocol.Icmpv6) && (whole || p.Has(PacketFlags.TransportTruncated));
        check.Number("IcmpType", $"{icmp}.type", o, Get(icmp, $"{icmp}.type"), ourIcmp ? p.IcmpType : null);
        check.Number("IcmpCode", $"{icmp}.code", o, Get(icmp, $"{icmp}.code"), ourIcmp ? p.IcmpCode : null);
        var echoType = Get(icmp, $"{icmp}.type");
        var tsharkEcho = echoType is "0" or "8" && icmp == "icmp" || echoType is "128" or "129" && icmp == "icmpv6";
        var idField = icmp == "icmp" ? "icmp.ident" : "icmpv6.echo.identifier";
        var seqField = icmp == "icmp" ? "icmp.seq" : "icmpv6.echo.sequence_number";
        var ourEcho = p.Has(PacketFlags.IcmpEcho);
        check.Number("IcmpId", idField, o, tsharkEcho ? t.Get(idField, o) : null, ourEcho ? p.IcmpId : null);
        check.Number("IcmpSequence", seqField, o, tsharkEcho ? t.Get(seqField, o) : null, ourEcho ? p.IcmpSequence : null);
    }

    private static void ComparePorts(Checker check, TsharkFrame t, int index, string prefix, byte protocol, bool present, ushort source, ushort destination)
    {
        var token = index < t.Protocols.Length ? t.Protocols[index] : null;
        var tsharkField = PortFieldPrefix(token);
        var ourField = protocol switch
        {
            IpProtocol.Tcp => "tcp",
            IpProtocol.Udp or IpProtocol.UdpLite => "udp",
            IpProtocol.Sctp => "sctp",
            _ => null,
        };
        var field = tsharkField ?? ourField ?? "tcp";
        var ours = present && ourField is not null;
        var o = tsharkField is null ? 0 : t.Protocols.Take(index).Count(x => PortFieldPrefix(x) == tsharkField);
        check.Number(prefix + "SourcePort", field + ".srcport", o, tsharkField is null ? null : t.Get(field + ".srcport", o), ours ? source : null);
        check.Number(prefix + "DestinationPort", field + ".dstport", o, tsharkField is null ? null : t.Get(field + ".dstport", o), ours ? destination : null);
    }

    // The field prefix of the port fields a tshark layer carries (UDP-Lite shares UDP's fields); null for none.
    private static string? PortFieldPrefix(string? token) => token switch
    {
        "tcp" => "tcp",
        "udp" or "udplite" => "udp",
        "sctp" => "sctp",
        _ => null,
    };

    // tshark 4.0 prints the fragment offset fields as they are on the wire, in 8-octet units (the field definitions
    // carry a bit mask); older versions multiplied them out and printed bytes (no mask). The definitions say which, so
    // the comparison follows the installed tshark, and ParsedPacket.FragmentOffset (bytes) is compared in bytes.
    private static (int Ipv4, int Ipv6) FragmentOffsetScales(string tshark)
    {
        int? ipv4 = null, ipv6 = null;
        foreach (var line in RunProcess(tshark, ["-G", "fields"]).Split('\n'))
        {
            var columns = line.Split('\t');
            if (columns.Length > 6 && columns[0] == "F" && columns[2] is "ip.frag_offset" or "ipv6.fraghdr.offset")
            {
                var scale = columns[6] is "0x0" or "0" ? 1 : 8;
                if (columns[2] == "ip.frag_offset")
                {
                    ipv4 = scale;
                }
                else
                {
                    ipv6 = scale;
                }
            }
        }

        Assert.True(ipv4 is not null && ipv6 is not null, "tshark -G fields lists no ip.frag_offset or ipv6.fraghdr.offset");
        return (ipv4.Value, ipv6.Value);
    }

    // Every samples/*.pcap and samples/*.pcapng at the repository root, so recorded captures join the comparison.
    private static IEnumerable<string> FindSamples()
    {
        var samples = Path.Combine(FindRepoRoot(), "samples");
        if (!Directory.Exists(samples))
        {
            return [];
        }

        return Directory.EnumerateFiles(samples)
            .Where(x => x.EndsWith(".pcap", StringComparison.Ordinal) || x.EndsWith(".pcapng", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
    }

    // The directory holding wfp.slnx above the test assembly; when the build output lives outside the repository
    // (--artifacts-path /tmp/...), above this source file's compile-time path, then above the current directory.
    private static string FindRepoRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile), Directory.GetCurrentDirectory() })
        {
            for (var dir = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "wfp.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException($"No wfp.slnx above {AppContext.BaseDirectory}, {sourceFile} or {Directory.GetCurrentDirectory()}.");
    }

    /// <summary>One line of tshark's field output.</summary>
    private sealed class TsharkFrame
    {
        private readonly Dictionary<string, string[]> _values = new(StringComparer.Ordinal);

        public TsharkFrame(string line)
        {
            var columns = line.Split('\t');
            Assert.True(columns.Length == Fields.Length, $"tshark printed {columns.Length} columns, expected {Fields.Length}: {line}");
            for (var i = 0; i < Fields.Length; i++)
            {
                if (columns[i].Length > 0)
                {
                    _values[Fields[i]] = columns[i].Split(',');
                }
            }

            Number = long.Parse(columns[0], CultureInfo.InvariantCulture);
            Protocols = columns[1].Split(':');
        }

        public long Number { get; }

        public string[] Protocols { get; }

        /// <summary>The value of the given occurrence of a field, or null when tshark printed fewer.</summary>
        public string? Get(string field, int occurrence)
        {
            Assert.True(Fields.Contains(field), $"{field} is not among the fields tshark is asked for");
            return _values.TryGetValue(field, out var values) && occurrence >= 0 && occurrence < values.Length ? values[occurrence] : null;
        }

        /// <summary>How many layers of the same protocol come before the one at <paramref name="index"/> in frame.protocols.</summary>
        public int Occurrence(int index) => Protocols.Take(index).Count(x => x == Protocols[index]);
    }

    /// <summary>Compares values, counts comparisons per parser field and collects mismatches.</summary>
    private sealed class Checker(int ipv4FragmentScale, int ipv6FragmentScale)
    {
        private string _file = string.Empty;
        private long _frame;

        public int Ipv4FragmentScale { get; } = ipv4FragmentScale;

        public int Ipv6FragmentScale { get; } = ipv6FragmentScale;

        public Dictionary<string, int> Counts { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, int> NonZeroCounts { get; } = new(StringComparer.Ordinal);

        public List<string> Mismatches { get; } = [];

        public int Comparisons { get; private set; }

        public void Begin(string file, long frame)
        {
            _file = file;
            _frame = frame;
        }

        public void Text(string ours, string field, int occurrence, string? tshark, string? value)
        {
            if (tshark is null && value is null)
            {
                return;
            }

            Count(ours, value is not null);
            if (!string.Equals(tshark, value, StringComparison.Ordinal))
            {
                Mismatch(ours, field, occurrence, tshark, value);
            }
        }

        public void Number(string ours, string field, int occurrence, string? tshark, long? value, int scale = 1, long mask = -1)
        {
            if (tshark is null && value is null)
            {
                return;
            }

            Count(ours, value is not null and not 0);
            long? expected = tshark is null ? null : ParseNumber(tshark) is { } n ? n * scale & mask : null;
            if (tshark is null || value is null || expected != value)
            {
                var shown = tshark is null ? null
                    : scale != 1 ? $"{tshark} (= {expected?.ToString(CultureInfo.InvariantCulture) ?? "?"} bytes)"
                    : mask != -1 ? $"{tshark} (= {expected?.ToString(CultureInfo.InvariantCulture) ?? "?"} in the low 8 bits)"
                    : tshark;
                Mismatch(ours, field, occurrence, shown, value?.ToString(CultureInfo.InvariantCulture));
            }
        }

        private void Count(string ours, bool nonZero)
        {
            Comparisons++;
            Counts[ours] = Counts.GetValueOrDefault(ours) + 1;
            if (nonZero)
            {
                NonZeroCounts[ours] = NonZeroCounts.GetValueOrDefault(ours) + 1;
            }
        }

        private void Mismatch(string ours, string field, int occurrence, string? tshark, string? value) =>
            Mismatches.Add($"{_file} frame {_frame}: tshark {field} (occurrence {occurrence + 1}) = {tshark ?? "(absent)"}, ParsedPacket.{ours} = {value ?? "(absent)"}");

        private static long? ParseNumber(string text) => text switch
        {
            "True" => 1,
            "False" => 0,
            _ when text.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) => hex,
            _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var dec) => dec,
            _ => null,
        };
    }

    /// <summary>A frame to write; <paramref name="Captured"/> cuts it as a snap length would (negative: whole).</summary>
    private readonly record struct TestFrame(uint LinkType, byte[] Data, int Captured = -1)
    {
        public ReadOnlySpan<byte> Bytes => Captured < 0 ? Data : Data.AsSpan(0, Captured);
    }

    private static List<TestFrame> BuiltFrames()
    {
        var f = new List<TestFrame>();
        void Eth(ushort etherType, byte[] payload, params (ushort Tpid, ushort Tci)[] tags) =>
            f.Add(new(LinkTypes.Ethernet, Ethernet(MacB, MacA, etherType, payload, tags)));

        // Plain Ethernet: TCP with options, TCP with data, UDP, a short UDP padded to the 60-byte minimum, ARP.
        Eth(EtherType.Ipv4, Ipv4(B, C, IpProtocol.Tcp, Tcp(51514, 443, 0x12345678, 0, TcpFlags.Syn, options: Hex("020405b401010402"))));
        Eth(EtherType.Ipv4, Ipv4(C, B, IpProtocol.Tcp, Tcp(443, 51514, 0x9ABCDEF0, 0x12345679, TcpFlags.Ack | TcpFlags.Psh, payload: new byte[37], window: 501), ttl: 57, id: 0x4D2));
        Eth(EtherType.Ipv4, Ipv4(A, D, IpProtocol.Udp, Udp(5353, 53, new byte[29]), ttl: 128, id: 0xBEEF));
        f.Add(new(LinkTypes.Ethernet, Pad(Ethernet(MacB, MacA, EtherType.Ipv4, Ipv4(A, B, IpProtocol.Udp, Udp(40000, 9, [1, 2]))), 60)));
        Eth(EtherType.Arp, Hex("0001 0800 06 04 0001 020000000001 0a000001 000000000000 0a000002"));

        // Headers both sides must reject: IPv4 total length 0 (as TSO captures show), IPv4 IHL 4.
        var zeroLength = Ipv4(A, B, IpProtocol.Tcp, Tcp(1, 2, 3, 4, TcpFlags.Ack));
        zeroLength[2] = 0;
        zeroLength[3] = 0;
        Eth(EtherType.Ipv4, zeroLength);
        var shortIhl = Ipv4(A, B, IpProtocol.Udp, Udp(1, 2, new byte[8]));
        shortIhl[0] = 0x44;
        Eth(EtherType.Ipv4, shortIhl);

        // 802.3 length frames (STP), untagged and inside an 802.1Q tag.
        var bpdu = Hex("424203 0000 00 00 00 8000020000000001 00000000 8000020000000001 8001 0000 1400 0200 0f00");
        f.Add(new(LinkTypes.Ethernet, Ethernet(0x0180C2000000, MacA, (ushort)(bpdu.Length + 3), bpdu)));
        f.Add(new(LinkTypes.Ethernet, Ethernet(0x0180C2000000, MacA, (ushort)(bpdu.Length + 3), bpdu, (EtherType.Vlan, 5))));

        // DSCP/ECN and IPv6 traffic class; UDP-Lite and SCTP ports.
        Eth(EtherType.Ipv4, WithTos(Ipv4(A, B, IpProtocol.Udp, Udp(5004, 5004, new byte[20])), 0xB9));
        Eth(EtherType.Ipv6, WithTrafficClass(Ipv6(A6, B6, IpProtocol.Tcp, Tcp(5060, 5061, 3, 4, TcpFlags.Syn)), 0x2E));
        Eth(EtherType.Ipv6, Ipv6(A6, B6, IpProtocol.UdpLite, Udp(5000, 5002, new byte[12])));
        Eth(EtherType.Ipv4, Ipv4(B, C, IpProtocol.Sctp, Hex("0b5904d2 00000000 00000000 01000014 00000001 0001a000 000a000a 00000001")));

        // 802.1Q (one with priority bits), QinQ with an 802.1ad outer tag, and the legacy 0x9100 outer tag.
        Eth(EtherType.Ipv4, Ipv4(A, B, IpProtocol.Tcp, Tcp(1025, 80, 1, 2, TcpFlags.Fin | TcpFlags.Ack)), (EtherType.Vlan, 100));
        Eth(EtherType.Ipv6, Ipv6(A6, B6, IpProtocol.Udp, Udp(546, 547, new byte[12])), (EtherType.Vlan, 0xA000 | 4094));
        Eth(EtherType.Ipv4, Ipv4(B, A, IpProtocol.Udp, Udp(123, 123, new byte[48])), (EtherType.QinQ, 200), (EtherType.Vlan, 300));
        Eth(EtherType.Ipv6, Ipv6(B6, A6, IpProtocol.Tcp, Tcp(22, 60000, 7, 8, TcpFlags.Rst)), (EtherType.QinQ, 1), (EtherType.Vlan, 4000));
        Eth(EtherType.Ipv4, Ipv4(A, C, IpProtocol.Icmp, Icmp(8, 0, 0x1234_0001, new byte[16])), (EtherType.QinQLegacy, 7), (EtherType.Vlan, 8));
        Eth(EtherType.Ipv6, Ipv6(A6, B6, IpProtocol.Udp, Udp(3478, 3479, new byte[8])), (EtherType.QinQ, 10), (EtherType.Vlan, 20), (EtherType.Vlan, 30));

        // IPv4 options: router alert + NOPs + EOL; record route with room for two addresses.
        Eth(EtherType.Ipv4, Ipv4(A, B, IpProtocol.Udp, Udp(1000, 2000, [9, 9, 9]), options: Hex("94040000 01010100")));
        Eth(EtherType.Ipv4, Ipv4(B, D, IpProtocol.Tcp, Tcp(3000, 4000, 5, 0, TcpFlags.Syn), options: Hex("070b04 0000000000000000 00")));

        // IPv4 fragments of one UDP datagram (first, middle, last) and of a TCP segment (first, last).
        var udp = Ipv4(A, D, IpProtocol.Udp, Udp(7000, 8000, new byte[140]))[20..];
        Eth(EtherType.Ipv4, Ipv4(A, D, IpProtocol.Udp, udp[..48], id: 0x7777, moreFragments: true));
        Eth(EtherType.Ipv4, Ipv4(A, D, IpProtocol.Udp, udp[48..96], id: 0x7777, moreFragments: true, fragmentOffset: 48));
        Eth(EtherType.Ipv4, Ipv4(A, D, IpProtocol.Udp, udp[96..], id: 0x7777, fragmentOffset: 96));
        var tcp = Ipv4(B, C, IpProtocol.Tcp, Tcp(5555, 80, 100, 200, TcpFlags.Ack | TcpFlags.Psh, payload: new byte[60]))[20..];
        Eth(EtherType.Ipv4, Ipv4(B, C, IpProtocol.Tcp, tcp[..32], id: 0x0102, moreFragments: true));
        Eth(EtherType.Ipv4, Ipv4(B, C, IpProtocol.Tcp, tcp[32..], id: 0x0102, fragmentOffset: 32));

        // A large ping, fragmented: ICMP in the first fragment only. A TCP header with 40 bytes of options.
        var ping = Ipv4(A, C, IpProtocol.Icmp, Icmp(8, 0, 0x0777_0001, new byte[2000]))[20..];
        Eth(EtherType.Ipv4, Ipv4(A, C, IpProtocol.Icmp, ping[..1480], id: 0x2222, moreFragments: true));
        Eth(EtherType.Ipv4, Ipv4(A, C, IpProtocol.Icmp, ping[1480..], id: 0x2222, fragmentOffset: 1480));
        Eth(EtherType.Ipv4, Ipv4(A, C, IpProtocol.Tcp, Tcp(40002, 443, 1, 0, TcpFlags.Syn,
            options: Hex("020405b4 0402 080a0001e24000000000 01 030307 0101 050a0000000100000002 0101010101010100"))));

        // ICMP: echo request and reply; errors quoting UDP, TCP (8 bytes, as routers send) and an echo request.
        Eth(EtherType.Ipv4, Ipv4(A, C, IpProtocol.Icmp, Icmp(8, 0, 0x0BAD_0007, new byte[32])));
        Eth(EtherType.Ipv4, Ipv4(C, A, IpProtocol.Icmp, Icmp(0, 0, 0x0BAD_0007, new byte[32])));
        var quotedUdp = Ipv4(B, D, IpProtocol.Udp, Udp(5353, 33434, new byte[20]), ttl: 1, id: 0x1111)[..28];
        Eth(EtherType.Ipv4, Ipv4(D, B, IpProtocol.Icmp, Icmp(3, 3, 0, quotedUdp)));
        var quotedTcp = Ipv4(A, C, IpProtocol.Tcp, Tcp(44000, 443, 0xCAFEBABE, 0, TcpFlags.Syn), ttl: 1)[..28];
        Eth(EtherType.Ipv4, Ipv4(D, A, IpProtocol.Icmp, Icmp(11, 0, 0, quotedTcp)));
        var quotedEcho = Ipv4(A, D, IpProtocol.Icmp, Icmp(8, 0, 0x0042_0001, new byte[8]));
        Eth(EtherType.Ipv4, Ipv4(D, A, IpProtocol.Icmp, Icmp(3, 1, 0, quotedEcho[..28])));
        var quotedWithOptions = Ipv4(B, C, IpProtocol.Udp, Udp(6000, 6001, new byte[10]), options: Hex("94040000"))[..32];
        Eth(EtherType.Ipv4, Ipv4(C, B, IpProtocol.Icmp, Icmp(3, 4, 1400, quotedWithOptions)));
        Eth(EtherType.Ipv4, Ipv4(D, B, IpProtocol.Icmp, Icmp(5, 1, V4("192.168.1.254"), quotedUdp)));
        Eth(EtherType.Ipv4, Ipv4(D, A, IpProtocol.Icmp, Icmp(12, 0, 0x1400_0000, quotedTcp)));
        Eth(EtherType.Ipv4, Ipv4(C, B, IpProtocol.Icmp, Icmp(4, 0, 0, quotedWithOptions)));
        Eth(EtherType.Ipv4, Ipv4(A, C, IpProtocol.Icmp, Icmp(13, 0, 0x0005_0006, new byte[12])));

        // Cut by the snap length: inside the TCP header just after the ports, inside a UDP and an IPv6 TCP payload.
        f.Add(new(LinkTypes.Ethernet, Ethernet(MacB, MacA, EtherType.Ipv4, Ipv4(A, C, IpProtocol.Tcp, Tcp(49152, 8443, 77, 88, TcpFlags.Ack, payload: new byte[100]))), 14 + 20 + 6));
        f.Add(new(LinkTypes.Ethernet, Ethernet(MacB, MacA, EtherType.Ipv4, Ipv4(A, C, IpProtocol.Udp, Udp(49153, 53, new byte[300]))), 14 + 20 + 8 + 10));
        f.Add(new(LinkTypes.Ethernet, Ethernet(MacB, MacA, EtherType.Ipv6, Ipv6(A6, B6, IpProtocol.Tcp, Tcp(49154, 443, 1, 2, TcpFlags.Ack, payload: new byte[1000]))), 14 + 40 + 20 + 64));

        // An ICMP error quoting a later fragment (no ports to quote).
        Eth(EtherType.Ipv4, Ipv4(D, A, IpProtocol.Icmp, Icmp(11, 1, 0, Ipv4(A, D, IpProtocol.Udp, udp[48..96], id: 0x7777, moreFragments: true, fragmentOffset: 48)[..28])));

        // ICMP errors whose quote is no usable IP header: a wrong version, a header cut after 12 bytes.
        Eth(EtherType.Ipv4, Ipv4(D, A, IpProtocol.Icmp, Icmp(3, 0, 0, [0x00, .. quotedUdp[1..]])));
        Eth(EtherType.Ipv4, Ipv4(D, A, IpProtocol.Icmp, Icmp(11, 0, 0, quotedUdp[..12])));

        // IPv6: plain TCP and UDP; hop-by-hop; hop-by-hop + routing + destination options; routing alone.
        Eth(EtherType.Ipv6, Ipv6(A6, B6, IpProtocol.Tcp, Tcp(50000, 443, 11, 0, TcpFlags.Syn | TcpFlags.Ece | TcpFlags.Cwr)));
        Eth(EtherType.Ipv6, Ipv6(D6, E6, IpProtocol.Udp, Udp(5000, 5001, new byte[33]), hopLimit: 3));
        Eth(EtherType.Ipv6, Ipv6(C6, F6, IpProtocol.Udp, Udp(521, 521, new byte[8]), 1, ExtensionHeader.HopByHop()));
        Eth(EtherType.Ipv6, Ipv6(A6, D6, IpProtocol.Tcp, Tcp(1234, 80, 1, 1, TcpFlags.Ack), 64,
            ExtensionHeader.HopByHop(), ExtensionHeader.Routing(), ExtensionHeader.DestinationOptions()));
        Eth(EtherType.Ipv6, Ipv6(E6, A6, IpProtocol.Udp, Udp(9999, 53, new byte[4]), 64, ExtensionHeader.Routing()));
        Eth(EtherType.Ipv6, Ipv6(A6, B6, IpProtocol.Icmpv6, Icmp(128, 0, 0x0101_0002, new byte[24], v6: true), 64, ExtensionHeader.DestinationOptions()));

        // Longer extension headers: a 16-byte hop-by-hop (PadN 12), a segment routing header with one segment, and
        // an authentication header (its length counts 4-byte words minus 2, unlike the others).
        var padN12 = new ExtensionHeader(IpProtocol.HopByHop, [1, 12, .. new byte[12]]);
        var srh = new ExtensionHeader(IpProtocol.Routing, [4, 0, 0, 0, 0, 0, .. Hex("20010db8000000000000000000000002")]);
        Eth(EtherType.Ipv6, Ipv6(A6, E6, IpProtocol.Udp, Udp(7777, 8888, new byte[10]), 64, padN12, srh));
        var withAh = Ipv6(B6, A6, IpProtocol.Tcp, Tcp(179, 40001, 12, 13, TcpFlags.Ack), 64,
            new ExtensionHeader(IpProtocol.AuthenticationHeader, [0, 0, 0, 0, 1, 0, 0, 0, 0, 1, .. new byte[12]]));
        withAh[41] = 4; // AH payload length: 24 bytes / 4 - 2
        Eth(EtherType.Ipv6, withAh);

        // IPv6 fragments of one UDP datagram (first, middle, last); a fragmented ping; an atomic fragment (RFC 6946);
        // a first fragment after hop-by-hop.
        var udp6 = Ipv6(A6, E6, IpProtocol.Udp, Udp(4000, 5000, new byte[140]))[40..];
        Eth(EtherType.Ipv6, Ipv6(A6, E6, IpProtocol.Udp, udp6[..56], 64, ExtensionHeader.Fragment(0xDEADBEEF, 0, true)));
        Eth(EtherType.Ipv6, Ipv6(A6, E6, IpProtocol.Udp, udp6[56..104], 64, ExtensionHeader.Fragment(0xDEADBEEF, 56, true)));
        Eth(EtherType.Ipv6, Ipv6(A6, E6, IpProtocol.Udp, udp6[104..], 64, ExtensionHeader.Fragment(0xDEADBEEF, 104, false)));
        var ping6 = Ipv6(A6, B6, IpProtocol.Icmpv6, Icmp(128, 0, 0x0888_0002, new byte[1600], v6: true))[40..];
        Eth(EtherType.Ipv6, Ipv6(A6, B6, IpProtocol.Icmpv6, ping6[..1448], 64, ExtensionHeader.Fragment(0x33, 0, true)));
        Eth(EtherType.Ipv6, Ipv6(A6, B6, IpProtocol.Icmpv6, ping6[1448..], 64, ExtensionHeader.Fragment(0x33, 1448, false)));
        Eth(EtherType.Ipv6, Ipv6(A6, B6, IpProtocol.Udp, Udp(123, 123, new byte[48]), 64, ExtensionHeader.Fragment(0x44, 0, false))); // atomic
        var tcp6 = Ipv6(B6, D6, IpProtocol.Tcp, Tcp(8080, 40000, 1000, 2000, TcpFlags.Ack, payload: new byte[50]))[40..];
        Eth(EtherType.Ipv6, Ipv6(B6, D6, IpProtocol.Tcp, tcp6[..40], 64, ExtensionHeader.HopByHop(), ExtensionHeader.Fragment(5, 0, true)));

        // ICMPv6: echo request and reply, neighbor solicitation; packet too big quoting TCP, port unreachable quoting
        // UDP, time exceeded quoting a packet with a hop-by-hop header, and ones quoting a first and a later fragment.
        Eth(EtherType.Ipv6, Ipv6(A6, B6, IpProtocol.Icmpv6, Icmp(128, 0, 0x4321_0009, new byte[8], v6: true)));
        Eth(EtherType.Ipv6, Ipv6(B6, A6, IpProtocol.Icmpv6, Icmp(129, 0, 0x4321_0009, new byte[8], v6: true)));
        Eth(EtherType.Ipv6, Ipv6(C6, F6, IpProtocol.Icmpv6, Icmp(135, 0, 0, Hex("fe800000000000000000000000000002"), v6: true), 255));
        var quoted6Tcp = Ipv6(A6, B6, IpProtocol.Tcp, Tcp(33000, 443, 0x01020304, 0, TcpFlags.Ack, payload: new byte[100]));
        Eth(EtherType.Ipv6, Ipv6(E6, A6, IpProtocol.Icmpv6, Icmp(2, 0, 1280, quoted6Tcp, v6: true)));
        var quoted6Udp = Ipv6(A6, D6, IpProtocol.Udp, Udp(33333, 33434, new byte[16]));
        Eth(EtherType.Ipv6, Ipv6(D6, A6, IpProtocol.Icmpv6, Icmp(1, 4, 0, quoted6Udp, v6: true)));
        var quoted6Hbh = Ipv6(A6, F6, IpProtocol.Udp, Udp(10000, 20000, new byte[4]), 1, ExtensionHeader.HopByHop());
        Eth(EtherType.Ipv6, Ipv6(E6, A6, IpProtocol.Icmpv6, Icmp(3, 0, 0, quoted6Hbh, v6: true)));
        Eth(EtherType.Ipv6, Ipv6(E6, A6, IpProtocol.Icmpv6, Icmp(4, 1, 40, quoted6Udp, v6: true)));
        var quoted6Fragment = Ipv6(A6, E6, IpProtocol.Udp, udp6[..56], 64, ExtensionHeader.Fragment(0xDEADBEEF, 0, true));
        Eth(EtherType.Ipv6, Ipv6(E6, A6, IpProtocol.Icmpv6, Icmp(3, 1, 0, quoted6Fragment, v6: true)));
        var quoted6Later = Ipv6(A6, E6, IpProtocol.Udp, udp6[56..104], 64, ExtensionHeader.Fragment(0xDEADBEEF, 56, true));
        Eth(EtherType.Ipv6, Ipv6(E6, A6, IpProtocol.Icmpv6, Icmp(3, 1, 0, quoted6Later, v6: true)));

        // An ND Redirect carrying the redirected packet's header in an option (no ICMPv6 error: nothing is quoted).
        var redirected = Ipv6(A6, D6, IpProtocol.Udp, Udp(1111, 2222, new byte[8]));
        var targetAndDestination = new byte[32];
        BinaryPrimitives.WriteUInt128BigEndian(targetAndDestination, C6 + 8);
        BinaryPrimitives.WriteUInt128BigEndian(targetAndDestination.AsSpan(16), D6);
        byte[] redirectedHeaderOption = [4, (byte)((8 + redirected.Length) / 8), 0, 0, 0, 0, 0, 0, .. redirected];
        Eth(EtherType.Ipv6, Ipv6(C6, A6, IpProtocol.Icmpv6, Icmp(137, 0, 0, [.. targetAndDestination, .. redirectedHeaderOption], v6: true), 255));

        // Linux cooked v1: TCP, IPv6 UDP, an ICMP error, a VLAN tag left in by the driver.
        f.Add(new(LinkTypes.LinuxSll, Sll(0, MacA, EtherType.Ipv4, Ipv4(C, B, IpProtocol.Tcp, Tcp(443, 50001, 1, 2, TcpFlags.Syn | TcpFlags.Ack)))));
        f.Add(new(LinkTypes.LinuxSll, Sll(4, MacB, EtherType.Ipv6, Ipv6(B6, A6, IpProtocol.Udp, Udp(53, 50002, new byte[40])))));
        f.Add(new(LinkTypes.LinuxSll, Sll(1, MacA, EtherType.Ipv4, Ipv4(D, B, IpProtocol.Icmp, Icmp(3, 13, 0, quotedUdp)))));
        f.Add(new(LinkTypes.LinuxSll, Sll(0, MacA, EtherType.Vlan, [0x00, 0x2A, 0x08, 0x00, .. Ipv4(A, B, IpProtocol.Udp, Udp(67, 68, new byte[20]))])));
        f.Add(new(LinkTypes.LinuxSll, [0, 4, 0xFF, 0xFE, 0, 0, .. new byte[8], 0x86, 0xDD, .. Ipv6(D6, A6, IpProtocol.Udp, Udp(51820, 51820, new byte[32]))])); // tun: no address

        // Linux cooked v2: UDP, ICMPv6 echo, an IPv4 middle fragment.
        f.Add(new(LinkTypes.LinuxSll2, Sll2(EtherType.Ipv4, 2, 0, MacA, Ipv4(A, B, IpProtocol.Udp, Udp(1900, 1900, new byte[30])))));
        f.Add(new(LinkTypes.LinuxSll2, Sll2(EtherType.Ipv6, 3, 4, MacB, Ipv6(A6, B6, IpProtocol.Icmpv6, Icmp(128, 0, 0x0001_0001, new byte[4], v6: true)))));
        f.Add(new(LinkTypes.LinuxSll2, Sll2(EtherType.Ipv4, 7, 3, MacA, Ipv4(A, D, IpProtocol.Udp, udp[48..96], id: 0x7778, moreFragments: true, fragmentOffset: 48))));

        // Raw IP (both versions), raw IPv4 only and raw IPv6 only.
        f.Add(new(LinkTypes.Raw, Ipv4(B, C, IpProtocol.Udp, Udp(4500, 4500, new byte[16]))));
        f.Add(new(LinkTypes.Raw, Ipv6(A6, B6, IpProtocol.Tcp, Tcp(443, 50003, 9, 10, TcpFlags.Ack | TcpFlags.Urg))));
        f.Add(new(LinkTypes.Ipv4, Ipv4(C, A, IpProtocol.Icmp, Icmp(0, 0, 0xFFFF_FFFF, new byte[8]))));
        f.Add(new(LinkTypes.Ipv4, Ipv4(D, A, IpProtocol.Icmp, Icmp(11, 1, 0, quotedUdp))));
        f.Add(new(LinkTypes.Ipv6, Ipv6(A6, E6, IpProtocol.Udp, udp6[56..104], 64, ExtensionHeader.Fragment(0x01020304, 56, true))));
        f.Add(new(LinkTypes.Ipv6, Ipv6(D6, A6, IpProtocol.Icmpv6, Icmp(1, 0, 0, quoted6Udp, v6: true))));
        return f;
    }

    // One pcapng holding every frame (an interface per link type), plus a classic pcap per link type.
    private static List<(string Path, int Written)> WriteCaptures(string dir, List<TestFrame> frames)
    {
        var files = new List<(string Path, int Written)>();
        var mixed = Path.Combine(dir, "built-mixed.pcapng");
        using (var writer = CaptureWriter.CreatePcapNg(File.Create(mixed)))
        {
            for (var i = 0; i < frames.Count; i++)
            {
                writer.Write(T0.AddMilliseconds(i), frames[i].LinkType, frames[i].Bytes, frames[i].Data.Length);
            }
        }

        files.Add((mixed, frames.Count));
        foreach (var group in frames.GroupBy(x => x.LinkType))
        {
            var path = Path.Combine(dir, $"built-linktype{group.Key}.pcap");
            using (var writer = CaptureWriter.CreatePcap(File.Create(path), group.Key))
            {
                var i = 0;
                foreach (var frame in group)
                {
                    writer.Write(T0.AddMilliseconds(i++), frame.LinkType, frame.Bytes, frame.Data.Length);
                }
            }

            files.Add((path, group.Count()));
        }

        return files;
    }

    private static readonly string[] Fields =
    [
        "frame.number", "frame.protocols",
        "eth.dst", "eth.src", "eth.type", "eth.len", "vlan.id", "vlan.etype", "vlan.len", "ieee8021ad.svid", "ieee8021ad.id",
        "sll.pkttype", "sll.hatype", "sll.src.eth", "sll.etype", "sll.ltype", "sll.ifindex",
        "ip.src", "ip.dst", "ip.proto", "ip.ttl", "ip.id", "ip.len", "ip.hdr_len", "ip.dsfield", "ip.frag_offset", "ip.flags.mf",
        "ipv6.src", "ipv6.dst", "ipv6.nxt", "ipv6.hlim", "ipv6.plen", "ipv6.tclass",
        "ipv6.hopopts.nxt", "ipv6.routing.nxt", "ipv6.dstopts.nxt", "ipv6.fraghdr.nxt", "ipv6.fraghdr.offset", "ipv6.fraghdr.more", "ipv6.fraghdr.ident", "ah.next_header",
        "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "tcp.window_size_value", "tcp.hdr_len",
        "udp.srcport", "udp.dstport", "udp.length", "sctp.srcport", "sctp.dstport",
        "icmp.type", "icmp.code", "icmp.ident", "icmp.seq",
        "icmpv6.type", "icmpv6.code", "icmpv6.echo.identifier", "icmpv6.echo.sequence_number",
    ];

    // One tshark run per file. Reassembly off, so each fragment and segment is decoded as captured (tshark would
    // otherwise decode a reassembled datagram in the last fragment's frame); TSO length correction off, so an IPv4
    // total length of 0 is taken as written, as the parser takes it. -n keeps addresses numeric.
    private static string RunTshark(string tshark, string path)
    {
        string[] args =
        [
            "-r", path, "-n",
            "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE", "-o", "tcp.desegment_tcp_streams:FALSE",
            "-o", "ip.tso_support:FALSE",
            "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,", "-E", "header=n",
        ];
        return RunProcess(tshark, [.. args, .. Fields.SelectMany(x => new[] { "-e", x })]);
    }

    private static string RunProcess(string fileName, IEnumerable<string> arguments)
    {
        var psi = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{fileName} {string.Join(' ', psi.ArgumentList)} failed (exit {process.ExitCode}): {error.Result}");
        return output;
    }

    private static byte[] WithTos(byte[] ipv4, byte tos)
    {
        ipv4[1] = tos;
        BinaryPrimitives.WriteUInt16BigEndian(ipv4.AsSpan(10), 0);
        BinaryPrimitives.WriteUInt16BigEndian(ipv4.AsSpan(10), InternetChecksum.Compute(ipv4.AsSpan(0, (ipv4[0] & 0xF) * 4)));
        return ipv4;
    }

    // The traffic class is not covered by any checksum.
    private static byte[] WithTrafficClass(byte[] ipv6, byte trafficClass)
    {
        ipv6[0] = (byte)(0x60 | (trafficClass >> 4));
        ipv6[1] = (byte)((trafficClass << 4) | (ipv6[1] & 0x0F));
        return ipv6;
    }

    private static byte[] Pad(byte[] frame, int length) => frame.Length >= length ? frame : [.. frame, .. new byte[length - frame.Length]];

    private static uint V4(string text) => BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(text).GetAddressBytes());

    private static UInt128 V6(string text) => BinaryPrimitives.ReadUInt128BigEndian(IPAddress.Parse(text).GetAddressBytes());

    private static string V4(uint address)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return new IPAddress(bytes).ToString();
    }

    // RFC 5952 text (lower case, longest zero run compressed), which is also how tshark prints IPv6 addresses.
    private static string V6(UInt128 address)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return new IPAddress(bytes).ToString();
    }

    private static string Mac(ulong mac) => string.Create(CultureInfo.InvariantCulture,
        $"{(byte)(mac >> 40):x2}:{(byte)(mac >> 32):x2}:{(byte)(mac >> 24):x2}:{(byte)(mac >> 16):x2}:{(byte)(mac >> 8):x2}:{(byte)mac:x2}");

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
