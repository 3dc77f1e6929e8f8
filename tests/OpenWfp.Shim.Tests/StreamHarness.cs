using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Testing.Packets;
using OpenWfp.Testing.Policy;
using OpenWfp.Wire;

namespace OpenWfp.Shim.Tests;

/// <summary>A callout whose answer a test gives as a delegate; it records what it was shown.</summary>
internal sealed class TestCallout : ICallout
{
    public delegate void Answer(in CalloutClassifyContext context, ref ClassifyOut classifyOut);

    public Answer? OnClassify { get; set; }

    public List<(StreamDataFlags Flags, int Length, uint OutFlags, ulong Offset)> StreamCalls { get; } = [];

    public MemoryStream Sent { get; } = new();

    public MemoryStream Received { get; } = new();

    public List<(ushort LayerId, int DataOffset, int IpHeaderSize, int TransportHeaderSize, int PacketLength, ulong CompletionHandle)> PacketCalls { get; } = [];

    public bool Record { get; set; } = true;

    public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
    {
        var data = context.LayerData;
        if (Record && data.Kind == LayerDataKind.Stream)
        {
            var s = data.Stream;
            StreamCalls.Add((s.Flags, s.Length, classifyOut.Flags, s.StreamOffset));
            var into = s.IsReceive ? Received : Sent;
            into.Write(s.First);
            into.Write(s.Second);
        }
        else if (Record)
        {
            PacketCalls.Add((context.Layer.LayerId, data.DataOffset, data.IpHeaderSize, data.TransportHeaderSize, data.Packet.Length, context.Metadata.CompletionHandle));
        }

        classifyOut.ActionType = ActionType.Permit;
        OnClassify?.Invoke(in context, ref classifyOut);
    }
}

/// <summary>A shim over an engine with <see cref="TestCallout"/> filters, and a TCP connection to drive.</summary>
internal sealed class StreamHarness
{
    public StreamHarness(ShimOptions? options = null, params string[] calloutLayers)
    {
        Shim = new PacketShim(Engine, options ?? new ShimOptions { LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24"]) });
        foreach (var layer in calloutLayers.Length == 0 ? ["STREAM_V4"] : calloutLayers)
        {
            AddCallout(Engine, layer, Callout);
        }
    }

    public FilterEngine Engine { get; } = new();

    public TestCallout Callout { get; } = new();

    public PacketShim Shim { get; }

    public long Now { get; set; } = 1_000_000_000;

    public ulong NextTag { get; set; } = 1;

    public static void AddCallout(FilterEngine engine, string layer, ICallout callout)
    {
        var info = LayerCatalog.Layer(layer);
        var key = engine.AddCallout(new CalloutSpec { DisplayData = new("test " + layer), ApplicableLayer = info.Key }).Key;
        engine.Callouts.Register(key, callout);
        engine.AddFilter(FilterBuilder.At(layer, FilterAction.Callout(ActionType.CalloutTerminating, key)));
    }

    public ShimVerdict Send(byte[] frame, ShimTrace? trace = null)
    {
        Now += 1_000_000;
        return Shim.Process(frame, LinkType.Ethernet, Now, 0, trace, TrafficDirection.Unknown, NextTag++);
    }

    /// <summary>A client segment (10.0.0.1:40000 → 192.0.2.9:80).</summary>
    public static byte[] Out(uint seq, uint ack, TcpFlags flags, byte[]? payload = null) =>
        Frames.Out4(PacketBuilder.Tcp(40000, 80, seq, ack, flags, payload), IpProtocol.Tcp);

    /// <summary>A server segment (192.0.2.9:80 → 10.0.0.1:40000).</summary>
    public static byte[] In(uint seq, uint ack, TcpFlags flags, byte[]? payload = null) =>
        Frames.In4(PacketBuilder.Tcp(80, 40000, seq, ack, flags, payload), IpProtocol.Tcp);

    /// <summary>The handshake with client ISN <paramref name="c"/> and server ISN <paramref name="s"/>.</summary>
    public void Handshake(uint c, uint s)
    {
        Send(Out(c, 0, TcpFlags.Syn));
        Send(In(s, c + 1, TcpFlags.Syn | TcpFlags.Ack));
        Send(Out(c + 1, s + 1, TcpFlags.Ack));
    }

    public static byte[] Bytes(string text) => System.Text.Encoding.ASCII.GetBytes(text);
}
