using System.Globalization;
using OpenWfp.Cli.Output;
using OpenWfp.Shim;
using OpenWfp.Wire;

namespace OpenWfp.Cli.Replay;

/// <summary>The readable form of a replay: a line per packet, the layers that decided, then the summary tables.</summary>
internal sealed class ReplayTextReport(TextWriter output, Painter paint, ReplayInput input, ReplayRunner runner)
{
    private const int PacketWidth = 62;
    private bool _headerWritten;

    public void WriteBanner()
    {
        if (input.IsSample)
        {
            output.WriteLine(paint.Dim($"Built-in sample: {input.CaptureName} against {input.PolicyName} (run 'wfp replay --help' to use your own)."));
        }

        output.WriteLine($"capture    {input.CaptureName}");
        output.WriteLine($"policy     {input.PolicyName} ({input.Engine.Current.FilterCount} filters)");
        output.WriteLine($"local      {(input.Local.IsEmpty ? "not given: direction from the capture, else each flow's first sender is this host" : string.Join(", ", input.Local.Text))}");
        output.WriteLine();
    }

    public void WritePacket(in ReplayPacket r)
    {
        if (!_headerWritten)
        {
            output.WriteLine(paint.Bold($"{"frame",6}  {"time",9}  {"dir",-4}  {"packet",-PacketWidth}  decision"));
            _headerWritten = true;
        }

        var description = PacketDescription.Of(r.Packet.Data.Span, (LinkType)r.Packet.LinkType);
        var time = (r.Packet.TimestampUnixNanoseconds - runner.Tally.FirstTimestamp) / 1e9;
        var text = description.Summary.Length > PacketWidth ? description.Summary[..(PacketWidth - 1)] + "…" : description.Summary;
        var action = ReplayNames.Action(r.Verdict.Action);
        var shown = r.Verdict.Held ? paint.Dim("held") : paint.Action(action, action == "block" ? "BLOCK" : "permit");
        output.WriteLine($"{r.Packet.FrameNumber,6}  {time.ToString("0.000000", CultureInfo.InvariantCulture),9}  {ReplayNames.ShortDirection(r.Verdict.Direction),-4}  {text,-PacketWidth}  {shown}  {paint.Dim(Why(in r))}");
        var matched = 0;
        foreach (var step in r.Trace.Steps)
        {
            matched += step.Classified && step.FilterId != 0 ? 1 : 0;
        }

        // Per-layer lines only when they add to the decision column: several layers had a say.
        foreach (var step in r.Trace.Steps)
        {
            // Only layers where a filter matched: the rest passed the packet on without a say.
            if (matched > 1 && step.Classified && step.FilterId != 0)
            {
                var stepAction = ReplayNames.Action(step.Action);
                var by = step.FilterId != 0 ? $" by {FilterText(step.FilterId)}" : " (no filter matched)";
                var reauth = step.Reauthorization ? " [reauthorization]" : "";
                output.WriteLine($"{"",31}↳ {ReplayNames.Layer(step.LayerId)}{reauth}: {paint.Action(stepAction, stepAction)}{by}");
            }
        }

        if (r.Callouts is { } activity)
        {
            WriteActivity(activity);
        }
    }

    /// <summary>What callouts did while the packet was classified, one line each.</summary>
    private void WriteActivity(CalloutActivity a)
    {
        const string Indent = "                               ↳ ";
        foreach (var e in a.Events)
        {
            output.WriteLine($"{Indent}{paint.Red(CalloutEventText(e))}");
        }

        foreach (var i in a.Injected)
        {
            var what = i.Kind == "stream"
                ? $"{i.Bytes.Length} bytes into the stream ({i.Flags})"
                : PacketDescription.Of(i.Bytes, LinkType.Raw).Summary;
            output.WriteLine($"{Indent}injected ({i.Kind}): {what}");
        }

        foreach (var (frame, releasedAction, again) in a.Released)
        {
            output.WriteLine(again is { } v
                ? $"{Indent}frame {frame}: its pended classification completed; classified again: {ReplayNames.Action(v.Action)}"
                : $"{Indent}frame {frame} released: {ReplayNames.Action(releasedAction)}");
        }

        if (a.Modified is { } modified)
        {
            output.WriteLine($"{Indent}sent on edited: {PacketDescription.Of(modified, LinkType.Raw).Summary}");
        }
    }

    private static string CalloutEventText(Callouts.CalloutEvent e)
    {
        var name = e.Kind == Callouts.CalloutEventKind.HttpRequestBlocked ? Engine.Callouts.OpenWfpCallouts.HttpRequest.Name : Engine.Callouts.OpenWfpCallouts.Dns.Name;
        var what = e.Kind switch
        {
            Callouts.CalloutEventKind.HttpRequestBlocked => $"blocked request \"{e.Text}\"; connection reset",
            Callouts.CalloutEventKind.DnsNameBlocked => $"blocked query for {e.Text}; answered NXDOMAIN",
            Callouts.CalloutEventKind.DnsAddressBlocked => $"blocked a connection to an address DNS gave for {e.Text}",
            _ => e.Text,
        };
        return $"{name} (callout id {e.CalloutId}): {what}";
    }

    public void WriteSummary(ReplayEnd end)
    {
        var t = runner.Tally;
        var c = runner.Shim.Counters;
        var seconds = t.Frames == 0 ? 0 : (t.LastTimestamp - t.FirstTimestamp) / 1e9;
        if (_headerWritten)
        {
            // The banner ends with a blank line already when no packet line followed it.
            output.WriteLine();
        }

        output.WriteLine(paint.Bold("Summary"));
        output.WriteLine($"  frames     {t.Frames} ({t.Bytes} bytes, {seconds.ToString("0.###", CultureInfo.InvariantCulture)} s of traffic)");
        output.WriteLine($"  decisions  {paint.Green($"{c.Permitted} permitted")}, {paint.Red($"{c.Blocked} blocked")} ({c.FlowBlockedDrops} of them dropped as part of a blocked flow, without classifying)");
        output.WriteLine($"  direction  {(t.Frames == 0 ? "none (no frames)" : string.Join(", ", t.Directions.OrderBy(d => d.Key).Select(d => $"{d.Value} {ReplayNames.Direction(d.Key)}")))}");
        if (input.Local.IsEmpty)
        {
            output.WriteLine($"  local      {InferredLocal(t)}");
        }

        output.WriteLine($"  flows      {c.Flows} ALE flows, each authorized once{(c.Reauthorizations > 0 ? $"; {c.Reauthorizations} reauthorizations" : "")}");
        if (c.StreamIndications > 0 || runner.Callouts.EventCount > 0 || runner.Callouts.Injector.Total > 0 || runner.HeldFrames.Count > 0)
        {
            output.WriteLine($"  stream     {c.StreamIndications} STREAM indications, {c.StreamOutOfOrder} out-of-order segments buffered, {c.StreamRetransmittedBytes} retransmitted bytes, {c.StreamOverlapConflicts} overlaps with different bytes, {c.StreamDroppedConnections} connections reset by a callout, {c.StreamBufferResets} for lack of buffer");
            var held = runner.HeldFrames.Count == 0 ? "" : $"; {runner.HeldFrames.Count} frames still held at the end (frames {string.Join(", ", runner.HeldFrames.Order().Take(8))})";
            output.WriteLine($"  callouts   {runner.Callouts.EventCount} events, {runner.Callouts.Injector.Total} injections{held}");
        }
        if (c.Unparsed > 0 || c.NotIp > 0)
        {
            output.WriteLine($"  other      {c.NotIp} non-IP frames (MAC layers only), {c.Unparsed} frames that could not be parsed (given the default decision)");
        }

        output.WriteLine();
        if (t.Layers.Count == 0)
        {
            output.WriteLine("  no packet reached a layer");
            return;
        }

        var layerWidth = Math.Max(5, t.Layers.Keys.Select(k => ReplayNames.Layer(k).Length).DefaultIfEmpty(0).Max());
        output.WriteLine(paint.Bold($"  {"layer".PadRight(layerWidth)}  {"met",6}  {"classified",10}  {"permit",6}  {"block",6}  {"no match",8}"));
        foreach (var (id, l) in t.Layers)
        {
            output.WriteLine($"  {ReplayNames.Layer(id).PadRight(layerWidth)}  {l.Met,6}  {l.Classified,10}  {l.Permits,6}  {l.Blocks,6}  {l.NoMatch,8}");
        }

        output.WriteLine(paint.Dim("  (met: packets that reached the layer; layers without filters are passed without classifying)"));
        output.WriteLine();
        if (t.Filters.Count == 0)
        {
            output.WriteLine("  no filter matched any packet");
        }
        else
        {
            var rows = t.Filters.OrderBy(f => f.Key).Select(f => (Filter: FilterText(f.Key), Layer: ReplayNames.Layer(f.Value.LayerId), Counts: f.Value)).ToList();
            var filterWidth = Math.Max(6, rows.Max(r => r.Filter.Length));
            var lw = Math.Max(5, rows.Max(r => r.Layer.Length));
            output.WriteLine(paint.Bold($"  {"filter".PadRight(filterWidth)}  {"layer".PadRight(lw)}  {"permits",7}  {"blocks",6}  {"flow drops",10}"));
            foreach (var (filter, layer, counts) in rows)
            {
                output.WriteLine($"  {filter.PadRight(filterWidth)}  {layer.PadRight(lw)}  {counts.Permits,7}  {counts.Blocks,6}  {counts.FlowDrops,10}");
            }
        }
    }

    // How the shim told this host's side without --local (docs/SHIM.md#direction), and which addresses that made ours.
    private static string InferredLocal(ReplayTally t)
    {
        const string Advice = "--local CIDR decides by address instead and can change the decisions";
        if (t.CookedFrames + t.InferredFrames == 0)
        {
            return "not given (no IP frames)";
        }

        var how = (t.CookedFrames > 0, t.InferredFrames > 0) switch
        {
            (true, false) => "each packet's direction is the one the Linux cooked capture recorded",
            (false, true) => "this host was taken to be the sender of each new flow's first packet, so every new flow is outbound",
            _ => "cooked frames keep the direction the capture recorded, the others take this host to be the sender of each new flow's first packet",
        };
        const int Shown = 6;
        var addresses = string.Join(", ", t.InferredLocal.Take(Shown)) + (t.InferredLocal.Count > Shown ? $" and {t.InferredLocal.Count - Shown} more" : "");
        return $"not given: {how} (taken as local: {(addresses.Length == 0 ? "none" : addresses)}); {Advice}";
    }

    private string Why(in ReplayPacket r)
    {
        var v = r.Verdict;
        switch (v.Reason)
        {
            case ShimReason.Unparsed:
                return $"{v.ParseStatus.ToString().ToLowerInvariant()} frame: default decision";
            case ShimReason.FlowBlocked:
                var origin = runner.Flows.TryGetValue(v.FlowId, out var o) ? $" at frame {o.Frame}" : "";
                return $"flow #{v.FlowId} was blocked{origin} by {FilterText(v.FilterId)}";
            case ShimReason.FragmentOfBlocked:
                return $"its datagram was blocked by {FilterText(v.FilterId)}";
            case ShimReason.FragmentHeld:
                return "fragment held until its datagram is whole";
            case ShimReason.FragmentOverlap:
                return "fragment overlaps its datagram's earlier fragments with different bytes: datagram dropped";
            case ShimReason.FragmentInvalid:
                return "fragment cannot belong to a valid datagram: datagram dropped";
            case ShimReason.Held:
                return $"held: a callout at {ReplayNames.Layer(v.LayerId)} wants more before it decides";
            case ShimReason.ConnectionDropped:
                return $"connection reset (both ends) by {FilterText(v.FilterId)} at {ReplayNames.Layer(v.LayerId)}";
        }

        if (v.FilterId == 0)
        {
            if (v.FlowId != 0 && runner.Flows.TryGetValue(v.FlowId, out var flow) && flow.FilterId != 0)
            {
                return $"flow #{v.FlowId} permitted at frame {flow.Frame} by {FilterText(flow.FilterId)}";
            }

            return "no filter matched";
        }

        return $"{FilterText(v.FilterId)} at {ReplayNames.Layer(v.LayerId)}";
    }

    private string FilterText(ulong filterId) =>
        ReplayNames.Filter(input.Engine, filterId) is { } f ? $"#{f.FilterId} \"{f.DisplayData.Name}\"" : $"#{filterId}";
}
