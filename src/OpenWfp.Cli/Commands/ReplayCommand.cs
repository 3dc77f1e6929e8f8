using OpenWfp.Cli.Output;
using OpenWfp.Cli.Replay;
using OpenWfp.Engine.Model;
using OpenWfp.Pcap;

namespace OpenWfp.Cli.Commands;

/// <summary>The behaviour of <c>wfp replay</c>.</summary>
internal sealed class ReplayCommand(CliConsole console)
{
    public int Run(ReplayArguments args)
    {
        var input = ReplayInput.Resolve(args.Capture, args.Policy, args.Local, console.Error);
        var unparsed = args.Unparsed == "block" ? ActionType.Block : ActionType.Permit;
        var runner = new ReplayRunner(input, unparsed, recordValues: args.Json, args.CalloutAssemblies);
        using var permitted = OpenWriter(args.OutPcap);
        using var dropped = OpenWriter(args.DropsPcap);
        using var injected = OpenWriter(args.InjectedPcap);
        var text = args.Json ? null : new ReplayTextReport(console.Out, new Painter(console.Color), input, runner);
        var json = args.Json ? new ReplayJsonReport(console.Out, input, runner) : null;
        var end = runner.Run(r =>
        {
            (r.Verdict.IsPermitted ? permitted : dropped)?.Write(r.Packet);
            if (injected is not null && r.Callouts is { } activity)
            {
                foreach (var i in activity.Injected.Where(i => i.Kind != "stream"))
                {
                    injected.Write(new CapturedPacket(0, r.Packet.TimestampUnixNanoseconds, i.Bytes.Length, LinkTypes.Raw, 0, i.Bytes));
                }
            }
            if (!args.SummaryOnly)
            {
                text?.WritePacket(in r);
                json?.WritePacket(in r);
            }
        }, onOpened: () => text?.WriteBanner());

        text?.WriteSummary(end);
        json?.WriteSummary(end);
        // Said once, on stderr (stdout may be a file or JSON lines); the exit code stays 0: every complete frame was replayed.
        if (end.TruncatedAtOffset >= 0)
        {
            console.Error.WriteLine($"wfp: {input.CaptureName}: frame {end.Frames + 1} is cut short at byte {end.TruncatedAtOffset} (the capture was not closed cleanly); {Replayed(end.Frames)}");
        }

        if (end.Error is { } error)
        {
            // Part of the file was usable: what was replayed is printed above; the damage is named here, and the exit
            // code tells scripts the replay is incomplete.
            console.Error.WriteLine($"wfp: {input.CaptureName}: {error.Message.ReplaceLineEndings(" ")}; {Replayed(end.Frames)}");
            return 1;
        }

        return 0;
    }

    private static string Replayed(long frames) => frames switch
    {
        0 => "no complete frame before it to replay",
        1 => "replayed the 1 frame before it",
        _ => $"replayed the {frames} frames before it",
    };

    private static CaptureOutput? OpenWriter(string? path) => path is null ? null : new CaptureOutput(path);

    /// <summary>
    /// A capture file being written. Classic pcap (a name ending in .pcap) holds one link type, taken from the first
    /// frame written; anything else is pcapng, which holds each link type as its own interface.
    /// </summary>
    private sealed class CaptureOutput : IDisposable
    {
        private readonly string _path;
        private readonly FileStream _stream;
        private readonly bool _classic;
        private CaptureWriter? _writer;
        private uint _linkType;

        public CaptureOutput(string path)
        {
            _path = path;
            _classic = path.EndsWith(".pcap", StringComparison.OrdinalIgnoreCase);
            try
            {
                _stream = File.Create(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliUserException($"{path}: cannot write: {e.Message}");
            }

            if (!_classic)
            {
                _writer = CaptureWriter.CreatePcapNg(_stream);
            }
        }

        public void Write(in CapturedPacket packet)
        {
            if (_writer is null)
            {
                _linkType = packet.LinkType;
                _writer = CaptureWriter.CreatePcap(_stream, packet.LinkType, CaptureTimestampResolution.Nanoseconds);
            }
            else if (_classic && packet.LinkType != _linkType)
            {
                throw new CliUserException($"{_path}: frame {packet.FrameNumber} has link type {packet.LinkType} but a classic pcap file holds one link type ({_linkType}); name the file .pcapng");
            }

            _writer.Write(in packet);
        }

        public void Dispose()
        {
            if (_writer is null)
            {
                // Nothing was written to a classic pcap: still leave a valid, empty file.
                _writer = CaptureWriter.CreatePcap(_stream, LinkTypes.Ethernet, CaptureTimestampResolution.Nanoseconds);
            }

            _writer.Dispose();
            _stream.Dispose();
        }
    }
}
