using System.Text;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Samples.Callouts.StmEdit;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Samples.Tests;

/// <summary>The StmEdit sample: a string replaced inline (absorb + inject), NEED_MORE_DATA for a match split across segments.</summary>
public sealed class StreamEditTests
{
    private const ulong Flow = 42;
    private static readonly LayerInfo Stream4 = LayerCatalog.Layer("STREAM_V4");
    private readonly FilterEngine _engine = new();
    private readonly RecordingInjector _injector = new();
    private readonly StreamEditCallout _callout;

    public StreamEditTests() => _callout = SampleHarness.Plug(_engine, new StreamEditCallout());

    [Theory]
    [InlineData("rainy=>sunny", "it is rainy, so rainy", "it is sunny, so sunny")]
    [InlineData("cat=>tiger", "a cat sat", "a tiger sat")]
    [InlineData("tiger=>cat", "a tiger sat.", "a cat sat.")]
    [InlineData("x=>", "xaxbx", "ab")]
    public void Occurrences_AreReplaced_ByAbsorbAndInject(string edit, string data, string expected)
    {
        Configure(edit);
        var (result, io) = Indicate(StreamDataFlags.Send, data);

        Assert.True(result.IsAbsorbed);
        Assert.Equal(StreamAction.None, io.Action);
        var (flow, flags, injected) = Assert.Single(_injector.Streams);
        Assert.Equal(Flow, flow);
        Assert.Equal(StreamDataFlags.Send, flags);
        Assert.Equal(expected, Encoding.UTF8.GetString(injected));
    }

    [Fact]
    public void NoOccurrence_IsPermittedUnchanged()
    {
        Configure("rainy=>sunny");
        var (result, io) = Indicate(StreamDataFlags.Receive, "fine weather.");
        Assert.Equal(ActionType.Permit, result.Action);
        Assert.Equal(StreamAction.None, io.Action);
        Assert.Empty(_injector.Streams);
    }

    [Fact]
    public void MatchSplitAcrossSegments_AsksForMoreData_ThenIsEdited()
    {
        Configure("rainy=>sunny");

        var (held, io) = Indicate(StreamDataFlags.Send, "it is ra");
        Assert.Equal(StreamAction.NeedMoreData, io.Action);
        Assert.Equal(11u, io.CountBytesRequired); // 8 bytes seen, 2 of them start "rainy": 3 more are needed
        Assert.Equal(0, held.CalloutFaults); // FWP_ACTION_NONE with a stream action is the documented answer, not a fault
        Assert.Empty(_injector.Streams);

        // The data plane indicates the held bytes with what followed: here in two pieces (a wrapped ring buffer).
        var (edited, io2) = Indicate(StreamDataFlags.Send, "it is ra", "iny!");
        Assert.True(edited.IsAbsorbed);
        Assert.Equal(StreamAction.None, io2.Action);
        Assert.Equal("it is sunny!", Encoding.UTF8.GetString(Assert.Single(_injector.Streams).Data));
        Assert.Equal(1, _callout.Edits);
    }

    [Fact]
    public void DataEndingWithThePatternsFirstLetter_WaitsForMore()
    {
        Configure("tiger=>cat");
        var (result, io) = Indicate(StreamDataFlags.Send, "a tiger sat");
        Assert.Equal(StreamAction.NeedMoreData, io.Action);
        Assert.Equal(15u, io.CountBytesRequired);
        Assert.Equal(0, result.CalloutFaults);
        Assert.Empty(_injector.Streams);
    }

    [Fact]
    public void PartialMatchAtTheEndOfTheStream_IsPassedAsItIs()
    {
        Configure("rainy=>sunny");
        var (result, io) = Indicate(StreamDataFlags.Send | StreamDataFlags.SendDisconnect, "it is ra");
        Assert.Equal(ActionType.Permit, result.Action);
        Assert.Equal(StreamAction.None, io.Action);
    }

    [Fact]
    public void BadConfiguration_IsRefusedWhenTheFilterIsAdded()
    {
        var e = Assert.Throws<OpenWfp.Engine.Errors.WfpException>(() => Configure("no arrow"));
        Assert.Equal(OpenWfp.Engine.Errors.WfpError.CalloutNotificationFailed, e.Error);
    }

    [Theory]
    [InlineData("abcab", "abcab", 1, 0)]
    [InlineData("xxabca", "abcab", 0, 4)]
    [InlineData("aaaa", "aab", 0, 2)]
    [InlineData("ab ab a", "ab", 2, 1)]
    public void Count_FindsWholeOccurrencesAndTheStartOfOne(string data, string find, int whole, int partial)
    {
        Assert.Equal(whole, StreamEditCallout.Count(Encoding.UTF8.GetBytes(data), Encoding.UTF8.GetBytes(find), out var p));
        Assert.Equal(partial, p);
    }

    private void Configure(string edit) =>
        SampleHarness.AddFilter(_engine, "STREAM_V4", SampleHarness.KeyOf<StreamEditCallout>("stmedit.stream-v4"), edit);

    private (ClassifyResult Result, StreamIoResult Io) Indicate(StreamDataFlags flags, string first, string second = "")
    {
        var io = default(StreamIoResult);
        var data = new StreamData(flags, 0, Encoding.UTF8.GetBytes(first), Encoding.UTF8.GetBytes(second), 0);
        var result = _engine.Classify(Stream4, Input(Stream4), ClassifyMetadata.ForFlow(Flow), default, new LayerData(data, ref io, _injector));
        return (result, io);
    }
}
