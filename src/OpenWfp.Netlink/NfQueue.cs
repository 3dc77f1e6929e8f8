namespace OpenWfp.Netlink;

/// <summary>
/// One bound NFQUEUE: receive packets in batches, answer with verdicts that are buffered and sent together.
/// </summary>
/// <remarks>
/// <para>Not thread-safe: <see cref="Receive"/>, the verdict methods and <see cref="Flush"/> belong to one thread (the
/// queue's loop). The socket stays in the network namespace of the thread that called <see cref="Open"/>.</para>
/// <para>Kernel error messages for verdicts (NLMSG_ERROR, e.g. ENOENT for an id that is no longer queued) arrive among
/// the packet datagrams. <see cref="Receive"/> consumes them: it counts them in <see cref="NfQueueStats.VerdictErrors"/>,
/// keeps the errno in <see cref="NfQueueStats.LastVerdictErrno"/> and does not return them, so every datagram it returns
/// is an NFQNL_MSG_PACKET.</para>
/// <para>After a socket overflow the kernel drops packets (or accepts them with <see cref="NfQueueOptions.FailOpen"/>)
/// and the next receive reports ENOBUFS once; <see cref="Receive"/> counts it and carries on.</para>
/// </remarks>
public sealed class NfQueue : IDisposable
{
    private const int OpenTimeoutMilliseconds = 5000;
    private const int SlotHeadroom = 1024;           // room for every NFQA attribute besides the payload
    private const int MaxVerdictLength = 40;         // nlmsghdr 16 + nfgenmsg 4 + VERDICT_HDR 12 + MARK 8
    private const int SendBatchBytes = 64 * 1024;    // flush threshold; with one payload verdict this stays under wmem_default

    private readonly NetlinkSocket _socket;
    private readonly NetlinkReceiveBatch _batch;
    private readonly int[] _packetSlots;
    private readonly byte[] _send;
    private readonly NfQueueOptions _options;
    private volatile bool _detached;
    private int _packetCount;
    private int _sendLength;
    private uint _sequence;
    private int _timeoutSet = int.MinValue;
    private NfQueueStats _stats;

    private NfQueue(NetlinkSocket socket, NfQueueOptions options)
    {
        _socket = socket;
        _options = options;
        QueueNumber = options.QueueNumber;
        var payload = options.CopyMode == NfQueueConstants.CopyPacket ? (int)Math.Min(options.CopyRange, (uint)NfQueueMessageWriter.MaxAttributePayload) : 0;
        _batch = new NetlinkReceiveBatch(options.BatchSize, NetlinkConstants.Align(payload + SlotHeadroom));
        _packetSlots = new int[options.BatchSize];
        _send = GC.AllocateUninitializedArray<byte>(SendBatchBytes + MaxVerdictLength + NetlinkConstants.NlaHdrLen + NfQueueMessageWriter.MaxAttributePayload + 4, pinned: true);
    }

    /// <summary>The queue number.</summary>
    public ushort QueueNumber { get; }

    /// <summary>The counters (a copy; read on the queue's thread for consistent values).</summary>
    public NfQueueStats Stats => _stats;

    /// <summary>The netlink port id of the queue's socket (the portid column of the proc file).</summary>
    public uint PortId => _socket.PortId;

    /// <summary>
    /// Opens a netlink socket, binds it to the queue and configures it (PARAMS, QUEUE_MAXLEN, one FLAGS/MASK message per
    /// option flag), waiting for the kernel's acknowledgement of each step.
    /// </summary>
    /// <param name="options">The configuration.</param>
    /// <returns>The bound queue.</returns>
    /// <exception cref="NfQueueException">A step failed; the one-line message says why and what to do.</exception>
    public static NfQueue Open(NfQueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ReceiveBufferBytes, 0);
        NetlinkSocket socket;
        try
        {
            socket = NetlinkSocket.Open(NetlinkConstants.NetlinkNetfilter);
        }
        catch (NetlinkException e)
        {
            throw NfQueueException.ForSocket(e);
        }

