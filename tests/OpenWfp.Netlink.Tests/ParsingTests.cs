namespace OpenWfp.Netlink.Tests;

/// <summary>What the NFQUEUE/conntrack clients parse and build, without a kernel.</summary>
public sealed class ParsingTests
{
    [Fact]
    public void KernelStatsLineParses()
    {
        // The seq_show format: "%5u %6u %5u %1u %5u %5u %5u %8u %2d\n".
        Assert.True(NfQueueKernelStats.TryParse(" 7000 123456     3 2 65531    10   944     5012  1", out var s));
        Assert.Equal(new NfQueueKernelStats(7000, 123456, 3, 2, 65531, 10, 944, 5012), s);
        Assert.True(NfQueueKernelStats.TryParse("0 1 0 1 0 0 0 0", out s)); // eight columns are enough
        Assert.Equal(1u, s.PortId);

        Assert.False(NfQueueKernelStats.TryParse("", out _));
        Assert.False(NfQueueKernelStats.TryParse("1 2 3", out _));
        Assert.False(NfQueueKernelStats.TryParse("70000 1 0 2 0 0 0 0 1", out _)); // queue number beyond u16
        Assert.False(NfQueueKernelStats.TryParse("1 2 3 4 5 6 7 x 1", out _));
        Assert.False(NfQueueKernelStats.TryParse("1 2 3 4 5 6 7 8 1 9", out _));
        Assert.False(NfQueueKernelStats.TryParse("1 -2 3 4 5 6 7 8 1", out _));
    }

