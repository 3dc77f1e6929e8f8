using System.Globalization;
using OpenWfp.Cli.Input;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.PolicyFile;

namespace OpenWfp.Cli.Output;

/// <summary>The human-readable output of classify and explain: aligned columns, colour only when allowed.</summary>
internal sealed class TextReport(TextWriter output, Painter paint)
{
    public void WriteSampleBanner(string policyName, int scenarios) =>
        output.WriteLine(paint.Dim($"Built-in sample: {policyName} over {scenarios} scenarios (run 'wfp explain --help' to use your own policy)."));

    public void WriteScenarioHeader(int number, int count, string name)
    {
        output.WriteLine();
        output.WriteLine(paint.Bold($"=== Scenario {number}/{count}: {name}"));
    }

    public void WriteClassify(ClassifyRequest request, DecisionSummary summary) =>
        WriteClassify(request.PolicyName, request.Layer, request.Given, summary);

    public void WriteClassify(string policyName, LayerInfo layer, IReadOnlyList<GivenValue> given, DecisionSummary summary)
    {
        WriteInputs(policyName, layer, given);
        WriteDecisionLine(summary);
        output.WriteLine($"filter     {(summary.Filter is { } f ? DescribeFilter(f) : "none")}");
        if (summary.Sublayers.Count == 0)
        {
            output.WriteLine("sublayers  none terminated");
            return;
        }

        output.WriteLine("sublayers  (the filter that terminated each sublayer, highest weight first)");
        var nameWidth = summary.Sublayers.Max(s => SublayerName(s).Length);
        foreach (var s in summary.Sublayers)
        {
            var action = DecisionSummary.ActionName(s.Action);
            var decides = s.FilterId == summary.FilterId ? "  ◀ decides" : "";
            output.WriteLine($"  {SublayerName(s).PadRight(nameWidth)}  weight 0x{s.Weight:x4}  {paint.Action(action, action.PadRight(6))}  filter {(s.Filter is { } sf ? DescribeFilter(sf) : s.FilterId.ToString(CultureInfo.InvariantCulture))}{decides}");
        }
    }

    public void WriteExplain(ClassifyRequest request, ExplainReport report, bool withPolicyLine = true)
    {
        WriteInputs(request.PolicyName, request.Layer, request.Given, withPolicyLine);
        output.WriteLine();
        if (report.Filters.Count == 0)
        {
            output.WriteLine($"  (the policy has no filters at {request.Layer.ShortName})");
        }

        var conditionRows = report.Filters.SelectMany(f => f.Conditions).Select(c => Row(c)).ToList();
        var fieldWidth = conditionRows.Count == 0 ? 0 : conditionRows.Max(r => r.Field.Length);
        var matchWidth = conditionRows.Count == 0 ? 0 : conditionRows.Max(r => r.Match.Length);
        var valueWidth = conditionRows.Count == 0 ? 0 : conditionRows.Max(r => r.Value.Length);
        Guid? sublayer = null;
        foreach (var f in report.Filters)
        {
            if (sublayer != f.Sublayer.Key)
            {
                sublayer = f.Sublayer.Key;
                output.WriteLine(paint.Bold($"  sublayer \"{f.Sublayer.DisplayData.Name}\"  weight 0x{f.Sublayer.Weight:x4}"));
            }

            output.WriteLine($"    filter {f.Filter.FilterId} \"{f.Filter.DisplayData.Name}\"  {FilterTraits(f.Filter)}");
            foreach (var c in f.Conditions)
            {
                var row = Row(c);
                var mark = c.Held ? paint.Green("✓") : paint.Red("✗");
                output.WriteLine($"        {mark} {row.Field.PadRight(fieldWidth)}  {row.Match.PadRight(matchWidth)}  {row.Value.PadRight(valueWidth)}  actual {row.Actual}");
            }

            if (f.Conditions.Count == 0)
            {
                output.WriteLine(paint.Dim("        (no conditions: matches everything)"));
            }
            else if (RepeatedFields(f) is { Count: > 0 } repeated)
            {
                // The ✗ beside one of them does not fail the filter when another on its field holds (docs/ENGINE.md#matching).
                var which = repeated.Count == 1 ? $"here {repeated[0]}: one of them must hold" : $"here {string.Join(" and ", repeated)}: one of each must hold";
                output.WriteLine(paint.Dim($"        (conditions on one field are OR-ed, {which}; different fields are AND-ed)"));
            }

            output.WriteLine("      " + Outcome(f));
        }

        output.WriteLine();
        WriteDecisionLine(DecisionSummary.From(request, report.Result, report.Terminating));
    }

