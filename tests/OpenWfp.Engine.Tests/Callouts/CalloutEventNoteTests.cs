using OpenWfp.Engine.Callouts;

namespace OpenWfp.Engine.Tests.Callouts;

/// <summary>The note a blocking callout leaves for its packet's net event: taken once, on the same thread, cut at 256 characters.</summary>
public sealed class CalloutEventNoteTests
{
    [Fact]
    public void ANoteIsTakenOnceWithItsDetail()
    {
        CalloutEventNote.Set(52, "POST example.com /upload");
        Assert.True(CalloutEventNote.Take(out var id, out var detail));
        Assert.Equal(52u, id);
        Assert.Equal("POST example.com /upload", detail);
        Assert.False(CalloutEventNote.Take(out var none, out var noDetail));
        Assert.Equal(0u, none);
        Assert.Null(noDetail);
    }

    [Fact]
    public void ClearDropsTheNote_AndALongDetailIsCut()
    {
        CalloutEventNote.Set(7, new string('a', 300));
        CalloutEventNote.Clear();
        Assert.False(CalloutEventNote.Take(out _, out _));

        CalloutEventNote.Set(7, new string('a', 300));
        Assert.True(CalloutEventNote.Take(out _, out var detail));
        Assert.Equal(256, detail!.Length);
    }

    [Fact]
    public void ANoteStaysOnItsThread()
    {
        CalloutEventNote.Set(9, "x");
        var seenElsewhere = true;
        var t = new Thread(() => seenElsewhere = CalloutEventNote.Take(out _, out _));
        t.Start();
        t.Join();
        Assert.False(seenElsewhere);
        Assert.True(CalloutEventNote.Take(out var id, out _));
        Assert.Equal(9u, id);
    }
}
