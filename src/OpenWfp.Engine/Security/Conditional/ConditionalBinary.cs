using System.Buffers.Binary;
using System.Text;

namespace OpenWfp.Engine.Security;

/// <summary>
/// The binary form of conditional expressions (MS-DTYP 2.4.4.17.4-2.4.4.17.8): the signature "artx", then the
/// expression in postfix order as byte-coded tokens, little-endian, padded with zeros to a multiple of four bytes.
/// </summary>
internal static class ConditionalBinary
{
    // ACE_CONDITION_SIGNATURE (MS-DTYP 2.4.4.17.4): the bytes 'a' 'r' 't' 'x'.
    private static ReadOnlySpan<byte> Signature => "artx"u8;

    // Literal and attribute token byte-codes (MS-DTYP 2.4.4.17.5 and 2.4.4.17.8).
    private const byte Int8 = 0x01;
    private const byte Int64 = 0x04;
    private const byte UnicodeString = 0x10;
    private const byte OctetString = 0x18;
    private const byte Composite = 0x50;
    private const byte SidToken = 0x51;
    private const byte LocalAttribute = 0xF8;
    private const byte UserAttribute = 0xF9;
    private const byte ResourceAttribute = 0xFA;
    private const byte DeviceAttribute = 0xFB;

    // A decoded expression deeper than this is refused, so hostile input cannot exhaust the stack when evaluated.
    private const int MaxDepth = 256;

    public static byte[] Encode(ConditionNode root)
    {
        var buffer = new List<byte>(64);
        buffer.AddRange(Signature);
        Write(buffer, root);
        while (buffer.Count % 4 != 0)
        {
            buffer.Add(0);
        }

        return [.. buffer];
    }

    public static bool TryDecode(ReadOnlySpan<byte> data, out ConditionNode? root, out string? error)
    {
        root = null;
        if (data.Length < 4 || !data[..4].SequenceEqual(Signature))
        {
            error = "the conditional expression does not start with the signature \"artx\"";
            return false;
        }

        var stack = new Stack<(ConditionNode Node, int Depth)>();
        var pos = 4;
        while (pos < data.Length)
        {
            var code = data[pos];
            if (code == 0)
            {
                // Padding: only zeros may follow.
                if (data[pos..].IndexOfAnyExcept((byte)0) >= 0)
                {
                    error = $"non-zero byte after padding at offset {pos}";
                    return false;
                }

                break;
            }

            var at = pos++;
            if (ConditionOps.IsKnown(code))
            {
                var arity = ConditionOps.IsUnary(code) ? 1 : 2;
                if (stack.Count < arity)
                {
                    error = $"operator 0x{code:x2} at offset {at} lacks operands";
                    return false;
                }

                var (right, rightDepth) = arity == 2 ? stack.Pop() : (null!, 0);
                var (left, leftDepth) = stack.Pop();
                if (!OperatorNode.TryCreate(code, left, arity == 2 ? right : null, out var op, out var why))
                {
                    error = $"{why} (operator at offset {at})";
                    return false;
                }

                var depth = Math.Max(leftDepth, rightDepth) + 1;
                if (depth > MaxDepth)
                {
                    error = $"the expression is nested deeper than {MaxDepth}";
                    return false;
                }

                stack.Push((op!, depth));
                continue;
            }

            if (code is >= LocalAttribute and <= DeviceAttribute)
            {
                if (!TryReadString(data, ref pos, out var name) || name.Length == 0)
                {
                    error = $"truncated attribute name at offset {at}";
                    return false;
                }

                var scope = code switch
                {
                    LocalAttribute => ClaimScope.Local,
                    UserAttribute => ClaimScope.User,
                    ResourceAttribute => ClaimScope.Resource,
                    _ => ClaimScope.Device,
                };
                stack.Push((new AttributeNode(scope, name), 0));
                continue;
            }

            if (code == Composite)
            {
                if (!TryReadLength(data, ref pos, out var length))
                {
                    error = $"truncated composite at offset {at}";
                    return false;
                }

                var inner = data.Slice(pos, length);
                pos += length;
                var elements = new List<LiteralElement>();
                var innerPos = 0;
                while (innerPos < inner.Length)
                {
                    if (!TryReadElement(inner, ref innerPos, out var element, out error))
                    {
                        error = $"{error} inside the composite at offset {at}";
                        return false;
                    }

                    elements.Add(element);
                }

                stack.Push((new LiteralNode([.. elements], isComposite: true), 0));
                continue;
            }

            pos = at;
            if (!TryReadElement(data, ref pos, out var single, out error))
            {
                return false;
            }

            stack.Push((new LiteralNode([single], isComposite: false), 0));
        }

        if (stack.Count != 1)
        {
            error = stack.Count == 0 ? "the conditional expression is empty" : $"the conditional expression leaves {stack.Count} operands instead of one";
            return false;
        }

        root = stack.Pop().Node;
        if (!root.IsCondition)
        {
            error = "the conditional expression is a literal value, not a condition";
            root = null;
            return false;
        }

        error = null;
        return true;
    }

