namespace OpenWfp.Netlink;

/// <summary>Numeric constants of ctnetlink (the conntrack subsystem of nfnetlink).</summary>
public static class ConntrackConstants
{
    /// <summary><c>NFNL_SUBSYS_CTNETLINK</c> (linux/netfilter/nfnetlink.h): high byte of nlmsg_type.</summary>
    public const byte NfnlSubsysCtnetlink = 1;

    /// <summary><c>IPCTNL_MSG_CT_NEW</c> (linux/netfilter/nfnetlink_conntrack.h): create, or update when NLM_F_CREATE is absent.</summary>
    public const byte MsgCtNew = 0;

    /// <summary><c>IPCTNL_MSG_CT_GET</c> (linux/netfilter/nfnetlink_conntrack.h): get one entry, or dump with NLM_F_DUMP.</summary>
    public const byte MsgCtGet = 1;

    /// <summary><c>AF_INET</c> (linux/socket.h): an IPv4 entry's nfgenmsg family.</summary>
    public const byte AfInet = 2;

    /// <summary><c>AF_INET6</c> (linux/socket.h): an IPv6 entry's nfgenmsg family.</summary>
    public const byte AfInet6 = 10;

    /// <summary><c>CTA_TUPLE_ORIG</c> (linux/netfilter/nfnetlink_conntrack.h): nested original-direction tuple.</summary>
    public const ushort CtaTupleOrig = 1;

    /// <summary><c>CTA_TUPLE_REPLY</c> (linux/netfilter/nfnetlink_conntrack.h): nested reply-direction tuple.</summary>
    public const ushort CtaTupleReply = 2;

    /// <summary><c>CTA_MARK</c> (linux/netfilter/nfnetlink_conntrack.h): be32 connection mark.</summary>
    public const ushort CtaMark = 8;

    /// <summary><c>CTA_ZONE</c> (linux/netfilter/nfnetlink_conntrack.h): be16 conntrack zone.</summary>
    public const ushort CtaZone = 18;

    /// <summary><c>CTA_MARK_MASK</c> (linux/netfilter/nfnetlink_conntrack.h): be32 mask of the mark bits an update changes.</summary>
    public const ushort CtaMarkMask = 21;

    /// <summary><c>NLM_F_DUMP</c> = <c>NLM_F_ROOT | NLM_F_MATCH</c> (linux/netlink.h): return every entry.</summary>
    public const ushort NlmFDump = 0x300;

    /// <summary><c>NLM_F_CREATE</c> (linux/netlink.h): create if absent (never set by <see cref="ConntrackClient"/>).</summary>
    public const ushort NlmFCreate = 0x400;

    /// <summary>Builds a ctnetlink nlmsg_type: <c>(NFNL_SUBSYS_CTNETLINK &lt;&lt; 8) | msg</c> (linux/netfilter/nfnetlink.h).</summary>
    /// <param name="message">An <c>IPCTNL_MSG_*</c> value.</param>
    /// <returns>The nlmsg_type.</returns>
    public static ushort MessageType(byte message) => (ushort)((NfnlSubsysCtnetlink << 8) | message);
}
