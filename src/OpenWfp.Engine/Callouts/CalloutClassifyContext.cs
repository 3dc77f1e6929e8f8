using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Callouts;

/// <summary>
/// The inputs of a callout's classifyFn: the layer's incoming values (FWPS_INCOMING_VALUES0, indexed by the
/// layer's FWPS field index), the metadata, the layer data, the filter and the flow context.
/// </summary>
public readonly ref struct CalloutClassifyContext
{
    internal CalloutClassifyContext(LayerInfo layer, ReadOnlySpan<FwpValue> values, ref readonly ClassifyMetadata metadata, in LayerData layerData, RuntimeFilter filter, ulong flowContext)
    {
        Layer = layer;
        Values = values;
        _metadata = ref metadata;
        LayerData = layerData;
        Filter = filter;
        FlowContext = flowContext;
    }

    /// <summary>The layer being classified.</summary>
    public LayerInfo Layer { get; }

    /// <summary>incomingValues: one per field of the layer (missing trailing values read as FWP_EMPTY).</summary>
    public ReadOnlySpan<FwpValue> Values { get; }

    /// <summary>incomingMetadataValues.</summary>
    public ref readonly ClassifyMetadata Metadata => ref _metadata;

    private readonly ref readonly ClassifyMetadata _metadata;

    /// <summary>layerData: the packet or stream data when the data plane supplies it (<see cref="LayerDataKind.None"/> otherwise).</summary>
    public LayerData LayerData { get; }

    /// <summary>filter: the run-time filter whose callout this is.</summary>
    public RuntimeFilter Filter { get; }

    /// <summary>flowContext: the context this callout associated with the flow at this layer, or 0.</summary>
    public ulong FlowContext { get; }

    /// <summary>The value of field <paramref name="index"/>, FWP_EMPTY when absent.</summary>
    public FwpValue Value(int index) => (uint)index < (uint)Values.Length ? Values[index] : default;
}
