using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Client;

/// <summary>
/// classifyFn of a remote callout: reads <paramref name="context"/> and writes the answer into
/// <paramref name="classifyOut"/>, which holds the decision on entry. Runs on the client's reader task; an exception
/// answers an error, and wfpd acts as if the callout were unregistered for that classify.
/// </summary>
public delegate void FwpsClassifyFn(FwpsClassifyContext context, FwpsClassifyOut classifyOut);

/// <summary>flowDeleteFn of a remote callout: a flow it associated a context with has ended.</summary>
public delegate void FwpsFlowDeleteFn(ushort layerId, uint calloutId, ulong flowContext);

/// <summary>
/// FWPS_CALLOUT0 for a callout that runs in this process while wfpd classifies (docs/CALLOUTS.md, Remote callouts):
/// register it with <see cref="Fwps.CalloutRegister0"/> or <see cref="BfeClient.RegisterCalloutAsync"/>.
/// </summary>
public sealed class FwpsCallout0
{
    /// <summary>calloutKey: the key the filters' actions name (the FWPM_CALLOUT0 may be added before or after).</summary>
    public Guid CalloutKey { get; init; }

    /// <summary>flags: FWP_CALLOUT_FLAG_* (<see cref="CalloutRegistrationFlags"/>).</summary>
    public uint Flags { get; init; }

    /// <summary>classifyFn.</summary>
    public required FwpsClassifyFn ClassifyFn { get; init; }

    /// <summary>flowDeleteFn; null when the callout associates no flow contexts.</summary>
    public FwpsFlowDeleteFn? FlowDeleteFn { get; init; }
}

/// <summary>classifyFn's inputs, copied from wfpd: the incoming values, metadata, filter, flow context and layer data.</summary>
public sealed class FwpsClassifyContext
{
    /// <summary>The callout the filter's action names.</summary>
    public Guid CalloutKey { get; init; }

    /// <summary>The FWPS_LAYER_* id of the layer being classified.</summary>
    public ushort LayerId { get; init; }

    /// <summary>The layer, when this build knows its id.</summary>
    public LayerInfo? Layer => LayerCatalog.ById(LayerId);

    /// <summary>incomingValues: one per field of the layer, by the layer's field index (FWP_EMPTY when absent).</summary>
    public IReadOnlyList<FwpValue> IncomingValues { get; init; } = [];

    /// <summary>incomingMetadataValues.</summary>
    public ClassifyMetadata Metadata { get; init; }

    /// <summary>The filter whose action called the callout.</summary>
    public FwpsFilter Filter { get; init; } = new();

    /// <summary>flowContext: the context this callout associated with the flow at this layer, or 0.</summary>
    public ulong FlowContext { get; init; }

    /// <summary>layerData.</summary>
    public FwpsLayerData LayerData { get; init; } = new();

    /// <summary>The decision so far (classifyOut's action on entry).</summary>
    public ActionType CurrentAction { get; init; }

    /// <summary>classifyOut's rights on entry: FWPS_RIGHT_ACTION_WRITE while the decision may be overridden.</summary>
    public uint CurrentRights { get; init; }

    /// <summary>The value of field <paramref name="index"/>, FWP_EMPTY when absent.</summary>
    public FwpValue Value(int index) => (uint)index < (uint)IncomingValues.Count ? IncomingValues[index] : default;
}

/// <summary>FWPS_FILTER as a remote callout sees it.</summary>
public sealed class FwpsFilter
{
    /// <summary>filterId.</summary>
    public ulong FilterId { get; init; }

    /// <summary>The filter's key.</summary>
    public Guid FilterKey { get; init; }

    /// <summary>weight: the effective weight.</summary>
    public ulong Weight { get; init; }

    /// <summary>subLayerWeight.</summary>
    public ushort SublayerWeight { get; init; }

    /// <summary>flags: FWPS_FILTER_FLAG_*.</summary>
    public uint Flags { get; init; }

    /// <summary>action.type.</summary>
    public ActionType ActionType { get; init; }

    /// <summary>context: rawContext, or the provider context's id.</summary>
    public ulong Context { get; init; }

    /// <summary>The provider context's key, or null.</summary>
    public Guid? ProviderContextKey { get; init; }

