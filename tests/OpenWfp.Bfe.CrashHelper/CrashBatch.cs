using System.Buffers.Binary;
using OpenWfp.Protocol.V1;

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
    public static Filter Filter(long batch, int index) => new()
    {
        Key = Key(batch, index).ToString(),
        DisplayData = new DisplayData { Name = $"crash batch {batch} filter {index}", Description = new string('x', 64) },
        Flags = 0x1,
        LayerKey = "c38d57d1-05a7-4c33-904f-7fbceee60e82",
        Weight = new Value { Type = 4, Uint = (ulong)index },
        Conditions =
        {
            new FilterCondition
            {
                FieldKey = "b235ae9a-1d64-49b8-a44c-5ff3d9095045",
                MatchType = 0,
                Value = new ConditionValue { Type = 3, Value = new Value { Type = 3, Uint = (ulong)(index + 1) } },
            },
        },
        Action = new FilterAction { Type = 0x1001 },
        RawContext = (ulong)batch,
        FilterId = (ulong)(batch * 1000 + index),
    };
}
