using System.Text;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;

namespace OpenWfp.Callouts;

/// <summary>A filter whose configuration failed to compile when it was first classified (it was added before the callout was registered).</summary>
internal sealed class InvalidConfig(string message)
{
    public string Message { get; } = message;
}

/// <summary>Reading a built-in callout's configuration from the filter's provider context.</summary>
internal static class CalloutConfig
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The provider context's GENERAL data as text; throws <see cref="FormatException"/> with a clear message.</summary>
    public static string TextOf(RuntimeFilter filter, OpenWfpCallout callout)
    {
        if (filter.ProviderContext is not { } context)
        {
            throw new FormatException($"{callout.Name} needs a provider context (--provider-context NAME) whose data holds its configuration");
        }

        if (context.Data is not { } data)
        {
            throw new FormatException($"{callout.Name}: provider context \"{context.DisplayData.Name}\" is not a GENERAL context with data");
        }

        try
        {
            return StrictUtf8.GetString(data);
        }
        catch (DecoderFallbackException)
        {
            throw new FormatException($"{callout.Name}: provider context \"{context.DisplayData.Name}\" data is not UTF-8 text");
        }
    }

    /// <summary>Throws when the filter's layer is not one the callout works at.</summary>
    public static void CheckLayer(RuntimeFilter filter, OpenWfpCallout callout)
    {
        var layer = LayerCatalog.ByKey(filter.Spec.LayerKey);
        if (layer is null || !callout.LayerIds.Contains(layer.LayerId))
        {
            var names = string.Join(", ", callout.LayerIds.Select(id => LayerCatalog.Layer(id).ShortName));
            throw new FormatException($"{callout.Name} works only at {names}, not at {layer?.ShortName ?? filter.Spec.LayerKey.ToString()}");
        }
    }

    /// <summary>
    /// The compiled configuration: the one made at ADD_FILTER, or (for a filter added before the callout was
    /// registered, which was never notified) compiled now, once. Null when it does not compile.
    /// </summary>
    public static T? Compiled<T>(RuntimeFilter filter, OpenWfpCallout callout, Func<string, T> compile)
        where T : class
    {
        var current = filter.CalloutContext;
        if (current is T compiled)
        {
            return compiled;
        }

        if (current is InvalidConfig)
        {
            return null;
        }

        lock (filter)
        {
            if (filter.CalloutContext is T again)
            {
                return again;
            }

            try
            {
                CheckLayer(filter, callout);
                var made = compile(TextOf(filter, callout));
                filter.CalloutContext = made;
                return made;
            }
            catch (FormatException ex)
            {
                filter.CalloutContext = new InvalidConfig(ex.Message);
                return null;
            }
        }
    }
}

/// <summary>Delivers events to the host's sink; a sink that throws is counted, never propagated into classify.</summary>
internal sealed class EventSink(ICalloutEvents? sink)
{
    public bool Enabled => sink is not null;

    public bool Send(CalloutEvent calloutEvent)
    {
        if (sink is null)
        {
            return true;
        }

        try
        {
            sink.OnEvent(calloutEvent);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }
}
