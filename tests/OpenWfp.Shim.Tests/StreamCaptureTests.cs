using System.Diagnostics;
using OpenWfp.Pcap;
using OpenWfp.Wire;

namespace OpenWfp.Shim.Tests;

/// <summary>
/// Reassembly checked against tshark's TCP follow: generated captures with retransmissions, overlaps, reordering,
/// a mid-connection start and a sequence wrap; the bytes the STREAM callout saw per direction must equal tshark's.
/// </summary>
public sealed class StreamCaptureTests
{
    public static TheoryData<string> Captures => ["retransmit-reorder", "midstream-wrap", "overlap-gaps"];

    [Theory]
    [MemberData(nameof(Captures))]
    public void StreamCallout_SeesTheBytesTsharkFollows(string name)
    {
        var frames = Build(name);
        var path = Path.Combine(Path.GetTempPath(), $"openwfp-stream-{name}-{Environment.ProcessId}.pcap");
        using (var file = File.Create(path))
        using (var writer = CaptureWriter.CreatePcap(file, 1))
        {
            long t = 1_700_000_000_000_000_000;
            foreach (var f in frames)
            {
                writer.Write(t += 1_000_000, 1, f);
            }
        }

        try
        {
            var (client, server) = TsharkFollow(path);
            var h = new StreamHarness();
            foreach (var f in frames)
            {
                h.Send(f);
            }

            Assert.Equal(Convert.ToHexString(client), Convert.ToHexString(h.Callout.Sent.ToArray()));
            Assert.Equal(Convert.ToHexString(server), Convert.ToHexString(h.Callout.Received.ToArray()));
            Assert.True(client.Length > 100 && server.Length > 50, $"client {client.Length}, server {server.Length}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static List<byte[]> Build(string name)
    {
        var rng = new Random(name.Length * 7919);
        byte[] Data(int n)
        {
            var b = new byte[n];
            rng.NextBytes(b);
            return b;
        }

        var frames = new List<byte[]>();
        switch (name)
        {
            case "retransmit-reorder":
                {
                    const uint c = 100, s = 90_000;
                    var a = Data(300);
                    var r = Data(200);
                    frames.Add(StreamHarness.Out(c, 0, TcpFlags.Syn));
                    frames.Add(StreamHarness.In(s, c + 1, TcpFlags.Syn | TcpFlags.Ack));
                    frames.Add(StreamHarness.Out(c + 1, s + 1, TcpFlags.Ack));
                    frames.Add(StreamHarness.Out(c + 1, s + 1, TcpFlags.Ack, a[..100]));
                    frames.Add(StreamHarness.Out(c + 201, s + 1, TcpFlags.Ack, a[200..]));   // ahead of a gap
                    frames.Add(StreamHarness.Out(c + 1, s + 1, TcpFlags.Ack, a[..100]));      // retransmission
                    frames.Add(StreamHarness.Out(c + 101, s + 1, TcpFlags.Ack, a[100..200])); // fills the gap
                    frames.Add(StreamHarness.In(s + 1, c + 301, TcpFlags.Ack, r[..120]));
                    frames.Add(StreamHarness.In(s + 61, c + 301, TcpFlags.Ack, r[60..200])); // overlap, same bytes
                    frames.Add(StreamHarness.Out(c + 301, s + 201, TcpFlags.Ack | TcpFlags.Fin));
                    break;
                }

            case "midstream-wrap":
                {
                    uint c = 0xFFFF_FF00, s = 0xFFFF_FFF0;
                    var a = Data(600);
                    var r = Data(400);
                    for (var i = 0; i < 600; i += 150)
                    {
                        frames.Add(StreamHarness.Out(c + (uint)i, s, TcpFlags.Ack | TcpFlags.Psh, a[i..(i + 150)]));
                    }

                    frames.Add(StreamHarness.In(s + 200, c + 600, TcpFlags.Ack, r[200..]));
                    frames.Add(StreamHarness.In(s, c + 600, TcpFlags.Ack, r[..100]));
                    frames.Add(StreamHarness.In(s + 100, c + 600, TcpFlags.Ack, r[100..200]));
                    break;
                }

            default:
                {
                    const uint c = 7, s = 1_000_000;
                    var a = Data(500);
                    var r = Data(300);
                    var changed = (byte[])a.Clone();
                    for (var i = 150; i < 250; i++)
                    {
                        changed[i] ^= 0x5A;
                    }

                    frames.Add(StreamHarness.Out(c, 0, TcpFlags.Syn));
                    frames.Add(StreamHarness.In(s, c + 1, TcpFlags.Syn | TcpFlags.Ack));
                    frames.Add(StreamHarness.Out(c + 1, s + 1, TcpFlags.Ack));
                    frames.Add(StreamHarness.Out(c + 1, s + 1, TcpFlags.Ack, a[..200]));
                    frames.Add(StreamHarness.Out(c + 151, s + 1, TcpFlags.Ack, changed[150..300]));  // overlap, different bytes
                    frames.Add(StreamHarness.Out(c + 401, s + 1, TcpFlags.Ack, a[400..]));           // gap 300..400
                    frames.Add(StreamHarness.Out(c + 301, s + 1, TcpFlags.Ack, a[300..400]));
                    frames.Add(StreamHarness.In(s + 1, c + 501, TcpFlags.Ack, r[..100]));
                    frames.Add(StreamHarness.In(s + 201, c + 501, TcpFlags.Ack, r[200..]));
                    frames.Add(StreamHarness.In(s + 101, c + 501, TcpFlags.Ack, r[100..200]));
                    break;
                }
        }

        return frames;
    }

    /// <summary>tshark -q -z follow,tcp,raw,0: node 0's bytes unindented, node 1's after a tab.</summary>
    private static (byte[] Node0, byte[] Node1) TsharkFollow(string path)
    {
        var info = new ProcessStartInfo("tshark", ["-r", path, "-q", "-z", "follow,tcp,raw,0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        var node0 = new MemoryStream();
        var node1 = new MemoryStream();
        foreach (var line in output.Split('\n'))
        {
            var text = line.TrimEnd('\r');
            var hex = text.Trim();
            if (hex.Length == 0 || hex.Length % 2 != 0 || !hex.All(Uri.IsHexDigit))
            {
                continue;
            }

            (text.StartsWith('\t') ? node1 : node0).Write(Convert.FromHexString(hex));
        }

        return (node0.ToArray(), node1.ToArray());
    }
}
