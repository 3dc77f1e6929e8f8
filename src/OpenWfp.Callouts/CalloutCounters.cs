namespace OpenWfp.Callouts;

/// <summary>What openwfp.http-request counts (docs/BUILTIN-CALLOUTS.md, Counters).</summary>
public enum HttpCounter
{
    /// <summary>Stream indications classified.</summary>
    Indications,

    /// <summary>Request heads parsed completely.</summary>
    Requests,

    /// <summary>Requests that matched a rule: the connection was reset.</summary>
    Blocked,

    /// <summary>Indications answered NEED_MORE_DATA (a request head was incomplete).</summary>
    NeedMoreData,

    /// <summary>Connections whose first bytes were not an HTTP/1.x request: let through unparsed.</summary>
    NotHttp,

    /// <summary>Connections with a malformed request or body framing: let through unparsed from there on.</summary>
    Malformed,

    /// <summary>Request heads longer than the limit: counted as malformed too.</summary>
    HeadTooLarge,

    /// <summary>Connections that switched protocol (CONNECT, Upgrade): let through from there on.</summary>
    Upgraded,

    /// <summary>Connections with bytes the callout was not shown (a gap): let through from there on.</summary>
    Gaps,

    /// <summary>Connections not followed because the flow table was full, or the data carried no flow handle.</summary>
    Untracked,

    /// <summary>Connections let through because the filter's configuration does not compile (a filter added before the callout was registered).</summary>
    InvalidConfig,

    /// <summary>Events the sink threw on.</summary>
    EventFaults,
}

/// <summary>What openwfp.dns counts (docs/BUILTIN-CALLOUTS.md, Counters).</summary>
public enum DnsCounter
{
    /// <summary>DNS queries inspected (outbound to port 53).</summary>
    Queries,

    /// <summary>DNS responses inspected (inbound from port 53).</summary>
    Responses,

    /// <summary>Queries for a listed name: dropped.</summary>
    QueriesBlocked,

    /// <summary>NXDOMAIN answers injected.</summary>
    NxDomainInjected,

    /// <summary>NXDOMAIN answers that could not be injected (no injector, or it refused).</summary>
    NxDomainNotInjected,

    /// <summary>Messages that did not parse (truncated, bad pointers, loops): permitted.</summary>
    Malformed,

    /// <summary>Datagrams that were not DNS on port 53 or carried no packet: permitted untouched.</summary>
    Ignored,

    /// <summary>A/AAAA records learned into the address set (new or refreshed).</summary>
    AddressesLearned,

    /// <summary>Addresses not learned because the set was full of live entries.</summary>
    AddressSetFull,

    /// <summary>Connections checked at ALE_AUTH_CONNECT.</summary>
    ConnectsChecked,

    /// <summary>Connections blocked at ALE_AUTH_CONNECT because the remote address was learned for a listed name.</summary>
    ConnectsBlocked,

    /// <summary>Classifications of a filter whose configuration does not compile (added before the callout was registered): permitted.</summary>
    InvalidConfig,

    /// <summary>Events the sink threw on.</summary>
    EventFaults,
}

/// <summary>Thread-safe counters indexed by an enum; incrementing allocates nothing.</summary>
/// <typeparam name="TCounter">The counter enum (values 0..n-1).</typeparam>
public sealed class CalloutCounters<TCounter>
    where TCounter : struct, Enum
{
    private static readonly TCounter[] Names = Enum.GetValues<TCounter>();
    private readonly long[] _values = new long[Names.Length];

    /// <summary>The current value of a counter.</summary>
    public long this[TCounter counter] => Interlocked.Read(ref _values[Index(counter)]);

    /// <summary>Every counter with its value, in declaration order.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Snapshot()
    {
        var list = new List<KeyValuePair<string, long>>(Names.Length);
        foreach (var name in Names)
        {
            list.Add(new(name.ToString(), this[name]));
        }

        return list;
    }

    internal void Increment(TCounter counter) => Interlocked.Increment(ref _values[Index(counter)]);

    internal void Add(TCounter counter, long value) => Interlocked.Add(ref _values[Index(counter)], value);

    private static int Index(TCounter counter) => System.Runtime.CompilerServices.Unsafe.As<TCounter, int>(ref counter);
}
