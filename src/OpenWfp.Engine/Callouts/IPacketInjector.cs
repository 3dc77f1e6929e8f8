namespace OpenWfp.Engine.Callouts;

/// <summary>Why an injection did not happen.</summary>
public enum InjectStatus : byte
{
    /// <summary>Queued for sending or delivery.</summary>
    Ok = 0,

    /// <summary>The data plane cannot inject this (for example a length change it cannot make consistent).</summary>
    NotSupported = 1,

    /// <summary>The flow is gone or unknown.</summary>
    NoFlow = 2,

    /// <summary>The bytes are not a valid IP datagram.</summary>
    Invalid = 3,

    /// <summary>The data plane failed to send (a socket error); counted.</summary>
    Failed = 4,
}

/// <summary>
/// The injection functions of FWPS (FwpsInjectNetworkSendAsync0, FwpsInjectNetworkReceiveAsync0,
/// FwpsInjectTransportSendAsync1, FwpsInjectTransportReceiveAsync0, FwpsStreamInjectAsync0, FwpsStreamContinue0),
/// given by the data plane. Packets injected here are marked as injected by OpenWfp and do not meet the layers again
/// (FwpsQueryPacketInjectionState's FWPS_PACKET_INJECTED_BY_SELF). Calls copy the bytes before returning.
/// </summary>
public interface IPacketInjector
{
    /// <summary>Sends an IP datagram (from its IP header) out as if this host had sent it.</summary>
    public InjectStatus InjectSend(ReadOnlySpan<byte> ipDatagram, uint interfaceIndex);

    /// <summary>Delivers an IP datagram (from its IP header) to this host as if it had arrived on <paramref name="interfaceIndex"/>.</summary>
    public InjectStatus InjectReceive(ReadOnlySpan<byte> ipDatagram, uint interfaceIndex);

    /// <summary>
    /// FwpsStreamInjectAsync0: adds <paramref name="data"/> to one direction of a TCP connection (flags
    /// <see cref="StreamDataFlags.Send"/> or <see cref="StreamDataFlags.Receive"/>, optionally with DISCONNECT) at the
    /// point the callout's absorbed data was. With the original data absorbed this replaces it, possibly with a different length.
    /// </summary>
    public InjectStatus InjectStream(ulong flowHandle, StreamDataFlags flags, ReadOnlySpan<byte> data);

    /// <summary>FwpsStreamContinue0: resumes a direction the callout deferred with <see cref="StreamAction.Defer"/>.</summary>
    public InjectStatus StreamContinue(ulong flowHandle, StreamDataFlags direction);

    /// <summary>
    /// FwpsCompleteOperation0: a classification the callout pended (BLOCK with <see cref="Classify.ClassifyOut.FlagPend"/>)
    /// is run again; the callout then answers from what it decided out of band.
    /// </summary>
    public InjectStatus CompletePended(ulong completionHandle);
}
