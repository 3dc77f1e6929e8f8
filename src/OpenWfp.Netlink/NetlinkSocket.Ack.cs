namespace OpenWfp.Netlink;

/// <summary>Called for each message that is not the awaited acknowledgement.</summary>
/// <param name="datagram">The datagram holding the message.</param>
/// <param name="message">The message (offsets refer to <paramref name="datagram"/>).</param>
public delegate void NetlinkMessageHandler(ReadOnlySpan<byte> datagram, in NetlinkMessage message);

/// <summary>Request/acknowledgement round trips (configuration, not the packet path).</summary>
public sealed partial class NetlinkSocket
{
    /// <summary>
    /// Sends one request that carries NLM_F_ACK and waits for its NLMSG_ERROR (matched by sequence number). Other
    /// messages received meanwhile go to <paramref name="other"/>.
    /// </summary>
    /// <param name="request">The request bytes.</param>
    /// <param name="sequence">Its nlmsg_seq.</param>
    /// <param name="buffer">Receive scratch buffer.</param>
    /// <param name="timeoutMilliseconds">Longest wait for the answer.</param>
    /// <param name="other">Handler for unrelated messages, or null to ignore them.</param>
    /// <returns>0 when acknowledged, else the errno (ETIMEDOUT when no answer came).</returns>
    public int Request(ReadOnlySpan<byte> request, uint sequence, Span<byte> buffer, int timeoutMilliseconds, NetlinkMessageHandler? other = null)
    {
        var sendError = Send(request);
        if (sendError != 0)
        {
            return sendError;
        }

        return AwaitAck(sequence, buffer, timeoutMilliseconds, other);
    }

    /// <summary>Waits for the NLMSG_ERROR answering <paramref name="sequence"/>; see <see cref="Request"/>.</summary>
    /// <param name="sequence">The request's nlmsg_seq.</param>
    /// <param name="buffer">Receive scratch buffer.</param>
    /// <param name="timeoutMilliseconds">Longest wait.</param>
    /// <param name="other">Handler for unrelated messages, or null.</param>
    /// <returns>0 when acknowledged, else the errno (ETIMEDOUT when no answer came).</returns>
    public int AwaitAck(uint sequence, Span<byte> buffer, int timeoutMilliseconds, NetlinkMessageHandler? other = null)
    {
        var deadline = Environment.TickCount64 + timeoutMilliseconds;
        while (true)
        {
            var left = deadline - Environment.TickCount64;
            if (left <= 0 || !WaitReadable((int)left))
            {
                return Errno.ETIMEDOUT;
            }

            var length = Receive(buffer, block: false, out var errno);
            if (length < 0)
            {
                if (errno is Errno.EAGAIN or Errno.ENOBUFS)
                {
                    // ENOBUFS means some other message was lost; the ack may still come.
                    continue;
                }

                return errno;
            }

            var datagram = buffer[..length];
            var reader = new NfQueueMessageReader(datagram);
            while (reader.Read(out var message) is var status && status is not (NetlinkReadStatus.End or NetlinkReadStatus.Truncated or NetlinkReadStatus.BadLength))
            {
                if (status != NetlinkReadStatus.Ok)
                {
                    continue;
                }

                if (message.Kind == NetlinkMessageKind.Error && message.Sequence == sequence)
                {
                    return message.Errno;
                }

                other?.Invoke(datagram, message);
            }
        }
    }
}