        var queue = new NfQueue(socket, options);
        try
        {
            if (options.ReceiveBufferBytes > 0)
            {
                socket.SetReceiveBuffer(options.ReceiveBufferBytes);
            }

            queue.Configure(options);
            return queue;
        }
        catch
        {
            queue.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> for the first datagram, then takes whatever else is ready
    /// (up to <see cref="NfQueueOptions.BatchSize"/>) with the same recvmmsg(2) call.
    /// </summary>
    /// <param name="timeoutMilliseconds">0: do not wait; negative: wait forever.</param>
    /// <returns>The number of packet datagrams, read with <see cref="Datagram"/> (0 on timeout).</returns>
    /// <exception cref="NetlinkException">The socket failed (not for ENOBUFS, which is counted).</exception>
    public int Receive(int timeoutMilliseconds)
    {
        _packetCount = 0;
        if (_detached)
        {
            return 0;
        }

        var block = timeoutMilliseconds != 0;
        if (block && timeoutMilliseconds != _timeoutSet)
        {
            _socket.SetReceiveTimeout(timeoutMilliseconds < 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(timeoutMilliseconds));
            _timeoutSet = timeoutMilliseconds;
        }

        var received = _socket.ReceiveBatch(_batch, block, out var errno);
        if (received < 0 && errno == Errno.ENOBUFS)
        {
            // The overflow is reported once; what is still queued can be read at once.
            _stats.Enobufs++;
            received = _socket.ReceiveBatch(_batch, block: false, out errno);
        }

        if (received < 0)
        {
            if (errno is Errno.EAGAIN or Errno.ENOBUFS)
            {
                _stats.Enobufs += errno == Errno.ENOBUFS ? 1 : 0;
                return 0;
            }

            throw new NetlinkException(errno, $"receive on NFQUEUE {QueueNumber}: {Errno.Describe(errno)}");
        }

        for (var i = 0; i < received; i++)
        {
            Classify(i);
        }

        if (received > 0)
        {
            _stats.Batches++;
        }

        return _packetCount;
    }

    /// <summary>The <paramref name="index"/>-th packet datagram of the last <see cref="Receive"/> (one NFQNL_MSG_PACKET).</summary>
    /// <param name="index">0 ≤ index &lt; the count Receive returned.</param>
    /// <returns>The bytes; valid until the next Receive.</returns>
    public ReadOnlySpan<byte> Datagram(int index)
    {
        if ((uint)index >= (uint)_packetCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index), "No such packet in the last receive.");
        }

