namespace OpenWfp.Engine.Model;

/// <summary>FWPM_ACTION0: the action type, and the callout key when the type has the CALLOUT bit (else a free filterType GUID).</summary>
/// <param name="Type">BLOCK, PERMIT or one of the three CALLOUT_* types.</param>
/// <param name="CalloutKey">calloutKey for callout actions; filterType (opaque) otherwise.</param>
public sealed record FilterAction(ActionType Type, Guid CalloutKey = default)
{
    /// <summary>FWP_ACTION_PERMIT.</summary>
    public static FilterAction Permit { get; } = new(ActionType.Permit);

    /// <summary>FWP_ACTION_BLOCK.</summary>
    public static FilterAction Block { get; } = new(ActionType.Block);

    /// <summary>True when the type has the CALLOUT bit.</summary>
    public bool IsCallout => (Type & ActionType.FlagCallout) != 0;

    /// <summary>A callout action.</summary>
    public static FilterAction Callout(ActionType type, Guid calloutKey) => new(type, calloutKey);
}
