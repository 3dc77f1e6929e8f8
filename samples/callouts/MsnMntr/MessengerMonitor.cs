using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;

namespace OpenWfp.Samples.Callouts.MsnMntr;

/// <summary>
/// The stream monitor sample, after the behaviour Microsoft documents for its MSN Messenger monitor sample
/// (Microsoft Learn, "Networking driver samples", WFP MSN Messenger Monitor): connections of one application are
/// picked at ALE_FLOW_ESTABLISHED, and their TCP data is then watched at the stream layer.
/// </summary>
/// <remarks>
/// <para>Two callouts, one instance. At ALE_FLOW_ESTABLISHED, for a connection whose ALE_APP_ID is the configured
/// application, the callout associates a flow context with the flow for its stream callout
/// (<see cref="FlowContextTable.Associate"/>, FwpsFlowAssociateContext0's role). The stream callout is registered
/// CONDITIONAL_ON_FLOW, so the engine calls it only for those flows: it counts bytes per direction and writes the
/// printable text lines it sees to <c>DIR/flow-ID.log</c> (<c>&gt; </c> sent, <c>&lt; </c> received); when the flow
/// ends (flowDeleteFn) it adds a <c>bytes sent=N received=M</c> line.</para>
/// <para>Configuration: the ALE_FLOW_ESTABLISHED filter's provider context, <c>app=/path/of/program;dir=/log/dir</c>.
/// Both callouts always let the traffic through: this is a monitor.</para>
/// </remarks>
[CalloutKey(FlowEstablishedV4Key, Name = "msnmntr.flow-established-v4", Layer = "ALE_FLOW_ESTABLISHED_V4", UsesProviderContext = true, Description = "Stream monitor sample: picks the configured application's connections")]
[CalloutKey(FlowEstablishedV6Key, Name = "msnmntr.flow-established-v6", Layer = "ALE_FLOW_ESTABLISHED_V6", UsesProviderContext = true, Description = "Stream monitor sample: picks the configured application's connections")]
[CalloutKey(StreamV4Key, Name = "msnmntr.stream-v4", Layer = "STREAM_V4", Flags = CalloutRegistrationFlags.ConditionalOnFlow, Description = "Stream monitor sample: logs the text of the picked connections")]
[CalloutKey(StreamV6Key, Name = "msnmntr.stream-v6", Layer = "STREAM_V6", Flags = CalloutRegistrationFlags.ConditionalOnFlow, Description = "Stream monitor sample: logs the text of the picked connections")]
public sealed class MessengerMonitor : ICallout, ICalloutLifecycle
{
    /// <summary>The ALE_FLOW_ESTABLISHED_V4 callout's key.</summary>
    public const string FlowEstablishedV4Key = "8f3a1c52-0d4e-4b8a-9a7e-2c1f5e6d7c01";

    /// <summary>The ALE_FLOW_ESTABLISHED_V6 callout's key.</summary>
    public const string FlowEstablishedV6Key = "8f3a1c52-0d4e-4b8a-9a7e-2c1f5e6d7c02";

    /// <summary>The STREAM_V4 callout's key.</summary>
    public const string StreamV4Key = "8f3a1c52-0d4e-4b8a-9a7e-2c1f5e6d7c03";

    /// <summary>The STREAM_V6 callout's key.</summary>
    public const string StreamV6Key = "8f3a1c52-0d4e-4b8a-9a7e-2c1f5e6d7c04";

    // Longest text line kept before it is written out anyway.
    private const int MaxLine = 4096;

    private readonly ConcurrentDictionary<ulong, FlowLog> _flows = new();
    private FilterEngine? _engine;

    /// <summary>Flows being monitored now.</summary>
    public int MonitoredFlows => _flows.Count;

    /// <inheritdoc/>
    public void Attach(FilterEngine engine) => _engine = engine;

    /// <inheritdoc/>
    public void Detach()
    {
        foreach (var id in _flows.Keys)
        {
            if (_flows.TryRemove(id, out var log))
            {
                log.Close();
            }
        }

        _engine = null;
    }

