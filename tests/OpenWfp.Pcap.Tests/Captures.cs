namespace OpenWfp.Pcap.Tests;

internal sealed record ReadPacket(long Frame, long Nanoseconds, int CapturedLength, int OriginalLength, uint LinkType, int Interface, byte[] Data);

internal static class Captures
{
    public static readonly DateTime T0 = new(2024, 5, 17, 12, 30, 45, DateTimeKind.Utc);

    public static long T0Seconds => (long)(T0 - DateTime.UnixEpoch).TotalSeconds;

    public static byte[] Payload(int length, byte seed)
    {
        var data = new byte[length];
        for (var i = 0; i < length; i++)
        {
            data[i] = (byte)(seed + i);
        }

        return data;
    }

    public static List<ReadPacket> ReadAll(byte[] file) => ReadAll(file, out _);

    public static List<ReadPacket> ReadAll(byte[] file, out CaptureReader reader)
    {
        var list = new List<ReadPacket>();
        reader = new CaptureReader(new MemoryStream(file));
        while (reader.TryReadNext(out var p))
        {
            list.Add(new ReadPacket(p.FrameNumber, p.TimestampUnixNanoseconds, p.CapturedLength, p.OriginalLength, p.LinkType, p.InterfaceIndex, p.Data.ToArray()));
        }

        return list;
    }
}
