namespace OpenWfp.Engine.Errors;

/// <summary>
/// The one exception type of the engine's management surface. <see cref="Error"/> is the first FWP_E_* error;
/// <see cref="Details"/> lists every error found in the same object (validation reports them all).
/// </summary>
public sealed class WfpException : Exception
{
    /// <summary>An error with one detail.</summary>
    public WfpException(WfpError error, string message)
        : this([new WfpErrorDetail(error, "", message)], null)
    {
    }

    /// <summary>An error about one object, with every detail found.</summary>
    public WfpException(IReadOnlyList<WfpErrorDetail> details, string? objectDescription)
        : base(Compose(details, objectDescription))
    {
        if (details.Count == 0)
        {
            throw new ArgumentException("At least one error detail is required.", nameof(details));
        }

        Details = details;
        Error = details[0].Error;
        ObjectDescription = objectDescription;
    }

    /// <summary>The first (primary) error.</summary>
    public WfpError Error { get; }

    /// <summary>Every error found in the object.</summary>
    public IReadOnlyList<WfpErrorDetail> Details { get; }

    /// <summary>Which object was rejected, e.g. <c>filter "Block telnet" {guid}</c>, or null.</summary>
    public string? ObjectDescription { get; }

    /// <summary>The Windows name of <see cref="Error"/>.</summary>
    public string ErrorName => WfpErrorInfo.NameOf(Error);

    private static string Compose(IReadOnlyList<WfpErrorDetail> details, string? objectDescription)
    {
        var head = objectDescription is null ? "" : objectDescription + ": ";
        if (details.Count == 1)
        {
            var d = details[0];
            return head + (d.Member.Length > 0 ? d.Member + ": " : "") + d.Message + " [" + WfpErrorInfo.Describe(d.Error) + "]";
        }

        return head + string.Join("; ", details.Select(d => d.ToString()));
    }
}
