using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using OpenWfp.Engine.Security;

namespace OpenWfp.Engine.Values;

/// <summary>
/// FWP_VALUE0: one typed value as the stack supplies it at classify time (an incoming value) or as a weight.
/// </summary>
/// <remarks>
/// A small immutable struct so that a layer's values can live in a stack-allocated span: numbers and
/// fixed-size arrays are stored inline (no allocation); byte blobs, strings, SIDs, security descriptors and
/// tokens are references the caller owns and typically caches (an application id per process, a token per
/// user). <see cref="FwpDataType.ByteArray16"/> and <see cref="FwpDataType.ByteArray6"/> are kept as
/// big-endian numbers so that numeric order equals WFP's byte-wise order.
/// </remarks>
public readonly struct FwpValue : IEquatable<FwpValue>
{
    private readonly ulong _lo;
    private readonly ulong _hi;
    private readonly object? _ref;

    private FwpValue(FwpDataType type, ulong lo, ulong hi = 0, object? reference = null)
    {
        Type = type;
        _lo = lo;
        _hi = hi;
        _ref = reference;
    }

    /// <summary>The value's FWP_DATA_TYPE.</summary>
    public FwpDataType Type { get; }

    /// <summary>True for FWP_EMPTY.</summary>
    public bool IsEmpty => Type == FwpDataType.Empty;

    /// <summary>FWP_EMPTY.</summary>
    public static FwpValue Empty => default;

    /// <summary>An FWP_UINT8 value.</summary>
    public static FwpValue FromUInt8(byte value) => new(FwpDataType.UInt8, value);

    /// <summary>An FWP_UINT16 value (ports, in host order).</summary>
    public static FwpValue FromUInt16(ushort value) => new(FwpDataType.UInt16, value);

    /// <summary>An FWP_UINT32 value (IPv4 addresses, in host order).</summary>
    public static FwpValue FromUInt32(uint value) => new(FwpDataType.UInt32, value);

    /// <summary>An FWP_UINT64 value.</summary>
    public static FwpValue FromUInt64(ulong value) => new(FwpDataType.UInt64, value);

    /// <summary>An FWP_INT8 value.</summary>
    public static FwpValue FromInt8(sbyte value) => new(FwpDataType.Int8, unchecked((ulong)(long)value));

    /// <summary>An FWP_INT16 value.</summary>
    public static FwpValue FromInt16(short value) => new(FwpDataType.Int16, unchecked((ulong)(long)value));

    /// <summary>An FWP_INT32 value.</summary>
    public static FwpValue FromInt32(int value) => new(FwpDataType.Int32, unchecked((ulong)(long)value));

    /// <summary>An FWP_INT64 value.</summary>
    public static FwpValue FromInt64(long value) => new(FwpDataType.Int64, unchecked((ulong)value));

    /// <summary>An FWP_FLOAT value.</summary>
    public static FwpValue FromFloat(float value) => new(FwpDataType.Float, unchecked((ulong)BitConverter.DoubleToInt64Bits(value)));

    /// <summary>An FWP_DOUBLE value.</summary>
    public static FwpValue FromDouble(double value) => new(FwpDataType.Double, unchecked((ulong)BitConverter.DoubleToInt64Bits(value)));

    /// <summary>An FWP_BYTE_ARRAY16_TYPE value from 16 bytes in network order (an IPv6 address).</summary>
    public static FwpValue FromByteArray16(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 16)
        {
            throw new ArgumentException($"FWP_BYTE_ARRAY16_TYPE needs 16 bytes, got {bytes.Length}.", nameof(bytes));
        }

        return FromByteArray16(BinaryPrimitives.ReadUInt128BigEndian(bytes));
    }

    /// <summary>An FWP_BYTE_ARRAY16_TYPE value from its big-endian numeric form.</summary>
    public static FwpValue FromByteArray16(UInt128 bigEndianValue) =>
        new(FwpDataType.ByteArray16, (ulong)bigEndianValue, (ulong)(bigEndianValue >> 64));

    /// <summary>An FWP_BYTE_ARRAY6_TYPE value (a MAC address) from 6 bytes.</summary>
    public static FwpValue FromByteArray6(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 6)
        {
            throw new ArgumentException($"FWP_BYTE_ARRAY6_TYPE needs 6 bytes, got {bytes.Length}.", nameof(bytes));
        }

        ulong v = 0;
        for (var i = 0; i < 6; i++)
        {
            v = (v << 8) | bytes[i];
        }

        return new FwpValue(FwpDataType.ByteArray6, v);
    }

    /// <summary>An FWP_BYTE_ARRAY6_TYPE value from its 48-bit numeric form (first byte most significant).</summary>
    public static FwpValue FromByteArray6(ulong value) => new(FwpDataType.ByteArray6, value & 0xFFFF_FFFF_FFFFUL);

    /// <summary>An FWP_BYTE_BLOB_TYPE value. The array is not copied: the caller must not change it afterwards.</summary>
    public static FwpValue FromByteBlob(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return new FwpValue(FwpDataType.ByteBlob, 0, 0, bytes);
    }

    /// <summary>An FWP_UNICODE_STRING_TYPE value.</summary>
    public static FwpValue FromUnicodeString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new FwpValue(FwpDataType.UnicodeString, 0, 0, value);
    }

    /// <summary>An FWP_SID value.</summary>
    public static FwpValue FromSid(Sid sid)
    {
        ArgumentNullException.ThrowIfNull(sid);
        return new FwpValue(FwpDataType.Sid, 0, 0, sid);
    }

    /// <summary>An FWP_SECURITY_DESCRIPTOR_TYPE value.</summary>
    public static FwpValue FromSecurityDescriptor(SecurityDescriptor sd)
    {
        ArgumentNullException.ThrowIfNull(sd);
        return new FwpValue(FwpDataType.SecurityDescriptor, 0, 0, sd);
    }

    /// <summary>A token value (FWP_TOKEN_ACCESS_INFORMATION_TYPE by default, as ALE_USER_ID carries).</summary>
    public static FwpValue FromToken(FwpToken token, FwpDataType type = FwpDataType.TokenAccessInformation)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (type is not (FwpDataType.TokenInformation or FwpDataType.TokenAccessInformation))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "A token value is FWP_TOKEN_INFORMATION_TYPE or FWP_TOKEN_ACCESS_INFORMATION_TYPE.");
        }

        return new FwpValue(type, 0, 0, token);
    }

    /// <summary>The raw 64-bit payload: integers zero- or sign-extended, floats as double bits, MACs big-endian.</summary>
    public ulong RawUInt64 => _lo;

    /// <summary>The FWP_BYTE_ARRAY16_TYPE payload as a big-endian number.</summary>
    public UInt128 RawUInt128 => new(_hi, _lo);

    /// <summary>The reference payload (byte[], string, <see cref="Sid"/>, <see cref="SecurityDescriptor"/>, <see cref="FwpToken"/>), or null.</summary>
    public object? Reference => _ref;

    /// <summary>The blob bytes (empty when the value is not a blob).</summary>
    public ReadOnlySpan<byte> Blob => _ref as byte[];

    /// <summary>The string, or null.</summary>
    public string? String => _ref as string;

    /// <summary>The SID, or null.</summary>
    public Sid? Sid => _ref as Sid;

    /// <summary>The security descriptor, or null.</summary>
    public SecurityDescriptor? SecurityDescriptor => _ref as SecurityDescriptor;

    /// <summary>The token, or null.</summary>
    public FwpToken? Token => _ref as FwpToken;

    /// <summary>The numeric value as a double (FLOAT/DOUBLE only).</summary>
    public double AsDouble => BitConverter.Int64BitsToDouble(unchecked((long)_lo));

    /// <summary>The signed value (INT8..INT64 only).</summary>
    public long AsInt64 => unchecked((long)_lo);

    /// <summary>True when the type orders as a number (all integers, floats, BYTE_ARRAY16 and BYTE_ARRAY6).</summary>
    public static bool IsOrderedScalar(FwpDataType type) =>
        type is >= FwpDataType.UInt8 and <= FwpDataType.ByteArray16 or FwpDataType.ByteArray6;

    /// <summary>True for FWP_UINT8..FWP_UINT64: the types FLAGS_* match types accept.</summary>
    public static bool IsUnsigned(FwpDataType type) => type is >= FwpDataType.UInt8 and <= FwpDataType.UInt64;

    /// <summary>
    /// The value mapped onto an unsigned key whose numeric order is the type's order: unsigned as is, signed
    /// with the sign bit flipped, floats by their IEEE order. Only for <see cref="IsOrderedScalar"/> types.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public UInt128 OrderKey()
    {
        switch (Type)
        {
            case FwpDataType.ByteArray16:
                return new UInt128(_hi, _lo);
            case FwpDataType.Int8:
            case FwpDataType.Int16:
            case FwpDataType.Int32:
            case FwpDataType.Int64:
                return _lo ^ 0x8000_0000_0000_0000UL;
            case FwpDataType.Float:
            case FwpDataType.Double:
                // IEEE-754 total order on the bit pattern: flip all bits of negatives, the sign bit of positives.
                return (_lo & 0x8000_0000_0000_0000UL) != 0 ? ~_lo : _lo ^ 0x8000_0000_0000_0000UL;
            default:
                return _lo;
        }
    }

    /// <summary>Value equality (same type and payload; blobs byte-wise, strings ordinal).</summary>
    public bool Equals(FwpValue other)
    {
        if (Type != other.Type || _lo != other._lo || _hi != other._hi)
        {
            return false;
        }

        return _ref switch
        {
            null => other._ref is null,
            byte[] b => other._ref is byte[] ob && b.AsSpan().SequenceEqual(ob),
            _ => _ref.Equals(other._ref),
        };
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is FwpValue v && Equals(v);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = HashCode.Combine(Type, _lo, _hi);
        return _ref switch
        {
            null => h,
            byte[] b => HashCode.Combine(h, b.Length, b.Length > 0 ? b[^1] : 0),
            _ => HashCode.Combine(h, _ref.GetHashCode()),
        };
    }

    /// <summary>Value equality.</summary>
    public static bool operator ==(FwpValue left, FwpValue right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(FwpValue left, FwpValue right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => FwpValueFormatter.Format(this);
}
