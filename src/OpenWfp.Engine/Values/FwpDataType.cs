namespace OpenWfp.Engine.Values;

/// <summary>
/// FWP_DATA_TYPE: the type tag of every value the engine sees. The numeric values are ABI
/// (fwptypes.h, FWP_DATA_TYPE_ enum); <c>FwpConstantsTests</c> pins each one.
/// </summary>
public enum FwpDataType : uint
{
    /// <summary>FWP_EMPTY: no value (a field the stack does not know at classify time).</summary>
    Empty = 0,
    /// <summary>FWP_UINT8.</summary>
    UInt8 = 1,
    /// <summary>FWP_UINT16.</summary>
    UInt16 = 2,
    /// <summary>FWP_UINT32 (IPv4 addresses, in host byte order).</summary>
    UInt32 = 3,
    /// <summary>FWP_UINT64.</summary>
    UInt64 = 4,
    /// <summary>FWP_INT8.</summary>
    Int8 = 5,
    /// <summary>FWP_INT16.</summary>
    Int16 = 6,
    /// <summary>FWP_INT32.</summary>
    Int32 = 7,
    /// <summary>FWP_INT64.</summary>
    Int64 = 8,
    /// <summary>FWP_FLOAT.</summary>
    Float = 9,
    /// <summary>FWP_DOUBLE.</summary>
    Double = 10,
    /// <summary>FWP_BYTE_ARRAY16_TYPE (IPv6 addresses, network byte order).</summary>
    ByteArray16 = 11,
    /// <summary>FWP_BYTE_BLOB_TYPE (application ids and other opaque byte strings).</summary>
    ByteBlob = 12,
    /// <summary>FWP_SID.</summary>
    Sid = 13,
    /// <summary>FWP_SECURITY_DESCRIPTOR_TYPE.</summary>
    SecurityDescriptor = 14,
    /// <summary>FWP_TOKEN_INFORMATION_TYPE.</summary>
    TokenInformation = 15,
    /// <summary>FWP_TOKEN_ACCESS_INFORMATION_TYPE.</summary>
    TokenAccessInformation = 16,
    /// <summary>FWP_UNICODE_STRING_TYPE.</summary>
    UnicodeString = 17,
    /// <summary>FWP_BYTE_ARRAY6_TYPE (MAC addresses).</summary>
    ByteArray6 = 18,
    /// <summary>FWP_SINGLE_DATA_TYPE_MAX: types above exist only in condition values.</summary>
    SingleDataTypeMax = 0xff,
    /// <summary>FWP_V4_ADDR_MASK: IPv4 address and mask (condition values only).</summary>
    V4AddrMask = 0x100,
    /// <summary>FWP_V6_ADDR_MASK: IPv6 address and prefix length (condition values only).</summary>
    V6AddrMask = 0x101,
    /// <summary>FWP_RANGE_TYPE: inclusive range of two values of the field's type (condition values only).</summary>
    Range = 0x102,
}
