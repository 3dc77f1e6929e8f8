using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Shim;

/// <summary>What one layer did with a packet.</summary>
/// <param name="LayerId">The layer's run-time id.</param>
/// <param name="Action">PERMIT, BLOCK, or NONE_NO_MATCH when no filter decided.</param>
/// <param name="FilterId">The deciding filter, 0 when none.</param>
/// <param name="Classified">False when the layer had no filters and was passed without classifying.</param>
/// <param name="Reauthorization">True for an ALE classify repeated after a policy change.</param>
/// <param name="ValueOffset">Where this step's values start in <see cref="ShimTrace.ValuesOf"/> (when recorded).</param>
/// <param name="ValueCount">How many values (the layer's field count when recorded; otherwise 0).</param>
/// <param name="Metadata">The metadata the layer was classified with.</param>
public readonly record struct ShimStep(
    ushort LayerId,
    ActionType Action,
    ulong FilterId,
    bool Classified,
    bool Reauthorization,
    int ValueOffset,
    int ValueCount,
    ClassifyMetadata Metadata);

/// <summary>What the shim noticed about a packet beside its layers.</summary>
[Flags]
public enum ShimNotes
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>The TCP segment overlapped stream bytes already seen, with different bytes; the first ones won.</summary>
    StreamOverlapConflict = 1,

    /// <summary>The TCP segment arrived before data preceding it and was kept for STREAM.</summary>
    StreamOutOfOrder = 2,
}

/// <summary>
/// A reusable record of the layers one packet met, for replay output and explain. Owned by the caller and reused
/// packet after packet, so tracing allocates nothing once its buffers have grown.
/// </summary>
public sealed class ShimTrace
{
    private ShimStep[] _steps = new ShimStep[16];
    private FwpValue[] _values;
    private int _valueCount;

    /// <summary>A trace; <paramref name="recordValues"/> also copies every layer's field values.</summary>
    public ShimTrace(bool recordValues = false)
    {
        RecordValues = recordValues;
        _values = recordValues ? new FwpValue[16 * 48] : [];
    }

    /// <summary>Whether each step's values are copied.</summary>
    public bool RecordValues { get; }

    /// <summary>Number of steps.</summary>
    public int Count { get; private set; }

    /// <summary>The steps, in the order the layers were met.</summary>
    public ReadOnlySpan<ShimStep> Steps => _steps.AsSpan(0, Count);

    /// <summary>The values of one step (empty unless <see cref="RecordValues"/>).</summary>
    public ReadOnlySpan<FwpValue> ValuesOf(in ShimStep step) => _values.AsSpan(step.ValueOffset, step.ValueCount);

    /// <summary>What the shim noticed about the packet beside its layers.</summary>
    public ShimNotes Notes { get; private set; }

    /// <summary>Forgets the previous packet.</summary>
    public void Clear()
    {
        Notes = ShimNotes.None;
        Count = 0;
        _valueCount = 0;
    }

    internal void Note(ShimNotes note) => Notes |= note;

    internal void Add(ushort layerId, in ClassifyResult result, bool classified, bool reauthorization, ReadOnlySpan<FwpValue> values, in ClassifyMetadata metadata)
    {
        if (Count == _steps.Length)
        {
            Array.Resize(ref _steps, Count * 2);
        }

        var offset = _valueCount;
        var count = 0;
        if (RecordValues)
        {
            if (_valueCount + values.Length > _values.Length)
            {
                Array.Resize(ref _values, Math.Max(_values.Length * 2, _valueCount + values.Length));
            }

            values.CopyTo(_values.AsSpan(_valueCount));
            _valueCount += values.Length;
            count = values.Length;
        }

        _steps[Count++] = new ShimStep(layerId, result.Action, result.FilterId, classified, reauthorization, offset, count, metadata);
    }
}
