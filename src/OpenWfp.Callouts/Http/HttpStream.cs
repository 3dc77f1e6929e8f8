using System.Text;
using OpenWfp.Engine.Callouts;

namespace OpenWfp.Callouts.Http;

/// <summary>Where one direction of a connection is in the HTTP/1.1 message framing (RFC 9112 §6, §7.1).</summary>
internal enum HttpPhase : byte
{
    Head,
    Body,
    ChunkSize,
    ChunkExtension,
    ChunkSizeLf,
    ChunkData,
    ChunkDataCr,
    ChunkDataLf,
    TrailerLineStart,
    TrailerLine,
    TrailerLf,

    /// <summary>Let through from here on (not HTTP, malformed, upgraded, a gap).</summary>
    Passed,

    /// <summary>A request matched: the connection is reset.</summary>
    Dropped,
}

/// <summary>Where the scan of a request head is (request line, then field lines, then the empty line).</summary>
internal enum HeadScan : byte
{
    Method,
    Target,
    Version,
    RequestLineLf,
    FieldStart,
    Field,
    FieldLf,
    EndLf,
}

/// <summary>What one stream indication comes to.</summary>
internal enum HttpOutcome : byte
{
    /// <summary>PERMIT the data; keep watching.</summary>
    Permit,

    /// <summary>FWPS_STREAM_ACTION_NEED_MORE_DATA: a request head is incomplete.</summary>
    NeedMoreData,

    /// <summary>FWPS_STREAM_ACTION_ALLOW_CONNECTION: stop watching.</summary>
    Pass,

    /// <summary>FWPS_STREAM_ACTION_DROP_CONNECTION: a request matched.</summary>
    Drop,
}

/// <summary>Why a connection is let through unwatched.</summary>
internal enum PassReason : byte
{
    None,
    NotHttp,
    Malformed,
    HeadTooLarge,
    Upgraded,
    Gap,
}

/// <summary>The answer for one indication.</summary>
internal struct HttpStepResult
{
    public HttpOutcome Outcome;

    /// <summary>With <see cref="HttpOutcome.NeedMoreData"/>: countBytesRequired.</summary>
    public uint Required;

    public PassReason Reason;

    /// <summary>Request heads parsed in this indication.</summary>
    public int Requests;

    /// <summary>With <see cref="HttpOutcome.Drop"/>: the rule and the request (<c>METHOD host target</c>).</summary>
    public HttpRule? Rule;

    public string? Request;
}

/// <summary>
/// The per-connection parse state of openwfp.http-request: one direction (the client's, which speaks first) followed
/// through HTTP/1.x request framing (RFC 9112): request heads are held with NEED_MORE_DATA until complete and matched;
/// bodies are skipped by Content-Length or chunk sizes, so pipelined and keep-alive requests are each seen.
/// All offsets are absolute stream offsets, so data held and indicated again is not parsed twice.
/// </summary>
internal struct HttpStream
{
    private const int MaxMethodLength = 32;
    private const int MaxChunkLineBytes = 4096;
    private const int MaxChunkSizeDigits = 15;

    /// <summary>The direction requests flow in (SEND or RECEIVE); None before the first data.</summary>
    public StreamDataFlags Direction;
    public HttpPhase Phase;
    public HeadScan Scan;

    /// <summary>The stream offset of the first byte not yet consumed (the start of the current head while one is pending).</summary>
    public ulong Position;

    /// <summary>Bytes of the pending head scanned so far.</summary>
    public int ScanIndex;
    public int MethodLength;
    public int VersionStart;

    /// <summary>Body or chunk bytes still to skip, or the chunk size being read.</summary>
    public ulong Remaining;

    /// <summary>Chunk-size digits, or the length of the chunk extension or trailer line being skipped.</summary>
    public int LineLength;
    public int RequestCount;

    [ThreadStatic]
    private static byte[]? _headScratch;