        return _batch.Datagram(_packetSlots[index]);
    }

    /// <summary>Parses the <paramref name="index"/>-th packet datagram; offsets in the result refer to <see cref="Datagram"/>.</summary>
    /// <param name="index">0 ≤ index &lt; the count Receive returned.</param>
    /// <param name="packet">The packet attributes.</param>
    /// <returns>False when the message is malformed (no verdict can be given without its id).</returns>
    public bool TryReadPacket(int index, out NfQueuePacket packet)
    {
        var reader = new NfQueueMessageReader(Datagram(index));
        if (reader.Read(out var message) == NetlinkReadStatus.Ok && message.Kind == NetlinkMessageKind.Packet)
        {
            packet = message.Packet;
            return true;
        }

        packet = default;
        return false;
    }

    /// <summary>Queues a verdict for one packet (sent by <see cref="Flush"/>, or earlier when the buffer is full).</summary>
    /// <param name="packetId">The packet id.</param>
    /// <param name="verdict">NF_ACCEPT, NF_DROP, NF_REPEAT, NF_QUEUE | (queue &lt;&lt; 16).</param>
    /// <param name="mark">A new skb mark, or null to keep it.</param>
    public void Verdict(uint packetId, uint verdict, uint? mark = null)
    {
        Reserve(MaxVerdictLength);
        _sendLength += NfQueueMessageWriter.WriteVerdict(_send.AsSpan(_sendLength), ++_sequence, QueueNumber, packetId, verdict, mark);
    }

    /// <summary>Queues a verdict that replaces the packet's bytes; the caller provides valid checksums (see OpenWfp.Wire.Checksums).</summary>
    /// <param name="packetId">The packet id.</param>
    /// <param name="verdict">The verdict.</param>
    /// <param name="payload">The new packet from its IP header, at most <see cref="NfQueueMessageWriter.MaxAttributePayload"/> bytes.</param>
    /// <param name="mark">A new skb mark, or null to keep it.</param>
    public void VerdictWithPayload(uint packetId, uint verdict, ReadOnlySpan<byte> payload, uint? mark = null)
    {
        if (payload.Length > NfQueueMessageWriter.MaxAttributePayload)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), "Payload exceeds the netlink attribute limit.");
        }

        Reserve(MaxVerdictLength + NetlinkConstants.NlaHdrLen + NetlinkConstants.Align(payload.Length));
        _sendLength += NfQueueMessageWriter.WriteVerdictWithPayload(_send.AsSpan(_sendLength), ++_sequence, QueueNumber, packetId, verdict, payload, mark);
    }

    /// <summary>Queues one verdict for every packet still queued with an id up to <paramref name="highestPacketId"/>.</summary>
    /// <param name="highestPacketId">The highest id covered.</param>
    /// <param name="verdict">The verdict.</param>
    /// <param name="mark">A new skb mark, or null to keep it.</param>
    public void BatchVerdict(uint highestPacketId, uint verdict, uint? mark = null)
    {
        Reserve(MaxVerdictLength);
        _sendLength += NfQueueMessageWriter.WriteBatchVerdict(_send.AsSpan(_sendLength), ++_sequence, QueueNumber, highestPacketId, verdict, mark);
    }

    /// <summary>True once <see cref="TakeOver"/> gave the socket to another instance: this one sends and receives nothing more.</summary>
    public bool Detached => _detached;

    /// <summary>
    /// A new instance on the same bound socket, with its own buffers, for a new reader thread; this instance is detached
    /// (its receives return nothing, its buffered and later verdicts are discarded, and disposing it leaves the socket
    /// open). Made for a reader thread that hangs: another thread takes the queue over while the old thread may still
    /// hold this instance. A verdict the old thread sent just before the detach can only be for a packet it received,
    /// so at worst the kernel answers ENOENT.
    /// </summary>
    /// <returns>The instance that owns the socket from now on.</returns>
    /// <remarks>Called from any thread; the kernel accepts verdicts only from the bound socket's port, so the socket is shared, not reopened.</remarks>
    public NfQueue TakeOver()
    {
        _detached = true;
        return new NfQueue(_socket, _options) { _sequence = _sequence + 0x10000 };
    }

    /// <summary>Sends the buffered verdicts with one send(2). A failed send is counted in <see cref="NfQueueStats.SendErrors"/>.</summary>
    public void Flush()
    {
        if (_sendLength == 0)
        {
            return;
        }

        if (_detached)
        {
            _sendLength = 0;
            return;
        }

        var errno = _socket.Send(_send.AsSpan(0, _sendLength));
        if (errno is Errno.ENOBUFS or Errno.EAGAIN)
        {
            errno = _socket.Send(_send.AsSpan(0, _sendLength));
        }

        if (errno != 0)
        {
            _stats.SendErrors++;
            _stats.LastVerdictErrno = errno;
        }

        _sendLength = 0;
    }

    /// <summary>Reads this queue's line of the proc file of the calling thread's network namespace.</summary>
    /// <param name="queue">The queue number.</param>
    /// <param name="stats">The kernel's counters.</param>
    /// <returns>False when the queue is not bound (or nfnetlink_queue is absent).</returns>
    public static bool TryReadKernelStats(ushort queue, out NfQueueKernelStats stats)
    {
        stats = default;
        if (!File.Exists(NfQueueKernelStats.ProcPath))
        {
            return false;
        }

        foreach (var line in File.ReadLines(NfQueueKernelStats.ProcPath))
        {
            if (NfQueueKernelStats.TryParse(line, out var parsed) && parsed.QueueNumber == queue)
            {
                stats = parsed;
                return true;
            }
        }

        return false;
    }

    /// <summary>Sends buffered verdicts and closes the socket; the kernel then drops packets still waiting for a verdict.</summary>
    public void Dispose()
    {
        if (_detached)
        {
            return;
        }

        try
        {
            Flush();
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
    }

    private void Classify(int slot)
    {
        if (_batch.IsTruncated(slot))
        {
            _stats.Malformed++;
            return;
        }

        var datagram = _batch.Datagram(slot);
        if (datagram.Length < NetlinkConstants.NlmsgHdrLen)
        {
            _stats.Malformed++;
            return;
        }

        var type = HostOrder.ReadUInt16(datagram[4..]);
        if (type == NfQueueConstants.MessageType(NfQueueConstants.MsgPacket))
        {
            _stats.Packets++;
            _packetSlots[_packetCount++] = slot;
        }
        else if (type == NetlinkConstants.NlmsgError && datagram.Length >= NetlinkConstants.NlmsgHdrLen + NetlinkConstants.NlmsgErrorCodeLen)
        {
            var error = unchecked((int)HostOrder.ReadUInt32(datagram[NetlinkConstants.NlmsgHdrLen..]));
            if (error != 0)
            {
                _stats.VerdictErrors++;
                _stats.LastVerdictErrno = -error;
            }
        }
        else
        {
            _stats.Malformed++;
        }
    }

    private void Reserve(int bytes)
    {
        if (_sendLength + bytes > SendBatchBytes && _sendLength > 0)
        {
            Flush();
        }
    }

    private void Configure(NfQueueOptions options)
    {
        var q = options.QueueNumber;
        var request = new byte[64];
        var scratch = new byte[_batch.SlotBytes];
        var early = new List<uint>();

        // Packets can be queued to us as soon as the bind is acknowledged, before the rest of the configuration; they are
        // answered with NF_REPEAT so the table queues them again under the final settings.
        void OnOther(ReadOnlySpan<byte> datagram, in NetlinkMessage message)
        {
            if (message.Kind == NetlinkMessageKind.Packet)
            {
                early.Add(message.Packet.PacketId);
            }
        }

        void Step(string step, int length)
        {
            var errno = _socket.Request(request.AsSpan(0, length), _sequence, scratch, OpenTimeoutMilliseconds, OnOther);
            if (errno != 0)
            {
                TryReadKernelStats(q, out var owner);
                uint? ownerPortId = owner.PortId != 0 && owner.PortId != _socket.PortId ? owner.PortId : null;
                throw NfQueueException.ForStep(step, q, errno, File.Exists(NfQueueKernelStats.ProcPath), ownerPortId);
            }
        }

        Step("bind", NfQueueMessageWriter.WriteConfigCommand(request, ++_sequence, q, NfQueueConstants.CfgCmdBind));
        Step("PARAMS", NfQueueMessageWriter.WriteConfigParams(request, ++_sequence, q, options.CopyMode, options.CopyRange));
        Step("QUEUE_MAXLEN", NfQueueMessageWriter.WriteQueueMaxLength(request, ++_sequence, q, options.MaxLength));
        foreach (var (flag, on, name) in new[]
        {
            (NfQueueConstants.NfqaCfgFGso, options.Gso, "NFQA_CFG_F_GSO"),
            (NfQueueConstants.NfqaCfgFUidGid, options.UidGid, "NFQA_CFG_F_UID_GID"),
            (NfQueueConstants.NfqaCfgFFailOpen, options.FailOpen, "NFQA_CFG_F_FAIL_OPEN"),
        })
        {
            Step(name, NfQueueMessageWriter.WriteConfigFlags(request, ++_sequence, q, on ? flag : 0, flag));
        }

        foreach (var id in early)
        {
            Verdict(id, NfQueueConstants.NfRepeat);
        }

        Flush();
    }
}