    // The fields this filter tests more than once, in the order they first appear.
    private static List<string> RepeatedFields(ExplainFilter f) =>
        f.Conditions.GroupBy(c => c.Field.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToList();

    private string Outcome(ExplainFilter f)
    {
        switch (f.Outcome)
        {
            case ExplainOutcome.NotMatched:
                return paint.Dim("→ no match: " + f.Note);
            case ExplainOutcome.SkippedSublayerDone:
                return paint.Dim("→ skipped: " + f.Note);
            case ExplainOutcome.Continued:
                return "→ continue: " + f.Note;
            default:
                // The engine's note already starts with the returned action, e.g. "BLOCK (hard): overrides …".
                var line = "→ " + paint.Action(DecisionSummary.ActionName(f.Action), f.Note);
                return f.Decided ? line + paint.Bold("  ◀ decides") : line;
        }
    }

    private void WriteInputs(string policyName, LayerInfo layer, IReadOnlyList<GivenValue> given, bool withPolicyLine = true)
    {
        if (withPolicyLine)
        {
            output.WriteLine($"policy     {policyName}");
        }

        output.WriteLine($"layer      {layer.ShortName}");
        output.WriteLine($"values     {(given.Count == 0 ? "none (every field FWP_EMPTY)" : string.Join("  ", given.Select(g => $"{g.Field.Name}={GivenText(g)}")))}");
    }

    private void WriteDecisionLine(DecisionSummary summary)
    {
        var decision = paint.Action(summary.Decision, summary.Decision.ToUpperInvariant());
        if (summary.Filter is null)
        {
            output.WriteLine($"decision   {decision} — no filter matched (default permit)");
            return;
        }

        var how = summary.Hard ? "hard" : "soft";
        var veto = summary.Vetoed ? ", a callout vetoed a hard permit" : "";
        output.WriteLine($"decision   {decision} ({how}{veto}) by filter {DescribeFilter(summary.Filter)}");
    }

    // As the user wrote it, except a LUID, which reads by its parts whichever way it was written.
    private static string GivenText(GivenValue g)
    {
        var text = FieldText.Value(g.Field, g.Value);
        return text.StartsWith("luid ", StringComparison.Ordinal) ? text : g.Text;
    }

    private static string DescribeFilter(FilterSpec f) => $"{f.FilterId} \"{f.DisplayData.Name}\" {{{f.Key}}}";

    private static string SublayerName(SublayerDecision s) => s.Sublayer?.DisplayData.Name ?? s.SublayerKey.ToString();

    private static string FilterTraits(FilterSpec f)
    {
        var action = f.Action.Type switch
        {
            ActionType.Permit => "permit",
            ActionType.Block => "block",
            _ => "callout " + f.Action.Type.ToString().Replace("Callout", "", StringComparison.Ordinal).ToLowerInvariant(),
        };
        var flags = PolicyNames.FilterFlagNamesOf(f.Flags);
        var hard = (f.Flags & FilterFlags.ClearActionRight) != 0 ? " (hard)" : "";
        return $"[{action}{hard}{(flags.Count > 0 ? ", " + string.Join(" ", flags) : "")}, weight 0x{f.EffectiveWeight:x16}]";
    }

    private static (string Field, string Match, string Value, string Actual) Row(ExplainCondition c) =>
        (c.Field.Name, PolicyNames.MatchTypeName(c.Condition.MatchType), FieldText.Condition(c.Field, c.Condition.Value), FieldText.Value(c.Field, c.Value));
}
