using System.CommandLine;
using System.Globalization;
using OpenWfp.Cli.Input;
using OpenWfp.Client;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Engine.Values;

namespace OpenWfp.Cli.Commands;

/// <summary>The net event filters of <c>wfp events</c> and <c>wfp show netevents</c>, as typed.</summary>
/// <param name="Type">--type: drop, allow, or an FWPM_NET_EVENT_TYPE name or number.</param>
/// <param name="Layer">--layer: a layer name or GUID.</param>
/// <param name="App">--app: the application's path.</param>
/// <param name="Remote">--remote: ADDR or ADDR/LEN.</param>
/// <param name="RemotePort">--remote-port: N or LOW-HIGH.</param>
/// <param name="Protocol">--protocol: tcp, udp, icmp, … or a number.</param>
/// <param name="Since">--since: a time (ISO 8601) or an age (30s, 10m, 2h, 1d).</param>
/// <param name="Filter">--filter: the deciding filter's id.</param>
internal sealed record NetEventFilterArguments(
    string? Type = null,
    string? Layer = null,
    string? App = null,
    string? Remote = null,
    string? RemotePort = null,
    string? Protocol = null,
    string? Since = null,
    string? Filter = null)
{
    /// <summary>No filter at all.</summary>
    public static NetEventFilterArguments None { get; } = new();

    /// <summary>
    /// The FWPM_NET_EVENT_ENUM_TEMPLATE0 the options stand for: the type, address, port, protocol and application
    /// as template conditions, --since as the start time, --layer and --filter as OpenWfp's extensions.
    /// </summary>
    /// <param name="now">The time --since ages count back from.</param>
    /// <returns>The template; null when no option was given.</returns>
    public FwpmNetEventEnumTemplate0? ToTemplate(DateTimeOffset now)
    {
        if (this == None)
        {
            return null;
        }

        var conditions = new List<FilterCondition>();
        if (Type is not null)
        {
            conditions.Add(new FilterCondition(Condition("FWPM_CONDITION_NET_EVENT_TYPE"), FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt32(ParseType(Type)))));
        }

        // Parsed as the connect layer's fields: the same value syntax as 'wfp add filter --condition'.
        var v6 = Remote?.Contains(':', StringComparison.Ordinal) == true;
        var layer = LayerCatalog.Layer(v6 ? "ALE_AUTH_CONNECT_V6" : "ALE_AUTH_CONNECT_V4");
        AddField(conditions, layer, "--remote", "IP_REMOTE_ADDRESS", Remote);
        AddField(conditions, layer, "--remote-port", "IP_REMOTE_PORT", RemotePort);
        AddField(conditions, layer, "--protocol", "IP_PROTOCOL", Protocol);
        AddField(conditions, layer, "--app", "ALE_APP_ID", App);

        var template = new FwpmNetEventEnumTemplate0 { FilterConditions = conditions };
        if (Since is not null)
        {
            template.StartTime = ParseSince(Since, now);
        }

        if (Layer is not null)
        {
            template.LayerId = InputResolver.ResolveLayer(Layer).LayerId;
        }

        if (Filter is not null)
        {
            template.FilterId = ulong.TryParse(Filter.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id != 0
                ? id
                : throw new CliUserException($"--filter {Filter}: expected a filter id (a number from 1), as 'wfp show filters' lists it");
        }

        return template;
    }

    /// <summary>Adds the options to a command and returns how to read them back.</summary>
    /// <param name="command">The command.</param>
    /// <param name="withLayer">False when the command already has a --layer of its own.</param>
    /// <returns>A reader of the parsed options.</returns>
    public static Func<ParseResult, NetEventFilterArguments> AddTo(Command command, bool withLayer = true)
    {
        var type = new Option<string?>("--type") { Description = "Only events of this type: drop, allow, or an FWPM_NET_EVENT_TYPE_* name or number.", HelpName = "drop|allow|TYPE" };
        var layer = new Option<string?>("--layer", "-l") { Description = "Only events at this layer, e.g. ALE_AUTH_CONNECT_V4.", HelpName = "LAYER" };
        var app = new Option<string?>("--app") { Description = "Only events of this application (its full path).", HelpName = "PATH" };
        var remote = new Option<string?>("--remote") { Description = "Only events with this remote address, or one in this prefix: 203.0.113.7, 10.0.0.0/8, 2001:db8::/32.", HelpName = "ADDR[/LEN]" };
        var remotePort = new Option<string?>("--remote-port") { Description = "Only events with this remote port, or one in this range: 443, 1024-65535.", HelpName = "PORT|LOW-HIGH" };
        var protocol = new Option<string?>("--protocol") { Description = "Only events of this IP protocol: tcp, udp, icmp, or a number.", HelpName = "PROTO" };
        var since = new Option<string?>("--since") { Description = "Only events at or after this time: ISO 8601 (2026-01-31T12:00:00Z) or an age (30s, 10m, 2h, 1d).", HelpName = "TIME" };
        var filter = new Option<string?>("--filter") { Description = "Only events this filter decided (its id).", HelpName = "ID" };
        foreach (var o in new Option[] { type, layer, app, remote, remotePort, protocol, since, filter })
        {
            if (o != layer || withLayer)
            {
                command.Options.Add(o);
            }
        }

        return p => new NetEventFilterArguments(
            p.GetValue(type),
            withLayer ? p.GetValue(layer) : null,
            p.GetValue(app),
            p.GetValue(remote),
            p.GetValue(remotePort),
            p.GetValue(protocol),
            p.GetValue(since),
            p.GetValue(filter));
    }

    private static void AddField(List<FilterCondition> conditions, LayerInfo layer, string option, string fieldName, string? text)
    {
        if (text is null)
        {
            return;
        }

        var field = layer.Field(fieldName);
        var t = text.Trim();
        var match = t.Contains('-', StringComparison.Ordinal) && fieldName == "IP_REMOTE_PORT" ? FwpMatchType.Range : FwpMatchType.Equal;
        try
        {
            conditions.Add(new FilterCondition(field.ConditionKey!.Value, match, FieldValueParser.ParseCondition(field, match, t)));
        }
        catch (FormatException e)
        {
            throw new CliUserException($"{option} {text}: {e.Message}");
        }
    }

    private static Guid Condition(string name) =>
        LayerCatalog.TryFindCondition(name, out var c) ? c.Key : throw new InvalidOperationException($"{name} is missing from the condition catalog");

    // FWPM_NET_EVENT_TYPE (fwpmtypes.h), by the names 'wfp events' prints and the constant names.
    private static uint ParseType(string text)
    {
        var t = text.Trim().ToUpperInvariant().Replace('-', '_');
        if (t.StartsWith("FWPM_NET_EVENT_TYPE_", StringComparison.Ordinal))
        {
            t = t["FWPM_NET_EVENT_TYPE_".Length..];
        }

        return t switch
        {
            "DROP" or "CLASSIFY_DROP" => 3,
            "ALLOW" or "CLASSIFY_ALLOW" => 6,
            "IKEEXT_MM_FAILURE" => 0,
            "IKEEXT_QM_FAILURE" => 1,
            "IKEEXT_EM_FAILURE" => 2,
            "IPSEC_KERNEL_DROP" => 4,
            "IPSEC_DOSP_DROP" => 5,
            "CAPABILITY_DROP" => 7,
            "CAPABILITY_ALLOW" => 8,
            "CLASSIFY_DROP_MAC" => 9,
            _ when uint.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
            _ => throw new CliUserException($"--type {text}: expected drop, allow, or an FWPM_NET_EVENT_TYPE_* name such as CAPABILITY_DROP"),
        };
    }

    private static DateTimeOffset ParseSince(string text, DateTimeOffset now)
    {
        var t = text.Trim();
        if (t.Length > 1 && double.TryParse(t[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) && n >= 0)
        {
            TimeSpan? age = char.ToLowerInvariant(t[^1]) switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => null,
            };
            if (age is { } a)
            {
                return now - a;
            }
        }

        return DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new CliUserException($"--since {text}: expected a time such as 2026-01-31T12:00:00Z or an age such as 30s, 10m, 2h, 1d");
    }
}
