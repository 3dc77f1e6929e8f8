using Grpc.Core;
using OpenWfp.Engine.Errors;
using OpenWfp.Protocol.Mapping;

namespace OpenWfp.Protocol.Tests;

/// <summary>FWP_E_* errors travel in the "fwp-error" / "fwp-error-code" trailers and come back intact.</summary>
public sealed class WfpErrorTrailersTests
{
    [Fact]
    public void Keys_AreTheOnesBfeProtoNames()
    {
        Assert.Equal("fwp-error", WfpErrorTrailers.ErrorNameKey);
        Assert.Equal("fwp-error-code", WfpErrorTrailers.ErrorCodeKey);
    }

    [Theory]
    [InlineData(WfpError.FilterNotFound, StatusCode.NotFound)]
    [InlineData(WfpError.CalloutNotFound, StatusCode.NotFound)]
    [InlineData(WfpError.LayerNotFound, StatusCode.NotFound)]
    [InlineData(WfpError.ProviderContextNotFound, StatusCode.NotFound)]
    [InlineData(WfpError.NotFound, StatusCode.NotFound)]
    [InlineData(WfpError.AlreadyExists, StatusCode.AlreadyExists)]
    [InlineData(WfpError.AccessDenied, StatusCode.PermissionDenied)]
    [InlineData(WfpError.Timeout, StatusCode.DeadlineExceeded)]
    [InlineData(WfpError.NoTxnInProgress, StatusCode.FailedPrecondition)]
    [InlineData(WfpError.TxnInProgress, StatusCode.FailedPrecondition)]
    [InlineData(WfpError.TxnAborted, StatusCode.FailedPrecondition)]
    [InlineData(WfpError.IncompatibleTxn, StatusCode.FailedPrecondition)]
    [InlineData(WfpError.InUse, StatusCode.FailedPrecondition)]
    [InlineData(WfpError.InvalidParameter, StatusCode.InvalidArgument)]
    [InlineData(WfpError.TypeMismatch, StatusCode.InvalidArgument)]
    [InlineData(WfpError.BuiltinObject, StatusCode.InvalidArgument)]
    public void ToRpcException_ChoosesTheStatusAndSetsBothTrailers(WfpError error, StatusCode status)
    {
        var rpc = WfpErrorTrailers.ToRpcException(new WfpException(error, "something is wrong"));
        Assert.Equal(status, rpc.StatusCode);
        Assert.Equal(WfpErrorInfo.NameOf(error), rpc.Trailers.GetValue("fwp-error"));
        Assert.Equal($"0x{(uint)error:X8}", rpc.Trailers.GetValue("fwp-error-code"));
        Assert.Contains("something is wrong", rpc.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void FromRpcException_RestoresErrorAndMessage()
    {
        var original = new WfpException([new WfpErrorDetail(WfpError.FilterNotFound, "filterId", "no filter has id 42")], null);
        var restored = WfpErrorTrailers.FromRpcException(WfpErrorTrailers.ToRpcException(original));
        Assert.Equal(WfpError.FilterNotFound, restored.Error);
        Assert.Equal(0x80320003u, (uint)restored.Error);
        Assert.Equal(original.Message, restored.Message);
    }

    [Fact]
    public void FromRpcException_ReadsTheNameWhenTheCodeIsMissingOrBad()
    {
        var nameOnly = new RpcException(new Status(StatusCode.InvalidArgument, "x"), new Metadata { { "fwp-error", "FWP_E_INVALID_WEIGHT" } });
        Assert.Equal(WfpError.InvalidWeight, WfpErrorTrailers.FromRpcException(nameOnly).Error);

        var badCode = new RpcException(new Status(StatusCode.InvalidArgument, "x"), new Metadata { { "fwp-error", "FWP_E_IN_USE" }, { "fwp-error-code", "zz" } });
        Assert.Equal(WfpError.InUse, WfpErrorTrailers.FromRpcException(badCode).Error);

        var decimalCode = new RpcException(new Status(StatusCode.NotFound, "x"), new Metadata { { "fwp-error-code", "2150760451" } });
        Assert.Equal(WfpError.FilterNotFound, WfpErrorTrailers.FromRpcException(decimalCode).Error);
    }

    [Theory]
    [InlineData(StatusCode.Unavailable, 1722u)]
    [InlineData(StatusCode.Cancelled, 1818u)]
    [InlineData(StatusCode.DeadlineExceeded, 0x80320012u)]
    [InlineData(StatusCode.PermissionDenied, 0x80070005u)]
    [InlineData(StatusCode.InvalidArgument, 0x80320035u)]
    [InlineData(StatusCode.Unimplemented, 1745u)]
    [InlineData(StatusCode.Internal, 1726u)]
    public void FromRpcException_WithoutTrailers_MapsTheStatus(StatusCode status, uint code)
    {
        var e = WfpErrorTrailers.FromRpcException(new RpcException(new Status(status, "transport")));
        Assert.Equal(code, (uint)e.Error);
        Assert.Contains("transport", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryKnownName_ParsesBack()
    {
        foreach (var error in Enum.GetValues<WfpError>())
        {
            Assert.True(WfpErrorTrailers.TryParseName(WfpErrorInfo.NameOf(error), out var parsed));
            Assert.Equal(error, parsed);
            Assert.True(WfpErrorTrailers.TryParseCode(WfpErrorTrailers.FormatCode(error), out parsed));
            Assert.Equal(error, parsed);
        }
    }
}
