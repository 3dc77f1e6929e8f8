using OpenWfp.Engine.Model;
using OpenWfp.Pcap;
using OpenWfp.Shim;
using OpenWfp.Wire;

namespace OpenWfp.Cli.Replay;

/// <summary>One packet's outcome, valid during the callback only (the trace and packet data are reused).</summary>
internal readonly record struct ReplayPacket(CapturedPacket Packet, ShimVerdict Verdict, ShimTrace Trace);

/// <summary>Where an ALE flow was decided: the frame and the filter (for explaining later packets of the flow).</summary>
internal readonly record struct FlowOrigin(long Frame, ushort LayerId, ulong FilterId, bool Blocked);

/// <summary>How the capture ended.</summary>
/// <param name="Frames">Frames replayed.</param>
/// <param name="TruncatedAtOffset">The byte offset of a record cut short at the end of the file, or -1.</param>
/// <param name="Error">Structural corruption that stopped the replay part-way, or null.</param>
internal sealed record ReplayEnd(long Frames, long TruncatedAtOffset, CaptureFormatException? Error);

/// <summary>Reads a capture and sends each packet through one shim — the same shim the live data planes use.</summary>
internal sealed class ReplayRunner
{
    private readonly ReplayInput _input;
    private readonly ShimTrace _trace;
    private readonly Dictionary<ulong, FlowOrigin> _flows = [];

    public ReplayRunner(ReplayInput input, ActionType unparsedDecision, bool recordValues)
    {
        _input = input;
        _trace = new ShimTrace(recordValues);
        Shim = new PacketShim(input.Engine, new ShimOptions { LocalNetworks = input.Local, UnparsedDecision = unparsedDecision });
        Tally = new ReplayTally(inferLocal: input.Local.IsEmpty);
    }

    public PacketShim Shim { get; }

    public ReplayTally Tally { get; }

    /// <summary>Where each flow was decided, by flow id.</summary>
    public IReadOnlyDictionary<ulong, FlowOrigin> Flows => _flows;

    /// <summary>
    /// Replays frames 1..<paramref name="lastFrame"/> (all by default), calling <paramref name="onPacket"/> for each;
    /// <paramref name="onOpened"/> runs once the file is known to be a capture, before the first packet.
    /// </summary>
    /// <exception cref="CliUserException">The capture's header is not pcap or pcapng (the file cannot be used at all).</exception>
    public ReplayEnd Run(Action<ReplayPacket> onPacket, long lastFrame = long.MaxValue, Action? onOpened = null)
    {
        using var stream = _input.OpenCapture();
        CaptureReader reader;
        try
        {
            reader = new CaptureReader(stream, leaveOpen: true);
        }
        catch (CaptureFormatException e)
        {
            throw new CliUserException($"{_input.CaptureName}: not a capture file OpenWfp can read: {e.Message}");
        }

        using (reader)
        {
            onOpened?.Invoke();
            try
            {
                while (reader.FramesRead < lastFrame && reader.TryReadNext(out var packet))
                {
                    var verdict = Shim.Process(packet.Data.Span, (LinkType)packet.LinkType, packet.TimestampUnixNanoseconds, 0, _trace);
                    RememberFlow(packet.FrameNumber, verdict);
                    var replayed = new ReplayPacket(packet, verdict, _trace);
                    Tally.Add(in replayed);
                    onPacket(replayed);
                }
            }
            catch (CaptureFormatException e)
            {
                return new ReplayEnd(reader.FramesRead, -1, e);
            }

            return new ReplayEnd(reader.FramesRead, reader.IsTruncated ? reader.TruncatedAtOffset : -1, null);
        }
    }

    private void RememberFlow(long frame, in ShimVerdict verdict)
    {
        if (verdict.FlowId == 0 || _flows.ContainsKey(verdict.FlowId))
        {
            return;
        }

        foreach (var step in _trace.Steps)
        {
            var layer = Engine.Catalog.LayerCatalog.ById(step.LayerId)!;
            if (layer.ShortName.StartsWith("ALE_AUTH_", StringComparison.Ordinal))
            {
                _flows[verdict.FlowId] = new FlowOrigin(frame, step.LayerId, step.FilterId, step.Action == ActionType.Block);
                return;
            }
        }
    }
}
