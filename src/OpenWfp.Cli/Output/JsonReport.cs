using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using OpenWfp.Cli.Input;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.PolicyFile;

namespace OpenWfp.Cli.Output;

/// <summary>The <c>--json</c> output of classify and explain (keys in docs/CLI.md; "version" is 1).</summary>
internal static class JsonReport
{
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Classify(ClassifyRequest request, DecisionSummary summary) =>
        Classify(request.PolicyName, request.Layer, request.Given, summary);

    public static string Classify(string policyName, LayerInfo layer, IReadOnlyList<GivenValue> given, DecisionSummary summary) => Build(w =>
    {
        w.WriteStartObject();
        WriteHead(w, policyName, layer, given);
        WriteDecision(w, summary);
        w.WriteEndObject();
    });

    public static string Explain(ClassifyRequest request, ExplainReport report) => Build(w => WriteExplain(w, request, report));

    public static string ExplainScenarios(IReadOnlyList<(ClassifyRequest Request, ExplainReport Report)> reports) => Build(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("version", 1);
        w.WriteString("policy", reports[0].Request.PolicyName);
        w.WriteStartArray("scenarios");
        foreach (var (request, report) in reports)
        {
            WriteExplain(w, request, report);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    internal static void WriteExplain(Utf8JsonWriter w, ClassifyRequest request, ExplainReport report)
    {
        w.WriteStartObject();
        if (request.Scenario is { } name)
        {
            w.WriteString("scenario", name);
        }

        WriteHead(w, request.PolicyName, request.Layer, request.Given);
        WriteDecision(w, DecisionSummary.From(request, report.Result, report.Terminating));
        w.WriteStartArray("filters");
        foreach (var f in report.Filters)
        {
            w.WriteStartObject();
            w.WriteNumber("filterId", f.Filter.FilterId);
            w.WriteString("filterKey", f.Filter.Key.ToString());
            w.WriteString("name", f.Filter.DisplayData.Name);
            w.WriteString("sublayer", f.Sublayer.DisplayData.Name);
            w.WriteString("sublayerKey", f.Sublayer.Key.ToString());
            w.WriteNumber("sublayerWeight", f.Sublayer.Weight);
            w.WriteNumber("effectiveWeight", f.Filter.EffectiveWeight);
            w.WriteString("action", f.Filter.Action.Type switch
            {
                ActionType.Permit => "permit",
                ActionType.Block => "block",
                _ => "callout",
            });
            w.WriteStartArray("flags");
            foreach (var flag in PolicyNames.FilterFlagNamesOf(f.Filter.Flags))
            {
                w.WriteStringValue(flag);
            }

            w.WriteEndArray();
            w.WriteString("outcome", f.Outcome switch
            {
                ExplainOutcome.NotMatched => "not-matched",
                ExplainOutcome.SkippedSublayerDone => "skipped",
                ExplainOutcome.Terminated => "terminated",
                _ => "continued",
            });
            if (f.Outcome == ExplainOutcome.Terminated)
            {
                w.WriteString("returned", DecisionSummary.ActionName(f.Action));
            }
            else
            {
                w.WriteNull("returned");
            }

            w.WriteBoolean("decided", f.Decided);
            w.WriteString("note", f.Note);
            w.WriteStartArray("conditions");
            foreach (var c in f.Conditions)
            {
                w.WriteStartObject();
                w.WriteString("field", c.Field.Name);
                w.WriteString("match", PolicyNames.MatchTypeName(c.Condition.MatchType));
                w.WriteString("value", FieldValueParser.FormatCondition(c.Field, c.Condition.Value));
                w.WriteString("actual", FieldValueParser.FormatValue(c.Field, c.Value));
                w.WriteBoolean("held", c.Held);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteHead(Utf8JsonWriter w, string policyName, LayerInfo layer, IReadOnlyList<GivenValue> given)
    {
        w.WriteNumber("version", 1);
        w.WriteString("policy", policyName);
        w.WriteString("layer", layer.ShortName);
        w.WriteStartObject("values");
        foreach (var g in given)
        {
            w.WriteString(g.Field.Name, FieldValueParser.FormatValue(g.Field, g.Value));
        }

        w.WriteEndObject();
    }

    private static void WriteDecision(Utf8JsonWriter w, DecisionSummary summary)
    {
        w.WriteString("decision", summary.Decision);
        w.WriteBoolean("hard", summary.Hard);
        w.WriteBoolean("vetoed", summary.Vetoed);
        w.WriteNumber("filterId", summary.FilterId);
        if (summary.Filter is { } f)
        {
            w.WriteString("filterKey", f.Key.ToString());
            w.WriteString("filterName", f.DisplayData.Name);
        }
        else
        {
            w.WriteNull("filterKey");
            w.WriteNull("filterName");
        }

        w.WriteStartArray("sublayers");
        foreach (var s in summary.Sublayers)
        {
            w.WriteStartObject();
            w.WriteString("key", s.SublayerKey.ToString());
            w.WriteString("name", s.Sublayer?.DisplayData.Name);
            w.WriteNumber("weight", s.Weight);
            w.WriteNumber("filterId", s.FilterId);
            w.WriteString("filterKey", s.Filter?.Key.ToString());
            w.WriteString("filterName", s.Filter?.DisplayData.Name);
            w.WriteString("action", DecisionSummary.ActionName(s.Action));
            w.WriteBoolean("decided", s.FilterId == summary.FilterId);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    internal static string Build(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, Options))
        {
            write(w);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
