using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Shim;
using OpenWfp.Wire;

namespace OpenWfp.Cli.Replay;

/// <summary>
/// The <c>--json</c> form of a replay: one object per packet, each on its own line, then one summary object
/// (keys in docs/CLI.md).
/// </summary>
internal sealed class ReplayJsonReport(TextWriter output, ReplayInput input, ReplayRunner runner)
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public void WritePacket(in ReplayPacket r)
    {
        var replayed = r;
        output.WriteLine(Line(w =>
        {
            var v = replayed.Verdict;
            var description = PacketDescription.Of(replayed.Packet.Data.Span, (LinkType)replayed.Packet.LinkType);
            w.WriteStartObject();
            w.WriteString("type", "packet");
            w.WriteNumber("frame", replayed.Packet.FrameNumber);
            w.WriteString("timestamp", replayed.Packet.Timestamp.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteNumber("length", replayed.Packet.CapturedLength);
            w.WriteString("direction", ReplayNames.Direction(v.Direction));
            WritePacketObject(w, description);
            if (v.FlowId != 0)
            {
                w.WriteNumber("flowId", v.FlowId);
            }

            w.WriteStartArray("layers");
            foreach (var step in replayed.Trace.Steps)
            {
                var layer = LayerCatalog.ById(step.LayerId)!;
                w.WriteStartObject();
                w.WriteString("layer", layer.ShortName);
                w.WriteBoolean("classified", step.Classified);
                if (step.Reauthorization)
                {
                    w.WriteBoolean("reauthorization", true);
                }

                w.WriteString("action", ReplayNames.Action(step.Action));
                WriteFilter(w, step.FilterId);
                w.WriteStartObject("values");
                var values = replayed.Trace.ValuesOf(step);
                for (var i = 0; i < values.Length; i++)
                {
                    if (!values[i].IsEmpty)
                    {
                        w.WriteString(layer.Fields[i].Name, FieldValueParser.FormatValue(layer.Fields[i], values[i]));
                    }
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("decision", ReplayNames.Action(v.Action));
            w.WriteString("reason", ReplayNames.Reason(v.Reason));
            if (v.LayerId != ShimVerdict.NoLayer)
            {
                w.WriteString("decidingLayer", ReplayNames.Layer(v.LayerId));
            }

            WriteFilter(w, v.FilterId);
            w.WriteEndObject();
        }));
    }

    public void WriteSummary(ReplayEnd end)
    {
        output.WriteLine(Line(w =>
        {
            var t = runner.Tally;
            var c = runner.Shim.Counters;
            w.WriteStartObject();
            w.WriteString("type", "summary");
            w.WriteString("capture", input.CaptureName);
            w.WriteString("policy", input.PolicyName);
            w.WriteStartArray("local");
            foreach (var range in input.Local.Text)
            {
                w.WriteStringValue(range);
            }

            w.WriteEndArray();
            w.WriteNumber("frames", t.Frames);
            w.WriteNumber("bytes", t.Bytes);
            w.WriteNumber("permitted", c.Permitted);
            w.WriteNumber("blocked", c.Blocked);
            w.WriteNumber("flowBlockedDrops", c.FlowBlockedDrops);
            w.WriteNumber("flows", c.Flows);
            w.WriteNumber("reauthorizations", c.Reauthorizations);
            w.WriteNumber("notIp", c.NotIp);
            w.WriteNumber("unparsed", c.Unparsed);
            w.WriteBoolean("truncated", end.TruncatedAtOffset >= 0);
            w.WriteStartObject("directions");
            foreach (var (direction, count) in t.Directions.OrderBy(d => d.Key))
            {
                w.WriteNumber(ReplayNames.Direction(direction), count);
            }

            w.WriteEndObject();
            w.WriteStartArray("layers");
            foreach (var (id, l) in t.Layers)
            {
                w.WriteStartObject();
                w.WriteString("layer", ReplayNames.Layer(id));
                w.WriteNumber("met", l.Met);
                w.WriteNumber("classified", l.Classified);
                w.WriteNumber("permit", l.Permits);
                w.WriteNumber("block", l.Blocks);
                w.WriteNumber("noMatch", l.NoMatch);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("filters");
            foreach (var (id, f) in t.Filters.OrderBy(f => f.Key))
            {
                w.WriteStartObject();
                WriteFilter(w, id);
                w.WriteString("layer", ReplayNames.Layer(f.LayerId));
                w.WriteNumber("permits", f.Permits);
                w.WriteNumber("blocks", f.Blocks);
                w.WriteNumber("flowDrops", f.FlowDrops);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }));
    }

    internal static void WritePacketObject(Utf8JsonWriter w, PacketDescription d)
    {
        w.WriteStartObject("packet");
        w.WriteString("summary", d.Summary);
        w.WriteString("protocol", d.Protocol);
        if (d.IpVersion != 0)
        {
            w.WriteNumber("ipVersion", d.IpVersion);
        }

        if (d.Source is not null)
        {
            w.WriteString("source", d.Source);
            w.WriteString("destination", d.Destination);
        }

        if (d.SourcePort is { } sp)
        {
            w.WriteNumber("sourcePort", sp);
            w.WriteNumber("destinationPort", d.DestinationPort ?? 0);
        }

        w.WriteString("parse", d.Status.ToString().ToLowerInvariant());
        w.WriteEndObject();
    }

    private void WriteFilter(Utf8JsonWriter w, ulong filterId)
    {
        w.WriteNumber("filterId", filterId);
        if (ReplayNames.Filter(input.Engine, filterId) is { } f)
        {
            w.WriteString("filterKey", f.Key.ToString());
            w.WriteString("filterName", f.DisplayData.Name);
        }
    }

    private static string Line(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            write(w);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
