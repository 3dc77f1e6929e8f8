namespace OpenWfp.Netlink;

/// <summary>Numeric constants of nfnetlink_queue and of the netfilter core.</summary>
public static class NfQueueConstants
{
    /// <summary><c>NFQNL_MSG_PACKET</c> (linux/netfilter/nfnetlink_queue.h): packet from kernel to user space.</summary>
    public const byte MsgPacket = 0;

    /// <summary><c>NFQNL_MSG_VERDICT</c> (linux/netfilter/nfnetlink_queue.h): verdict from user space to kernel.</summary>
    public const byte MsgVerdict = 1;

    /// <summary><c>NFQNL_MSG_CONFIG</c> (linux/netfilter/nfnetlink_queue.h): connect to or configure a queue.</summary>
    public const byte MsgConfig = 2;

    /// <summary><c>NFQNL_MSG_VERDICT_BATCH</c> (linux/netfilter/nfnetlink_queue.h): verdict for every packet with id up to the given one.</summary>
    public const byte MsgVerdictBatch = 3;

    /// <summary><c>NFQNL_CFG_CMD_NONE</c> (linux/netfilter/nfnetlink_queue.h).</summary>
    public const byte CfgCmdNone = 0;

    /// <summary><c>NFQNL_CFG_CMD_BIND</c> (linux/netfilter/nfnetlink_queue.h): bind the socket to the queue.</summary>
    public const byte CfgCmdBind = 1;

    /// <summary><c>NFQNL_CFG_CMD_UNBIND</c> (linux/netfilter/nfnetlink_queue.h): unbind the socket from the queue.</summary>
    public const byte CfgCmdUnbind = 2;

    /// <summary><c>NFQNL_CFG_CMD_PF_BIND</c> (linux/netfilter/nfnetlink_queue.h): obsolete; a no-op since Linux 3.8.</summary>
    public const byte CfgCmdPfBind = 3;

    /// <summary><c>NFQNL_CFG_CMD_PF_UNBIND</c> (linux/netfilter/nfnetlink_queue.h): obsolete; a no-op since Linux 3.8.</summary>
    public const byte CfgCmdPfUnbind = 4;

    /// <summary><c>NFQNL_COPY_NONE</c> (linux/netfilter/nfnetlink_queue.h): invalid for queueing (EINVAL).</summary>
    public const byte CopyNone = 0;

    /// <summary><c>NFQNL_COPY_META</c> (linux/netfilter/nfnetlink_queue.h): metadata only, no payload.</summary>
    public const byte CopyMeta = 1;

    /// <summary><c>NFQNL_COPY_PACKET</c> (linux/netfilter/nfnetlink_queue.h): metadata and up to copy_range payload bytes.</summary>
    public const byte CopyPacket = 2;

    /// <summary><c>NFQA_CFG_CMD</c> (linux/netfilter/nfnetlink_queue.h): <c>{u8 command; u8 pad; be16 pf}</c>.</summary>
    public const ushort NfqaCfgCmd = 1;

    /// <summary><c>NFQA_CFG_PARAMS</c> (linux/netfilter/nfnetlink_queue.h): packed <c>{be32 copy_range; u8 copy_mode}</c>.</summary>
    public const ushort NfqaCfgParams = 2;

    /// <summary><c>NFQA_CFG_QUEUE_MAXLEN</c> (linux/netfilter/nfnetlink_queue.h): be32 queue length.</summary>
    public const ushort NfqaCfgQueueMaxLen = 3;

    /// <summary><c>NFQA_CFG_MASK</c> (linux/netfilter/nfnetlink_queue.h): be32 mask of the flags to change.</summary>
    public const ushort NfqaCfgMask = 4;

    /// <summary><c>NFQA_CFG_FLAGS</c> (linux/netfilter/nfnetlink_queue.h): be32 flag values.</summary>
    public const ushort NfqaCfgFlags = 5;

    /// <summary><c>NFQA_CFG_F_FAIL_OPEN</c> (linux/netfilter/nfnetlink_queue.h): accept instead of drop on overload.</summary>
    public const uint NfqaCfgFFailOpen = 1u << 0;

    /// <summary><c>NFQA_CFG_F_CONNTRACK</c> (linux/netfilter/nfnetlink_queue.h): deliver conntrack attributes.</summary>
    public const uint NfqaCfgFConntrack = 1u << 1;

