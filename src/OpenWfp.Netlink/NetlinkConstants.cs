namespace OpenWfp.Netlink;

/// <summary>Numeric constants of the netlink framing layer and of nfnetlink.</summary>
public static class NetlinkConstants
{
    /// <summary><c>NETLINK_NETFILTER</c> (linux/netlink.h): the netlink protocol number of nfnetlink sockets.</summary>
    public const int NetlinkNetfilter = 12;

    /// <summary><c>AF_NETLINK</c> (linux/socket.h): the netlink address family.</summary>
    public const int AfNetlink = 16;

    /// <summary><c>AF_UNSPEC</c> (linux/socket.h): the family used in nfgenmsg of configuration and verdict messages.</summary>
    public const byte AfUnspec = 0;

    /// <summary><c>NLM_F_REQUEST</c> (linux/netlink.h): the message is a request.</summary>
    public const ushort NlmFRequest = 0x1;

    /// <summary><c>NLM_F_MULTI</c> (linux/netlink.h): multipart message terminated by NLMSG_DONE.</summary>
    public const ushort NlmFMulti = 0x2;

    /// <summary><c>NLM_F_ACK</c> (linux/netlink.h): ask for an NLMSG_ERROR acknowledgement (error 0 on success).</summary>
    public const ushort NlmFAck = 0x4;

    /// <summary><c>NLM_F_ECHO</c> (linux/netlink.h): echo this request.</summary>
    public const ushort NlmFEcho = 0x8;

    /// <summary><c>NLMSG_NOOP</c> (linux/netlink.h): nothing; ignore.</summary>
    public const ushort NlmsgNoop = 1;

    /// <summary><c>NLMSG_ERROR</c> (linux/netlink.h): error or acknowledgement; payload is <c>s32 error</c> plus the offending header.</summary>
    public const ushort NlmsgError = 2;

    /// <summary><c>NLMSG_DONE</c> (linux/netlink.h): end of a multipart message.</summary>
    public const ushort NlmsgDone = 3;

    /// <summary><c>NLMSG_OVERRUN</c> (linux/netlink.h): data lost.</summary>
    public const ushort NlmsgOverrun = 4;

    /// <summary><c>NLMSG_ALIGNTO</c> (linux/netlink.h): alignment of netlink messages.</summary>
    public const int NlmsgAlignTo = 4;

    /// <summary><c>NLMSG_HDRLEN</c> (linux/netlink.h): size of <c>struct nlmsghdr</c> (u32 len, u16 type, u16 flags, u32 seq, u32 pid).</summary>
    public const int NlmsgHdrLen = 16;

    /// <summary><c>NLA_ALIGNTO</c> (linux/netlink.h): alignment of netlink attributes.</summary>
    public const int NlaAlignTo = 4;

    /// <summary><c>NLA_HDRLEN</c> (linux/netlink.h): size of <c>struct nlattr</c> (u16 nla_len, u16 nla_type).</summary>
    public const int NlaHdrLen = 4;

    /// <summary><c>NLA_F_NESTED</c> (linux/netlink.h): attribute type flag marking a nested attribute.</summary>
    public const ushort NlaFNested = 0x8000;

    /// <summary><c>NLA_F_NET_BYTEORDER</c> (linux/netlink.h): attribute type flag marking network byte order payload.</summary>
    public const ushort NlaFNetByteOrder = 0x4000;

    /// <summary><c>NLA_TYPE_MASK</c> (linux/netlink.h): mask removing the flag bits from <c>nla_type</c>.</summary>
    public const ushort NlaTypeMask = 0x3FFF;

    /// <summary>Size of <c>struct nlmsgerr</c>'s <c>s32 error</c> field (linux/netlink.h).</summary>
    public const int NlmsgErrorCodeLen = 4;

    /// <summary><c>NFNETLINK_V0</c> (linux/netfilter/nfnetlink.h): the nfgenmsg version.</summary>
    public const byte NfnetlinkV0 = 0;

    /// <summary>Size of <c>struct nfgenmsg</c> (linux/netfilter/nfnetlink.h): u8 family, u8 version, be16 res_id.</summary>
    public const int NfgenmsgLen = 4;

    /// <summary><c>NFNL_SUBSYS_QUEUE</c> (linux/netfilter/nfnetlink.h): the nfnetlink_queue subsystem id (high byte of nlmsg_type).</summary>
    public const byte NfnlSubsysQueue = 3;

    /// <summary>Rounds <paramref name="length"/> up to <see cref="NlaAlignTo"/> (<c>NLA_ALIGN</c>/<c>NLMSG_ALIGN</c>, linux/netlink.h).</summary>
    /// <param name="length">The unaligned length.</param>
    /// <returns>The aligned length.</returns>
    public static int Align(int length) => (length + NlaAlignTo - 1) & ~(NlaAlignTo - 1);
}