    /// <inheritdoc/>
    public bool Notify(CalloutNotifyType type, Guid filterKey, RuntimeFilter filter)
    {
        if (type != CalloutNotifyType.AddFilter || filter.ProviderContext is null)
        {
            return true;
        }

        try
        {
            SampleConfig.Of(filter, Config.Parse);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
    {
        switch (context.Layer.LayerId)
        {
            case LayerIds.AleFlowEstablishedV4:
                FlowEstablished(in context, LayerIds.StreamV4, new Guid(StreamV4Key));
                break;
            case LayerIds.AleFlowEstablishedV6:
                FlowEstablished(in context, LayerIds.StreamV6, new Guid(StreamV6Key));
                break;
            case LayerIds.StreamV4 or LayerIds.StreamV6:
                Stream(in context);
                break;
        }

        if (classifyOut.CanWriteAction)
        {
            classifyOut.ActionType = ActionType.Permit;
        }
    }

    /// <inheritdoc/>
    public void FlowDelete(ushort layerId, uint calloutId, ulong flowContext)
    {
        if (_flows.TryRemove(flowContext, out var log))
        {
            log.Close();
        }
    }

    private void FlowEstablished(in CalloutClassifyContext context, ushort streamLayer, Guid streamKey)
    {
        ref readonly var metadata = ref context.Metadata;
        if (_engine is not { } engine || !metadata.HasFlowHandle || context.Filter.ProviderContext is null)
        {
            return;
        }

        var config = SampleConfig.Of(context.Filter, Config.Parse);
        var appId = context.Layer.FindField("ALE_APP_ID") is { } field ? context.Value(field.Index) : default;
        if (!appId.Blob.SequenceEqual(config.AppId))
        {
            return;
        }

        var flow = metadata.FlowHandle;
        var log = new FlowLog(Path.Combine(config.Directory, $"flow-{flow.ToString(CultureInfo.InvariantCulture)}.log"));
        if (!_flows.TryAdd(flow, log))
        {
            log.Close();
            return;
        }

        try
        {
            // The flow's id is the context: the stream callout and flowDeleteFn find the log by it.
            engine.FlowContexts.Associate(flow, streamLayer, engine.Callouts.Slot(streamKey), flow);
        }
        catch (OpenWfp.Engine.Errors.WfpException)
        {
            // No management object for the stream callout (no id to associate with), or already associated.
            _flows.TryRemove(flow, out _);
            log.Close();
        }
    }

    private void Stream(in CalloutClassifyContext context)
    {
        var layerData = context.LayerData;
        if (layerData.Kind != LayerDataKind.Stream || !_flows.TryGetValue(context.FlowContext, out var log))
        {
            return;
        }

        var stream = layerData.Stream;
        log.Add(stream.IsReceive, stream.First, stream.Second);
    }

    /// <summary>The parsed <c>app=...;dir=...</c>.</summary>
    private sealed class Config(byte[] appId, string directory)
    {
        public byte[] AppId { get; } = appId;

        public string Directory { get; } = directory;

        public static Config Parse(string text)
        {
            var pairs = SampleConfig.Pairs(text);
            if (!pairs.TryGetValue("app", out var app) || !pairs.TryGetValue("dir", out var dir))
            {
                throw new FormatException("the context must give app=PATH;dir=DIRECTORY");
            }

            return new Config(AppIdOf(app), dir);
        }

        private static byte[] AppIdOf(string path) => OpenWfp.Engine.Values.AppId.FromPath(path);
    }

    /// <summary>One monitored flow: byte counts and the partial text line of each direction, written as lines complete.</summary>
    private sealed class FlowLog(string path)
    {
        private readonly Lock _gate = new();
        private readonly StringBuilder _sent = new();
        private readonly StringBuilder _received = new();
        private long _bytesSent;
        private long _bytesReceived;

        public void Add(bool receive, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
        {
            lock (_gate)
            {
                if (receive)
                {
                    _bytesReceived += first.Length + second.Length;
                }
                else
                {
                    _bytesSent += first.Length + second.Length;
                }

                var line = receive ? _received : _sent;
                var prefix = receive ? "< " : "> ";
                var output = new StringBuilder();
                Scan(first, line, prefix, output);
                Scan(second, line, prefix, output);
                if (output.Length > 0)
                {
                    File.AppendAllText(path, output.ToString());
                }
            }
        }

        public void Close()
        {
            lock (_gate)
            {
                var output = new StringBuilder();
                Flush(_sent, "> ", output);
                Flush(_received, "< ", output);
                output.Append(CultureInfo.InvariantCulture, $"bytes sent={_bytesSent} received={_bytesReceived}\n");
                File.AppendAllText(path, output.ToString());
            }
        }

        private static void Scan(ReadOnlySpan<byte> data, StringBuilder line, string prefix, StringBuilder output)
        {
            foreach (var b in data)
            {
                if (b == (byte)'\n' || line.Length >= MaxLine)
                {
                    Flush(line, prefix, output);
                }
                else if (b is >= 0x20 and < 0x7F or (byte)'\t')
                {
                    // Printable ASCII only: what a chat protocol's text looks like; binary framing is skipped.
                    line.Append((char)b);
                }
            }
        }

        private static void Flush(StringBuilder line, string prefix, StringBuilder output)
        {
            if (line.Length > 0)
            {
                output.Append(prefix).Append(line).Append('\n');
                line.Clear();
            }
        }
    }
}
