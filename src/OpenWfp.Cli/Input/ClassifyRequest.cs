using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Values;

namespace OpenWfp.Cli.Input;

/// <summary>Everything one classify needs: the loaded policy, the layer and the incoming values.</summary>
/// <param name="PolicyName">The policy file as named to the user.</param>
/// <param name="Engine">An engine holding the policy.</param>
/// <param name="Layer">The layer.</param>
/// <param name="Values">The incoming value array (FWP_EMPTY where not given).</param>
/// <param name="Given">The values the user gave, in their order.</param>
/// <param name="Scenario">The scenario's name when it came from the built-in sample inputs.</param>
internal sealed record ClassifyRequest(string PolicyName, FilterEngine Engine, LayerInfo Layer, FwpValue[] Values, IReadOnlyList<GivenValue> Given, string? Scenario = null);
