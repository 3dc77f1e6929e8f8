namespace OpenWfp.Wire;

/// <summary>TCP control bits (RFC 9293 §3.1, RFC 3168 for ECE/CWR), as in byte 13 of the header.</summary>
[Flags]
public enum TcpFlags : byte
{
    /// <summary>No flags.</summary>
    None = 0,

    /// <summary>FIN: no more data from sender.</summary>
    Fin = 0x01,

    /// <summary>SYN: synchronize sequence numbers.</summary>
    Syn = 0x02,

    /// <summary>RST: reset the connection.</summary>
    Rst = 0x04,

    /// <summary>PSH: push function.</summary>
    Psh = 0x08,

    /// <summary>ACK: acknowledgment field significant.</summary>
    Ack = 0x10,

    /// <summary>URG: urgent pointer field significant.</summary>
    Urg = 0x20,

    /// <summary>ECE: ECN echo.</summary>
    Ece = 0x40,

    /// <summary>CWR: congestion window reduced.</summary>
    Cwr = 0x80,
}
