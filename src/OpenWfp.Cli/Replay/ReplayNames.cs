using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Shim;

namespace OpenWfp.Cli.Replay;

/// <summary>Names for replay output, shared by the text and JSON forms.</summary>
internal static class ReplayNames
{
    public static string Layer(ushort layerId) => layerId == ShimVerdict.NoLayer ? "" : LayerCatalog.ById(layerId)?.ShortName ?? layerId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string Action(ActionType action) => action switch
    {
        ActionType.Permit => "permit",
        ActionType.Block => "block",
        _ => "none",
    };

    public static string Direction(TrafficDirection direction) => direction switch
    {
        TrafficDirection.Outbound => "outbound",
        TrafficDirection.Inbound => "inbound",
        TrafficDirection.Loopback => "loopback",
        TrafficDirection.Forward => "forward",
        _ => "unknown",
    };

    public static string ShortDirection(TrafficDirection direction) => direction switch
    {
        TrafficDirection.Outbound => "out",
        TrafficDirection.Inbound => "in",
        TrafficDirection.Loopback => "loop",
        TrafficDirection.Forward => "fwd",
        _ => "-",
    };

    public static string Reason(ShimReason reason) => reason switch
    {
        ShimReason.FlowBlocked => "flow-blocked",
        ShimReason.FragmentOfBlocked => "fragment-of-blocked",
        ShimReason.Unparsed => "unparsed",
        ShimReason.FragmentHeld => "fragment-held",
        ShimReason.FragmentOverlap => "fragment-overlap",
        ShimReason.FragmentInvalid => "fragment-invalid",
        ShimReason.Held => "held",
        ShimReason.ConnectionDropped => "connection-dropped",
        _ => "classified",
    };

    public static FilterSpec? Filter(FilterEngine engine, ulong filterId) => filterId == 0 ? null : engine.Current.FilterById(filterId);
}