    /// <summary>Consumes one indication.</summary>
    public void Process(in StreamData data, HttpRuleSet rules, int maxHead, ref HttpStepResult result)
    {
        if (Phase == HttpPhase.Passed)
        {
            result.Outcome = HttpOutcome.Pass;
            return;
        }

        if (Phase == HttpPhase.Dropped)
        {
            result.Outcome = HttpOutcome.Drop;
            return;
        }

        if (data.Length == 0)
        {
            result.Outcome = HttpOutcome.Permit;
            return;
        }

        var direction = data.IsReceive ? StreamDataFlags.Receive : StreamDataFlags.Send;
        if (Direction == StreamDataFlags.None)
        {
            // HTTP's client speaks first (RFC 9112 §2.1), so the first data of the connection is the request
            // direction: SEND when this host is the client, RECEIVE when it is the server.
            Direction = direction;
            Position = data.StreamOffset;
        }
        else if (direction != Direction)
        {
            result.Outcome = HttpOutcome.Permit;
            return;
        }

        if (data.MissedBytes != 0 || data.StreamOffset > Position)
        {
            // Bytes went by unseen: where the next request starts is unknown.
            Pass(PassReason.Gap, ref result);
            return;
        }

        var end = data.StreamOffset + (ulong)data.Length;
        while (Position < end)
        {
            var rel = (int)(Position - data.StreamOffset);
            switch (Phase)
            {
                case HttpPhase.Head:
                    if (!StepHead(in data, rel, rules, maxHead, ref result))
                    {
                        return;
                    }

                    break;
                case HttpPhase.Body:
                case HttpPhase.ChunkData:
                    var skip = Math.Min(Remaining, end - Position);
                    Position += skip;
                    Remaining -= skip;
                    if (Remaining == 0)
                    {
                        Phase = Phase == HttpPhase.Body ? HttpPhase.Head : HttpPhase.ChunkDataCr;
                    }

                    break;
                default:
                    var consumed = StepChunked(Piece(in data, rel), maxHead);
                    if (consumed < 0)
                    {
                        Pass(PassReason.Malformed, ref result);
                        return;
                    }

                    Position += (ulong)consumed;
                    break;
            }
        }

        result.Outcome = HttpOutcome.Permit;
    }

    // One request head starting at rel: false when the indication's answer is decided (need more, pass, drop).
    private bool StepHead(in StreamData data, int rel, HttpRuleSet rules, int maxHead, ref HttpStepResult result)
    {
        var from = rel + ScanIndex;
        var scan = ScanResult.Incomplete;
        while (from < data.Length && scan == ScanResult.Incomplete)
        {
            var piece = Piece(in data, from);
            scan = ScanHead(piece, maxHead, out var consumed);
            from += consumed;
        }

        switch (scan)
        {
            case ScanResult.Incomplete:
                if (data.IsEnd)
                {
                    // The client closed mid-head: no complete request reaches the server.
                    result.Outcome = HttpOutcome.Permit;
                    return false;
                }

                result.Outcome = HttpOutcome.NeedMoreData;
                result.Required = (uint)data.Length + 1;
                return false;
            case ScanResult.NotHttp:
                Pass(RequestCount == 0 ? PassReason.NotHttp : PassReason.Malformed, ref result);
                return false;
            case ScanResult.Malformed:
                Pass(PassReason.Malformed, ref result);
                return false;
            case ScanResult.TooLarge:
                Pass(PassReason.HeadTooLarge, ref result);
                return false;
        }

        var headLength = ScanIndex;
        var head = Contiguous(in data, rel, headLength, maxHead);
        var request = ParseHead(head, MethodLength, VersionStart);
        if (request.Malformed)
        {
            Pass(PassReason.Malformed, ref result);
            return false;
        }

        RequestCount++;
        result.Requests++;
        if (rules.Match(request.Method(head), request.Host(head), request.Path(head)) is { } rule)
        {
            Phase = HttpPhase.Dropped;
            result.Outcome = HttpOutcome.Drop;
            result.Rule = rule;
            result.Request = request.Describe(head);
            return false;
        }

        Position += (ulong)headLength;
        ScanIndex = 0;
        Scan = HeadScan.Method;
        if (request.Upgrade)
        {
            // CONNECT and Upgrade hand the connection to another protocol after this request (RFC 9110 §9.3.6, §7.8).
            Pass(PassReason.Upgraded, ref result);
            return false;
        }

        if (request.Chunked)
        {
            Phase = HttpPhase.ChunkSize;
            Remaining = 0;
            LineLength = 0;
        }
        else if (request.ContentLength > 0)
        {
            Phase = HttpPhase.Body;
            Remaining = request.ContentLength;
        }

        return true;
    }

