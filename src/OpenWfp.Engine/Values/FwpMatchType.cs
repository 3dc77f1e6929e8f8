namespace OpenWfp.Engine.Values;

/// <summary>
/// FWP_MATCH_TYPE (fwptypes.h). Semantics in docs/ARBITRATION.md, Matching conditions; note that <see cref="Prefix"/> tests that the
/// value <em>ends</em> with the condition, as Windows does despite the name.
/// </summary>
public enum FwpMatchType : uint
{
    /// <summary>FWP_MATCH_EQUAL.</summary>
    Equal = 0,
    /// <summary>FWP_MATCH_GREATER.</summary>
    Greater = 1,
    /// <summary>FWP_MATCH_LESS.</summary>
    Less = 2,
    /// <summary>FWP_MATCH_GREATER_OR_EQUAL.</summary>
    GreaterOrEqual = 3,
    /// <summary>FWP_MATCH_LESS_OR_EQUAL.</summary>
    LessOrEqual = 4,
    /// <summary>FWP_MATCH_RANGE (inclusive).</summary>
    Range = 5,
    /// <summary>FWP_MATCH_FLAGS_ALL_SET: (value &amp; cond) == cond.</summary>
    FlagsAllSet = 6,
    /// <summary>FWP_MATCH_FLAGS_ANY_SET: (value &amp; cond) != 0.</summary>
    FlagsAnySet = 7,
    /// <summary>FWP_MATCH_FLAGS_NONE_SET: (value &amp; cond) == 0.</summary>
    FlagsNoneSet = 8,
    /// <summary>FWP_MATCH_EQUAL_CASE_INSENSITIVE (Unicode strings only).</summary>
    EqualCaseInsensitive = 9,
    /// <summary>FWP_MATCH_NOT_EQUAL.</summary>
    NotEqual = 10,
    /// <summary>FWP_MATCH_PREFIX: the value ends with the condition (sic).</summary>
    Prefix = 11,
    /// <summary>FWP_MATCH_NOT_PREFIX: the value does not end with the condition.</summary>
    NotPrefix = 12,
}
