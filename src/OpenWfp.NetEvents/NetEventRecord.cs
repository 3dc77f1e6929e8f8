using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Security;

namespace OpenWfp.NetEvents;

/// <summary>
/// One net event: the header (FWPM_NET_EVENT_HEADER3) and the CLASSIFY_DROP2 / CLASSIFY_ALLOW0 members, plus netsh's
/// per-sublayer <c>terminatingFiltersInfo</c>. A plain struct: a data plane fills one on the stack and
/// passes it to <see cref="NetEventLog.Write"/>, which copies it into the ring without allocating.
/// </summary>
/// <remarks>
/// <para>
/// Addresses are numbers: an IPv4 address in the low 32 bits in host order (as <c>FwpValue.FromUInt32</c>), an IPv6
/// address as the big-endian number of its 16 bytes (as <c>FwpValue.FromByteArray16(UInt128)</c>);
/// <see cref="IpVersion"/> says which. Ports are in host order.
/// </para>
/// <para>
/// <see cref="AppId"/> and <see cref="UserId"/> are references the caller owns and caches (an application id per
/// process, a SID per user); the log keeps the reference, so the caller must not change an app id array afterwards.
/// </para>
/// <para>Zero means "not set" for every member, as in the protocol message <c>NetEvent</c>.</para>
/// </remarks>
public struct NetEventRecord
{
    /// <summary>How many per-sublayer terminating filters a record holds inline.</summary>
    public const int MaxTerminatingFilters = 8;

    private TerminatingFilterArray _terminating;
    private byte _terminatingCount;

    /// <summary>When the event happened, in nanoseconds since 1970-01-01 UTC; 0 lets <see cref="NetEventLog.Write"/> stamp the current time.</summary>
    public long TimeUnixNs { get; set; }

    /// <summary>FWPM_NET_EVENT_TYPE.</summary>
    public NetEventType Type { get; set; }

    /// <summary>4 or 6; 0 when not set.</summary>
    public byte IpVersion { get; set; }

    /// <summary>ipProtocol (IPPROTO_*: 6 TCP, 17 UDP, 1 ICMP, …).</summary>
    public byte IpProtocol { get; set; }

    /// <summary>localAddrV4 / localAddrV6 (see the type remarks for the encoding).</summary>
    public UInt128 LocalAddress { get; set; }

    /// <summary>remoteAddrV4 / remoteAddrV6 (see the type remarks for the encoding).</summary>
    public UInt128 RemoteAddress { get; set; }

    /// <summary>localPort, host order.</summary>
    public ushort LocalPort { get; set; }

    /// <summary>remotePort, host order.</summary>
    public ushort RemotePort { get; set; }

    /// <summary>appId: the application id blob (UTF-16LE path with its NUL, as <c>OpenWfp.Engine.Values.AppId</c>), or null.</summary>
    public byte[]? AppId { get; set; }

    /// <summary>userId: the user's SID, or null.</summary>
    public Sid? UserId { get; set; }

    /// <summary>filterId: the filter that decided the final action.</summary>
    public ulong FilterId { get; set; }

    /// <summary>layerId: the run-time layer id (FWPS_LAYER_*).</summary>
    public ushort LayerId { get; set; }

    /// <summary>msFwpDirection.</summary>
    public NetEventDirection Direction { get; set; }

    /// <summary>isLoopback.</summary>
    public bool IsLoopback { get; set; }

    /// <summary>
    /// OpenWfp extension: the run-time id of the callout whose filter decided (0 when the deciding filter is not a
    /// callout's). WFP's CLASSIFY_DROP names the filter only; a callout's own word is <see cref="CalloutDetail"/>.
    /// </summary>
    public uint CalloutId { get; set; }

    /// <summary>OpenWfp extension: what the callout said about its decision (an HTTP request line, a DNS name), or null.</summary>
    public string? CalloutDetail { get; set; }

    /// <summary>reauthReason (0 when the classify was not a reauthorization).</summary>
    public uint ReauthReason { get; set; }

    /// <summary>The sequence number the log assigned (1 for the first event written); 0 before <see cref="NetEventLog.Write"/>.</summary>
    /// <remarks>Increases by one per event written, so a gap between two events a reader sees means events in between were overwritten or lost.</remarks>
    public ulong Sequence { readonly get; internal set; }

    /// <summary>How many terminating filters the record holds (0 to <see cref="MaxTerminatingFilters"/>).</summary>
    public readonly int TerminatingFilterCount => _terminatingCount;

    /// <summary>The per-sublayer terminating filters, in sublayer order, as the engine reported them.</summary>
    /// <remarks>A view of this record's own storage: use it on a variable, not on a temporary.</remarks>
    [UnscopedRef]
    public readonly ReadOnlySpan<TerminatingFilterInfo> TerminatingFilters =>
        ((ReadOnlySpan<TerminatingFilterInfo>)_terminating)[.._terminatingCount];

    /// <summary>Replaces the terminating filters with the first <see cref="MaxTerminatingFilters"/> of <paramref name="filters"/>.</summary>
    /// <param name="filters">The entries the engine's classify wrote (its <c>terminating</c> span, cut to <c>TerminatingCount</c>).</param>
    public void SetTerminatingFilters(ReadOnlySpan<TerminatingFilterInfo> filters)
    {
        var count = Math.Min(filters.Length, MaxTerminatingFilters);
        filters[..count].CopyTo(_terminating);
        ((Span<TerminatingFilterInfo>)_terminating)[count..].Clear();
        _terminatingCount = (byte)count;
    }

    /// <summary>Appends one terminating filter.</summary>
    /// <param name="filter">The entry.</param>
    /// <returns>False when the record already holds <see cref="MaxTerminatingFilters"/> entries (the entry is not kept).</returns>
    public bool AddTerminatingFilter(in TerminatingFilterInfo filter)
    {
        if (_terminatingCount >= MaxTerminatingFilters)
        {
            return false;
        }

        _terminating[_terminatingCount++] = filter;
        return true;
    }

    /// <summary>One terminating filter by index.</summary>
    /// <param name="index">0 to <see cref="TerminatingFilterCount"/> − 1.</param>
    /// <returns>The entry.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    public readonly TerminatingFilterInfo GetTerminatingFilter(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, (int)_terminatingCount);
        return _terminating[index];
    }

    /// <summary>A new array of the terminating filters (for serialization; allocates).</summary>
    /// <returns>The entries, in order.</returns>
    public readonly TerminatingFilterInfo[] GetTerminatingFilters() =>
        ((ReadOnlySpan<TerminatingFilterInfo>)_terminating)[.._terminatingCount].ToArray();
}

/// <summary>Inline storage for a record's terminating filters.</summary>
[InlineArray(NetEventRecord.MaxTerminatingFilters)]
internal struct TerminatingFilterArray
{
    private TerminatingFilterInfo _element0;
}
