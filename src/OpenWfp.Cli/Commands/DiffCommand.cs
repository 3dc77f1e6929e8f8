using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using OpenWfp.Cli.Input;
using OpenWfp.Cli.Output;
using OpenWfp.Cli.Replay;
using OpenWfp.Engine;
using OpenWfp.Engine.Diff;
using OpenWfp.Engine.Model;
using OpenWfp.Wire;

namespace OpenWfp.Cli.Commands;

/// <summary>The behaviour of <c>wfp diff</c>: the objects that differ between two policies, then the decisions that change.</summary>
internal sealed class DiffCommand(CliConsole console)
{
    private static readonly JsonWriterOptions JsonOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public int Run(DiffArguments args)
    {
        if (args.Capture is not null && args.Layer is not null)
        {
            throw new CliUserException("--capture and --layer do not go together: 'diff' compares decisions over a capture or for one input");
        }

        if (args.Layer is null && args.Values.Count > 0)
        {
            throw new CliUserException("--value needs --layer LAYER, e.g. --layer ALE_AUTH_CONNECT_V4");
        }

        if (args.Capture is not null)
        {
            ReplayInput.Check(args.Capture, args.Local);
        }

        var before = InputResolver.LoadPolicy(args.Before, console.Error);
        var after = InputResolver.LoadPolicy(args.After, console.Error);
        var objects = PolicyDiff.Compare(before.Current, after.Current);
        Decisions decisions;
        if (args.Capture is not null)
        {
            decisions = new Decisions("capture", [], ReplayBoth(args, before, after));
        }
        else if (args.Layer is not null)
        {
            var layer = InputResolver.ResolveLayer(args.Layer);
            var (values, _) = InputResolver.ResolveValues(layer, args.Values.Select(InputResolver.SplitAssignment));
            decisions = new Decisions("input", [DecisionDiff.Classify(before, after, layer, values, "the --value input")], []);
        }
        else
        {
            decisions = new Decisions("probes", DecisionDiff.Probe(before, after, objects), []);
        }

        if (args.Json)
        {
            console.Out.WriteLine(Json(args, objects, decisions));
        }
        else
        {
            WriteText(args, objects, decisions);
        }

        var differs = objects.Count > 0 || decisions.Classified.Any(d => d.ActionChanged) || decisions.Frames.Count > 0;
        return args.ExitCode && differs ? 1 : 0;
    }

    private static List<FrameChange> ReplayBoth(DiffArguments args, FilterEngine before, FilterEngine after)
    {
        var first = new List<(ActionType Action, string? Filter)>();
        var changed = new List<FrameChange>();
        Replay(args, args.Before, before, (frame, verdict, filter) => first.Add((verdict, filter)));
        Replay(args, args.After, after, (frame, verdict, filter) =>
        {
            var index = (int)(frame.FrameNumber - 1);
            if (index < first.Count && (first[index].Action == ActionType.Block) != (verdict == ActionType.Block))
            {
                var description = PacketDescription.Of(frame.Data.Span, (LinkType)frame.LinkType);
                changed.Add(new FrameChange(frame.FrameNumber, description.Summary, Verdict(first[index].Action), first[index].Filter, Verdict(verdict), filter));
            }
        });
        return changed;
    }

    private static void Replay(DiffArguments args, string policyName, FilterEngine engine, Action<Pcap.CapturedPacket, ActionType, string?> onFrame)
    {
        var input = ReplayInput.ForEngine(args.Capture!, policyName, engine, args.Local);
        var runner = new ReplayRunner(input, ActionType.Permit, recordValues: false);
        runner.Run(p =>
        {
            var filter = p.Verdict.FilterId == 0 ? null : engine.Current.FilterById(p.Verdict.FilterId);
            onFrame(p.Packet, p.Verdict.Action, filter is null ? null : $"\"{filter.DisplayData.Name}\" {{{filter.Key}}}");
        });
    }

    private static string Verdict(ActionType action) => action == ActionType.Block ? "block" : "permit";