    private void Pass(PassReason reason, ref HttpStepResult result)
    {
        Phase = HttpPhase.Passed;
        result.Outcome = HttpOutcome.Pass;
        result.Reason = reason;
    }

    private enum ScanResult : byte
    {
        Incomplete,
        Done,
        NotHttp,
        Malformed,
        TooLarge,
    }

    // Resumable scan of a request head: checks the request line's shape as bytes arrive (so a protocol that is not
    // HTTP is let go at once instead of held) and finds the empty line that ends the field section (RFC 9112 §2.1).
    // Bare LF ends a line too (RFC 9112 §2.2 lets a recipient accept it).
    private ScanResult ScanHead(ReadOnlySpan<byte> bytes, int maxHead, out int consumed)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            if (ScanIndex >= maxHead)
            {
                consumed = i;
                return ScanResult.TooLarge;
            }

            if (Scan == HeadScan.Field)
            {
                // Inside a field line: jump to its end.
                var limit = Math.Min(bytes.Length - i, maxHead - ScanIndex);
                var eol = bytes.Slice(i, limit).IndexOfAny((byte)'\r', (byte)'\n');
                if (eol < 0)
                {
                    i += limit;
                    ScanIndex += limit;
                    continue;
                }

                i += eol;
                ScanIndex += eol;
            }

