using System.Buffers.Binary;
using System.Text.Json;
using OpenWfp.Dataplane.Live;
using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Netlink;
using OpenWfp.Pcap;
using OpenWfp.Shim;
using OpenWfp.Testing.Cli;

namespace OpenWfp.Dataplane.Tests.Live;

/// <summary>
/// The live data plane and <c>wfp replay</c> decide alike: the bundled capture (samples/README.md) goes through the
/// queue worker's decision function, as NFQUEUE would hand it each IP packet, and through the replay command, and
/// every packet gets the same decision, at the same layer, by the same filter.
/// </summary>
public sealed class ReplayEquivalenceTests
{
    // The capture's client (its local end): frames from this MAC were sent by the host the data plane runs on.
    private static readonly byte[] ClientMac = [0x02, 0x00, 0x00, 0x77, 0x00, 0x01];

    // The client's veth, as NFQUEUE would name it (NFQA_IFINDEX_INDEV/OUTDEV); anything but lo.
    private const uint Veth = 2;

    private const ushort EtherTypeIpv4 = 0x0800;
    private const ushort EtherTypeIpv6 = 0x86DD;

    [Fact]
    public void TheSampleCapture_GetsTheSameVerdicts_LiveAndReplayed()
    {
        var replayed = Replay();
        var live = Live();

        // Every IP frame of the capture (ARP is not queued by the inet hooks): 60 frames less frames 1 and 2.
        Assert.Equal(58, live.Count);
        Assert.Contains(live.Values, d => d.Action == "block");
        Assert.Contains(live.Values, d => d.Action == "permit");
        foreach (var (frame, decision) in live)
        {
            Assert.True(replayed.TryGetValue(frame, out var expected), $"replay reported no frame {frame}");
            Assert.True(expected == decision, $"frame {frame}: replay {expected}, live {decision}");
        }
    }

    /// <summary>Frame number → decision, from <c>wfp replay --json</c> on the bundled sample.</summary>
    private static Dictionary<long, Decision> Replay()
    {
        var run = CliRunner.Run("replay", "--json", "--unparsed", "block");
        Assert.True(run.Code == 0 && run.Err.Length == 0, $"wfp replay exited with {run.Code}:\n{run.Err}");
        var decisions = new Dictionary<long, Decision>();
        foreach (var line in run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            var o = doc.RootElement;
            if (o.GetProperty("type").GetString() != "packet")
            {
                continue;
            }

            decisions[o.GetProperty("frame").GetInt64()] = new Decision(
                o.GetProperty("decision").GetString()!,
                o.TryGetProperty("decidingLayer", out var layer) ? layer.GetString()! : "",
                o.GetProperty("filterId").GetUInt64());
        }

        return decisions;
    }

    /// <summary>Frame number → decision, from the queue worker's decision function fed the capture's IP packets.</summary>
    private static Dictionary<long, Decision> Live()
    {
        var engine = new FilterEngine();
        PolicyJsonReader.Read(File.ReadAllText(Sample("replay-policy.json")), "replay-policy.json").ApplyTo(engine);

        // As the worker builds its shim: no local networks (the hook gives the direction), fail-closed on malformed
        // packets; no process identity source in a test.
        var shim = new PacketShim(engine, new ShimOptions { UnparsedDecision = ActionType.Block });
        var decisions = new Dictionary<long, Decision>();
        using var stream = File.OpenRead(Sample("sample-capture.pcapng"));
        using var reader = new CaptureReader(stream);
        while (reader.TryReadNext(out var packet))
        {
            var frame = packet.Data.Span;
            Assert.Equal(1u, packet.LinkType); // LINKTYPE_ETHERNET, no VLAN tags (samples/README.md)
            var etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
            if (etherType is not (EtherTypeIpv4 or EtherTypeIpv6))
            {
                continue;
            }

            var sent = frame.Slice(6, 6).SequenceEqual(ClientMac);
            var verdict = QueueWorker.Classify(
                shim,
                frame[14..],
                sent ? NfQueueConstants.NfInetLocalOut : NfQueueConstants.NfInetLocalIn,
                inDevice: sent ? 0 : Veth,
                outDevice: sent ? Veth : 0,
                packet.TimestampUnixNanoseconds);
            decisions[packet.FrameNumber] = new Decision(
                verdict.Action switch { ActionType.Permit => "permit", ActionType.Block => "block", _ => "none" },
                verdict.LayerId == ShimVerdict.NoLayer ? "" : LayerCatalog.ById(verdict.LayerId)!.ShortName,
                verdict.FilterId);
        }

        return decisions;
    }

    private static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "samples", name);

    private readonly record struct Decision(string Action, string Layer, ulong FilterId);
}
