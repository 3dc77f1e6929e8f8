using System.Collections.Concurrent;
using System.Reflection;
using System.Text;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Samples.Tests;

/// <summary>
/// Plugs a sample into an engine as wfpd's callout host does (docs/CALLOUTS.md, Loading callouts): the management
/// object of each [CalloutKey], Attach, then registration; and adds filters that pass a provider context.
/// </summary>
internal static class SampleHarness
{
    public static T Plug<T>(FilterEngine engine, T callout)
        where T : ICallout
    {
        (callout as ICalloutLifecycle)?.Attach(engine);
        foreach (var key in typeof(T).GetCustomAttributes<CalloutKeyAttribute>())
        {
            engine.AddCallout(new CalloutSpec
            {
                Key = key.Key,
                DisplayData = new DisplayData(key.Name!),
                ApplicableLayer = LayerCatalog.Layer(key.Layer!).Key,
                Flags = key.UsesProviderContext ? CalloutFlags.UsesProviderContext : CalloutFlags.None,
            });
            engine.Callouts.Register(key.Key, callout, key.Flags);
        }

        return callout;
    }

    /// <summary>The key of the sample's callout named <paramref name="name"/>.</summary>
    public static Guid KeyOf<T>(string name) =>
        typeof(T).GetCustomAttributes<CalloutKeyAttribute>().Single(k => k.Name == name).Key;

    /// <summary>A terminating callout filter at <paramref name="layer"/>, configured by <paramref name="context"/> (UTF-8 text) when given.</summary>
    public static FilterSpec AddFilter(FilterEngine engine, string layer, Guid calloutKey, string? context)
    {
        Guid? contextKey = null;
        if (context is not null)
        {
            contextKey = engine.AddProviderContext(new ProviderContextSpec
            {
                Key = Guid.NewGuid(),
                DisplayData = new DisplayData("sample config"),
                Type = ProviderContextType.General,
                Data = Encoding.UTF8.GetBytes(context),
            }).Key;
        }

        return engine.AddFilter(Filter("sample", FilterAction.Callout(ActionType.CalloutTerminating, calloutKey), layer: LayerCatalog.Layer(layer)) with
        {
            ProviderContextKey = contextKey,
            Flags = contextKey is null ? FilterFlags.None : FilterFlags.HasProviderContext,
        });
    }
}

/// <summary>An injector that records what it is asked to do.</summary>
internal sealed class RecordingInjector : IPacketInjector
{
    public ConcurrentQueue<(byte[] Packet, uint Interface)> Sent { get; } = new();

    public ConcurrentQueue<(byte[] Packet, uint Interface)> Received { get; } = new();

    public ConcurrentQueue<(ulong Flow, StreamDataFlags Flags, byte[] Data)> Streams { get; } = new();

    public ConcurrentQueue<ulong> Completed { get; } = new();

    public InjectStatus InjectSend(ReadOnlySpan<byte> ipDatagram, uint interfaceIndex)
    {
        Sent.Enqueue((ipDatagram.ToArray(), interfaceIndex));
        return InjectStatus.Ok;
    }

    public InjectStatus InjectReceive(ReadOnlySpan<byte> ipDatagram, uint interfaceIndex)
    {
        Received.Enqueue((ipDatagram.ToArray(), interfaceIndex));
        return InjectStatus.Ok;
    }

    public InjectStatus InjectStream(ulong flowHandle, StreamDataFlags flags, ReadOnlySpan<byte> data)
    {
        Streams.Enqueue((flowHandle, flags, data.ToArray()));
        return InjectStatus.Ok;
    }

    public InjectStatus StreamContinue(ulong flowHandle, StreamDataFlags direction) => InjectStatus.Ok;

    public InjectStatus CompletePended(ulong completionHandle)
    {
        Completed.Enqueue(completionHandle);
        return InjectStatus.Ok;
    }

    /// <summary>Waits up to 5 s for <paramref name="condition"/>.</summary>
    public static bool WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(5);
        }

        return true;
    }
}
