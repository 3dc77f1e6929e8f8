using System.Diagnostics.CodeAnalysis;
using OpenWfp.Engine.Catalog;

namespace OpenWfp.Cli.Daemon;

/// <summary>
/// Finds the key a command line means by <c>--sublayer</c>, <c>--provider</c> or <c>callout:NAME</c>: a GUID, a
/// built-in name (FWPM_SUBLAYER_UNIVERSAL), or the display name of one object the daemon holds.
/// </summary>
internal static class ObjectNames
{
    public delegate bool BuiltinLookup(string name, [MaybeNullWhen(false)] out BuiltinObject builtin);

    /// <summary>Whether the text is a GUID or a built-in name; then the daemon need not be asked.</summary>
    public static bool TryDirect(string text, BuiltinLookup builtin, out Guid key)
    {
        if (Guid.TryParse(text.Trim(), out key))
        {
            return true;
        }

        if (builtin(text.Trim(), out var b))
        {
            key = b.Key;
            return true;
        }

        return false;
    }

    /// <summary>The one object of <paramref name="items"/> named <paramref name="text"/>.</summary>
    /// <param name="option">The option with its value, as error lines name it (<c>--sublayer Foo</c>).</param>
    /// <param name="kind">The object kind (<c>sublayer</c>).</param>
    /// <param name="text">The name as given.</param>
    /// <param name="items">What the daemon holds, as (key, name).</param>
    /// <returns>The key.</returns>
    public static Guid ByName(string option, string kind, string text, IEnumerable<(Guid Key, string Name)> items)
    {
        var matches = items.Where(i => string.Equals(i.Name, text, StringComparison.Ordinal)).ToList();
        if (matches.Count == 0)
        {
            matches = [.. items.Where(i => string.Equals(i.Name, text, StringComparison.OrdinalIgnoreCase))];
        }

        return matches.Count switch
        {
            1 => matches[0].Key,
            0 => throw new CliUserException($"{option}: wfpd has no {kind} named \"{text}\" (give a key, a built-in name, or a name 'wfp show {kind}s' lists)"),
            _ => throw new CliUserException($"{option}: {matches.Count} {kind}s are named \"{text}\"; give the key ({string.Join(", ", matches.Select(m => m.Key))})"),
        };
    }
}
