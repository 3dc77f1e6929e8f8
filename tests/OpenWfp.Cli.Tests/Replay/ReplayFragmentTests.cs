using System.Buffers.Binary;
using System.Text.Json;
using OpenWfp.Pcap;
using OpenWfp.Testing.Cli;

namespace OpenWfp.Cli.Tests.Replay;

/// <summary>
/// `wfp replay` of fragment-evasion captures in a BSD loopback (LINKTYPE_NULL) capture: an inbound SYN to the sample
/// policy's blocked port, cut into 8-byte fragments (its TCP header split across three), is blocked at
/// ALE_AUTH_RECV_ACCEPT on the fragment that completes it; an overlapping rewrite is dropped (docs/SHIM.md, Fragments).
/// </summary>
public sealed class ReplayFragmentTests
{
    private static readonly byte[] Local = [10, 77, 0, 1];
    private static readonly byte[] Peer = [10, 77, 0, 2];

    private static byte[] Syn(ushort dport)
    {
        var tcp = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, 51000);
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt32BigEndian(tcp.AsSpan(4), 1000);
        tcp[12] = 5 << 4;
        tcp[13] = 0x02;
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(14), 64240);
        return tcp;
    }

    /// <summary>A LINKTYPE_NULL record: AF_INET in little-endian host order, then an IPv4 fragment.</summary>
    private static byte[] Fragment(byte[] data, int offset, bool more, ushort id)
    {
        var frame = new byte[4 + 20 + data.Length];
        frame[0] = 2;
        var ip = frame.AsSpan(4);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + data.Length));
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], (ushort)((more ? 0x2000 : 0) | (offset / 8)));
        ip[8] = 64;
        ip[9] = 6;
        Peer.CopyTo(ip[12..]);
        Local.CopyTo(ip[16..]);
        data.CopyTo(ip[20..]);
        return frame;
    }

    [Fact]
    public void TinyAndOverlappingFragments_InANullCapture_AreDecidedOnTheWholeDatagram()
    {
        using var files = new SampleFiles();
        var capture = files.Path2("fragments.pcap");
        var blocked = Syn(2222);
        var rewritten = Syn(2222);
        var allowed = Syn(80);
        using (var stream = File.Create(capture))
        using (var writer = CaptureWriter.CreatePcap(stream, LinkTypes.Null))
        {
            var t = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            void Write(byte[] frame) => writer.Write(t = t.AddMilliseconds(1), LinkTypes.Null, frame);
            Write(Fragment(blocked[..8], 0, true, 1));
            Write(Fragment(blocked[8..16], 8, true, 1));
            Write(Fragment(blocked[16..], 16, false, 1));
            Write(Fragment(allowed[..16], 0, true, 2));
            Write(Fragment(rewritten[..8], 0, true, 2));
            Write(Fragment(allowed[16..], 16, false, 2));
        }

        var (code, output, error) = CliRunner.Run("replay", capture, "--policy", files.Policy, "--local", "10.77.0.1", "--json");
        Assert.True(code == 0, error);
        var docs = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        string Field(int frame, string name) => docs[frame - 1].GetProperty(name).GetString()!;

        Assert.Equal("permit", Field(1, "decision"));
        Assert.Equal("fragment-held", Field(1, "reason"));
        Assert.Equal("fragment-held", Field(2, "reason"));
        Assert.Equal("block", Field(3, "decision"));
        Assert.Equal("ALE_AUTH_RECV_ACCEPT_V4", Field(3, "decidingLayer"));
        Assert.Equal("No inbound services", Field(3, "filterName"));
        var recvAccept = docs[2].GetProperty("layers").EnumerateArray().Single(l => l.GetProperty("layer").GetString() == "ALE_AUTH_RECV_ACCEPT_V4");
        Assert.Equal("2222", recvAccept.GetProperty("values").GetProperty("IP_LOCAL_PORT").GetString());

        Assert.Equal("fragment-held", Field(4, "reason"));
        Assert.Equal("block", Field(5, "decision"));
        Assert.Equal("fragment-overlap", Field(5, "reason"));
        Assert.Equal("fragment-overlap", Field(6, "reason"));
    }
}
