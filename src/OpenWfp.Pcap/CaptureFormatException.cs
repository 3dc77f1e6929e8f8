namespace OpenWfp.Pcap;

/// <summary>Thrown by <see cref="CaptureReader"/> when a capture file is structurally corrupt.</summary>
/// <remarks>
/// The message is one line and names the byte offset of the offending header or block and, once packets have been read,
/// the frame number being read. A file that simply ends in the middle of its last packet is not reported this way;
/// see <see cref="CaptureReader.IsTruncated"/>.
/// </remarks>
public sealed class CaptureFormatException : Exception
{
    /// <summary>Creates an exception with a default message.</summary>
    public CaptureFormatException()
        : base("The capture file is corrupt.")
    {
        ByteOffset = -1;
    }

    /// <summary>Creates an exception with the given message.</summary>
    /// <param name="message">One-line description.</param>
    public CaptureFormatException(string message)
        : base(message)
    {
        ByteOffset = -1;
    }

    /// <summary>Creates an exception with the given message and inner exception.</summary>
    /// <param name="message">One-line description.</param>
    /// <param name="innerException">The underlying cause.</param>
    public CaptureFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        ByteOffset = -1;
    }

    /// <summary>Creates an exception that locates the corruption.</summary>
    /// <param name="message">One-line description, already including the offset and frame number.</param>
    /// <param name="byteOffset">Offset from the start of the stream of the header or block at fault.</param>
    /// <param name="frameNumber">1-based frame number being read, or 0 when no packet was involved.</param>
    public CaptureFormatException(string message, long byteOffset, long frameNumber)
        : base(message)
    {
        ByteOffset = byteOffset;
        FrameNumber = frameNumber;
    }

    /// <summary>Offset from the start of the stream of the header or block at fault, or -1 when unknown.</summary>
    public long ByteOffset { get; }

    /// <summary>1-based frame number being read when the error was found, or 0 when no packet was involved.</summary>
    public long FrameNumber { get; }
}
