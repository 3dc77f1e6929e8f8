using OpenWfp.Engine.Callouts;

namespace OpenWfp.Shim;

/// <summary>
/// The injector a shim gives its callouts: it keeps for the shim what only the shim can do — a stream edit of the
/// segment being classified (FwpsStreamInjectAsync0 after an absorbed BLOCK), FwpsStreamContinue0 of a deferred
/// direction, FwpsCompleteOperation0 of a classification this shim pended — and passes everything else to the data
/// plane's injector (docs/SHIM.md, "Layer data").
/// </summary>
internal sealed class ShimInjector(PacketShim shim, IPacketInjector? inner) : IPacketInjector
{
    public InjectStatus InjectSend(ReadOnlySpan<byte> ipDatagram, uint interfaceIndex) =>
        inner?.InjectSend(ipDatagram, interfaceIndex) ?? InjectStatus.NotSupported;

    public InjectStatus InjectReceive(ReadOnlySpan<byte> ipDatagram, uint interfaceIndex) =>
        inner?.InjectReceive(ipDatagram, interfaceIndex) ?? InjectStatus.NotSupported;

    public InjectStatus InjectStream(ulong flowHandle, StreamDataFlags flags, ReadOnlySpan<byte> data) =>
        shim.TryEditStream(flowHandle, flags, data) ? InjectStatus.Ok : inner?.InjectStream(flowHandle, flags, data) ?? InjectStatus.NotSupported;

    public InjectStatus StreamContinue(ulong flowHandle, StreamDataFlags direction)
    {
        shim.ContinueStream(flowHandle, (direction & (StreamDataFlags.Receive | StreamDataFlags.ReceiveExpedited)) != 0);
        return InjectStatus.Ok;
    }

    public InjectStatus CompletePended(ulong completionHandle) =>
        shim.CompletePended(completionHandle) ? InjectStatus.Ok : inner?.CompletePended(completionHandle) ?? InjectStatus.NoFlow;
}