    /// <summary>A GENERAL provider context's data (e.g. the text of <c>wfp add provider-context --data</c>), or empty.</summary>
    public byte[] ProviderContextData { get; init; } = [];
}

/// <summary>classifyFn's layerData, copied: a packet from its IP header, or stream data.</summary>
public sealed class FwpsLayerData
{
    /// <summary>What this holds.</summary>
    public LayerDataKind Kind { get; init; }

    /// <summary>The IP datagram from its IP header (packet layers); empty otherwise.</summary>
    public byte[] Packet { get; init; } = [];

    /// <summary>ipHeaderSize.</summary>
    public int IpHeaderSize { get; init; }

    /// <summary>transportHeaderSize.</summary>
    public int TransportHeaderSize { get; init; }

    /// <summary>Where the NET_BUFFER's data would begin at this layer, as an index into <see cref="Packet"/>.</summary>
    public int DataOffset { get; init; }

    /// <summary>The interface the packet arrived on or leaves by.</summary>
    public uint InterfaceIndex { get; init; }

    /// <summary>The bytes from <see cref="DataOffset"/> on.</summary>
    public ReadOnlyMemory<byte> Data => Packet.AsMemory(Math.Min(DataOffset, Packet.Length));

    /// <summary>FWPS_STREAM_FLAG_* (stream layers).</summary>
    public StreamDataFlags StreamFlags { get; init; }

    /// <summary>The offset of the first byte of <see cref="StreamData"/> in its direction of the stream.</summary>
    public ulong StreamOffset { get; init; }

    /// <summary>The stream data (stream layers); empty otherwise.</summary>
    public byte[] StreamData { get; init; } = [];

    /// <summary>missedBytes.</summary>
    public ulong MissedBytes { get; init; }
}

/// <summary>FWPS_CLASSIFY_OUT0 (and, at the stream layers, the answer half of FWPS_STREAM_CALLOUT_IO_PACKET0).</summary>
public sealed class FwpsClassifyOut
{
    /// <summary>actionType: PERMIT, BLOCK, CONTINUE (or NONE). Holds the decision so far on entry.</summary>
    public ActionType ActionType { get; set; }

    /// <summary>rights: <see cref="ClassifyOut.RightActionWrite"/> while the decision may still be overridden.</summary>
    public uint Rights { get; set; }

    /// <summary>flags: <see cref="ClassifyOut.FlagAbsorb"/>, and <see cref="ClassifyOut.FlagPend"/> through <see cref="Pend"/>.</summary>
    public uint Flags { get; set; }

    /// <summary>streamAction.</summary>
    public StreamAction StreamAction { get; set; }

    /// <summary>countBytesRequired (with <see cref="StreamAction.NeedMoreData"/>).</summary>
    public uint CountBytesRequired { get; set; }

    /// <summary>countBytesEnforced.</summary>
    public uint CountBytesEnforced { get; set; }

    /// <summary>The context to associate with the flow at this layer (FwpsFlowAssociateContext0), if any.</summary>
    public ulong? NewFlowContext { get; private set; }

    /// <summary>True to remove this callout's context from the flow at this layer (FwpsFlowRemoveContext0).</summary>
    public bool RemoveFlowContext { get; private set; }

    /// <summary>Clears FWPS_RIGHT_ACTION_WRITE: the decision is hard.</summary>
    public void ClearActionRight() => Rights &= ~ClassifyOut.RightActionWrite;

    /// <summary>FwpsPendOperation0: BLOCK + ABSORB + pend; complete later with the metadata's completion handle (<see cref="Fwps.CompleteOperation0"/>).</summary>
    public void Pend()
    {
        ActionType = ActionType.Block;
        Flags |= ClassifyOut.FlagAbsorb | ClassifyOut.FlagPend;
        ClearActionRight();
    }

    /// <summary>FwpsFlowAssociateContext0 for the classify's flow and layer (replacing this callout's context there).</summary>
    public void AssociateFlowContext(ulong flowContext)
    {
        NewFlowContext = flowContext;
        RemoveFlowContext = true;
    }

    /// <summary>FwpsFlowRemoveContext0 for the classify's flow and layer.</summary>
    public void RemoveContext()
    {
        NewFlowContext = null;
        RemoveFlowContext = true;
    }
}
