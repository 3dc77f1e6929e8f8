using System.Buffers.Binary;
using System.Text;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Values;
using OpenWfp.Testing.Packets;
using OpenWfp.Wire;

namespace OpenWfp.Callouts.Tests;

/// <summary>Writes DNS messages (RFC 1035 §4.1) with name compression, as servers send them.</summary>
internal sealed class DnsBuilder
{
    private readonly List<byte> _bytes = [];
    private readonly Dictionary<string, int> _names = new(StringComparer.OrdinalIgnoreCase);

    public DnsBuilder(ushort id, ushort flags, int questions, int answers)
    {
        U16(id);
        U16(flags);
        U16((ushort)questions);
        U16((ushort)answers);
        U16(0);
        U16(0);
    }

    public bool Compress { get; init; } = true;

    public DnsBuilder Question(string name, ushort type = 1)
    {
        Name(name);
        U16(type);
        U16(1);
        return this;
    }

    public DnsBuilder A(string owner, string address, uint ttl = 300) =>
        Record(owner, 1, ttl, b => b.Raw(address.Split('.').Select(byte.Parse).ToArray()));

    public DnsBuilder Aaaa(string owner, UInt128 address, uint ttl = 300)
    {
        var data = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(data, address);
        return Record(owner, 28, ttl, b => b.Raw(data));
    }

    public DnsBuilder Cname(string owner, string target, uint ttl = 300) => Record(owner, 5, ttl, b => b.Name(target));

    public DnsBuilder Record(string owner, ushort type, uint ttl, Action<DnsBuilder> data)
    {
        Name(owner);
        U16(type);
        U16(1);
        U16((ushort)(ttl >> 16));
        U16((ushort)ttl);
        var lengthAt = _bytes.Count;
        U16(0);
        data(this);
        var length = _bytes.Count - lengthAt - 2;
        _bytes[lengthAt] = (byte)(length >> 8);
        _bytes[lengthAt + 1] = (byte)length;
        return this;
    }

    public DnsBuilder Raw(byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    public DnsBuilder Name(string name)
    {
        var labels = name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < labels.Length; i++)
        {
            var suffix = string.Join('.', labels[i..]);
            if (Compress && _names.TryGetValue(suffix, out var at))
            {
                U16((ushort)(0xC000 | at));
                return this;
            }

            if (_bytes.Count < 0x3FFF)
            {
                _names.TryAdd(suffix, _bytes.Count);
            }

            _bytes.Add((byte)labels[i].Length);
            _bytes.AddRange(Encoding.ASCII.GetBytes(labels[i]));
        }

        _bytes.Add(0);
        return this;
    }

    public byte[] ToArray() => [.. _bytes];

    private void U16(ushort v)
    {
        _bytes.Add((byte)(v >> 8));
        _bytes.Add((byte)v);
    }
}

/// <summary>Records injected datagrams.</summary>
internal sealed class RecordingInjector : IPacketInjector
{
    public List<(byte[] Datagram, uint Interface)> Received { get; } = [];

    public int Count { get; private set; }

    public bool Keep { get; init; } = true;

    public InjectStatus InjectSend(ReadOnlySpan<byte> ipDatagram, uint interfaceIndex) => InjectStatus.NotSupported;

    public InjectStatus InjectReceive(ReadOnlySpan<byte> ipDatagram, uint interfaceIndex)
    {
        Count++;
        if (Keep)
        {
            Received.Add((ipDatagram.ToArray(), interfaceIndex));
        }

        return InjectStatus.Ok;
    }

    public InjectStatus InjectStream(ulong flowHandle, StreamDataFlags flags, ReadOnlySpan<byte> data) => InjectStatus.NotSupported;

    public InjectStatus StreamContinue(ulong flowHandle, StreamDataFlags direction) => InjectStatus.NotSupported;

    public InjectStatus CompletePended(ulong completionHandle) => InjectStatus.NotSupported;
}