    [Fact]
    public void OpenFailuresReadAsOneLineWithTheFix()
    {
        var busy = NfQueueException.ForStep("bind", 7000, Errno.EPERM, queueModulePresent: true, ownerPortId: 4242);
        Assert.Equal((NfQueueFailure.AlreadyBound, Errno.EPERM), (busy.Failure, busy.Errno));
        Assert.Equal("NFQUEUE 7000 is already bound by another process (netlink port id 4242) (EPERM): stop it or choose another queue number", busy.Message);

        var sameSocket = NfQueueException.ForStep("bind", 7, Errno.EBUSY, true, null);
        Assert.Equal("NFQUEUE 7 is already bound by another process (EBUSY): stop it or choose another queue number", sameSocket.Message);

        var perm = NfQueueException.ForStep("bind", 7, Errno.EPERM, true, null);
        Assert.Equal((NfQueueFailure.NeedsCapNetAdmin, "NFQUEUE 7 needs CAP_NET_ADMIN (run wfpd as root) (EPERM)"), (perm.Failure, perm.Message));

        var flag = NfQueueException.ForStep("NFQA_CFG_F_GSO", 7, Errno.EOPNOTSUPP, true, null);
        Assert.Equal((NfQueueFailure.FlagNotSupported, "this kernel does not support NFQA_CFG_F_GSO (EOPNOTSUPP): turn that option off"), (flag.Failure, flag.Message));

        var module = NfQueueException.ForStep("bind", 7, Errno.EINVAL, queueModulePresent: false, null);
        Assert.Equal((NfQueueFailure.NoKernelSupport, "this kernel has no nfnetlink_queue (EINVAL on bind): load the nfnetlink_queue module"), (module.Failure, module.Message));

        var socket = NfQueueException.ForSocket(new NetlinkException(Errno.EPROTONOSUPPORT, "x"));
        Assert.Equal(NfQueueFailure.NoKernelSupport, socket.Failure);
        Assert.Contains("load the nfnetlink and nfnetlink_queue modules", socket.Message, StringComparison.Ordinal);

        var other = NfQueueException.ForStep("QUEUE_MAXLEN", 7, Errno.EINVAL, true, null);
        Assert.Equal(NfQueueFailure.Other, other.Failure);
        Assert.StartsWith("NFQUEUE 7: QUEUE_MAXLEN failed: EINVAL", other.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<NetlinkException>(other);
    }

    [Fact]
    public void DumpRequestIsCtGetWithDumpFlags()
    {
        var buffer = new byte[32];
        var n = ConntrackMessages.WriteDumpRequest(buffer, 77);
        var expected = new Bytes().H32(20).H16(0x0101).H16(0x0301).H32(77).H32(0).U8(0).U8(0).B16(0).ToArray();
        Assert.Equal(expected, buffer[..n]);
    }

    [Fact]
    public void DumpedEntryYieldsAMarkUpdateCarryingItsTupleAndZone()
    {
        // An IPv6 entry as the kernel dumps it: nested tuples, status, mark, zone, and attributes the update ignores.
        var tuple = new Bytes()
            .H16(4 + 40).H16(ConntrackConstants.CtaTupleOrig | NetlinkConstants.NlaFNested)
            .H16(36).H16(1 | NetlinkConstants.NlaFNested)                // CTA_TUPLE_IP
            .H16(20).H16(3).Raw(new byte[16])                             // CTA_IP_V6_SRC
            .H16(12).H16(4).Raw(new byte[8])                              // CTA_IP_V6_DST (shortened; opaque to us)
            .H16(4).H16(2 | NetlinkConstants.NlaFNested)                  // CTA_TUPLE_PROTO (empty)
            .ToArray();
        var zone = new Bytes().H16(6).H16(ConntrackConstants.CtaZone).B16(3).Pad().ToArray();
        var body = new Bytes()
            .U8(10).U8(0).B16(0)
            .Raw(tuple)
            .H16(8).H16(3).B32(0x8)                                       // CTA_STATUS
            .H16(8).H16(ConntrackConstants.CtaMark).B32(0x00100001)
            .Raw(zone)
            .H16(8).H16(12).B32(99)                                       // CTA_ID
            .ToArray();
        var message = new Bytes().H32((uint)(16 + body.Length)).H16(0x0101).H16(NetlinkConstants.NlmFMulti).H32(5).H32(0).Raw(body).ToArray();

        Assert.True(ConntrackMessages.TryReadEntry(message, out var entry));
        Assert.Equal(10, entry.Family);
        Assert.True(entry.HasMark);
        Assert.Equal(0x00100001u, entry.Mark);
        Assert.Equal(tuple, message.AsSpan(entry.TupleOffset, entry.TupleLength).ToArray());
        Assert.Equal(6, entry.ZoneLength);

        var update = new byte[ConntrackMessages.MarkUpdateLength(entry.TupleLength, entry.ZoneLength)];
        var n = ConntrackMessages.WriteMarkUpdate(update, 9, entry.Family, message.AsSpan(entry.TupleOffset, entry.TupleLength),
            message.AsSpan(entry.ZoneOffset, entry.ZoneLength), 0, 0x00F00000);
        var expected = new Bytes()
            .H32((uint)n).H16(0x0100).H16(0x0005).H32(9).H32(0)            // CT_NEW, REQUEST|ACK, no NLM_F_CREATE
            .U8(10).U8(0).B16(0)
            .Raw(tuple)
            .Raw(zone)
            .H16(8).H16(ConntrackConstants.CtaMark).B32(0)
            .H16(8).H16(ConntrackConstants.CtaMarkMask).B32(0x00F00000)
            .ToArray();
        Assert.Equal(expected, update);
    }

    [Fact]
    public void EntriesWithoutTupleOrWithBrokenAttributesAreRejected()
    {
        var noTuple = new Bytes().H32(28).H16(0x0101).H16(2).H32(0).H32(0).U8(2).U8(0).B16(0).H16(8).H16(8).B32(1).ToArray();
        Assert.False(ConntrackMessages.TryReadEntry(noTuple, out _));
        var overrun = new Bytes().H32(28).H16(0x0101).H16(2).H32(0).H32(0).U8(2).U8(0).B16(0).H16(40).H16(1).B32(1).ToArray();
        Assert.False(ConntrackMessages.TryReadEntry(overrun, out _));
        Assert.False(ConntrackMessages.TryReadEntry(new byte[19], out _));
        var noMark = new Bytes().H32(24).H16(0x0101).H16(2).H32(0).H32(0).U8(2).U8(0).B16(0).H16(4).H16(1 | 0x8000).ToArray();
        Assert.True(ConntrackMessages.TryReadEntry(noMark, out var entry));
        Assert.False(entry.HasMark);
        Assert.Equal(0u, entry.Mark);
    }

    [Fact]
    public void ConstantsMatchTheKernelHeaders()
    {
        Assert.Equal(1, ConntrackConstants.NfnlSubsysCtnetlink);
        Assert.Equal((0, 1), (ConntrackConstants.MsgCtNew, ConntrackConstants.MsgCtGet));
        Assert.Equal([1, 2, 8, 18, 21], new[] { ConntrackConstants.CtaTupleOrig, ConntrackConstants.CtaTupleReply, ConntrackConstants.CtaMark, ConntrackConstants.CtaZone, ConntrackConstants.CtaMarkMask });
        Assert.Equal(0x300, ConntrackConstants.NlmFDump);
        Assert.Equal(0x400, ConntrackConstants.NlmFCreate);
        Assert.Equal(0x0100, ConntrackConstants.MessageType(ConntrackConstants.MsgCtNew));
        Assert.Equal([1, 2, 16, 19, 22, 95, 105, 110, 93], new[] { Errno.EPERM, Errno.ENOENT, Errno.EBUSY, Errno.ENODEV, Errno.EINVAL, Errno.EOPNOTSUPP, Errno.ENOBUFS, Errno.ETIMEDOUT, Errno.EPROTONOSUPPORT });
    }
}
