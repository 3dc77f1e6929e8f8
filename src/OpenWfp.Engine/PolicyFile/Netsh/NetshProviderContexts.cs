using System.Xml.Linq;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;

namespace OpenWfp.Engine.PolicyFile.Netsh;

/// <summary>Provider-context names and trees as netsh prints them.</summary>
internal static class NetshProviderContexts
{
    /// <summary>FWPM_PROVIDER_CONTEXT_TYPE names (fwpmtypes.h), indexed by value.</summary>
    private static readonly string[] TypeNames =
    [
        "FWPM_IPSEC_KEYING_CONTEXT", "FWPM_IPSEC_IKE_QM_TRANSPORT_CONTEXT", "FWPM_IPSEC_IKE_QM_TUNNEL_CONTEXT",
        "FWPM_IPSEC_AUTHIP_QM_TRANSPORT_CONTEXT", "FWPM_IPSEC_AUTHIP_QM_TUNNEL_CONTEXT", "FWPM_IPSEC_IKE_MM_CONTEXT",
        "FWPM_IPSEC_AUTHIP_MM_CONTEXT", "FWPM_CLASSIFY_OPTIONS_CONTEXT", "FWPM_GENERAL_CONTEXT",
        "FWPM_IPSEC_IKEV2_QM_TUNNEL_CONTEXT", "FWPM_IPSEC_IKEV2_MM_CONTEXT", "FWPM_IPSEC_DOSP_CONTEXT",
        "FWPM_IPSEC_IKEV2_QM_TRANSPORT_CONTEXT", "FWPM_NETWORK_CONNECTION_POLICY_CONTEXT",
    ];

    public static bool TryParseType(string text, out ProviderContextType type)
    {
        var i = Array.IndexOf(TypeNames, text);
        type = (ProviderContextType)Math.Max(i, 0);
        return i >= 0;
    }

    public static string TypeName(ProviderContextType type) =>
        (uint)type < (uint)TypeNames.Length ? TypeNames[(int)type] : ((uint)type).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A provider-context key as netsh prints it: a built-in's SDK name (from the catalog) or GUID text.</summary>
    public static bool TryParseKey(string text, out Guid key)
    {
        if (LayerCatalog.TryFindProviderContext(text, out var builtin))
        {
            key = builtin.Key;
            return true;
        }

        return Guid.TryParse(text, out key) && key != Guid.Empty;
    }

    /// <summary>An element as a tree: text for a leaf, children (and whether netsh counted them) otherwise.</summary>
    public static ProviderContextNode Tree(XElement e)
    {
        if (!e.HasElements)
        {
            return new ProviderContextNode(e.Name.LocalName, e.Value);
        }

        var children = new List<ProviderContextNode>();
        foreach (var c in e.Elements())
        {
            children.Add(Tree(c));
        }

        return new ProviderContextNode(e.Name.LocalName, children, e.Attribute("numItems") is not null);
    }

    /// <summary>The tree as netsh prints it.</summary>
    public static XElement Element(ProviderContextNode node)
    {
        if (node.Children.Count == 0)
        {
            return node.Text.Length == 0 ? new XElement(node.Name) : new XElement(node.Name, node.Text);
        }

        var e = new XElement(node.Name);
        if (node.IsList)
        {
            e.Add(new XAttribute("numItems", node.Children.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        foreach (var c in node.Children)
        {
            e.Add(Element(c));
        }

        return e;
    }
}
