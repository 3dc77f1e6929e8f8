namespace OpenWfp.Callouts;

/// <summary>Settings of the built-in callouts (docs/BUILTIN-CALLOUTS.md, Limits).</summary>
public sealed record BuiltinCalloutOptions
{
    /// <summary>Where events go; null drops them (the counters still count).</summary>
    public ICalloutEvents? Events { get; init; }

    /// <summary>The clock for DNS time-to-live (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How many TCP connections openwfp.http-request follows at once; past it, new connections are let through unparsed.</summary>
    public int MaxHttpFlows { get; init; } = 65_536;

    /// <summary>The largest request head (request line and header fields) held for parsing; a larger one is malformed.</summary>
    public int MaxHttpHeadBytes { get; init; } = 16 * 1024;

    /// <summary>How many addresses the DNS address set holds.</summary>
    public int MaxDnsAddresses { get; init; } = 65_536;

    /// <summary>The shortest time an address learned from an answer is kept, whatever its TTL says (the connection follows the answer).</summary>
    public TimeSpan DnsMinimumTtl { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest time an address learned from an answer is kept.</summary>
    public TimeSpan DnsMaximumTtl { get; init; } = TimeSpan.FromDays(1);
}
