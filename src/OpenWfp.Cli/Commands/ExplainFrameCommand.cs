using OpenWfp.Cli.Daemon;
using OpenWfp.Cli.Input;
using OpenWfp.Cli.Output;
using OpenWfp.Cli.Replay;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Engine.Values;
using OpenWfp.Shim;
using OpenWfp.Wire;

namespace OpenWfp.Cli.Commands;

/// <summary>
/// <c>wfp explain --capture FILE --frame N</c>: one packet of a capture, every layer it meets and every filter there.
/// The frames before it are replayed through the same shim first, so its flow is in the state it was.
/// </summary>
internal sealed class ExplainFrameCommand(CliConsole console)
{
    public int Run(ClassifyArguments args, CaptureFrameArguments capture)
    {
        if (capture.Capture is null)
        {
            throw new CliUserException("--frame and --local need --capture FILE, e.g. wfp explain --policy p.json --capture traffic.pcapng --frame 12");
        }

        if (capture.Frame is not { } frame || frame < 1)
        {
            throw new CliUserException($"{capture.Capture}: --frame N is required with --capture (the frame number as Wireshark shows it, from 1)");
        }

        if (args.Layer is not null || args.Values.Count > 0)
        {
            throw new CliUserException("--layer and --value do not go with --capture: the packet gives the layers and the values");
        }

        if (args.Policy is not null && args.Socket is not null)
        {
            throw new CliUserException($"--policy {args.Policy} and --socket do not go together: 'explain' works on a policy file or on the running wfpd's policy");
        }

        if (args.Policy is null && args.Socket is null)
        {
            throw new CliUserException($"{capture.Capture}: --policy FILE (or --socket, for the running wfpd's policy) is required with --capture");
        }

        ReplayInput input;
        if (args.Socket is not null)
        {
            ReplayInput.Check(capture.Capture, capture.Local);
            var (engine, socket) = DaemonClassify.LoadPolicy(args.Socket, console.DaemonWait, "explain");
            input = ReplayInput.ForEngine(capture.Capture, DaemonClassify.PolicyName(socket), engine, capture.Local);
        }
        else
        {
            input = ReplayInput.Resolve(capture.Capture, args.Policy!, capture.Local, console.Error);
        }
        var runner = new ReplayRunner(input, ActionType.Permit, recordValues: true, capture.CalloutAssemblies);
        Explained? target = null;
        var end = runner.Run(r =>
        {
            if (r.Packet.FrameNumber == frame)
            {
                target = Explained.From(r);
            }
        }, frame);
        if (target is null)
        {
            var more = end.Error is { } e ? $" before it became unreadable ({e.Message})" : "";
            throw new CliUserException($"{input.CaptureName}: there is no frame {frame}; the capture has {end.Frames} frames{more}");
        }

        var layers = target.Steps.Select(s => Layer(input, s)).ToList();
        if (args.Json)
        {
            WriteJson(input, target, layers, runner);
        }
        else
        {
            WriteText(input, target, layers, runner);
        }

        return 0;
    }

    private static ExplainedLayer Layer(ReplayInput input, ExplainedStep step)
    {
        var layer = LayerCatalog.ById(step.Step.LayerId)!;
        var given = new List<GivenValue>();
        for (var i = 0; i < step.Values.Length; i++)
        {
            if (!step.Values[i].IsEmpty)
            {
                given.Add(new GivenValue(layer.Fields[i], FieldValueParser.FormatValue(layer.Fields[i], step.Values[i]), step.Values[i]));
            }
        }

        var request = new ClassifyRequest(input.PolicyName, input.Engine, layer, step.Values, given);
        var report = step.Step.Classified ? input.Engine.Explain(layer, step.Values, step.Step.Metadata) : null;
        return new ExplainedLayer(step.Step, request, report);
    }

