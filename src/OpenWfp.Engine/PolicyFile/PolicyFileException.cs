using OpenWfp.Engine.Errors;

namespace OpenWfp.Engine.PolicyFile;

/// <summary>
/// A policy file could not be read or applied. <see cref="Exception.Message"/> is one line naming the file, the
/// object (e.g. <c>filters[3] "Block telnet"</c>), the member and what is wrong, with the FWP_E_* name when the
/// engine rejected the object.
/// </summary>
public sealed class PolicyFileException : Exception
{
    /// <summary>An error about a whole file or one object of it.</summary>
    /// <param name="source">The file name as the user gave it.</param>
    /// <param name="objectPath">The object, e.g. <c>filters[3] "Block telnet"</c>; null for the file as a whole.</param>
    /// <param name="member">The key inside the object, e.g. <c>conditions[0].value</c>; null when not one key.</param>
    /// <param name="what">What is wrong.</param>
    /// <param name="inner">The engine's or parser's exception, if any.</param>
    public PolicyFileException(string source, string? objectPath, string? member, string what, Exception? inner = null)
        : base(Compose(source, objectPath, member, what), inner)
    {
        Source = source;
        ObjectPath = objectPath;
        Member = member;
        What = what;
        Error = (inner as WfpException)?.Error;
    }

    /// <summary>The file name as the user gave it.</summary>
    public new string Source { get; }

    /// <summary>The object, or null.</summary>
    public string? ObjectPath { get; }

    /// <summary>The key inside the object, or null.</summary>
    public string? Member { get; }

    /// <summary>What is wrong.</summary>
    public string What { get; }

    /// <summary>The engine error when the engine rejected the object.</summary>
    public WfpError? Error { get; }

    /// <summary>The FWP_E_* name of <see cref="Error"/>, or null.</summary>
    public string? ErrorName => Error is { } e ? WfpErrorInfo.NameOf(e) : null;

    private static string Compose(string source, string? objectPath, string? member, string what)
    {
        var parts = new List<string> { source };
        if (!string.IsNullOrEmpty(objectPath))
        {
            parts.Add(objectPath);
        }

        if (!string.IsNullOrEmpty(member))
        {
            parts.Add(member);
        }

        parts.Add(what.ReplaceLineEndings(" "));
        return string.Join(": ", parts);
    }
}
