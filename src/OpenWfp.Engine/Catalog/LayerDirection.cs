namespace OpenWfp.Engine.Catalog;

/// <summary>The traffic direction a filtering layer classifies (from the JSON <c>direction</c> text).</summary>
public enum LayerDirection
{
    /// <summary>Direction does not apply (JSON <c>"n/a"</c>): user-mode, ALE cleanup, redirect and similar layers.</summary>
    NotApplicable,

    /// <summary>Inbound traffic only (JSON <c>"inbound"</c>).</summary>
    Inbound,

    /// <summary>Outbound traffic only (JSON <c>"outbound"</c>).</summary>
    Outbound,

    /// <summary>
    /// Both directions (JSON text starting with <c>"both"</c>); the direction of one classification comes from the
    /// <c>FWPM_CONDITION_DIRECTION</c> field or the <c>packetDirection</c> metadata where the layer has them.
    /// </summary>
    Both,

    /// <summary>Forwarded traffic (JSON <c>"forward"</c>): the IP forward layers.</summary>
    Forward,
}
