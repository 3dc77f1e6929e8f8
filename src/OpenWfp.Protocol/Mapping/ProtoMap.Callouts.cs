using Google.Protobuf;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Classify;
using P = OpenWfp.Protocol.V1;

namespace OpenWfp.Protocol.Mapping;

/// <summary>Remote callouts (docs/CALLOUTS.md, Remote callouts): a classifyFn's inputs as a CalloutClassifyRequest.</summary>
public static partial class ProtoMap
{
    /// <summary>
    /// classifyFn's inputs as a message. The layer data's bytes are copied (the spans are valid only during the
    /// classify call), so this allocates: the price of a callout outside the process.
    /// </summary>
    /// <param name="context">The classify's inputs.</param>
    /// <param name="classifyOut">The decision on entry.</param>
    /// <param name="calloutKey">The callout the filter names.</param>
    /// <param name="filter">The filter's message when the caller keeps one per run-time filter; null to build it.</param>
    /// <returns>The request; its request_id is the caller's to set.</returns>
    public static P.CalloutClassifyRequest ToCalloutRequest(in CalloutClassifyContext context, in ClassifyOut classifyOut, Guid calloutKey, P.CalloutFilter? filter = null)
    {
        var layer = context.Layer;
        var request = new P.CalloutClassifyRequest
        {
            CalloutKey = KeyToProto(calloutKey),
            LayerId = layer.LayerId,
            FlowContext = context.FlowContext,
            CurrentAction = (uint)classifyOut.ActionType,
            CurrentRights = classifyOut.Rights,
            Metadata = ToProto(in context.Metadata),
            Filter = filter ?? ToProto(context.Filter),
        };
        var count = Math.Max(layer.Fields.Count, context.Values.Length);
        for (var i = 0; i < count; i++)
        {
            request.IncomingValues.Add(ToProto(context.Value(i)));
        }

        var data = context.LayerData;
        switch (data.Kind)
        {
            case LayerDataKind.Packet:
                request.LayerData = new P.CalloutLayerData
                {
                    Kind = (uint)LayerDataKind.Packet,
                    Packet = ByteString.CopyFrom(data.Packet),
                    IpHeaderSize = (uint)data.IpHeaderSize,
                    TransportHeaderSize = (uint)data.TransportHeaderSize,
                    DataOffset = (uint)data.DataOffset,
                    InterfaceIndex = data.InterfaceIndex,
                };
                break;
            case LayerDataKind.Stream:
                var stream = data.Stream;
                var bytes = new byte[stream.Length];
                stream.CopyTo(bytes);
                request.LayerData = new P.CalloutLayerData
                {
                    Kind = (uint)LayerDataKind.Stream,
                    StreamFlags = (uint)stream.Flags,
                    StreamOffset = stream.StreamOffset,
                    StreamData = UnsafeByteOperations.UnsafeWrap(bytes),
                    MissedBytes = stream.MissedBytes,
                };
                break;
            default:
                break;
        }

        return request;
    }

    /// <summary>FWPS_INCOMING_METADATA_VALUES0 as a message.</summary>
    /// <param name="metadata">The metadata.</param>
    /// <returns>The message.</returns>
    public static P.CalloutMetadata ToProto(in ClassifyMetadata metadata)
    {
        var p = new P.CalloutMetadata
        {
            CurrentMetadataValues = metadata.CurrentMetadataValues,
            Flags = metadata.Flags,
            FlowHandle = metadata.FlowHandle,
            CompletionHandle = metadata.CompletionHandle,
            ProcessId = metadata.ProcessId,
            PacketDirection = metadata.PacketDirection,
        };
        if (metadata.ProcessPath.Type != Engine.Values.FwpDataType.Empty)
        {
            p.ProcessPath = ToProto(metadata.ProcessPath);
        }

        if (metadata.Token is { } token)
        {
            p.Token = ToProto(token);
        }

        return p;
    }

    /// <summary>FWPS_FILTER as a message, with a GENERAL provider context's data.</summary>
    /// <param name="filter">The run-time filter.</param>
    /// <returns>The message.</returns>
    public static P.CalloutFilter ToProto(RuntimeFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var p = new P.CalloutFilter
        {
            FilterId = filter.FilterId,
            FilterKey = KeyToProto(filter.FilterKey),
            Weight = filter.Weight,
            SublayerWeight = filter.SublayerWeight,
            Flags = (uint)filter.Flags,
            ActionType = (uint)filter.ActionType,
            Context = filter.Context,
        };
        if (filter.ProviderContext is { } pc)
        {
            p.ProviderContextKey = KeyToProto(pc.Key);
            if (pc.Data is { Length: > 0 } bytes)
            {
                p.ProviderContextData = ByteString.CopyFrom(bytes);
            }
        }

        return p;
    }
}
