namespace OpenWfp.Engine.PolicyFile.Netsh;

/// <summary>
/// Reads <c>netsh wfp show filters</c> (<c>&lt;wfpdiag&gt;</c>) and <c>netsh wfp show state</c>
/// (<c>&lt;wfpstate&gt;</c>, with the trailing <c>&lt;firewallState&gt;</c> root) dumps, and applies them to an engine
/// in one transaction. Items that cannot be represented are reported one by one, never dropped silently.
/// </summary>
/// <remarks>
/// The entry point of the import. Reading (XML to a <see cref="NetshDocument"/>) is <see cref="NetshReader"/> and
/// <see cref="NetshItemReader"/>; applying a document to an engine is <see cref="NetshApplier"/>.
/// </remarks>
public static class NetshImporter
{
    /// <summary>
    /// Whether <paramref name="text"/> looks like a netsh dump: after an optional byte-order mark, white space,
    /// XML declaration and comments, the first element is <c>&lt;wfpdiag</c> or <c>&lt;wfpstate</c>.
    /// </summary>
    /// <param name="text">The start of the file (the first few hundred characters are enough).</param>
    /// <returns><see langword="true"/> for a netsh dump.</returns>
    public static bool LooksLikeNetsh(ReadOnlySpan<char> text) => NetshReader.LooksLikeNetsh(text);

    /// <summary>Reads a dump from text (a leading byte-order mark is ignored).</summary>
    /// <param name="xml">The file's text.</param>
    /// <param name="source">The file name, for messages.</param>
    /// <returns>The objects read and the items skipped.</returns>
    /// <exception cref="PolicyFileException">The text is not XML or not a netsh dump at all.</exception>
    public static NetshDocument Read(string xml, string source) => NetshReader.Read(xml, source);

    /// <summary>Reads a dump from a stream (UTF-8 or UTF-16 with or without byte-order mark).</summary>
    /// <param name="xml">The file's bytes.</param>
    /// <param name="source">The file name, for messages.</param>
    /// <returns>The objects read and the items skipped.</returns>
    /// <exception cref="PolicyFileException">The stream is not XML or not a netsh dump at all.</exception>
    public static NetshDocument Read(Stream xml, string source) => NetshReader.Read(xml, source);

    /// <summary>Engine options that give built-in sublayers the weights the dump reports.</summary>
    /// <param name="document">The dump.</param>
    /// <param name="baseOptions">Options to start from; other settings are kept.</param>
    /// <returns>The options.</returns>
    public static FilterEngineOptions EngineOptions(NetshDocument document, FilterEngineOptions? baseOptions = null) =>
        NetshApplier.EngineOptions(document, baseOptions);

    /// <summary>Reads a dump and applies it to a new engine built with the dump's built-in sublayer weights.</summary>
    /// <param name="xml">The file's bytes.</param>
    /// <param name="source">The file name, for messages.</param>
    /// <param name="engine">The new engine.</param>
    /// <returns>The counts and the skipped items.</returns>
    /// <exception cref="PolicyFileException">The stream is not XML or not a netsh dump at all.</exception>
    public static NetshImportResult Import(Stream xml, string source, out FilterEngine engine) =>
        NetshApplier.Import(NetshReader.Read(xml, source), out engine);

    /// <summary>Applies a dump to a new engine built with the dump's built-in sublayer weights.</summary>
    /// <param name="document">The dump.</param>
    /// <param name="engine">The new engine.</param>
    /// <returns>The counts and the skipped items.</returns>
    public static NetshImportResult Import(NetshDocument document, out FilterEngine engine) => NetshApplier.Import(document, out engine);

    /// <summary>
    /// Adds the dump's objects to <paramref name="engine"/> in one transaction. Objects the engine rejects are
    /// skipped and reported with their FWP_E_* name; the rest are committed. Built-in sublayer weights that differ
    /// from the engine's are reported too (build the engine with <see cref="EngineOptions"/> to take them).
    /// </summary>
    /// <param name="document">The dump.</param>
    /// <param name="engine">The engine.</param>
    /// <returns>The counts and the skipped items (the document's own and the engine's rejections).</returns>
    public static NetshImportResult Apply(NetshDocument document, FilterEngine engine) => NetshApplier.Apply(document, engine);
}
