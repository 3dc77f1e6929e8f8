using OpenWfp.Dataplane.Live;
using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Testing.Netns;

namespace OpenWfp.Dataplane.Tests.Live;

/// <summary>Helpers for tests that host the engine and <see cref="LiveDataplane"/> in the test process.</summary>
internal static class InProcess
{
    /// <summary>Adds a filter with one FWP_MATCH_EQUAL condition.</summary>
    public static FilterSpec Add(FilterEngine engine, string layerName, FilterAction action, string field, FwpValue value)
    {
        var layer = LayerCatalog.Layer(layerName);
        return engine.AddFilter(new FilterSpec
        {
            DisplayData = new($"{action.Type} {field}"),
            LayerKey = layer.Key,
            Action = action,
            Conditions = [new FilterCondition(layer.Field(field).ConditionKey!.Value, FwpMatchType.Equal, FwpConditionValue.Of(value))],
        });
    }

    /// <summary>Starts the data plane from a thread inside <paramref name="ns"/>: its queues and rules live there.</summary>
    public static void Start(NetworkNamespace ns, LiveDataplane dataplane) => ns.Run(() =>
    {
        dataplane.Start();
        return 0;
    });
}
