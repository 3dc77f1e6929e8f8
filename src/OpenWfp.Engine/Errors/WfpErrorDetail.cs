namespace OpenWfp.Engine.Errors;

/// <summary>One validation failure: the error, where it is (e.g. <c>filterCondition[2].conditionValue</c>) and why.</summary>
/// <param name="Error">The FWP_E_* code.</param>
/// <param name="Member">The member of the object that is wrong, in WFP's member names.</param>
/// <param name="Message">What is wrong, for people.</param>
public sealed record WfpErrorDetail(WfpError Error, string Member, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Member}: {Message} [{WfpErrorInfo.Describe(Error)}]";
}