/// <summary>Datagrams and connections as the data plane classifies them.</summary>
internal static class DnsTraffic
{
    public const uint Client4 = 0x0A00_0002; // 10.0.0.2
    public const uint Server4 = 0x0A00_0035; // 10.0.0.53
    public static readonly UInt128 Client6 = UInt128.Parse("20010db8000000000000000000000002", System.Globalization.NumberStyles.HexNumber);
    public static readonly UInt128 Server6 = UInt128.Parse("20010db8000000000000000000000035", System.Globalization.NumberStyles.HexNumber);
    public const ushort ClientPort = 40000;
    public const uint Interface = 3;

    public static byte[] QueryPacket(byte[] dns, bool v6 = false) => v6
        ? PacketBuilder.Ipv6(Client6, Server6, IpProtocol.Udp, PacketBuilder.Udp(ClientPort, 53, dns))
        : PacketBuilder.Ipv4(Client4, Server4, IpProtocol.Udp, PacketBuilder.Udp(ClientPort, 53, dns));

    public static byte[] ResponsePacket(byte[] dns, bool v6 = false) => v6
        ? PacketBuilder.Ipv6(Server6, Client6, IpProtocol.Udp, PacketBuilder.Udp(53, ClientPort, dns))
        : PacketBuilder.Ipv4(Server4, Client4, IpProtocol.Udp, PacketBuilder.Udp(53, ClientPort, dns));

    /// <summary>Classifies a datagram at DATAGRAM_DATA: outbound from the client, or inbound to it.</summary>
    public static ClassifyResult Datagram(Harness h, byte[] packet, bool outbound, IPacketInjector? injector = null)
    {
        var v6 = packet[0] >> 4 == 6;
        var layer = LayerCatalog.Layer(v6 ? "DATAGRAM_DATA_V6" : "DATAGRAM_DATA_V4");
        var values = Values(layer, v6, ClientPort, 53, outbound);
        var ipHeader = v6 ? 40 : 20;
        var layerData = new LayerData(packet, ipHeader, 8, outbound ? ipHeader : ipHeader + 8, Interface, injector);
        return h.Engine.Classify(layer, values, ClassifyMetadata.ForFlow(99), default, in layerData);
    }

    public static FwpValue[] Values(LayerInfo layer, bool v6, ushort localPort, ushort remotePort, bool outbound)
    {
        var values = new FwpValue[layer.Fields.Count];
        values[layer.Field("IP_PROTOCOL").Index] = FwpValue.FromUInt8(IpProtocol.Udp);
        values[layer.Field("IP_LOCAL_ADDRESS").Index] = v6 ? FwpValue.FromByteArray16(Client6) : FwpValue.FromUInt32(Client4);
        values[layer.Field("IP_REMOTE_ADDRESS").Index] = v6 ? FwpValue.FromByteArray16(Server6) : FwpValue.FromUInt32(Server4);
        values[layer.Field("IP_LOCAL_PORT").Index] = FwpValue.FromUInt16(localPort);
        values[layer.Field("IP_REMOTE_PORT").Index] = FwpValue.FromUInt16(remotePort);
        values[layer.Field("DIRECTION").Index] = FwpValue.FromUInt32(outbound ? 0u : 1u);
        return values;
    }

    /// <summary>Classifies a TCP connect to <paramref name="remote"/> at ALE_AUTH_CONNECT.</summary>
    public static ClassifyResult Connect(Harness h, FwpValue remote, ushort port = 443)
    {
        var layer = LayerCatalog.Layer(remote.Type == FwpDataType.ByteArray16 ? "ALE_AUTH_CONNECT_V6" : "ALE_AUTH_CONNECT_V4");
        var values = new FwpValue[layer.Fields.Count];
        values[layer.Field("IP_PROTOCOL").Index] = FwpValue.FromUInt8(IpProtocol.Tcp);
        values[layer.Field("IP_REMOTE_ADDRESS").Index] = remote;
        values[layer.Field("IP_REMOTE_PORT").Index] = FwpValue.FromUInt16(port);
        return h.Engine.Classify(layer, values);
    }

    public static uint V4(string dotted)
    {
        var p = dotted.Split('.').Select(byte.Parse).ToArray();
        return BinaryPrimitives.ReadUInt32BigEndian(p);
    }
}