    /// <summary><c>NFQA_CFG_F_GSO</c> (linux/netfilter/nfnetlink_queue.h): deliver GSO packets unsegmented.</summary>
    public const uint NfqaCfgFGso = 1u << 2;

    /// <summary><c>NFQA_CFG_F_UID_GID</c> (linux/netfilter/nfnetlink_queue.h): deliver NFQA_UID and NFQA_GID.</summary>
    public const uint NfqaCfgFUidGid = 1u << 3;

    /// <summary><c>NFQA_CFG_F_SECCTX</c> (linux/netfilter/nfnetlink_queue.h): deliver NFQA_SECCTX.</summary>
    public const uint NfqaCfgFSecctx = 1u << 4;

    /// <summary><c>NFQA_PACKET_HDR</c> (linux/netfilter/nfnetlink_queue.h): packed <c>{be32 packet_id; be16 hw_protocol; u8 hook}</c>.</summary>
    public const ushort NfqaPacketHdr = 1;

    /// <summary><c>NFQA_VERDICT_HDR</c> (linux/netfilter/nfnetlink_queue.h): <c>{be32 verdict; be32 id}</c>.</summary>
    public const ushort NfqaVerdictHdr = 2;

    /// <summary><c>NFQA_MARK</c> (linux/netfilter/nfnetlink_queue.h): be32 skb mark.</summary>
    public const ushort NfqaMark = 3;

    /// <summary><c>NFQA_TIMESTAMP</c> (linux/netfilter/nfnetlink_queue.h): <c>{be64 sec; be64 usec}</c>.</summary>
    public const ushort NfqaTimestamp = 4;

    /// <summary><c>NFQA_IFINDEX_INDEV</c> (linux/netfilter/nfnetlink_queue.h): be32 input interface index.</summary>
    public const ushort NfqaIfIndexInDev = 5;

    /// <summary><c>NFQA_IFINDEX_OUTDEV</c> (linux/netfilter/nfnetlink_queue.h): be32 output interface index.</summary>
    public const ushort NfqaIfIndexOutDev = 6;

    /// <summary><c>NFQA_IFINDEX_PHYSINDEV</c> (linux/netfilter/nfnetlink_queue.h): be32 bridge input port index.</summary>
    public const ushort NfqaIfIndexPhysInDev = 7;

    /// <summary><c>NFQA_IFINDEX_PHYSOUTDEV</c> (linux/netfilter/nfnetlink_queue.h): be32 bridge output port index.</summary>
    public const ushort NfqaIfIndexPhysOutDev = 8;

    /// <summary><c>NFQA_HWADDR</c> (linux/netfilter/nfnetlink_queue.h): <c>{be16 hw_addrlen; u16 pad; u8 hw_addr[8]}</c>.</summary>
    public const ushort NfqaHwAddr = 9;

    /// <summary><c>NFQA_PAYLOAD</c> (linux/netfilter/nfnetlink_queue.h): the packet from its L3 header.</summary>
    public const ushort NfqaPayload = 10;

    /// <summary><c>NFQA_CT</c> (linux/netfilter/nfnetlink_queue.h): nested ctnetlink attributes.</summary>
    public const ushort NfqaCt = 11;

    /// <summary><c>NFQA_CT_INFO</c> (linux/netfilter/nfnetlink_queue.h): be32 <c>enum ip_conntrack_info</c>.</summary>
    public const ushort NfqaCtInfo = 12;

    /// <summary><c>NFQA_CAP_LEN</c> (linux/netfilter/nfnetlink_queue.h): be32 original length of a truncated packet.</summary>
    public const ushort NfqaCapLen = 13;

    /// <summary><c>NFQA_SKB_INFO</c> (linux/netfilter/nfnetlink_queue.h): be32 NFQA_SKB_* bits.</summary>
    public const ushort NfqaSkbInfo = 14;

    /// <summary><c>NFQA_EXP</c> (linux/netfilter/nfnetlink_queue.h): conntrack expectation.</summary>
    public const ushort NfqaExp = 15;

    /// <summary><c>NFQA_UID</c> (linux/netfilter/nfnetlink_queue.h): be32 socket owner uid.</summary>
    public const ushort NfqaUid = 16;

    /// <summary><c>NFQA_GID</c> (linux/netfilter/nfnetlink_queue.h): be32 socket owner gid.</summary>
    public const ushort NfqaGid = 17;

