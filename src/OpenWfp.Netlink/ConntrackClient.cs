namespace OpenWfp.Netlink;

/// <summary>
/// A ctnetlink socket for the mark operations of reauthorization: count entries by mark, and clear mark bits so the
/// next packet of each flow is queued again (docs/DATAPLANE.md, Reauthorization). Not thread-safe; the socket belongs to the network
/// namespace of the thread that called <see cref="Open"/>.
/// </summary>
public sealed class ConntrackClient : IDisposable
{
    private const int TimeoutMilliseconds = 5000;
    private const int SendBatchBytes = 32 * 1024;     // well under wmem_default; acks for one batch fit the receive buffer

    private readonly NetlinkSocket _socket;
    private readonly byte[] _receive = new byte[64 * 1024]; // a dump datagram is at most 32 KiB (netlink_dump)
    private uint _sequence;

    private ConntrackClient(NetlinkSocket socket) => _socket = socket;

    private delegate void EntryVisitor(ReadOnlySpan<byte> message, in ConntrackEntry entry);

    /// <summary>Opens the socket.</summary>
    /// <returns>The client.</returns>
    /// <exception cref="NetlinkException">socket(2) or bind(2) failed.</exception>
    public static ConntrackClient Open()
    {
        var socket = NetlinkSocket.Open(NetlinkConstants.NetlinkNetfilter);
        try
        {
            socket.SetReceiveBuffer(1 << 20);
            return new ConntrackClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Clears the bits of <paramref name="mask"/> in the mark of every conntrack entry (IPv4 and IPv6) that has any of
    /// them set, keeping its other bits. Entries that disappear before their update are skipped.
    /// </summary>
    /// <param name="mask">The mark bits to clear.</param>
    /// <returns>How many entries were changed.</returns>
    /// <exception cref="NetlinkException">The dump or an update failed (other than ENOENT).</exception>
    public int ClearMarks(uint mask) => ClearMarks(mask, family: 0);

    /// <summary>
    /// As <see cref="ClearMarks(uint)"/>, for the entries of one address family only (<see cref="ConntrackConstants.AfInet"/>
    /// or <see cref="ConntrackConstants.AfInet6"/>; 0 for both): a policy change that touched only one IP version's
    /// layers leaves the other version's connections decided.
    /// </summary>
    /// <param name="mask">The mark bits to clear.</param>
    /// <param name="family">The address family, or 0 for every family.</param>
    /// <returns>How many entries were changed.</returns>
    /// <exception cref="NetlinkException">The dump or an update failed (other than ENOENT).</exception>
    public int ClearMarks(uint mask, byte family)
    {
        if (mask == 0)
        {
            return 0;
        }

        // Updates are built during the dump and sent after it: requests on a socket with a dump in progress would have
        // their answers mixed into the dump.
        var updates = new List<byte[]>();
        Dump((ReadOnlySpan<byte> message, in ConntrackEntry entry) =>
        {
            if (entry.HasMark && (entry.Mark & mask) != 0 && (family == 0 || entry.Family == family))
            {
                var tuple = message.Slice(entry.TupleOffset, entry.TupleLength);
                var zone = message.Slice(entry.ZoneOffset, entry.ZoneLength);
                var update = new byte[ConntrackMessages.MarkUpdateLength(tuple.Length, zone.Length)];
                ConntrackMessages.WriteMarkUpdate(update, 0, entry.Family, tuple, zone, 0, mask);
                updates.Add(update);
            }
        });

        var changed = 0;
        var send = new byte[SendBatchBytes];
        var next = 0;
        while (next < updates.Count)
        {
            var length = 0;
            var first = _sequence + 1;
            while (next < updates.Count && (length == 0 || length + updates[next].Length <= send.Length))
            {
                var update = updates[next++];
                if (update.Length > send.Length)
                {
                    throw new NetlinkException(Errno.EINVAL, "conntrack update larger than the send buffer");
                }

                update.CopyTo(send, length);
                HostOrder.WriteUInt32(send.AsSpan(length + 8), ++_sequence);
                length += update.Length;
            }

            var errno = _socket.Send(send.AsSpan(0, length));
            if (errno != 0)
            {
                throw new NetlinkException(errno, $"conntrack mark update: send: {Errno.Describe(errno)}");
            }

            changed += CollectAcks(first, _sequence);
        }

        return changed;
    }

    /// <summary>Counts conntrack entries (IPv4 and IPv6) whose mark satisfies <c>(mark &amp; mask) == value</c>.</summary>
    /// <param name="value">The wanted bits.</param>
    /// <param name="mask">The bits compared.</param>
    /// <returns>The count.</returns>
    /// <exception cref="NetlinkException">The dump failed.</exception>
    public int CountMarked(uint value, uint mask)
    {
        var count = 0;
        Dump((ReadOnlySpan<byte> message, in ConntrackEntry entry) =>
        {
            if ((entry.Mark & mask) == value)
            {
                count++;
            }
        });
        return count;
    }

    /// <summary>Closes the socket.</summary>
    public void Dispose() => _socket.Dispose();

    private void Dump(EntryVisitor visitor)
    {
        Span<byte> request = stackalloc byte[32];
        var sequence = ++_sequence;
        var length = ConntrackMessages.WriteDumpRequest(request, sequence);
        var errno = _socket.Send(request[..length]);
        if (errno != 0)
        {
            throw new NetlinkException(errno, $"conntrack dump: send: {Errno.Describe(errno)}");
        }

        while (true)
        {
            var datagram = ReceiveOne("conntrack dump");
            var reader = new NfQueueMessageReader(datagram);
            while (reader.Read(out var message) is var status && status is not (NetlinkReadStatus.End or NetlinkReadStatus.Truncated or NetlinkReadStatus.BadLength))
            {
                if (status != NetlinkReadStatus.Ok || message.Sequence != sequence)
                {
                    continue;
                }

                switch (message.Kind)
                {
                    case NetlinkMessageKind.Done:
                        return;
                    case NetlinkMessageKind.Error when message.Error != 0:
                        throw new NetlinkException(message.Errno, $"conntrack dump: {Errno.Describe(message.Errno)}");
                    case NetlinkMessageKind.Other when message.Type is var t && (t == ConntrackConstants.MessageType(ConntrackConstants.MsgCtNew) || t == ConntrackConstants.MessageType(ConntrackConstants.MsgCtGet)):
                        var body = datagram.Slice(message.Offset, message.Length);
                        if (ConntrackMessages.TryReadEntry(body, out var entry))
                        {
                            visitor(body, entry);
                        }

                        break;
                    default:
                        break;
                }
            }
        }
    }

    /// <summary>Reads the acknowledgements of the updates numbered <paramref name="first"/>..<paramref name="last"/>.</summary>
    private int CollectAcks(uint first, uint last)
    {
        var outstanding = (int)(last - first + 1);
        var changed = 0;
        var failure = 0;
        while (outstanding > 0)
        {
            var datagram = ReceiveOne("conntrack mark update");
            var reader = new NfQueueMessageReader(datagram);
            while (reader.Read(out var message) is var status && status is not (NetlinkReadStatus.End or NetlinkReadStatus.Truncated or NetlinkReadStatus.BadLength))
            {
                if (status != NetlinkReadStatus.Ok || message.Kind != NetlinkMessageKind.Error || message.Sequence - first > last - first)
                {
                    continue;
                }

                outstanding--;
                if (message.Error == 0)
                {
                    changed++;
                }
                else if (message.Errno != Errno.ENOENT && failure == 0)
                {
                    failure = message.Errno;
                }
            }
        }

        return failure == 0 ? changed : throw new NetlinkException(failure, $"conntrack mark update: {Errno.Describe(failure)}");
    }

    private ReadOnlySpan<byte> ReceiveOne(string what)
    {
        while (true)
        {
            if (!_socket.WaitReadable(TimeoutMilliseconds))
            {
                throw new NetlinkException(Errno.ETIMEDOUT, $"{what}: no answer from the kernel within {TimeoutMilliseconds} ms");
            }

            var length = _socket.Receive(_receive, block: false, out var errno);
            if (length >= 0)
            {
                return _receive.AsSpan(0, length);
            }

            if (errno != Errno.EAGAIN)
            {
                throw new NetlinkException(errno, $"{what}: receive: {Errno.Describe(errno)}");
            }
        }
    }
}
