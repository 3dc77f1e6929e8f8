using System.Buffers.Binary;

namespace OpenWfp.Callouts.Dns;

/// <summary>
/// The parts of the DNS message format (RFC 1035 §4.1) the callout reads, over the datagram's bytes without
/// copying or allocating. Every read is bounds-checked and reports failure instead of throwing.
/// </summary>
/// <remarks>
/// Written here rather than taken from a library: the maintained .NET DNS packages (DnsClient, ARSoft.Tools.Net)
/// parse a message into objects (a record instance, a string per name), which is an allocation per packet on the
/// classify path; the callout needs only the question names and A/AAAA/CNAME answers.
/// </remarks>
internal static class DnsWire
{
    /// <summary>The fixed header (RFC 1035 §4.1.1).</summary>
    public const int HeaderLength = 12;

    /// <summary>The longest name in wire form (RFC 1035 §2.3.4), so the longest as text is 253 characters.</summary>
    public const int MaxNameLength = 255;

    /// <summary>TYPE A (RFC 1035 §3.2.2).</summary>
    public const ushort TypeA = 1;

    /// <summary>TYPE CNAME (RFC 1035 §3.2.2).</summary>
    public const ushort TypeCname = 5;

    /// <summary>TYPE AAAA (RFC 3596 §2.1).</summary>
    public const ushort TypeAaaa = 28;

    /// <summary>CLASS IN (RFC 1035 §3.2.4).</summary>
    public const ushort ClassIn = 1;

    /// <summary>The UDP port of DNS (RFC 1035 §4.2.1).</summary>
    public const ushort Port = 53;

    // Past this many compression pointers in one name, the name is refused (each must point earlier as well).
    private const int MaxPointers = 64;

    public static ushort Id(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message);

    public static ushort Flags(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message[2..]);

    public static ushort QuestionCount(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message[4..]);

    public static ushort AnswerCount(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message[6..]);

    /// <summary>QR: set in a response.</summary>
    public static bool IsResponse(ushort flags) => (flags & 0x8000) != 0;

    /// <summary>OPCODE (0 is a standard query).</summary>
    public static int Opcode(ushort flags) => (flags >> 11) & 0xF;

    /// <summary>RCODE (0 no error, 3 name error).</summary>
    public static int Rcode(ushort flags) => flags & 0xF;

    /// <summary>
    /// Moves past the name at <paramref name="offset"/> (to the byte after its terminating zero or its pointer).
    /// False when it runs off the message or uses a reserved label type.
    /// </summary>
    public static bool SkipName(ReadOnlySpan<byte> message, ref int offset)
    {
        var at = offset;
        while (true)
        {
            if (at >= message.Length)
            {
                return false;
            }

            var length = message[at];
            if (length == 0)
            {
                offset = at + 1;
                return true;
            }

            if ((length & 0xC0) == 0xC0)
            {
                if (at + 1 >= message.Length)
                {
                    return false;
                }

                offset = at + 2;
                return true;
            }

            if ((length & 0xC0) != 0)
            {
                return false;
            }

            at += 1 + length;
        }
    }

    /// <summary>
    /// Decodes the name at <paramref name="offset"/> as lower-case dotted text without the root dot (empty for the
    /// root) into <paramref name="text"/> (at least 255 chars). Compression pointers (RFC 1035 §4.1.4) must point to
    /// a byte before all of the name read so far, which rules out loops; at most 64 are followed.
    /// </summary>
    /// <returns>The text's length, or -1 when the name is malformed.</returns>
    public static int ReadName(ReadOnlySpan<byte> message, int offset, Span<char> text)
    {
        var cursor = new NameCursor(message, offset);
        var written = 0;
        while (cursor.Next(out var label))
        {
            if (written + label.Length + 1 > MaxNameLength)
            {
                return -1;
            }

            if (written > 0)
            {
                text[written++] = '.';
            }

            foreach (var b in label)
            {
                text[written++] = (char)(b is >= (byte)'A' and <= (byte)'Z' ? b | 0x20 : b);
            }
        }

        return cursor.Failed ? -1 : written;
    }

    /// <summary>True when the names at the two offsets are the same, ignoring ASCII case (RFC 4343); false when either is malformed.</summary>
    public static bool NamesEqual(ReadOnlySpan<byte> message, int a, int b)
    {
        var x = new NameCursor(message, a);
        var y = new NameCursor(message, b);
        while (true)
        {
            var moreX = x.Next(out var labelX);
            var moreY = y.Next(out var labelY);
            if (x.Failed || y.Failed || moreX != moreY)
            {
                return false;
            }

            if (!moreX)
            {
                return true;
            }

            if (labelX.Length != labelY.Length || !System.Text.Ascii.EqualsIgnoreCase(labelX, labelY))
            {
                return false;
            }
        }
    }

    /// <summary>Walks the labels of a name, following compression pointers.</summary>
    private ref struct NameCursor
    {
        private readonly ReadOnlySpan<byte> _message;
        private int _at;
        private int _floor;
        private int _pointers;
        private int _wireLength;
        private bool _done;

        public NameCursor(ReadOnlySpan<byte> message, int offset)
        {
            _message = message;
            _at = offset;
            _floor = offset;
        }

        public bool Failed { get; private set; }

        /// <summary>The next label; false at the end of the name or on an error (<see cref="Failed"/>).</summary>
        public bool Next(out ReadOnlySpan<byte> label)
        {
            label = default;
            while (!_done)
            {
                if ((uint)_at >= (uint)_message.Length)
                {
                    return Fail();
                }

                var length = _message[_at];
                if ((length & 0xC0) == 0xC0)
                {
                    if (_at + 1 >= _message.Length || ++_pointers > MaxPointers)
                    {
                        return Fail();
                    }

                    // Each jump must land before every byte of the name read so far: jumps only go down, so no loop.
                    var target = ((length & 0x3F) << 8) | _message[_at + 1];
                    if (target >= _floor)
                    {
                        return Fail();
                    }

                    _at = _floor = target;
                    continue;
                }

                if ((length & 0xC0) != 0 || _at + 1 + length > _message.Length)
                {
                    return Fail();
                }

                _wireLength += length + 1;
                if (_wireLength > MaxNameLength)
                {
                    return Fail();
                }

                if (length == 0)
                {
                    _done = true;
                    return false;
                }

                label = _message.Slice(_at + 1, length);
                _at += 1 + length;
                return true;
            }

            return false;
        }

        private bool Fail()
        {
            Failed = true;
            _done = true;
            return false;
        }
    }
}
