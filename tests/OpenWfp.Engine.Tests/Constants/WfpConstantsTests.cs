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
