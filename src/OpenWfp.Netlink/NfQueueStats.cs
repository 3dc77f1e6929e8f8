using System.Globalization;

namespace OpenWfp.Netlink;

/// <summary>Counters of one <see cref="NfQueue"/>, kept by its receive/verdict thread.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1051", Justification = "A plain counter block; the lead's code uses the field names.")]
public struct NfQueueStats
{
    /// <summary>Packet messages returned by <see cref="NfQueue.Receive"/>.</summary>
    public long Packets;

    /// <summary>Datagrams dropped by <see cref="NfQueue.Receive"/> because they were cut (slot too small) or not a packet or error message.</summary>
    public long Malformed;

    /// <summary>Times a receive reported ENOBUFS: the socket buffer overflowed and the kernel dropped packets (see <see cref="NfQueueKernelStats.UserDropped"/>).</summary>
    public long Enobufs;

    /// <summary>NLMSG_ERROR messages the kernel sent back for verdicts (e.g. ENOENT for an id no longer queued); not returned by Receive.</summary>
    public long VerdictErrors;

    /// <summary>send(2) failures while flushing verdicts (those verdicts were lost).</summary>
    public long SendErrors;

    /// <summary>Receive calls that returned at least one datagram.</summary>
    public long Batches;

    /// <summary>The errno of the last verdict error or send failure (0 if none).</summary>
    public int LastVerdictErrno;
}

/// <summary>One line of <c>/proc/net/netfilter/nfnetlink_queue</c> (net/netfilter/nfnetlink_queue.c, seq_show).</summary>
/// <param name="QueueNumber">The queue.</param>
/// <param name="PortId">The netlink port id bound to it.</param>
/// <param name="QueuedNow">Packets waiting for a verdict.</param>
/// <param name="CopyMode">NFQNL_COPY_*.</param>
/// <param name="CopyRange">Copy range.</param>
/// <param name="QueueDropped">Packets dropped because the queue was full (maxlen).</param>
/// <param name="UserDropped">Packets dropped because the netlink socket was full (the ENOBUFS case).</param>
/// <param name="LastId">The last packet id handed out.</param>
public readonly record struct NfQueueKernelStats(
    ushort QueueNumber, uint PortId, uint QueuedNow, byte CopyMode, uint CopyRange, uint QueueDropped, uint UserDropped, uint LastId)
{
    /// <summary>The proc file of the calling thread's network namespace (/proc/net would show the main thread's).</summary>
    public const string ProcPath = "/proc/thread-self/net/netfilter/nfnetlink_queue";

    /// <summary>Parses one line: nine whitespace-separated unsigned numbers (the last is always 1).</summary>
    /// <param name="line">The line.</param>
    /// <param name="stats">The values.</param>
    /// <returns>False when the line does not have that shape.</returns>
    public static bool TryParse(ReadOnlySpan<char> line, out NfQueueKernelStats stats)
    {
        stats = default;
        Span<uint> values = stackalloc uint[8];
        var count = 0;
        foreach (var range in line.Split(' '))
        {
            var part = line[range];
            if (part.IsEmpty)
            {
                continue;
            }

            if (count >= 9 || !uint.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            if (count < 8)
            {
                values[count] = value;
            }

            count++;
        }

        if (count < 8 || values[0] > ushort.MaxValue || values[3] > byte.MaxValue)
        {
            return false;
        }

        stats = new NfQueueKernelStats((ushort)values[0], values[1], values[2], (byte)values[3], values[4], values[5], values[6], values[7]);
        return true;
    }
}
