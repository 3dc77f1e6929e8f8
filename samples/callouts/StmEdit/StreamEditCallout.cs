using System.Buffers;
using System.Text;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;

namespace OpenWfp.Samples.Callouts.StmEdit;

/// <summary>
/// The stream edit sample, after the behaviour Microsoft documents for its stmedit sample (Microsoft Learn,
/// "Networking driver samples", WFP Stream Edit): replaces a string with another in TCP data, inline.
/// </summary>
/// <remarks>
/// <para>Configuration: the filter's provider context, <c>FIND=&gt;REPLACE</c> (UTF-8; the two may differ in length).</para>
/// <para>For each indication of stream data: no occurrence → PERMIT the data as it is. The data ends with the start of
/// an occurrence (a match split across segments) → FWPS_STREAM_ACTION_NEED_MORE_DATA with countBytesRequired covering
/// the rest of it, and FWP_ACTION_NONE, as Microsoft Learn's FWPS_STREAM_CALLOUT_IO_PACKET0 requires. Occurrences →
/// BLOCK + ABSORB the indication and inject the edited copy in its place (<see cref="IPacketInjector.InjectStream"/>).
/// At the end of a direction (FIN, RST) no more data can come, so a partial match is passed as it is.</para>
/// </remarks>
[CalloutKey("8f3a1c52-0d4e-4b8a-9a7e-2c1f5e6d7b01", Name = "stmedit.stream-v4", Layer = "STREAM_V4", UsesProviderContext = true, Description = "Stream edit sample: replaces a string in TCP data")]
[CalloutKey("8f3a1c52-0d4e-4b8a-9a7e-2c1f5e6d7b02", Name = "stmedit.stream-v6", Layer = "STREAM_V6", UsesProviderContext = true, Description = "Stream edit sample: replaces a string in TCP data")]
public sealed class StreamEditCallout : ICallout
{
    private long _edits;
    private long _notEdited;

    /// <summary>Occurrences replaced so far.</summary>
    public long Edits => Interlocked.Read(ref _edits);

    /// <summary>Indications with occurrences that could not be edited (no injector: the data passed unchanged).</summary>
    public long NotEdited => Interlocked.Read(ref _notEdited);

    /// <inheritdoc/>
    public bool Notify(CalloutNotifyType type, Guid filterKey, RuntimeFilter filter)
    {
        if (type != CalloutNotifyType.AddFilter)
        {
            return true;
        }

        try
        {
            SampleConfig.Of(filter, Edit.Parse);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
    {
        var layerData = context.LayerData;
        if (!layerData.HasStreamResult || !classifyOut.CanWriteAction)
        {
            return;
        }

        var edit = SampleConfig.Of(context.Filter, Edit.Parse);
        var stream = layerData.Stream;
        ref var answer = ref layerData.StreamResult;
        var length = stream.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            var data = buffer.AsSpan(0, stream.CopyTo(buffer));
            var matches = Count(data, edit.Find, out var partial);
            if (partial > 0 && !stream.IsEnd)
            {
                answer.Action = StreamAction.NeedMoreData;
                answer.CountBytesRequired = (uint)(length - partial + edit.Find.Length);
                classifyOut.ActionType = ActionType.None;
                return;
            }

            if (matches == 0)
            {
                classifyOut.ActionType = ActionType.Permit;
                return;
            }

            if (layerData.Injector is not { } injector)
            {
                Interlocked.Increment(ref _notEdited);
                classifyOut.ActionType = ActionType.Permit;
                return;
            }

            var edited = Replace(data, edit, matches);
            var direction = stream.Flags & (StreamDataFlags.Send | StreamDataFlags.Receive | StreamDataFlags.SendDisconnect | StreamDataFlags.ReceiveDisconnect);
            if (injector.InjectStream(context.Metadata.FlowHandle, direction, edited) != InjectStatus.Ok)
            {
                Interlocked.Increment(ref _notEdited);
                classifyOut.ActionType = ActionType.Permit;
                return;
            }

            Interlocked.Add(ref _edits, matches);
            classifyOut.ActionType = ActionType.Block;
            classifyOut.Flags |= ClassifyOut.FlagAbsorb;
            classifyOut.ClearActionRight();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Counts whole occurrences; <paramref name="partial"/>: how many trailing bytes start another one.</summary>
    internal static int Count(ReadOnlySpan<byte> data, ReadOnlySpan<byte> find, out int partial)
    {
        var count = 0;
        var at = 0;
        while (at <= data.Length - find.Length)
        {
            var i = data[at..].IndexOf(find);
            if (i < 0)
            {
                break;
            }

            count++;
            at += i + find.Length;
        }

        // The longest suffix of the data, after the last occurrence, that is a proper prefix of the pattern.
        partial = 0;
        for (var k = Math.Min(find.Length - 1, data.Length - at); k > 0; k--)
        {
            if (data[^k..].SequenceEqual(find[..k]))
            {
                partial = k;
                break;
            }
        }

        return count;
    }

    private static byte[] Replace(ReadOnlySpan<byte> data, Edit edit, int matches)
    {
        var result = new byte[data.Length + (matches * (edit.Replacement.Length - edit.Find.Length))];
        var output = result.AsSpan();
        while (true)
        {
            var i = data.IndexOf(edit.Find);
            if (i < 0)
            {
                data.CopyTo(output);
                return result;
            }

            data[..i].CopyTo(output);
            edit.Replacement.CopyTo(output[i..]);
            output = output[(i + edit.Replacement.Length)..];
            data = data[(i + edit.Find.Length)..];
        }
    }

    /// <summary>The parsed <c>FIND=&gt;REPLACE</c>.</summary>
    private sealed class Edit(byte[] find, byte[] replacement)
    {
        public byte[] Find { get; } = find;

        public byte[] Replacement { get; } = replacement;

        public static Edit Parse(string text)
        {
            var arrow = text.IndexOf("=>", StringComparison.Ordinal);
            if (arrow <= 0)
            {
                throw new FormatException($"'{text}' is not FIND=>REPLACE (FIND not empty)");
            }

            return new Edit(Encoding.UTF8.GetBytes(text[..arrow]), Encoding.UTF8.GetBytes(text[(arrow + 2)..]));
        }
    }
}