    private static bool TryReadElement(ReadOnlySpan<byte> data, ref int pos, out LiteralElement element, out string? error)
    {
        element = default;
        var at = pos;
        var code = data[pos++];
        switch (code)
        {
            case >= Int8 and <= Int64:
                if (data.Length - pos < 10)
                {
                    error = $"truncated integer at offset {at}";
                    return false;
                }

                var value = BinaryPrimitives.ReadInt64LittleEndian(data[pos..]);
                var sign = data[pos + 8];
                var numberBase = data[pos + 9];
                pos += 10;
                if (sign is < LiteralElement.SignPlus or > LiteralElement.SignNone || numberBase is < LiteralElement.BaseOctal or > LiteralElement.BaseHex)
                {
                    error = $"bad sign or base byte in the integer at offset {at}";
                    return false;
                }

                element = new LiteralElement(ClaimItem.FromInt64(value), code, sign, numberBase);
                error = null;
                return true;
            case UnicodeString:
                if (!TryReadString(data, ref pos, out var text))
                {
                    error = $"truncated string at offset {at}";
                    return false;
                }

                element = new LiteralElement(ClaimItem.FromString(text), 0, 0, 0);
                error = null;
                return true;
            case OctetString:
            case SidToken:
                if (!TryReadLength(data, ref pos, out var length))
                {
                    error = $"truncated value at offset {at}";
                    return false;
                }

                var bytes = data.Slice(pos, length);
                pos += length;
                if (code == OctetString)
                {
                    element = new LiteralElement(ClaimItem.FromOctets(bytes.ToArray()), 0, 0, 0);
                }
                else if (Sid.TryFromBinary(bytes, out var sid) && sid!.BinaryLength == length)
                {
                    element = new LiteralElement(ClaimItem.FromSid(sid), 0, 0, 0);
                }
                else
                {
                    error = $"bad SID at offset {at}";
                    return false;
                }

                error = null;
                return true;
            default:
                error = $"unknown token 0x{code:x2} at offset {at}";
                return false;
        }
    }

    private static bool TryReadLength(ReadOnlySpan<byte> data, ref int pos, out int length)
    {
        length = 0;
        if (data.Length - pos < 4)
        {
            return false;
        }

        var raw = BinaryPrimitives.ReadUInt32LittleEndian(data[pos..]);
        if (raw > (uint)(data.Length - pos - 4))
        {
            return false;
        }

        length = (int)raw;
        pos += 4;
        return true;
    }

    private static bool TryReadString(ReadOnlySpan<byte> data, ref int pos, out string text)
    {
        text = "";
        if (!TryReadLength(data, ref pos, out var length) || length % 2 != 0)
        {
            return false;
        }

        text = Encoding.Unicode.GetString(data.Slice(pos, length));
        pos += length;
        return true;
    }

    private static void Write(List<byte> buffer, ConditionNode node)
    {
        switch (node)
        {
            case OperatorNode op:
                Write(buffer, op.Left);
                if (op.Right is not null)
                {
                    Write(buffer, op.Right);
                }

                buffer.Add(op.Op);
                break;
            case AttributeNode attribute:
                buffer.Add(attribute.Scope switch
                {
                    ClaimScope.Local => LocalAttribute,
                    ClaimScope.User => UserAttribute,
                    ClaimScope.Resource => ResourceAttribute,
                    _ => DeviceAttribute,
                });
                WriteString(buffer, attribute.Name);
                break;
            case LiteralNode { IsComposite: true } composite:
                var inner = new List<byte>();
                foreach (var element in composite.Elements)
                {
                    WriteElement(inner, element);
                }

                buffer.Add(Composite);
                WriteLength(buffer, inner.Count);
                buffer.AddRange(inner);
                break;
            case LiteralNode literal:
                WriteElement(buffer, literal.Elements[0]);
                break;
        }
    }

    private static void WriteElement(List<byte> buffer, LiteralElement element)
    {
        var item = element.Item;
        switch (item.Type)
        {
            case ClaimValueType.String:
                buffer.Add(UnicodeString);
                WriteString(buffer, item.String!);
                break;
            case ClaimValueType.OctetString:
                buffer.Add(OctetString);
                WriteLength(buffer, item.Octets!.Length);
                buffer.AddRange(item.Octets);
                break;
            case ClaimValueType.Sid:
                buffer.Add(SidToken);
                WriteLength(buffer, item.Sid!.BinaryLength);
                buffer.AddRange(item.Sid.ToBinary());
                break;
            default:
                buffer.Add(element.IntegerCode is >= Int8 and <= Int64 ? element.IntegerCode : Int64);
                Span<byte> value = stackalloc byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(value, item.Integer);
                buffer.AddRange(value);
                buffer.Add(element.Sign is 0 ? LiteralElement.SignNone : element.Sign);
                buffer.Add(element.Base is 0 ? LiteralElement.BaseDecimal : element.Base);
                break;
        }
    }

    private static void WriteString(List<byte> buffer, string text)
    {
        var bytes = Encoding.Unicode.GetBytes(text);
        WriteLength(buffer, bytes.Length);
        buffer.AddRange(bytes);
    }

    private static void WriteLength(List<byte> buffer, int length)
    {
        Span<byte> raw = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(raw, (uint)length);
        buffer.AddRange(raw);
    }
}
