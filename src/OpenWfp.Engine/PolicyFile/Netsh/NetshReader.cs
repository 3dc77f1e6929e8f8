using System.Xml;
using System.Xml.Linq;

namespace OpenWfp.Engine.PolicyFile.Netsh;

/// <summary>
/// The reading half of the netsh import: parses a <c>netsh wfp show filters</c> (<c>&lt;wfpdiag&gt;</c>) or
/// <c>netsh wfp show state</c> (<c>&lt;wfpstate&gt;</c>) dump into a <see cref="NetshDocument"/>, the model of what the
/// dump holds. It touches no engine; <see cref="NetshApplier"/> applies the model.
/// </summary>
internal static class NetshReader
{
    internal const string WfpDiag = "wfpdiag";
    internal const string WfpState = "wfpstate";

    /// <summary>
    /// Whether <paramref name="text"/> looks like a netsh dump: after an optional byte-order mark, white space,
    /// XML declaration and comments, the first element is <c>&lt;wfpdiag</c> or <c>&lt;wfpstate</c>.
    /// </summary>
    /// <param name="text">The start of the file (the first few hundred characters are enough).</param>
    /// <returns><see langword="true"/> for a netsh dump.</returns>
    public static bool LooksLikeNetsh(ReadOnlySpan<char> text)
    {
        var s = text.TrimStart('\uFEFF').TrimStart();
        while (true)
        {
            if (s.StartsWith("<?"))
            {
                var end = s.IndexOf("?>");
                if (end < 0)
                {
                    return false;
                }

                s = s[(end + 2)..].TrimStart();
            }
            else if (s.StartsWith("<!--"))
            {
                var end = s.IndexOf("-->");
                if (end < 0)
                {
                    return false;
                }

                s = s[(end + 3)..].TrimStart();
            }
            else
            {
                break;
            }
        }

        return IsRootTag(s, WfpDiag) || IsRootTag(s, WfpState);
    }

    private static bool IsRootTag(ReadOnlySpan<char> s, string name) =>
        s.Length > name.Length + 1 && s[0] == '<' && s[1..].StartsWith(name, StringComparison.Ordinal) && s[name.Length + 1] is '>' or ' ' or '\t' or '\r' or '\n' or '/';

    /// <summary>Reads a dump from text (a leading byte-order mark is ignored).</summary>
    /// <param name="xml">The file's text.</param>
    /// <param name="source">The file name, for messages.</param>
    /// <returns>The objects read and the items skipped.</returns>
    /// <exception cref="PolicyFileException">The text is not XML or not a netsh dump at all.</exception>
    public static NetshDocument Read(string xml, string source)
    {
        ArgumentNullException.ThrowIfNull(xml);
        using var reader = new StringReader(xml.TrimStart('\uFEFF'));
        return Read(reader, source);
    }

    /// <summary>Reads a dump from a stream (UTF-8 or UTF-16 with or without byte-order mark).</summary>
    /// <param name="xml">The file's bytes.</param>
    /// <param name="source">The file name, for messages.</param>
    /// <returns>The objects read and the items skipped.</returns>
    /// <exception cref="PolicyFileException">The stream is not XML or not a netsh dump at all.</exception>
    public static NetshDocument Read(Stream xml, string source)
    {
        ArgumentNullException.ThrowIfNull(xml);
        using var reader = new StreamReader(xml, detectEncodingFromByteOrderMarks: true);
        return Read(reader, source);
    }

    private static NetshDocument Read(TextReader text, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        XElement root;
        List<(string Name, int Items)> trailing;
        try
        {
            // Fragment conformance: a state dump has a second root (<firewallState>) after </wfpstate>. Only the
            // first element is read; whatever follows it is never parsed.
            var settings = new XmlReaderSettings
            {
                ConformanceLevel = ConformanceLevel.Fragment,
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                IgnoreComments = true,
                IgnoreProcessingInstructions = true,
                IgnoreWhitespace = true,
            };
            using var reader = XmlReader.Create(text, settings);
            root = FirstElement(reader) ?? throw new PolicyFileException(source, null, null, "not a netsh XML dump: the file holds no XML element");
            trailing = TrailingRoots(reader);
        }
        catch (XmlException ex)
        {
            // XmlException appends " Line n, position m." to its message; the line and column are given once, up front.
            var message = ex.Message;
            var at = message.LastIndexOf(" Line ", StringComparison.Ordinal);
            message = at > 0 ? message[..at] : message;
            throw new PolicyFileException(source, null, null, $"not well-formed XML (line {ex.LineNumber}, column {ex.LinePosition}): {message}", ex);
        }

        var rootName = root.Name.LocalName;
        if (rootName is not (WfpDiag or WfpState))
        {
            throw new PolicyFileException(source, "/" + rootName, null, $"not a netsh XML dump: the root element is <{rootName}>, expected <{WfpDiag}> (netsh wfp show filters) or <{WfpState}> (netsh wfp show state)");
        }

        return new NetshItemReader(source, rootName == WfpState ? NetshDumpKind.State : NetshDumpKind.Filters).Walk(root, trailing);
    }

    // A state dump ends with a second root, <firewallState> (dynamic keyword addresses and the like): run-time
    // state, counted and not imported. Its elements are skipped unread.
    private static List<(string Name, int Items)> TrailingRoots(XmlReader reader)
    {
        var roots = new List<(string, int)>();
        while (!reader.EOF)
        {
            if (reader.NodeType != XmlNodeType.Element)
            {
                reader.Read();
                continue;
            }

            var name = reader.LocalName;
            var items = 0;
            if (!reader.IsEmptyElement)
            {
                var depth = reader.Depth;
                reader.Read();
                while (!reader.EOF && reader.Depth > depth)
                {
                    if (reader.NodeType == XmlNodeType.Element && reader.Depth == depth + 1)
                    {
                        items++;
                        reader.Skip();
                    }
                    else
                    {
                        reader.Read();
                    }
                }
            }

            roots.Add((name, items));
            reader.Read();
        }

        return roots;
    }

    private static XElement? FirstElement(XmlReader reader)
    {
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element)
            {
                return (XElement)XNode.ReadFrom(reader);
            }
        }

        return null;
    }
}
