using System.Xml.Linq;
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

    /// <summary>The built-in provider contexts (fwpmu.h, "GUIDs for built-in provider contexts").</summary>
    private static readonly (string Name, Guid Key)[] Builtins =
    [
        ("FWPM_PROVIDER_CONTEXT_SECURE_SOCKET_AUTHIP", new Guid("b25ea800-0d02-46ed-92bd-7fa84bb73e9d")),
        ("FWPM_PROVIDER_CONTEXT_SECURE_SOCKET_IPSEC", new Guid("8c2d4144-f8e0-42c0-94ce-7ccfc63b2f9b")),
    ];

    public static bool TryParseType(string text, out ProviderContextType type)
    {
        var i = Array.IndexOf(TypeNames, text);
        type = (ProviderContextType)Math.Max(i, 0);
        return i >= 0;
    }

    public static string TypeName(ProviderContextType type) =>
        (uint)type < (uint)TypeNames.Length ? TypeNames[(int)type] : ((uint)type).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static bool TryFindBuiltin(string name, out Guid key)
    {
        foreach (var (n, k) in Builtins)
        {
            if (n == name)
            {
                key = k;
                return true;
            }
        }

        key = Guid.Empty;
        return false;
    }

    public static string? BuiltinName(Guid key)
    {
        foreach (var (n, k) in Builtins)
        {
            if (k == key)
            {
                return n;
            }
        }

        return null;
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