            var b = bytes[i];
            var idx = ScanIndex;
            i++;
            ScanIndex++;
            switch (Scan)
            {
                case HeadScan.Method:
                    if (b == (byte)' ')
                    {
                        if (idx == 0)
                        {
                            consumed = i;
                            return ScanResult.NotHttp;
                        }

                        MethodLength = idx;
                        Scan = HeadScan.Target;
                    }
                    else if (idx >= MaxMethodLength || !HttpRuleSet.IsMethodByte(b, idx == 0))
                    {
                        consumed = i;
                        return ScanResult.NotHttp;
                    }

                    break;
                case HeadScan.Target:
                    if (b == (byte)' ')
                    {
                        if (idx == MethodLength + 1)
                        {
                            consumed = i;
                            return ScanResult.NotHttp;
                        }

                        VersionStart = idx + 1;
                        Scan = HeadScan.Version;
                    }
                    else if (b <= 0x20 || b == 0x7F)
                    {
                        consumed = i;
                        return ScanResult.NotHttp;
                    }

                    break;
                case HeadScan.Version:
                    var k = idx - VersionStart;
                    var ok = k switch
                    {
                        < 7 => b == "HTTP/1."u8[k],
                        7 => b is >= (byte)'0' and <= (byte)'9',
                        _ => b is (byte)'\r' or (byte)'\n',
                    };
                    if (!ok)
                    {
                        consumed = i;
                        return ScanResult.NotHttp;
                    }

                    if (k == 8)
                    {
                        Scan = b == (byte)'\r' ? HeadScan.RequestLineLf : HeadScan.FieldStart;
                    }

                    break;
                case HeadScan.RequestLineLf:
                    if (b != (byte)'\n')
                    {
                        consumed = i;
                        return ScanResult.NotHttp;
                    }

                    Scan = HeadScan.FieldStart;
                    break;
                case HeadScan.FieldStart:
                    if (b == (byte)'\n')
                    {
                        consumed = i;
                        return ScanResult.Done;
                    }

                    Scan = b == (byte)'\r' ? HeadScan.EndLf : HeadScan.Field;
                    break;
                case HeadScan.Field:
                    Scan = b == (byte)'\r' ? HeadScan.FieldLf : HeadScan.FieldStart;
                    break;
                case HeadScan.FieldLf:
                    if (b != (byte)'\n')
                    {
                        consumed = i;
                        return ScanResult.Malformed;
                    }

                    Scan = HeadScan.FieldStart;
                    break;
                case HeadScan.EndLf:
                    consumed = i;
                    return b == (byte)'\n' ? ScanResult.Done : ScanResult.Malformed;
            }
        }

        consumed = i;
        return ScanResult.Incomplete;
    }

    // Chunked transfer coding (RFC 9112 §7.1): chunk-size [ext] CRLF data CRLF ... 0 CRLF trailers CRLF. Returns the
    // bytes consumed (stopping where chunk data starts, which the caller skips whole), or -1 when malformed.
    private int StepChunked(ReadOnlySpan<byte> bytes, int maxHead)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            switch (Phase)
            {
                case HttpPhase.ChunkSize:
                    if (HttpRuleSet.IsHex(b))
                    {
                        if (++LineLength > MaxChunkSizeDigits)
                        {
                            return -1;
                        }

                        Remaining = (Remaining << 4) | (uint)HttpRuleSet.Hex(b);
                    }
                    else if (LineLength == 0)
                    {
                        return -1;
                    }
                    else if (b is (byte)';' or (byte)' ' or (byte)'\t')
                    {
                        Phase = HttpPhase.ChunkExtension;
                        LineLength = 0;
                    }
                    else if (b == (byte)'\r')
                    {
                        Phase = HttpPhase.ChunkSizeLf;
                    }
                    else if (b == (byte)'\n')
                    {
                        if (EndOfSizeLine())
                        {
                            return i + 1;
                        }
                    }
                    else
                    {
                        return -1;
                    }

                    break;
                case HttpPhase.ChunkExtension:
                    if (b == (byte)'\r')
                    {
                        Phase = HttpPhase.ChunkSizeLf;
                    }
                    else if (b == (byte)'\n')
                    {
                        if (EndOfSizeLine())
                        {
                            return i + 1;
                        }
                    }
                    else if (++LineLength > MaxChunkLineBytes)
                    {
                        return -1;
                    }

                    break;
                case HttpPhase.ChunkSizeLf:
                    if (b != (byte)'\n')
                    {
                        return -1;
                    }

                    if (EndOfSizeLine())
                    {
                        return i + 1;
                    }

                    break;
                case HttpPhase.ChunkDataCr:
                    if (b == (byte)'\r')
                    {
                        Phase = HttpPhase.ChunkDataLf;
                    }
                    else if (b == (byte)'\n')
                    {
                        NextChunk();
                    }
                    else
                    {
                        return -1;
                    }

                    break;
                case HttpPhase.ChunkDataLf:
                    if (b != (byte)'\n')
                    {
                        return -1;
                    }

                    NextChunk();
                    break;
                case HttpPhase.TrailerLineStart:
                    if (b == (byte)'\n')
                    {
                        Phase = HttpPhase.Head;
                        return i + 1;
                    }

                    Phase = b == (byte)'\r' ? HttpPhase.TrailerLf : HttpPhase.TrailerLine;
                    LineLength = 1;
                    break;
                case HttpPhase.TrailerLine:
                    if (b == (byte)'\n')
                    {
                        Phase = HttpPhase.TrailerLineStart;
                    }
                    else if (++LineLength > maxHead)
                    {
                        return -1;
                    }

                    break;
                case HttpPhase.TrailerLf:
                    if (b != (byte)'\n')
                    {
                        return -1;
                    }

                    Phase = HttpPhase.Head;
                    return i + 1;
                default:
                    return i;
            }
        }

        return bytes.Length;
    }

    // After a chunk-size line: data follows, or (size 0) the trailer section. True when chunk data starts.
    private bool EndOfSizeLine()
    {
        LineLength = 0;
        if (Remaining == 0)
        {
            Phase = HttpPhase.TrailerLineStart;
            return false;
        }

        Phase = HttpPhase.ChunkData;
        return true;
    }

    private void NextChunk()
    {
        Phase = HttpPhase.ChunkSize;
        Remaining = 0;
        LineLength = 0;
    }

    private static ReadOnlySpan<byte> Piece(in StreamData data, int from) =>
        from < data.First.Length ? data.First[from..] : data.Second[(from - data.First.Length)..];

    // The head as one span: a slice when it lies in one piece of the ring, else a copy into this thread's scratch.
    private static ReadOnlySpan<byte> Contiguous(in StreamData data, int start, int length, int maxHead)
    {
        var first = data.First.Length;
        if (start + length <= first)
        {
            return data.First.Slice(start, length);
        }

        if (start >= first)
        {
            return data.Second.Slice(start - first, length);
        }

        var scratch = _headScratch;
        if (scratch is null || scratch.Length < Math.Max(length, maxHead))
        {
            scratch = _headScratch = new byte[Math.Max(length, maxHead)];
        }

        var firstPart = first - start;
        data.First[start..].CopyTo(scratch);
        data.Second[..(length - firstPart)].CopyTo(scratch.AsSpan(firstPart));
        return scratch.AsSpan(0, length);
    }

    /// <summary>The request line and the header fields the callout needs from a complete head.</summary>
    internal static RequestHead ParseHead(ReadOnlySpan<byte> head, int methodLength, int versionStart)
    {
        var r = new RequestHead
        {
            MethodLength = methodLength,
            TargetStart = methodLength + 1,
            TargetLength = versionStart - 1 - (methodLength + 1),
        };
        var target = head.Slice(r.TargetStart, r.TargetLength);
        var pos = head.IndexOf((byte)'\n') + 1;
        var hosts = 0;
        var hasLength = false;
        var transferEncoding = false;
        while (pos < head.Length)
        {
            var eol = head[pos..].IndexOf((byte)'\n');
            var lineEnd = eol < 0 ? head.Length : pos + eol;
            var line = head[pos..lineEnd];
            var lineStart = pos;
            pos = lineEnd + 1;
            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (line.IsEmpty)
            {
                break;
            }

            var colon = line.IndexOf((byte)':');

            // obs-fold, whitespace before the colon, or no name: a server must reject these (RFC 9112 §5.1, §5.2).
            if (colon <= 0 || line[0] is (byte)' ' or (byte)'\t' || line[colon - 1] is (byte)' ' or (byte)'\t')
            {
                r.Malformed = true;
                return r;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            var valueStart = lineStart + colon + 1 + (line.Length - colon - 1 - line[(colon + 1)..].TrimStart(" \t"u8).Length);
            if (Ascii.EqualsIgnoreCase(name, "host"u8))
            {
                hosts++;
                r.HostStart = valueStart;
                r.HostLength = value.Length;
            }
            else if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                if (!TryParseLength(value, out var length) || (hasLength && length != r.ContentLength))
                {
                    r.Malformed = true;
                    return r;
                }

                hasLength = true;
                r.ContentLength = length;
            }
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
            {
                // The last coding decides: chunked last frames the body; anything else makes a request's length
                // unknowable, which a server answers with 400 (RFC 9112 §6.3).
                transferEncoding = true;
                var comma = value.LastIndexOf((byte)',');
                r.Chunked = Ascii.EqualsIgnoreCase(value[(comma + 1)..].Trim(" \t"u8), "chunked"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "upgrade"u8))
            {
                r.Upgrade = true;
            }
        }

        if (hosts > 1 || (transferEncoding && !r.Chunked))
        {
            r.Malformed = true;
            return r;
        }

        if (transferEncoding)
        {
            // Transfer-Encoding overrides Content-Length (RFC 9112 §6.3).
            r.ContentLength = 0;
        }

        var method = head[..methodLength];
        if (Ascii.EqualsIgnoreCase(method, "CONNECT"u8))
        {
            // authority-form: host:port, no path (RFC 9112 §3.2.3).
            r.Upgrade = true;
            r.HostStart = r.TargetStart;
            r.HostLength = r.TargetLength;
        }
        else if (StartsWithIgnoreCase(target, "http://"u8) || StartsWithIgnoreCase(target, "https://"u8))
        {
            // absolute-form: the target's authority is the host, whatever Host says (RFC 9112 §3.2.2).
            var authorityStart = target.IndexOf("//"u8) + 2;
            var rest = target[authorityStart..];
            var authorityEnd = rest.IndexOfAny("/?#"u8);
            var authority = authorityEnd < 0 ? rest : rest[..authorityEnd];
            var at = authority.LastIndexOf((byte)'@');
            r.HostStart = r.TargetStart + authorityStart + at + 1;
            r.HostLength = authority.Length - at - 1;
            r.PathStart = r.TargetStart + authorityStart + (authorityEnd < 0 ? rest.Length : authorityEnd);
            r.PathLength = PathLength(head[r.PathStart..(r.TargetStart + r.TargetLength)]);
        }
        else
        {
            r.PathStart = r.TargetStart;
            r.PathLength = PathLength(target);
        }

        return r;
    }

    private static int PathLength(ReadOnlySpan<byte> pathAndQuery)
    {
        var q = pathAndQuery.IndexOfAny("?#"u8);
        return q < 0 ? pathAndQuery.Length : q;
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> prefix) =>
        s.Length >= prefix.Length && Ascii.EqualsIgnoreCase(s[..prefix.Length], prefix);

    // Content-Length = 1*DIGIT (RFC 9110 §8.6); at most 18 digits so it fits.
    private static bool TryParseLength(ReadOnlySpan<byte> value, out ulong length)
    {
        length = 0;
        if (value.IsEmpty || value.Length > 18)
        {
            return false;
        }

        foreach (var b in value)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            length = (length * 10) + (ulong)(b - '0');
        }

        return true;
    }
}

