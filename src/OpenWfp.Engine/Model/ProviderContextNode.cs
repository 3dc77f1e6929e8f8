using System.Text;

namespace OpenWfp.Engine.Model;

/// <summary>
/// One element of a provider context's policy as <c>netsh wfp show state</c> prints it (IKEEXT_* and IPSEC_*
/// structures, FWPM_CLASSIFY_OPTIONS0, ...): an element name with either text or child elements. The tree keeps the
/// whole structure losslessly, in document order, so that it is exported back exactly; nothing on Linux interprets
/// it (docs/POLICY.md, Kept but not enforced on Linux).
/// </summary>
public sealed class ProviderContextNode : IEquatable<ProviderContextNode>
{
    /// <summary>A leaf: an element with text (empty text for an empty element such as <c>&lt;flags/&gt;</c>).</summary>
    /// <param name="name">The element name.</param>
    /// <param name="text">The text.</param>
    public ProviderContextNode(string name, string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(text);
        Name = name;
        Text = text;
        Children = [];
    }

    /// <summary>An element with child elements.</summary>
    /// <param name="name">The element name.</param>
    /// <param name="children">The children, in order.</param>
    /// <param name="isList">Whether netsh prints it as a counted list (with a <c>numItems</c> attribute).</param>
    public ProviderContextNode(string name, IReadOnlyList<ProviderContextNode> children, bool isList)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(children);
        Name = name;
        Text = "";
        Children = children;
        IsList = isList;
    }

    /// <summary>The element name, e.g. <c>authIpMmPolicy</c>, <c>ikeProposals</c>, <c>item</c>.</summary>
    public string Name { get; }

    /// <summary>The text of a leaf; empty for an element with children.</summary>
    public string Text { get; }

    /// <summary>The child elements, in document order.</summary>
    public IReadOnlyList<ProviderContextNode> Children { get; }

    /// <summary>True for a counted list (netsh writes <c>numItems</c> = the number of children).</summary>
    public bool IsList { get; }

    /// <summary>The first child named <paramref name="name"/>, if any.</summary>
    /// <param name="name">The element name.</param>
    /// <returns>The child or null.</returns>
    public ProviderContextNode? Child(string name)
    {
        foreach (var c in Children)
        {
            if (c.Name == name)
            {
                return c;
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public bool Equals(ProviderContextNode? other)
    {
        if (other is null || Name != other.Name || Text != other.Text || IsList != other.IsList || Children.Count != other.Children.Count)
        {
            return false;
        }

        for (var i = 0; i < Children.Count; i++)
        {
            if (!Children[i].Equals(other.Children[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ProviderContextNode);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = HashCode.Combine(Name, Text, IsList, Children.Count);
        foreach (var c in Children)
        {
            hash = HashCode.Combine(hash, c.GetHashCode());
        }

        return hash;
    }

    /// <summary>A compact one-line rendering, e.g. <c>classifyOptions{options[item{type=…}]}</c>, for messages and tests.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder();
        Append(sb);
        return sb.ToString();
    }

    private void Append(StringBuilder sb)
    {
        sb.Append(Name);
        if (Children.Count == 0)
        {
            sb.Append('=').Append(Text);
            return;
        }

        sb.Append(IsList ? '[' : '{');
        for (var i = 0; i < Children.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            Children[i].Append(sb);
        }

        sb.Append(IsList ? ']' : '}');
    }
}
