using OpenWfp.Engine.Model;

namespace OpenWfp.Engine.Classify;

/// <summary>
/// One entry of netsh's <c>terminatingFiltersInfo</c>: the filter that terminated evaluation in one sublayer
/// and the action it returned (whether or not that action became the final decision).
/// </summary>
/// <param name="FilterId">The terminating filter's id.</param>
/// <param name="SublayerKey">The sublayer it terminated.</param>
/// <param name="SublayerWeight">That sublayer's weight.</param>
/// <param name="Action">PERMIT or BLOCK as returned.</param>
public readonly record struct TerminatingFilterInfo(ulong FilterId, Guid SublayerKey, ushort SublayerWeight, ActionType Action);
