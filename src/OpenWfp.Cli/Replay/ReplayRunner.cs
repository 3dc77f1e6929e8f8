using OpenWfp.Engine.Model;
using OpenWfp.Pcap;
using OpenWfp.Shim;
using OpenWfp.Wire;

namespace OpenWfp.Cli.Replay;

/// <summary>One packet's outcome, valid during the callback only (the trace and packet data are reused).</summary>
/// <param name="Packet">The frame.</param>
/// <param name="Verdict">The shim's verdict.</param>
/// <param name="Trace">The layers it met.</param>
/// <param name="Callouts">What callouts did while it was classified (events, injections, held packets released), or null when nothing.</param>
internal readonly record struct ReplayPacket(CapturedPacket Packet, ShimVerdict Verdict, ShimTrace Trace, CalloutActivity? Callouts = null);

/// <summary>What callouts did during one packet's classification.</summary>
/// <param name="Events">Events the built-in callouts reported.</param>
/// <param name="Injected">Packets and stream data they injected.</param>
/// <param name="Released">Earlier held frames whose verdict was decided now: (frame, action, reclassified verdict or null).</param>
/// <param name="Modified">The packet's bytes after a stream edit (an IP datagram), or null.</param>
internal sealed record CalloutActivity(
    IReadOnlyList<Callouts.CalloutEvent> Events,
    IReadOnlyList<InjectedPacket> Injected,
    IReadOnlyList<(long Frame, ActionType Action, ShimVerdict? Reclassified)> Released,
    byte[]? Modified);

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
    private readonly Dictionary<ulong, CapturedPacket> _held = [];
    private readonly ShimRelease[] _releases = new ShimRelease[64];

    public ReplayRunner(ReplayInput input, ActionType unparsedDecision, bool recordValues, IReadOnlyList<string>? calloutAssemblies = null)
    {
        _input = input;
        _trace = new ShimTrace(recordValues);
        Callouts = new ReplayCallouts(input.Engine, calloutAssemblies ?? []);
        Shim = new PacketShim(input.Engine, new ShimOptions { LocalNetworks = input.Local, UnparsedDecision = unparsedDecision, Injector = Callouts.Injector });
        Tally = new ReplayTally(inferLocal: input.Local.IsEmpty);
    }

    public PacketShim Shim { get; }

    /// <summary>The callouts this replay runs (built-in and --callout-assembly), with what they injected and reported.</summary>
    public ReplayCallouts Callouts { get; }

    /// <summary>Frames still held at the end (a callout asked for more data, deferred, or pended and never completed).</summary>
    public IReadOnlyCollection<ulong> HeldFrames => _held.Keys;

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
                    Callouts.Injector.Frame = packet.FrameNumber;
                    var verdict = Shim.Process(packet.Data.Span, (LinkType)packet.LinkType, packet.TimestampUnixNanoseconds, 0, _trace, packetTag: (ulong)packet.FrameNumber);
                    var modified = verdict.Modified ? Shim.ModifiedPacket.ToArray() : null;
                    if (verdict.Held)
                    {
                        // Kept to classify again if its callout completes a pend, or to report if it stays held.
                        _held[(ulong)packet.FrameNumber] = new CapturedPacket(packet.FrameNumber, packet.TimestampUnixNanoseconds, packet.OriginalLength, packet.LinkType, packet.InterfaceIndex, packet.Data.ToArray());
                    }

                    RememberFlow(packet.FrameNumber, verdict);
                    var replayed = new ReplayPacket(packet, verdict, _trace, Activity(modified));
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

    /// <summary>What the callouts did for the packet just processed: events, injections, held frames released.</summary>
    private CalloutActivity? Activity(byte[]? modified)
    {
        var events = Callouts.TakeEvents();
        var injected = Callouts.Injector.Take();
        List<(long, ActionType, ShimVerdict?)>? released = null;
        int n;
        while ((n = Shim.DrainReleases(_releases)) > 0)
        {
            for (var i = 0; i < n; i++)
            {
                var r = _releases[i];
                ShimVerdict? again = null;
                if (_held.Remove(r.PacketTag, out var held) && r.Reclassify)
                {
                    // A pended classification completed: the packet goes through the layers again (the live data plane
                    // re-queues it) and the callout answers from its decision.
                    again = Shim.Process(held.Data.Span, (LinkType)held.LinkType, held.TimestampUnixNanoseconds, 0, null, packetTag: r.PacketTag);
                    if (again.Value.Held)
                    {
                        _held[r.PacketTag] = held;
                    }
                }

                (released ??= []).Add(((long)r.PacketTag, r.Action, again));
            }
        }

        return events.Count == 0 && injected.Count == 0 && released is null && modified is null
            ? null
            : new CalloutActivity(events, injected, released ?? [], modified);
    }

    private void RememberFlow(long frame, in ShimVerdict verdict)
    {
        if (verdict.ResetConnection && verdict.FlowId != 0)
        {
            // A stream callout reset the connection: later packets of the flow are dropped because of this frame.
            _flows[verdict.FlowId] = new FlowOrigin(frame, verdict.LayerId, verdict.FilterId, Blocked: true);
            return;
        }

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
