using System.Text.RegularExpressions;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Compiler;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Tests.Constants;

/// <summary>Pins every constant mirrored from a WFP header to its documented value.</summary>
public class WfpConstantsTests
{
    [Fact]
    public void WfpErrors_MatchEveryRowOfTheErrorsTable()
    {
        // The table in docs/ERRORS.md lists every FWP_E_* code of winerror.h.
        var spec = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "ERRORS.md"));
        var rows = Regex.Matches(spec, @"(0x8032[0-9A-F]{4}) (FWP_E_[A-Z0-9_]+)");
        Assert.Equal(69, rows.Count);
        foreach (Match m in rows)
        {
            var code = Convert.ToUInt32(m.Groups[1].Value, 16);
            Assert.True(Enum.IsDefined(typeof(WfpError), code), $"{m.Groups[2].Value} missing");
            Assert.Equal(m.Groups[2].Value, WfpErrorInfo.NameOf((WfpError)code));
        }
    }

    // Every FWP_E_* code of winerror.h (Windows SDK 10.0.26100.7705), name and value as the header defines them.
    [Theory]
    [InlineData("FWP_E_CALLOUT_NOT_FOUND", 0x80320001u)]
    [InlineData("FWP_E_CONDITION_NOT_FOUND", 0x80320002u)]
    [InlineData("FWP_E_FILTER_NOT_FOUND", 0x80320003u)]
    [InlineData("FWP_E_LAYER_NOT_FOUND", 0x80320004u)]
    [InlineData("FWP_E_PROVIDER_NOT_FOUND", 0x80320005u)]
    [InlineData("FWP_E_PROVIDER_CONTEXT_NOT_FOUND", 0x80320006u)]
    [InlineData("FWP_E_SUBLAYER_NOT_FOUND", 0x80320007u)]
    [InlineData("FWP_E_NOT_FOUND", 0x80320008u)]
    [InlineData("FWP_E_ALREADY_EXISTS", 0x80320009u)]
    [InlineData("FWP_E_IN_USE", 0x8032000Au)]
    [InlineData("FWP_E_DYNAMIC_SESSION_IN_PROGRESS", 0x8032000Bu)]
    [InlineData("FWP_E_WRONG_SESSION", 0x8032000Cu)]
    [InlineData("FWP_E_NO_TXN_IN_PROGRESS", 0x8032000Du)]
    [InlineData("FWP_E_TXN_IN_PROGRESS", 0x8032000Eu)]
    [InlineData("FWP_E_TXN_ABORTED", 0x8032000Fu)]
    [InlineData("FWP_E_SESSION_ABORTED", 0x80320010u)]
    [InlineData("FWP_E_INCOMPATIBLE_TXN", 0x80320011u)]
    [InlineData("FWP_E_TIMEOUT", 0x80320012u)]
    [InlineData("FWP_E_NET_EVENTS_DISABLED", 0x80320013u)]
    [InlineData("FWP_E_INCOMPATIBLE_LAYER", 0x80320014u)]
    [InlineData("FWP_E_KM_CLIENTS_ONLY", 0x80320015u)]
    [InlineData("FWP_E_LIFETIME_MISMATCH", 0x80320016u)]
    [InlineData("FWP_E_BUILTIN_OBJECT", 0x80320017u)]
    [InlineData("FWP_E_TOO_MANY_CALLOUTS", 0x80320018u)]
    [InlineData("FWP_E_NOTIFICATION_DROPPED", 0x80320019u)]
    [InlineData("FWP_E_TRAFFIC_MISMATCH", 0x8032001Au)]
    [InlineData("FWP_E_INCOMPATIBLE_SA_STATE", 0x8032001Bu)]
    [InlineData("FWP_E_NULL_POINTER", 0x8032001Cu)]
    [InlineData("FWP_E_INVALID_ENUMERATOR", 0x8032001Du)]
    [InlineData("FWP_E_INVALID_FLAGS", 0x8032001Eu)]
    [InlineData("FWP_E_INVALID_NET_MASK", 0x8032001Fu)]
    [InlineData("FWP_E_INVALID_RANGE", 0x80320020u)]
    [InlineData("FWP_E_INVALID_INTERVAL", 0x80320021u)]
    [InlineData("FWP_E_ZERO_LENGTH_ARRAY", 0x80320022u)]
    [InlineData("FWP_E_NULL_DISPLAY_NAME", 0x80320023u)]
    [InlineData("FWP_E_INVALID_ACTION_TYPE", 0x80320024u)]
    [InlineData("FWP_E_INVALID_WEIGHT", 0x80320025u)]
    [InlineData("FWP_E_MATCH_TYPE_MISMATCH", 0x80320026u)]
    [InlineData("FWP_E_TYPE_MISMATCH", 0x80320027u)]
    [InlineData("FWP_E_OUT_OF_BOUNDS", 0x80320028u)]
    [InlineData("FWP_E_RESERVED", 0x80320029u)]
    [InlineData("FWP_E_DUPLICATE_CONDITION", 0x8032002Au)]
    [InlineData("FWP_E_DUPLICATE_KEYMOD", 0x8032002Bu)]
    [InlineData("FWP_E_ACTION_INCOMPATIBLE_WITH_LAYER", 0x8032002Cu)]
    [InlineData("FWP_E_ACTION_INCOMPATIBLE_WITH_SUBLAYER", 0x8032002Du)]
    [InlineData("FWP_E_CONTEXT_INCOMPATIBLE_WITH_LAYER", 0x8032002Eu)]
    [InlineData("FWP_E_CONTEXT_INCOMPATIBLE_WITH_CALLOUT", 0x8032002Fu)]
    [InlineData("FWP_E_INCOMPATIBLE_AUTH_METHOD", 0x80320030u)]
    [InlineData("FWP_E_INCOMPATIBLE_DH_GROUP", 0x80320031u)]
    [InlineData("FWP_E_EM_NOT_SUPPORTED", 0x80320032u)]
    [InlineData("FWP_E_NEVER_MATCH", 0x80320033u)]
    [InlineData("FWP_E_PROVIDER_CONTEXT_MISMATCH", 0x80320034u)]
    [InlineData("FWP_E_INVALID_PARAMETER", 0x80320035u)]
    [InlineData("FWP_E_TOO_MANY_SUBLAYERS", 0x80320036u)]
    [InlineData("FWP_E_CALLOUT_NOTIFICATION_FAILED", 0x80320037u)]
    [InlineData("FWP_E_INVALID_AUTH_TRANSFORM", 0x80320038u)]
    [InlineData("FWP_E_INVALID_CIPHER_TRANSFORM", 0x80320039u)]
    [InlineData("FWP_E_INCOMPATIBLE_CIPHER_TRANSFORM", 0x8032003Au)]
    [InlineData("FWP_E_INVALID_TRANSFORM_COMBINATION", 0x8032003Bu)]
    [InlineData("FWP_E_DUPLICATE_AUTH_METHOD", 0x8032003Cu)]
    [InlineData("FWP_E_INVALID_TUNNEL_ENDPOINT", 0x8032003Du)]
    [InlineData("FWP_E_L2_DRIVER_NOT_READY", 0x8032003Eu)]
    [InlineData("FWP_E_KEY_DICTATOR_ALREADY_REGISTERED", 0x8032003Fu)]
    [InlineData("FWP_E_KEY_DICTATION_INVALID_KEYING_MATERIAL", 0x80320040u)]
    [InlineData("FWP_E_CONNECTIONS_DISABLED", 0x80320041u)]
    [InlineData("FWP_E_INVALID_DNS_NAME", 0x80320042u)]
    [InlineData("FWP_E_STILL_ON", 0x80320043u)]
    [InlineData("FWP_E_IKEEXT_NOT_RUNNING", 0x80320044u)]
    [InlineData("FWP_E_DROP_NOICMP", 0x80320104u)]
    public void WfpErrors_EveryWinerrorCodeHasItsName(string name, uint value)
    {
        Assert.True(Enum.IsDefined(typeof(WfpError), value), $"{name} (0x{value:X8}) is not a WfpError");
        Assert.Equal(name, WfpErrorInfo.NameOf((WfpError)value));
        Assert.Equal($"{name} (0x{value:X8})", WfpErrorInfo.Describe((WfpError)value));
    }

    [Theory]
    [InlineData(WfpError.CalloutNotFound, 0x80320001u)]
    [InlineData(WfpError.LayerNotFound, 0x80320004u)]
    [InlineData(WfpError.InUse, 0x8032000Au)]
    [InlineData(WfpError.LifetimeMismatch, 0x80320016u)]
    [InlineData(WfpError.InvalidNetMask, 0x8032001Fu)]
    [InlineData(WfpError.InvalidWeight, 0x80320025u)]
    [InlineData(WfpError.TooManySublayers, 0x80320036u)]
    [InlineData(WfpError.DropNoicmp, 0x80320104u)]
    public void WfpError_Values(WfpError error, uint value) => Assert.Equal(value, (uint)error);

    [Fact]
    public void DataTypes_AreAbi()
    {
        Assert.Equal(0u, (uint)FwpDataType.Empty);
        Assert.Equal(4u, (uint)FwpDataType.UInt64);
        Assert.Equal(11u, (uint)FwpDataType.ByteArray16);
        Assert.Equal(12u, (uint)FwpDataType.ByteBlob);
        Assert.Equal(14u, (uint)FwpDataType.SecurityDescriptor);
        Assert.Equal(17u, (uint)FwpDataType.UnicodeString);
        Assert.Equal(18u, (uint)FwpDataType.ByteArray6);
        Assert.Equal(0xffu, (uint)FwpDataType.SingleDataTypeMax);
        Assert.Equal(0x100u, (uint)FwpDataType.V4AddrMask);
        Assert.Equal(0x101u, (uint)FwpDataType.V6AddrMask);
        Assert.Equal(0x102u, (uint)FwpDataType.Range);
    }

    [Fact]
    public void MatchTypes_AreAbi()
    {
        Assert.Equal(Enumerable.Range(0, 13).Select(i => (uint)i), Enum.GetValues<FwpMatchType>().Select(m => (uint)m));
        Assert.Equal(11u, (uint)FwpMatchType.Prefix);
        Assert.Equal(10u, (uint)FwpMatchType.NotEqual);
    }

    [Fact]
    public void ActionTypes_AreAbi()
    {
        Assert.Equal(0x1001u, (uint)ActionType.Block);
        Assert.Equal(0x1002u, (uint)ActionType.Permit);
        Assert.Equal(0x5003u, (uint)ActionType.CalloutTerminating);
        Assert.Equal(0x6004u, (uint)ActionType.CalloutInspection);
        Assert.Equal(0x4005u, (uint)ActionType.CalloutUnknown);
        Assert.Equal(0x2006u, (uint)ActionType.Continue);
        Assert.Equal(0x7u, (uint)ActionType.None);
        Assert.Equal(0x8u, (uint)ActionType.NoneNoMatch);
    }

    [Fact]
    public void FilterFlags_AreAbi()
    {
        uint[] expected = [0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200, 0x400, 0x800, 0x1000, 0x2000, 0x4000, 0x8000];
        Assert.Equal(expected, Enum.GetValues<FilterFlags>().Where(f => f != FilterFlags.None).Select(f => (uint)f));
        Assert.Equal(0x8u, (uint)FilterFlags.ClearActionRight);
        Assert.Equal(0x10u, (uint)FilterFlags.PermitIfCalloutUnregistered);
        Assert.Equal(0x4, (int)RuntimeFilterFlags.OrConditions);
    }

    [Fact]
    public void ClassifyOutAndWeights_AreAbi()
    {
        Assert.Equal(0x1u, ClassifyOut.RightActionWrite);
        Assert.Equal(0x1u, ClassifyOut.FlagAbsorb);
        Assert.Equal(60, AutoWeight.AutoWeightBits);
        Assert.Equal(0x0FFF_FFFF_FFFF_FFFFUL, AutoWeight.AutoWeightMax);
        Assert.Equal(15UL, AutoWeight.WeightRangeMax);
        Assert.Equal(0xcUL, AutoWeight.WeightRangeIkeExemptions);
        Assert.Equal(0x2u, ClassifyMetadata.FieldFlowHandle);
        Assert.Equal(0x40000u, ClassifyMetadata.FieldPacketDirection);
    }

    // The repository root: above the test binaries, or (when they are built elsewhere, e.g. --artifacts-path)
    // above this source file.
    internal static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) ?? "" })
        {
            var dir = new DirectoryInfo(start);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "wfp.slnx")))
            {
                dir = dir.Parent;
            }

            if (dir is not null)
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (wfp.slnx) not found");
    }
}
