using System.Text;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Callouts.Tests;

/// <summary>An engine with the built-in callouts registered and events recorded.</summary>
internal sealed class Harness : ICalloutEvents
{
    public Harness(BuiltinCalloutOptions? options = null)
    {
        Engine = new FilterEngine();
        Builtins = BuiltinCallouts.Register(Engine, (options ?? new BuiltinCalloutOptions()) with { Events = this });
    }

    public FilterEngine Engine { get; }

    public BuiltinCallouts Builtins { get; }

    public List<CalloutEvent> Events { get; } = [];

    public void OnEvent(CalloutEvent calloutEvent)
    {
        lock (Events)
        {
            Events.Add(calloutEvent);
        }
    }

    /// <summary>Adds a provider context holding <paramref name="config"/> and a filter at <paramref name="layer"/> calling <paramref name="callout"/> with it.</summary>
    public FilterSpec AddFilter(OpenWfpCallout callout, string layer, string config, ushort weight = 0) =>
        AddFilter(Engine, callout, layer, config, weight);

    public static FilterSpec AddFilter(FilterEngine engine, OpenWfpCallout callout, string layer, string config, ushort weight = 0)
    {
        var context = engine.AddProviderContext(new ProviderContextSpec
        {
            DisplayData = new DisplayData($"{callout.Name} config"),
            Type = ProviderContextType.General,
            Data = Encoding.UTF8.GetBytes(config),
        });
        return engine.AddFilter(new FilterSpec
        {
            DisplayData = new DisplayData($"{callout.Name} at {layer}"),
            LayerKey = LayerCatalog.Layer(layer).Key,
            Weight = FwpValue.FromUInt64(weight),
            Flags = FilterFlags.HasProviderContext,
            ProviderContextKey = context.Key,
            Action = FilterAction.Callout(ActionType.CalloutTerminating, callout.Key),
        });
    }
}

/// <summary>
/// A stream layer as WFP drives a stream callout: data held while the callout answers NEED_MORE_DATA and indicated
/// again with what follows; ALLOW_CONNECTION stops the calls; DROP_CONNECTION resets. Records what was let through.
/// </summary>
internal sealed class StreamDriver
{
    private static readonly LayerInfo Stream4 = LayerCatalog.Layer("STREAM_V4");
    private readonly FilterEngine _engine;
    private readonly FwpValue[] _values;
    private readonly ClassifyMetadata _metadata;
    private readonly List<byte> _held = [];
    private readonly bool _receive;
    private ulong _heldOffset;
    private uint _required;
    private bool _allowed;

    public StreamDriver(FilterEngine engine, ulong flowHandle, bool receive = false, LayerInfo? layer = null)
    {
        _engine = engine;
        _receive = receive;
        Layer = layer ?? Stream4;
        _values = new FwpValue[Layer.Fields.Count];
        Set("IP_LOCAL_PORT", FwpValue.FromUInt16(receive ? (ushort)80 : (ushort)50000));
        Set("IP_REMOTE_PORT", FwpValue.FromUInt16(receive ? (ushort)50000 : (ushort)80));
        Set("DIRECTION", FwpValue.FromUInt32(receive ? 1u : 0u));
        _metadata = ClassifyMetadata.ForFlow(flowHandle);
    }

    public LayerInfo Layer { get; }

    /// <summary>Bytes the layer let through to the peer.</summary>
    public List<byte> Delivered { get; } = [];

    public bool Dropped { get; private set; }

    public int Calls { get; private set; }

    public StreamAction LastAction { get; private set; }

    /// <summary>Splits the data into two ring pieces at this many bytes (null: one piece).</summary>
    public int? RingSplit { get; set; }

    public void Set(string field, FwpValue value) => _values[Layer.Field(field).Index] = value;

    /// <summary>One segment arrives.</summary>
    public void Send(ReadOnlySpan<byte> segment, bool end = false)
    {
        if (Dropped)
        {
            return;
        }

        if (_allowed)
        {
            Delivered.AddRange(segment);
            return;
        }

        _held.AddRange(segment);
        if (_held.Count < _required && !end)
        {
            return;
        }

        var data = _held.ToArray();
        var split = Math.Clamp(RingSplit ?? data.Length, 0, data.Length);
        var flags = (_receive ? StreamDataFlags.Receive : StreamDataFlags.Send) | (end ? (_receive ? StreamDataFlags.ReceiveDisconnect : StreamDataFlags.SendDisconnect) : 0);
        var result = new StreamIoResult();
        var stream = new StreamData(flags, _heldOffset, data.AsSpan(0, split), data.AsSpan(split), 0);
        var layerData = new LayerData(stream, ref result, null);
        Calls++;
        var r = _engine.Classify(Layer, _values, in _metadata, default, in layerData);
        LastAction = result.Action;
        switch (result.Action)
        {
            case StreamAction.NeedMoreData:
                Assert.Equal(ActionType.Permit, r.Action);
                Assert.True(result.CountBytesRequired > data.Length, "NEED_MORE_DATA must ask for more than it has");
                _required = result.CountBytesRequired;
                return;
            case StreamAction.DropConnection:
                Assert.Equal(ActionType.Block, r.Action);
                Dropped = true;
                return;
            case StreamAction.AllowConnection:
                _allowed = true;
                break;
            default:
                Assert.Equal(ActionType.Permit, r.Action);
                break;
        }

        Delivered.AddRange(data);
        _heldOffset += (ulong)data.Length;
        _held.Clear();
        _required = 0;
    }

    /// <summary>Sends <paramref name="data"/> cut at the given offsets.</summary>
    public void SendSplit(byte[] data, params int[] cuts)
    {
        var at = 0;
        foreach (var cut in cuts.Where(c => c > 0 && c < data.Length).Order())
        {
            Send(data.AsSpan(at, cut - at));
            at = cut;
        }

        Send(data.AsSpan(at));
    }
}