    private void WriteText(DiffArguments args, IReadOnlyList<ObjectChange> objects, Decisions decisions)
    {
        var o = console.Out;
        var paint = new Painter(console.Color);
        var added = objects.Count(c => c.Change == ChangeType.Added);
        var removed = objects.Count(c => c.Change == ChangeType.Removed);
        o.WriteLine(objects.Count == 0
            ? $"{args.Before} → {args.After}: no object differs"
            : $"{args.Before} → {args.After}: {Plural(objects.Count, "object")} differ{(objects.Count == 1 ? "s" : "")} ({added} added, {removed} removed, {objects.Count - added - removed} changed)");
        foreach (var group in objects.GroupBy(c => c.Kind))
        {
            o.WriteLine();
            o.WriteLine(paint.Bold(KindTitle(group.Key)));
            foreach (var change in group)
            {
                var mark = change.Change switch { ChangeType.Added => paint.Green("+"), ChangeType.Removed => paint.Red("-"), _ => "~" };
                var at = change.Layer is null || change.Kind is not (ObjectKind.Filter or ObjectKind.Callout) ? "" : " at " + change.Layer;
                o.WriteLine($"  {mark} \"{change.Name}\" {{{change.Key}}}{at}");
                foreach (var field in change.Fields)
                {
                    if (field.Removed.Count + field.Added.Count > 0)
                    {
                        var lead = $"      {field.Property}: ";
                        var pad = new string(' ', lead.Length);
                        var first = true;
                        foreach (var line in field.Removed.Select(r => paint.Red("- " + r)).Concat(field.Added.Select(a => paint.Green("+ " + a))))
                        {
                            o.WriteLine((first ? lead : pad) + line);
                            first = false;
                        }
                    }
                    else if (field.Property == "weight" && ulong.TryParse(field.Before, out var w1) && ulong.TryParse(field.After, out var w2))
                    {
                        // Effective weights are 64-bit numbers whose top bits say the sublayer-relative order: hex reads better.
                        o.WriteLine($"      weight: 0x{w1:x16} → 0x{w2:x16}");
                    }
                    else
                    {
                        o.WriteLine($"      {field.Property}: {field.Before ?? "(none)"} → {field.After ?? "(none)"}");
                    }
                }
            }
        }

        o.WriteLine();
        WriteDecisions(o, paint, decisions);
    }

    private static void WriteDecisions(TextWriter o, Painter paint, Decisions decisions)
    {
        if (decisions.Source == "capture")
        {
            o.WriteLine(decisions.Frames.Count == 0
                ? "decisions: no frame of the capture changes verdict"
                : $"decisions: {Plural(decisions.Frames.Count, "frame")} of the capture change verdict");
            foreach (var f in decisions.Frames)
            {
                o.WriteLine($"  frame {f.Frame} {f.Packet}: {paint.Action(f.Before, f.Before)} → {paint.Action(f.After, f.After)}" +
                    (f.AfterFilter is null ? "" : $" (by {f.AfterFilter})"));
            }

            return;
        }

        var changed = decisions.Classified.Where(d => d.ActionChanged).ToList();
        var what = decisions.Source == "input" ? "for your input" : $"of {Plural(decisions.Classified.Count, "classify", "classifies")} built from the conditions of every filter at the layers the changes touch";
        if (decisions.Classified.Count == 0)
        {
            o.WriteLine("decisions: nothing that decides a classification changed (no filter, nor the sublayer, callout or provider context of one)");
            return;
        }

        o.WriteLine(changed.Count == 0
            ? $"decisions: none changes, {what}"
            : $"decisions: {changed.Count} change{(changed.Count == 1 ? "s" : "")}, {what}");
        foreach (var d in decisions.Source == "input" ? decisions.Classified : changed)
        {
            var input = d.Values.Count == 0 ? "(no values)" : string.Join(' ', d.Values.Select(v => $"{v.Field.Name}={FieldText.Value(v.Field, v.Value)}"));
            o.WriteLine($"  {d.Layer.ShortName} {input}: {paint.Action(d.Before.Verdict, d.Before.Verdict)}{By(d.Before)} → {paint.Action(d.After.Verdict, d.After.Verdict)}{By(d.After)}");
            if (decisions.Source != "input")
            {
                o.WriteLine(paint.Dim($"      input from the {d.Reason}"));
            }
        }
    }

    private static string By(Decision d) => d.FilterKey is null ? " (no filter matched)" : $" (by \"{d.FilterName}\")";

