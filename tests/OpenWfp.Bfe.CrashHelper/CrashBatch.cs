using System.Buffers.Binary;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Bfe.CrashHelper;

/// <summary>The filters of one batch, shared by the helper (which writes them) and the crash test (which checks them).</summary>
internal static class CrashBatch
{
    /// <summary>The key of filter <paramref name="index"/> of batch <paramref name="batch"/>.</summary>
    public static Guid Key(long batch, int index)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, batch);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[8..], index);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[12..], 0xC4A5_4E1Fu);
        return new Guid(bytes);
    }

    /// <summary>The keys of a whole batch, in the order the helper adds them.</summary>
    public static Guid[] Keys(long batch, int size)
    {
        var keys = new Guid[size];
        for (var i = 0; i < size; i++)
        {
            keys[i] = Key(batch, i);
        }

        return keys;
    }

    /// <summary>Filter <paramref name="index"/> of batch <paramref name="batch"/>: its raw context is the batch number.</summary>
    public static FilterSpec Filter(long batch, int index) => new()
    {
        Key = Key(batch, index),
        DisplayData = new DisplayData($"crash batch {batch} filter {index}", new string('x', 64)),
        Flags = FilterFlags.Persistent,
        LayerKey = new Guid("c38d57d1-05a7-4c33-904f-7fbceee60e82"),
        Weight = FwpValue.FromUInt64((ulong)index),
        Conditions =
        [
            new FilterCondition(new Guid("b235ae9a-1d64-49b8-a44c-5ff3d9095045"), FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt32((uint)(index + 1)))),
        ],
        Action = FilterAction.Block,
        RawContext = (ulong)batch,
        FilterId = (ulong)(batch * 1000 + index),
    };
}
