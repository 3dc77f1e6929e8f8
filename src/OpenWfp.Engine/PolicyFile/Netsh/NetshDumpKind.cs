namespace OpenWfp.Engine.PolicyFile.Netsh;

/// <summary>Which netsh command wrote a dump, told by its root element.</summary>
public enum NetshDumpKind
{
    /// <summary><c>netsh wfp show filters</c> (or a capture's wfpdiag.xml): root <c>&lt;wfpdiag&gt;</c>.</summary>
    Filters,

    /// <summary><c>netsh wfp show state</c>: root <c>&lt;wfpstate&gt;</c> (followed by <c>&lt;firewallState&gt;</c>).</summary>
    State,
}