    private static string KindTitle(ObjectKind kind) => kind switch
    {
        ObjectKind.Provider => "providers",
        ObjectKind.Sublayer => "sublayers",
        ObjectKind.Callout => "callouts",
        ObjectKind.ProviderContext => "provider contexts",
        _ => "filters",
    };

    private static string Plural(int n, string one, string? many = null) => $"{n} {(n == 1 ? one : many ?? one + "s")}";

    private static string Json(DiffArguments args, IReadOnlyList<ObjectChange> objects, Decisions decisions)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, JsonOptions))
        {
            w.WriteStartObject();
            w.WriteNumber("version", 1);
            w.WriteString("before", args.Before);
            w.WriteString("after", args.After);
            w.WriteStartObject("objects");
            w.WriteNumber("added", objects.Count(c => c.Change == ChangeType.Added));
            w.WriteNumber("removed", objects.Count(c => c.Change == ChangeType.Removed));
            w.WriteNumber("changed", objects.Count(c => c.Change == ChangeType.Changed));
            w.WriteEndObject();
            w.WriteStartArray("changes");
            foreach (var c in objects)
            {
                w.WriteStartObject();
                w.WriteString("kind", JsonNamingPolicy.KebabCaseLower.ConvertName(c.Kind.ToString()));
                w.WriteString("key", c.Key);
                w.WriteString("name", c.Name);
                w.WriteString("change", c.Change.ToString().ToLowerInvariant());
                if (c.Layer is not null)
                {
                    w.WriteString("layer", c.Layer);
                }

                w.WriteStartArray("fields");
                foreach (var f in c.Fields)
                {
                    w.WriteStartObject();
                    w.WriteString("property", f.Property);
                    if (f.Removed.Count + f.Added.Count > 0)
                    {
                        WriteStrings(w, "removed", f.Removed);
                        WriteStrings(w, "added", f.Added);
                    }
                    else
                    {
                        w.WriteString("before", f.Before);
                        w.WriteString("after", f.After);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartObject("decisions");
            w.WriteString("source", decisions.Source);
            if (decisions.Source == "capture")
            {
                w.WriteNumber("changed", decisions.Frames.Count);
                w.WriteStartArray("frames");
                foreach (var f in decisions.Frames)
                {
                    w.WriteStartObject();
                    w.WriteNumber("frame", f.Frame);
                    w.WriteString("packet", f.Packet);
                    w.WriteString("before", f.Before);
                    w.WriteString("beforeFilter", f.BeforeFilter);
                    w.WriteString("after", f.After);
                    w.WriteString("afterFilter", f.AfterFilter);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }
            else
            {
                w.WriteNumber("classified", decisions.Classified.Count);
                w.WriteNumber("changed", decisions.Classified.Count(d => d.ActionChanged));
                w.WriteStartArray("classifies");
                foreach (var d in decisions.Classified)
                {
                    w.WriteStartObject();
                    w.WriteString("layer", d.Layer.ShortName);
                    w.WriteStartObject("values");
                    foreach (var (field, value) in d.Values)
                    {
                        w.WriteString(field.Name, FieldText.Value(field, value));
                    }

                    w.WriteEndObject();
                    w.WriteString("reason", d.Reason);
                    WriteDecision(w, "before", d.Before);
                    WriteDecision(w, "after", d.After);
                    w.WriteBoolean("actionChanged", d.ActionChanged);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteDecision(Utf8JsonWriter w, string name, Decision d)
    {
        w.WriteStartObject(name);
        w.WriteString("action", d.Verdict);
        if (d.FilterKey is { } key)
        {
            w.WriteString("filterKey", key);
            w.WriteString("filterName", d.FilterName);
        }

        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IReadOnlyList<string> items)
    {
        w.WriteStartArray(name);
        foreach (var item in items)
        {
            w.WriteStringValue(item);
        }

        w.WriteEndArray();
    }

    private sealed record Decisions(string Source, IReadOnlyList<DecisionChange> Classified, IReadOnlyList<FrameChange> Frames);

    private sealed record FrameChange(long Frame, string Packet, string Before, string? BeforeFilter, string After, string? AfterFilter);
}