    /// <summary><c>NFQA_SECCTX</c> (linux/netfilter/nfnetlink_queue.h): security context string.</summary>
    public const ushort NfqaSecctx = 18;

    /// <summary><c>NFQA_VLAN</c> (linux/netfilter/nfnetlink_queue.h): nested VLAN attributes (bridge family).</summary>
    public const ushort NfqaVlan = 19;

    /// <summary><c>NFQA_L2HDR</c> (linux/netfilter/nfnetlink_queue.h): full L2 header (bridge family).</summary>
    public const ushort NfqaL2Hdr = 20;

    /// <summary><c>NFQA_PRIORITY</c> (linux/netfilter/nfnetlink_queue.h): skb priority.</summary>
    public const ushort NfqaPriority = 21;

    /// <summary><c>NFQA_SKB_CSUMNOTREADY</c> (linux/netfilter/nfnetlink_queue.h): the L4 checksum is not yet computed.</summary>
    public const uint NfqaSkbCsumNotReady = 1u << 0;

    /// <summary><c>NFQA_SKB_GSO</c> (linux/netfilter/nfnetlink_queue.h): the packet is a GSO super-packet.</summary>
    public const uint NfqaSkbGso = 1u << 1;

    /// <summary><c>NFQA_SKB_CSUM_NOTVERIFIED</c> (linux/netfilter/nfnetlink_queue.h): the checksum was not verified.</summary>
    public const uint NfqaSkbCsumNotVerified = 1u << 2;

    /// <summary><c>NF_DROP</c> (linux/netfilter.h): drop the packet.</summary>
    public const uint NfDrop = 0;

    /// <summary><c>NF_ACCEPT</c> (linux/netfilter.h): continue traversal.</summary>
    public const uint NfAccept = 1;

    /// <summary><c>NF_STOLEN</c> (linux/netfilter.h): rejected in verdicts.</summary>
    public const uint NfStolen = 2;

    /// <summary><c>NF_QUEUE</c> (linux/netfilter.h): move to the queue in bits 16..31.</summary>
    public const uint NfQueue = 3;

    /// <summary><c>NF_REPEAT</c> (linux/netfilter.h): re-invoke the same hook function.</summary>
    public const uint NfRepeat = 4;

    /// <summary><c>NF_STOP</c> (linux/netfilter.h): deprecated.</summary>
    public const uint NfStop = 5;

    /// <summary><c>NF_VERDICT_MASK</c> (linux/netfilter.h): the verdict code bits.</summary>
    public const uint NfVerdictMask = 0x000000FF;

    /// <summary><c>NFPROTO_IPV4</c> (linux/netfilter.h).</summary>
    public const byte NfProtoIpv4 = 2;

    /// <summary><c>NFPROTO_BRIDGE</c> (linux/netfilter.h).</summary>
    public const byte NfProtoBridge = 7;

    /// <summary><c>NFPROTO_IPV6</c> (linux/netfilter.h).</summary>
    public const byte NfProtoIpv6 = 10;

    /// <summary><c>NF_INET_PRE_ROUTING</c> (linux/netfilter.h).</summary>
    public const byte NfInetPreRouting = 0;

    /// <summary><c>NF_INET_LOCAL_IN</c> (linux/netfilter.h).</summary>
    public const byte NfInetLocalIn = 1;

    /// <summary><c>NF_INET_FORWARD</c> (linux/netfilter.h).</summary>
    public const byte NfInetForward = 2;

    /// <summary><c>NF_INET_LOCAL_OUT</c> (linux/netfilter.h).</summary>
    public const byte NfInetLocalOut = 3;

    /// <summary><c>NF_INET_POST_ROUTING</c> (linux/netfilter.h).</summary>
    public const byte NfInetPostRouting = 4;

    /// <summary>Builds the nlmsg_type of an nfnetlink_queue message: <c>(NFNL_SUBSYS_QUEUE &lt;&lt; 8) | msg</c> (linux/netfilter/nfnetlink.h).</summary>
    /// <param name="message">One of the <c>NFQNL_MSG_*</c> values.</param>
    /// <returns>The nlmsg_type.</returns>
    public static ushort MessageType(byte message) => (ushort)((NetlinkConstants.NfnlSubsysQueue << 8) | message);
}
