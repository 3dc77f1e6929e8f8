namespace OpenWfp.Engine.Catalog;

/// <summary>The IP version a filtering layer is specific to (JSON <c>ip_version</c>).</summary>
public enum IpVersion
{
    /// <summary>The layer is not specific to one IP version (JSON <c>"NONE"</c>), e.g. MAC-frame or IKE/RPC layers.</summary>
    None,

    /// <summary>An IPv4 layer (name ends in <c>_V4</c> or <c>_V4_DISCARD</c>).</summary>
    V4,

    /// <summary>An IPv6 layer (name ends in <c>_V6</c> or <c>_V6_DISCARD</c>).</summary>
    V6,
}
