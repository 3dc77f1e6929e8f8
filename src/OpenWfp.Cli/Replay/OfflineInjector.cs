using OpenWfp.Engine.Callouts;

namespace OpenWfp.Cli.Replay;

/// <summary>What a callout injected during a replay.</summary>
/// <param name="Frame">The frame being replayed when it was injected.</param>
/// <param name="Kind">send, receive or stream.</param>
/// <param name="Bytes">A copy: an IP datagram (send, receive) or stream bytes.</param>
/// <param name="Flags">For stream injections, the FWPS_STREAM_FLAG_* given.</param>
internal sealed record InjectedPacket(long Frame, string Kind, byte[] Bytes, StreamDataFlags Flags);

/// <summary>
/// The injection functions offline: there is no network to send to, so what callouts inject (an NXDOMAIN answer, a
/// re-injected clone, edited stream data) is recorded, shown after the packet that caused it and, with
/// <c>--injected-pcap</c>, written to a capture. Replay is single-threaded, so no locking.
/// </summary>
internal sealed class OfflineInjector : IPacketInjector
{
    private readonly List<InjectedPacket> _pending = [];

    /// <summary>The frame being replayed (set by the runner before each packet).</summary>
    public long Frame { get; set; }

    /// <summary>Everything injected so far.</summary>
    public long Total { get; private set; }

    /// <summary>Takes what was injected since the last call.</summary>
    public IReadOnlyList<InjectedPacket> Take()
    {
        if (_pending.Count == 0)
        {
            return [];
        }

        var taken = _pending.ToArray();
        _pending.Clear();
        return taken;
    }

    public InjectStatus InjectSend(ReadOnlySpan<byte> ipDatagram, uint interfaceIndex) => Record("send", ipDatagram, StreamDataFlags.None);

    public InjectStatus InjectReceive(ReadOnlySpan<byte> ipDatagram, uint interfaceIndex) => Record("receive", ipDatagram, StreamDataFlags.None);

    public InjectStatus InjectStream(ulong flowHandle, StreamDataFlags flags, ReadOnlySpan<byte> data) => Record("stream", data, flags);

    // A deferred stream is continued by the shim itself offline (the capture goes on regardless).
    public InjectStatus StreamContinue(ulong flowHandle, StreamDataFlags direction) => InjectStatus.Ok;

    // The shim completes the classifications it pended itself; a handle that reaches here is one nobody pended.
    public InjectStatus CompletePended(ulong completionHandle) => InjectStatus.NoFlow;

    private InjectStatus Record(string kind, ReadOnlySpan<byte> bytes, StreamDataFlags flags)
    {
        if (bytes.IsEmpty && kind != "stream")
        {
            return InjectStatus.Invalid;
        }

        _pending.Add(new InjectedPacket(Frame, kind, bytes.ToArray(), flags));
        Total++;
        return InjectStatus.Ok;
    }
}
