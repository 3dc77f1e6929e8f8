using OpenWfp.Engine.Callouts;

namespace OpenWfp.Dataplane.Live;

/// <summary>
/// The FWPS injection functions as a queue worker offers them to callouts (through the shim's options' injector):
/// whole datagrams go out through the namespace's raw sockets (<see cref="RawInjector"/>, docs/DATAPLANE.md,
/// Injection). The shim wraps it and answers stream edits, continues and pend completions itself (docs/SHIM.md,
/// "Layer data"); what reaches these methods is what the shim could not place.
/// </summary>
/// <remarks>Callouts may call it from any thread (a callout that completes a pend later, say); sending is thread-safe.</remarks>
internal sealed class WorkerInjector(RawInjector? raw) : IPacketInjector
{
    /// <inheritdoc/>
    public InjectStatus InjectSend(ReadOnlySpan<byte> ipDatagram, uint interfaceIndex) => Send(ipDatagram, interfaceIndex);

    /// <inheritdoc/>
    /// <remarks>
    /// The datagram must be addressed to this host: the kernel routes it by its destination, through lo, to local
    /// delivery (it appears on lo, not on <paramref name="interfaceIndex"/>).
    /// </remarks>
    public InjectStatus InjectReceive(ReadOnlySpan<byte> ipDatagram, uint interfaceIndex) => Send(ipDatagram, interfaceIndex);

    /// <inheritdoc/>
    /// <remarks>
    /// Live, stream data can only replace the data of the segment being classified, which the shim does itself; adding
    /// bytes to a connection outside a classification would need sequence space the peer has not seen.
    /// </remarks>
    public InjectStatus InjectStream(ulong flowHandle, StreamDataFlags flags, ReadOnlySpan<byte> data) => InjectStatus.NotSupported;

    /// <inheritdoc/>
    public InjectStatus StreamContinue(ulong flowHandle, StreamDataFlags direction) => InjectStatus.NotSupported;

    /// <inheritdoc/>
    public InjectStatus CompletePended(ulong completionHandle) => InjectStatus.NotSupported;

    private InjectStatus Send(ReadOnlySpan<byte> ipDatagram, uint interfaceIndex)
    {
        if (raw is null)
        {
            return InjectStatus.NotSupported;
        }

        if (!RawInjector.TryLength(ipDatagram, out _))
        {
            return InjectStatus.Invalid;
        }

        return raw.Send(ipDatagram, interfaceIndex) == 0 ? InjectStatus.Ok : InjectStatus.Failed;
    }
}
