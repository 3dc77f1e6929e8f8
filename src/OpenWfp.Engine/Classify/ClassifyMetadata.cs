using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Classify;

/// <summary>
/// FWPS_INCOMING_METADATA_VALUES0, the part the engine and callouts use. Metadata is schemaless: test
/// <see cref="CurrentMetadataValues"/> (FWPS_METADATA_FIELD_* bits) before reading a member.
/// </summary>
public readonly struct ClassifyMetadata
{
    /// <summary>FWPS_METADATA_FIELD_DISCARD_REASON (fwpsk.h): the discard members are present (at the *_DISCARD layers).</summary>
    public const uint FieldDiscardReason = 0x1;

    /// <summary>FWPS_METADATA_FIELD_FLOW_HANDLE.</summary>
    public const uint FieldFlowHandle = 0x2;

    /// <summary>FWPS_METADATA_FIELD_COMPLETION_HANDLE: a pendable classification (ALE_AUTH_CONNECT, ALE_AUTH_RECV_ACCEPT).</summary>
    public const uint FieldCompletionHandle = 0x4;

    /// <summary>FWPS_METADATA_FIELD_PROCESS_PATH.</summary>
    public const uint FieldProcessPath = 0x8;

    /// <summary>FWPS_METADATA_FIELD_TOKEN.</summary>
    public const uint FieldToken = 0x10;

    /// <summary>FWPS_METADATA_FIELD_PROCESS_ID.</summary>
    public const uint FieldProcessId = 0x20;

    /// <summary>FWPS_METADATA_FIELD_PACKET_DIRECTION.</summary>
    public const uint FieldPacketDirection = 0x40000;

    /// <summary>currentMetadataValues: which members are present.</summary>
    public uint CurrentMetadataValues { get; init; }

    /// <summary>flags: FWPS_INCOMING_FLAG_*.</summary>
    public uint Flags { get; init; }

    /// <summary>flowHandle: the flow id that flow contexts are associated with.</summary>
    public ulong FlowHandle { get; init; }

    /// <summary>completionHandle: what <see cref="Callouts.IPacketInjector.CompletePended"/> takes after a pend.</summary>
    public ulong CompletionHandle { get; init; }

    /// <summary>processId.</summary>
    public ulong ProcessId { get; init; }

    /// <summary>processPath (an application id blob).</summary>
    public FwpValue ProcessPath { get; init; }

    /// <summary>token.</summary>
    public FwpToken? Token { get; init; }

    /// <summary>packetDirection: FWP_DIRECTION_OUTBOUND 0, FWP_DIRECTION_INBOUND 1.</summary>
    public uint PacketDirection { get; init; }

    /// <summary>discardMetadata.discardModule: an FWPS_DISCARD_MODULE0 value (fwpsk.h).</summary>
    public uint DiscardModule { get; init; }

    /// <summary>discardMetadata.discardReason: the module's reason (for the general module, FWPS_GENERAL_DISCARD_REASON).</summary>
    public uint DiscardReason { get; init; }

    /// <summary>discardMetadata.filterId: the filter that dropped the packet, 0 when no filter did.</summary>
    public ulong DiscardFilterId { get; init; }

    /// <summary>True when the flow handle is present.</summary>
    public bool HasFlowHandle => (CurrentMetadataValues & FieldFlowHandle) != 0;

    /// <summary>Metadata carrying only a flow handle.</summary>
    public static ClassifyMetadata ForFlow(ulong flowHandle) =>
        new() { CurrentMetadataValues = FieldFlowHandle, FlowHandle = flowHandle };
}
