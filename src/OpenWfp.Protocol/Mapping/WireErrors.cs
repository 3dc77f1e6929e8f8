using OpenWfp.Engine.Errors;

namespace OpenWfp.Protocol.Mapping;

/// <summary>Builds the <see cref="WfpException"/>s <see cref="ProtoMap"/> throws for malformed wire input.</summary>
internal static class WireErrors
{
    public static WfpException Error(WfpError error, string path, string message) =>
        new([new WfpErrorDetail(error, path, message)], null);

    public static WfpException Missing(string path) =>
        Error(WfpError.NullPointer, path, "missing");

    public static WfpException Invalid(string path, string message) =>
        Error(WfpError.InvalidParameter, path, message);
}
