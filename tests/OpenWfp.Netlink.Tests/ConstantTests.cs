using static OpenWfp.Netlink.NfQueueConstants;

namespace OpenWfp.Netlink.Tests;

public class ConstantTests
{
    [Fact]
    public void NetlinkValuesMatchDataplaneSection1()
    {
        Assert.Equal(12, NetlinkConstants.NetlinkNetfilter);
        Assert.Equal(16, NetlinkConstants.AfNetlink);
        Assert.Equal(0, NetlinkConstants.AfUnspec);
        Assert.Equal(1, NetlinkConstants.NlmFRequest);
        Assert.Equal(4, NetlinkConstants.NlmFAck);
        Assert.Equal(2, NetlinkConstants.NlmsgError);
        Assert.Equal(3, NetlinkConstants.NlmsgDone);
        Assert.Equal(16, NetlinkConstants.NlmsgHdrLen);
        Assert.Equal(4, NetlinkConstants.NlaHdrLen);
        Assert.Equal(0x8000, NetlinkConstants.NlaFNested);
        Assert.Equal(0x4000, NetlinkConstants.NlaFNetByteOrder);
        Assert.Equal(0x3FFF, NetlinkConstants.NlaTypeMask);
        Assert.Equal(0, NetlinkConstants.NfnetlinkV0);
        Assert.Equal(3, NetlinkConstants.NfnlSubsysQueue);
        Assert.Equal(0x0300, MessageType(MsgPacket));
        Assert.Equal(0x0301, MessageType(MsgVerdict));
        Assert.Equal(0x0302, MessageType(MsgConfig));
        Assert.Equal(0x0303, MessageType(MsgVerdictBatch));
    }

    [Fact]
    public void QueueValuesMatchDataplaneTable()
    {
        Assert.Equal([0, 1, 2, 3], new[] { MsgPacket, MsgVerdict, MsgConfig, MsgVerdictBatch });
        Assert.Equal([0, 1, 2, 3, 4], new[] { CfgCmdNone, CfgCmdBind, CfgCmdUnbind, CfgCmdPfBind, CfgCmdPfUnbind });
        Assert.Equal([1, 2, 3, 4, 5], new[] { NfqaCfgCmd, NfqaCfgParams, NfqaCfgQueueMaxLen, NfqaCfgMask, NfqaCfgFlags });
        Assert.Equal([0, 1, 2], new[] { CopyNone, CopyMeta, CopyPacket });
        Assert.Equal([1u, 2u, 4u, 8u, 16u], new[] { NfqaCfgFFailOpen, NfqaCfgFConntrack, NfqaCfgFGso, NfqaCfgFUidGid, NfqaCfgFSecctx });
        Assert.Equal(
            Enumerable.Range(1, 21).Select(i => (ushort)i).ToArray(),
            new[]
            {
                NfqaPacketHdr, NfqaVerdictHdr, NfqaMark, NfqaTimestamp, NfqaIfIndexInDev, NfqaIfIndexOutDev,
                NfqaIfIndexPhysInDev, NfqaIfIndexPhysOutDev, NfqaHwAddr, NfqaPayload, NfqaCt, NfqaCtInfo, NfqaCapLen,
                NfqaSkbInfo, NfqaExp, NfqaUid, NfqaGid, NfqaSecctx, NfqaVlan, NfqaL2Hdr, NfqaPriority,
            });
        Assert.Equal([1u, 2u, 4u], new[] { NfqaSkbCsumNotReady, NfqaSkbGso, NfqaSkbCsumNotVerified });
        Assert.Equal([0u, 1u, 2u, 3u, 4u, 5u], new[] { NfDrop, NfAccept, NfStolen, NfQueueConstants.NfQueue, NfRepeat, NfStop });
        Assert.Equal(0xFFu, NfVerdictMask);
        Assert.Equal([2, 10, 7], new[] { NfProtoIpv4, NfProtoIpv6, NfProtoBridge });
        Assert.Equal([0, 1, 2, 3, 4], new[] { NfInetPreRouting, NfInetLocalIn, NfInetForward, NfInetLocalOut, NfInetPostRouting });
    }
}
