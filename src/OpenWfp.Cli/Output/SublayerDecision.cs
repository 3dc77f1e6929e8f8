using OpenWfp.Engine.Model;

namespace OpenWfp.Cli.Output;

/// <summary>The filter that terminated one sublayer and what it returned.</summary>
/// <param name="Sublayer">The sublayer (null only if it vanished).</param>
/// <param name="SublayerKey">Its key.</param>
/// <param name="Weight">Its weight.</param>
/// <param name="Filter">The terminating filter.</param>
/// <param name="FilterId">Its id.</param>
/// <param name="Action">PERMIT or BLOCK as returned (whether or not it became the decision).</param>
internal sealed record SublayerDecision(SublayerSpec? Sublayer, Guid SublayerKey, ushort Weight, FilterSpec? Filter, ulong FilterId, ActionType Action);
