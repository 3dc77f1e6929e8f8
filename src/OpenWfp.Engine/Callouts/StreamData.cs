namespace OpenWfp.Engine.Callouts;

/// <summary>
/// FWPS_STREAM_DATA0 flags (fwpsk.h): the direction of the data and what the TCP segment carried. A callout tests
/// <see cref="Receive"/> or <see cref="Send"/> for the direction.
/// </summary>
[Flags]
public enum StreamDataFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>FWPS_STREAM_FLAG_RECEIVE: inbound data (remote to local).</summary>
    Receive = 0x00000001,

    /// <summary>FWPS_STREAM_FLAG_RECEIVE_EXPEDITED: inbound urgent (out-of-band) data.</summary>
    ReceiveExpedited = 0x00000002,

    /// <summary>FWPS_STREAM_FLAG_RECEIVE_DISCONNECT: the peer sent FIN; no data follows in this direction.</summary>
    ReceiveDisconnect = 0x00000004,

    /// <summary>FWPS_STREAM_FLAG_RECEIVE_ABORT: the peer sent RST.</summary>
    ReceiveAbort = 0x00000008,

    /// <summary>FWPS_STREAM_FLAG_SEND: outbound data (local to remote).</summary>
    Send = 0x00000010,

    /// <summary>FWPS_STREAM_FLAG_SEND_EXPEDITED: outbound urgent data.</summary>
    SendExpedited = 0x00000020,

    /// <summary>FWPS_STREAM_FLAG_SEND_NODELAY: the sender asked for no buffering.</summary>
    SendNoDelay = 0x00000040,

    /// <summary>FWPS_STREAM_FLAG_SEND_DISCONNECT: this host sent FIN.</summary>
    SendDisconnect = 0x00000080,

    /// <summary>FWPS_STREAM_FLAG_SEND_ABORT: this host sent RST.</summary>
    SendAbort = 0x00000100,

    /// <summary>FWPS_STREAM_FLAG_RECEIVE_PUSH: inbound data arrived with PSH.</summary>
    ReceivePush = 0x00000200,
}

/// <summary>FWPS_STREAM_ACTION_TYPE (fwpsk.h): what a stream callout asks of the stream, beside its classify action.</summary>
public enum StreamAction : uint
{
    /// <summary>FWPS_STREAM_ACTION_NONE: the classify action applies to the first <see cref="StreamIoResult.CountBytesEnforced"/> bytes.</summary>
    None = 0,

    /// <summary>FWPS_STREAM_ACTION_ALLOW_CONNECTION: permit this and all later data of the connection without calling the callout again.</summary>
    AllowConnection = 1,

    /// <summary>FWPS_STREAM_ACTION_REQUEST_OUT_OF_BAND: reserved by WFP; treated as <see cref="None"/>.</summary>
    RequestOutOfBand = 2,

    /// <summary>FWPS_STREAM_ACTION_NEED_MORE_DATA: hold the data and call again when <see cref="StreamIoResult.CountBytesRequired"/> more bytes have arrived.</summary>
    NeedMoreData = 3,

    /// <summary>FWPS_STREAM_ACTION_DROP_CONNECTION: reset the connection (both ends) and drop the rest of it.</summary>
    DropConnection = 4,

    /// <summary>FWPS_STREAM_ACTION_DEFER: hold this direction's data until the callout calls <see cref="IPacketInjector.StreamContinue"/>.</summary>
    Defer = 5,
}

/// <summary>
/// The writable half of FWPS_STREAM_CALLOUT_IO_PACKET0: what the callout answers about the stream. The data plane
/// resets it before each call.
/// </summary>
public struct StreamIoResult
{
    /// <summary>streamAction.</summary>
    public StreamAction Action;

    /// <summary>countBytesRequired: with <see cref="StreamAction.NeedMoreData"/>, how many bytes in all the callout wants to see.</summary>
    public uint CountBytesRequired;

    /// <summary>countBytesEnforced: how many leading bytes of the data the classify action applies to (0: all of it).</summary>
    public uint CountBytesEnforced;
}

/// <summary>
/// FWPS_STREAM_DATA0 with its FWPS_STREAM_CALLOUT_IO_PACKET0: a stretch of one direction of a TCP connection,
/// in order, possibly in two pieces (the reassembly buffer is a ring). Valid only during the classify call.
/// </summary>
public readonly ref struct StreamData
{
    /// <summary>A stream indication of one or two pieces.</summary>
    public StreamData(StreamDataFlags flags, ulong streamOffset, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ulong missedBytes)
    {
        Flags = flags;
        StreamOffset = streamOffset;
        First = first;
        Second = second;
        MissedBytes = missedBytes;
    }

    /// <summary>flags: FWPS_STREAM_FLAG_*.</summary>
    public StreamDataFlags Flags { get; }

    /// <summary>dataOffset.streamDataOffset: the offset of the first byte in this direction of the stream.</summary>
    public ulong StreamOffset { get; }

    /// <summary>The first piece of the data.</summary>
    public ReadOnlySpan<byte> First { get; }

    /// <summary>The second piece (empty unless the data wraps the buffer).</summary>
    public ReadOnlySpan<byte> Second { get; }

    /// <summary>missedBytes: bytes of this direction the callout was not shown (a gap the capture or a higher filter skipped).</summary>
    public ulong MissedBytes { get; }

    /// <summary>dataLength.</summary>
    public int Length => First.Length + Second.Length;

    /// <summary>True for inbound data.</summary>
    public bool IsReceive => (Flags & StreamDataFlags.Receive) != 0;

    /// <summary>True when the direction ended here (FIN or RST).</summary>
    public bool IsEnd => (Flags & (StreamDataFlags.ReceiveDisconnect | StreamDataFlags.ReceiveAbort | StreamDataFlags.SendDisconnect | StreamDataFlags.SendAbort)) != 0;

    /// <summary>FwpsCopyStreamDataToBuffer0: copies up to <paramref name="destination"/>'s length; returns the count copied.</summary>
    public int CopyTo(Span<byte> destination)
    {
        var n = Math.Min(First.Length, destination.Length);
        First[..n].CopyTo(destination);
        var m = Math.Min(Second.Length, destination.Length - n);
        Second[..m].CopyTo(destination[n..]);
        return n + m;
    }

    /// <summary>The byte at <paramref name="index"/> of the data.</summary>
    public byte this[int index] => index < First.Length ? First[index] : Second[index - First.Length];
}
