using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Model;

/// <summary>FWPM_FILTER_CONDITION0: (field, match type, value). Conditions on the same field are OR-ed; fields are AND-ed.</summary>
/// <param name="FieldKey">fieldKey: the FWPM_CONDITION_* GUID; must be a field of the filter's layer.</param>
/// <param name="MatchType">matchType.</param>
/// <param name="Value">conditionValue.</param>
public sealed record FilterCondition(Guid FieldKey, FwpMatchType MatchType, FwpConditionValue Value);