    private void WriteText(ReplayInput input, Explained target, List<ExplainedLayer> layers, ReplayRunner runner)
    {
        var paint = new Painter(console.Color);
        var text = new TextReport(console.Out, paint);
        var v = target.Verdict;
        console.Out.WriteLine($"policy     {input.PolicyName}");
        console.Out.WriteLine($"capture    {input.CaptureName}, frame {target.Frame} ({target.Length} bytes)");
        console.Out.WriteLine($"packet     {target.Description.Summary}");
        console.Out.WriteLine($"direction  {ReplayNames.Direction(v.Direction)}{(input.Local.IsEmpty ? " (no --local: from the capture, else the flow's first sender is this host)" : $" (--local {string.Join(", ", input.Local.Text)})")}");
        if (v.FlowId != 0)
        {
            console.Out.WriteLine($"flow       {FlowText(input, runner, v.FlowId, target.Frame)}");
        }

        console.Out.WriteLine($"layers     {(layers.Count == 0 ? "none" : string.Join(" → ", layers.Select(l => l.Request.Layer.ShortName)))}");
        for (var i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            console.Out.WriteLine();
            var reauth = l.Step.Reauthorization ? " (reauthorization after a policy change)" : "";
            if (l.Report is null)
            {
                console.Out.WriteLine(paint.Bold($"=== Layer {i + 1}/{layers.Count}: {l.Request.Layer.ShortName}") + paint.Dim(" — no filters at this layer: the packet passes on"));
                continue;
            }

            console.Out.WriteLine(paint.Bold($"=== Layer {i + 1}/{layers.Count}: {l.Request.Layer.ShortName}{reauth}"));
            text.WriteExplain(l.Request, l.Report, withPolicyLine: false);
        }

        console.Out.WriteLine();
        var action = ReplayNames.Action(v.Action);
        console.Out.WriteLine(paint.Bold("=== Packet") + $"  {paint.Action(action, action.ToUpperInvariant())} — {Verdict(input, runner, target)}");
    }

    private void WriteJson(ReplayInput input, Explained target, List<ExplainedLayer> layers, ReplayRunner runner)
    {
        var v = target.Verdict;
        console.Out.WriteLine(JsonReport.Build(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("version", 1);
            w.WriteString("policy", input.PolicyName);
            w.WriteString("capture", input.CaptureName);
            w.WriteNumber("frame", target.Frame);
            w.WriteString("direction", ReplayNames.Direction(v.Direction));
            ReplayJsonReport.WritePacketObject(w, target.Description);
            if (v.FlowId != 0)
            {
                w.WriteNumber("flowId", v.FlowId);
                if (runner.Flows.TryGetValue(v.FlowId, out var origin))
                {
                    w.WriteNumber("flowDecidedAtFrame", origin.Frame);
                }
            }

            w.WriteStartArray("layers");
            foreach (var l in layers)
            {
                if (l.Report is null)
                {
                    w.WriteStartObject();
                    w.WriteString("layer", l.Request.Layer.ShortName);
                    w.WriteBoolean("classified", false);
                    w.WriteEndObject();
                    continue;
                }

                JsonReport.WriteExplain(w, l.Request, l.Report);
            }

            w.WriteEndArray();
            w.WriteString("decision", ReplayNames.Action(v.Action));
            w.WriteString("reason", ReplayNames.Reason(v.Reason));
            if (v.LayerId != ShimVerdict.NoLayer)
            {
                w.WriteString("decidingLayer", ReplayNames.Layer(v.LayerId));
            }

            w.WriteNumber("filterId", v.FilterId);
            w.WriteString("explanation", Verdict(input, runner, target));
            w.WriteEndObject();
        }));
    }

    private static string Verdict(ReplayInput input, ReplayRunner runner, Explained target)
    {
        var v = target.Verdict;
        string Filter(ulong id) => ReplayNames.Filter(input.Engine, id) is { } f ? $"filter #{f.FilterId} \"{f.DisplayData.Name}\"" : $"filter #{id}";
        return v.Reason switch
        {
            ShimReason.Unparsed => $"the frame could not be parsed ({v.ParseStatus.ToString().ToLowerInvariant()}); it gets the default decision",
            ShimReason.FlowBlocked => $"dropped before any layer: its flow #{v.FlowId} was blocked{(runner.Flows.TryGetValue(v.FlowId, out var o) ? $" at frame {o.Frame} (explain that frame to see why)" : "")} by {Filter(v.FilterId)} at {ReplayNames.Layer(v.LayerId)}, and ALE decides once per flow",
            ShimReason.FragmentOfBlocked => $"dropped: its datagram was blocked by {Filter(v.FilterId)} at {ReplayNames.Layer(v.LayerId)}",
            ShimReason.FragmentHeld => "a fragment that passed the IP packet layers, held until its datagram is whole; the fragment that completes it carries the datagram's verdict",
            ShimReason.FragmentOverlap => "dropped: it overlaps earlier fragments of its datagram with different bytes, so the whole datagram is dropped",
            ShimReason.FragmentInvalid => "dropped: it cannot belong to a valid datagram, so the whole datagram is dropped",
            _ when v.Action == ActionType.Block => $"blocked at {ReplayNames.Layer(v.LayerId)} by {Filter(v.FilterId)}; the first block ends the packet's walk",
            _ when v.FilterId != 0 => $"every layer permitted; the last explicit permit was {Filter(v.FilterId)} at {ReplayNames.Layer(v.LayerId)}",
            _ => "no filter matched at any layer it met: permit",
        };
    }

    private static string FlowText(ReplayInput input, ReplayRunner runner, ulong flowId, long frame)
    {
        if (!runner.Flows.TryGetValue(flowId, out var origin))
        {
            return $"#{flowId}";
        }

        if (origin.Frame == frame)
        {
            return $"#{flowId}, new: this packet is its first, so it meets the ALE layers";
        }

        var by = ReplayNames.Filter(input.Engine, origin.FilterId) is { } f ? $"filter #{f.FilterId} \"{f.DisplayData.Name}\"" : "no filter (permit)";
        return $"#{flowId}, {(origin.Blocked ? "blocked" : "authorized")} at frame {origin.Frame} by {by} at {ReplayNames.Layer(origin.LayerId)}; later packets skip the ALE layers";
    }

    /// <summary>A copy of one step: the trace is reused after the callback.</summary>
    private sealed record ExplainedStep(ShimStep Step, FwpValue[] Values);

    private sealed record ExplainedLayer(ShimStep Step, ClassifyRequest Request, ExplainReport? Report);

    private sealed record Explained(long Frame, int Length, PacketDescription Description, ShimVerdict Verdict, List<ExplainedStep> Steps)
    {
        public static Explained From(in ReplayPacket r)
        {
            var steps = new List<ExplainedStep>();
            foreach (var step in r.Trace.Steps)
            {
                steps.Add(new ExplainedStep(step, r.Trace.ValuesOf(step).ToArray()));
            }

            return new Explained(r.Packet.FrameNumber, r.Packet.CapturedLength, PacketDescription.Of(r.Packet.Data.Span, (LinkType)r.Packet.LinkType), r.Verdict, steps);
        }
    }
}