/// <summary>Positions of the parts of a parsed request head.</summary>
internal struct RequestHead
{
    public int MethodLength;
    public int TargetStart;
    public int TargetLength;
    public int HostStart;
    public int HostLength;
    public int PathStart;
    public int PathLength;
    public ulong ContentLength;
    public bool Chunked;
    public bool Upgrade;
    public bool Malformed;

    public readonly ReadOnlySpan<byte> Method(ReadOnlySpan<byte> head) => head[..MethodLength];

    public readonly ReadOnlySpan<byte> Target(ReadOnlySpan<byte> head) => head.Slice(TargetStart, TargetLength);

    public readonly ReadOnlySpan<byte> Path(ReadOnlySpan<byte> head) => head.Slice(PathStart, PathLength);

    /// <summary>The host without port, brackets or trailing dot (empty when the request names none).</summary>
    public readonly ReadOnlySpan<byte> Host(ReadOnlySpan<byte> head)
    {
        var host = head.Slice(HostStart, HostLength);
        if (host.Length > 0 && host[0] == (byte)'[')
        {
            var close = host.IndexOf((byte)']');
            host = close < 0 ? host[1..] : host[1..close];
        }
        else
        {
            var colon = host.IndexOf((byte)':');
            if (colon >= 0)
            {
                host = host[..colon];
            }
        }

        while (host.Length > 0 && host[^1] == (byte)'.')
        {
            host = host[..^1];
        }

        return host;
    }

    /// <summary><c>METHOD host target</c> for an event (host <c>-</c> when absent).</summary>
    public readonly string Describe(ReadOnlySpan<byte> head)
    {
        var host = Host(head);
        return $"{Encoding.Latin1.GetString(Method(head))} {(host.IsEmpty ? "-" : Encoding.Latin1.GetString(host))} {Encoding.Latin1.GetString(Target(head))}";
    }
}
