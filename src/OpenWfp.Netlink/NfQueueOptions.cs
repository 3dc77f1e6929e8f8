namespace OpenWfp.Netlink;

/// <summary>How <see cref="NfQueue.Open"/> binds and configures a queue.</summary>
public sealed class NfQueueOptions
{
    /// <summary>The queue number (the <c>--queue-num</c> of the NFQUEUE rule).</summary>
    public ushort QueueNumber { get; init; }

    /// <summary>NFQA_CFG_PARAMS copy mode: <see cref="NfQueueConstants.CopyPacket"/> (default) or <see cref="NfQueueConstants.CopyMeta"/>.</summary>
    public byte CopyMode { get; init; } = NfQueueConstants.CopyPacket;

    /// <summary>NFQA_CFG_PARAMS copy range: payload bytes copied per packet (the kernel caps it at 65531).</summary>
    public uint CopyRange { get; init; } = 0xFFFF;

    /// <summary>NFQA_CFG_QUEUE_MAXLEN: packets that may wait for a verdict before the kernel drops (or, with <see cref="FailOpen"/>, accepts).</summary>
    public uint MaxLength { get; init; } = 4096;

    /// <summary>NFQA_CFG_F_GSO: deliver GSO super-packets unsegmented (their L4 checksum may not be computed yet).</summary>
    public bool Gso { get; init; } = true;

    /// <summary>NFQA_CFG_F_UID_GID: deliver the owning socket's uid/gid (locally generated traffic only).</summary>
    public bool UidGid { get; init; } = true;

    /// <summary>NFQA_CFG_F_FAIL_OPEN: accept instead of drop when the queue or the socket is full. A security decision.</summary>
    public bool FailOpen { get; init; }

    /// <summary>Receive buffer asked for with SO_RCVBUFFORCE (SO_RCVBUF, capped by rmem_max, when not permitted).</summary>
    public int ReceiveBufferBytes { get; init; } = 16 << 20;

    /// <summary>Datagrams one <see cref="NfQueue.Receive"/> takes at most (the recvmmsg vector length).</summary>
    public int BatchSize { get; init; } = 64;
}
