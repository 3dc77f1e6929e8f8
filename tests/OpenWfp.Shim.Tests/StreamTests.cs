using System.Buffers.Binary;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Wire;
using static OpenWfp.Shim.Tests.StreamHarness;

namespace OpenWfp.Shim.Tests;

public sealed class StreamTests
{
    private const uint C = 1000;
    private const uint S = 5000;

    [Fact]
    public void InOrderData_IsIndicatedPerDirection_WithFlagsAndOffsets()
    {
        var h = new StreamHarness();
        h.Handshake(C, S);
        h.Send(Out(C + 1, S + 1, TcpFlags.Ack | TcpFlags.Psh, Bytes("GET / HTTP/1.1\r\n")));
        h.Send(In(S + 1, C + 17, TcpFlags.Ack, Bytes("HTTP/1.1 200 OK\r\n")));
        h.Send(Out(C + 17, S + 18, TcpFlags.Ack | TcpFlags.Fin));

        Assert.Equal("GET / HTTP/1.1\r\n", System.Text.Encoding.ASCII.GetString(h.Callout.Sent.ToArray()));
        Assert.Equal("HTTP/1.1 200 OK\r\n", System.Text.Encoding.ASCII.GetString(h.Callout.Received.ToArray()));
        Assert.Equal(
            [
                (StreamDataFlags.Send | StreamDataFlags.SendNoDelay, 16, 0u, 0UL),
                (StreamDataFlags.Receive, 17, 0u, 0UL),
                (StreamDataFlags.Send | StreamDataFlags.SendDisconnect, 0, 0u, 16UL),
            ],
            h.Callout.StreamCalls);
    }

    [Fact]
    public void SegmentWithoutPayload_WithoutStreamState_DoesNotMeetStream()
    {
        var h = new StreamHarness();
        h.Handshake(C, S);
        Assert.Empty(h.Callout.StreamCalls);
        Assert.Equal(0, h.Shim.Counters.StreamIndications);
    }

    [Fact]
    public void OutOfOrderSegment_IsPermittedAndKept_AndTheGapFillerCarriesTheRun()
    {
        var h = new StreamHarness();
        h.Callout.OnClassify = (in CalloutClassifyContext c, ref ClassifyOut o) =>
        {
            if (c.LayerData.Stream.Length >= 8)
            {
                o.ActionType = ActionType.Block;
            }
        };
        h.Handshake(C, S);
        var late = h.Send(Out(C + 5, S + 1, TcpFlags.Ack, Bytes("WORLD")));
        Assert.True(late.IsPermitted);
        Assert.Equal(1, h.Shim.Counters.StreamOutOfOrder);
        Assert.Equal(h.Shim.Options.StreamMaxBytesPerDirection, h.Shim.StreamBytesReserved);
        Assert.Equal(5, h.Shim.StreamBytesKept);

        var filler = h.Send(Out(C + 1, S + 1, TcpFlags.Ack, Bytes("HELO")));
        Assert.False(filler.IsPermitted);
        Assert.Equal(LayerIds.StreamV4, filler.LayerId);
        Assert.Equal([(StreamDataFlags.Send, 9, 0u, 0UL)], h.Callout.StreamCalls);

        // The blocked run is not decided: its retransmission is indicated again.
        var again = h.Send(Out(C + 1, S + 1, TcpFlags.Ack, Bytes("HELO")));
        Assert.False(again.IsPermitted);
        Assert.Equal(2, h.Callout.StreamCalls.Count);
    }

    [Fact]
    public void OverlapWithDifferentBytes_FirstBytesWin_CountedAndFlagged()
    {
        var h = new StreamHarness();
        h.Handshake(C, S);
        h.Send(Out(C + 4, S + 1, TcpFlags.Ack, Bytes("defg")));
        var trace = new ShimTrace();
        var conflict = h.Send(Out(C + 6, S + 1, TcpFlags.Ack, Bytes("XYhi")), trace);
        Assert.True(conflict.StreamOverlapConflict);
        Assert.True(conflict.IsPermitted);
        Assert.Equal(ShimNotes.StreamOverlapConflict, trace.Notes & ShimNotes.StreamOverlapConflict);
        Assert.Equal(1, h.Shim.Counters.StreamOverlapConflicts);
        h.Send(Out(C + 1, S + 1, TcpFlags.Ack, Bytes("abc")));
        Assert.Equal("abcdefghi", System.Text.Encoding.ASCII.GetString(h.Callout.Sent.ToArray()));
        Assert.Equal(2, h.Shim.Counters.StreamRetransmittedBytes);
    }

    [Fact]
    public void Retransmission_OfDecidedBytes_IsNotIndicatedAgain()
    {
        var h = new StreamHarness();
        h.Handshake(C, S);
        h.Send(Out(C + 1, S + 1, TcpFlags.Ack, Bytes("abcd")));
        var again = h.Send(Out(C + 1, S + 1, TcpFlags.Ack, Bytes("abcdef")));
        Assert.True(again.IsPermitted);
        Assert.Equal("abcdef", System.Text.Encoding.ASCII.GetString(h.Callout.Sent.ToArray()));
        Assert.Equal(4, h.Shim.Counters.StreamRetransmittedBytes);
    }

    [Fact]
    public void NeedMoreData_HoldsTheFirstPacket_LaterOnesPass_ReleaseWhenEnough()
    {
        var h = new StreamHarness();
        h.Callout.OnClassify = (in CalloutClassifyContext c, ref ClassifyOut o) =>
        {
            if (c.LayerData.Stream.Length < 10)
            {
                c.LayerData.StreamResult.Action = StreamAction.NeedMoreData;
                c.LayerData.StreamResult.CountBytesRequired = 10;
            }
            else
            {
                o.ActionType = ActionType.Block;
            }
        };
        h.Handshake(C, S);
        h.NextTag = 100;
        var first = h.Send(Out(C + 1, S + 1, TcpFlags.Ack, Bytes("abcd")));
        Assert.True(first.Held);
        Assert.Equal(ShimReason.Held, first.Reason);
        var second = h.Send(Out(C + 5, S + 1, TcpFlags.Ack, Bytes("ef")));
        Assert.True(second.IsPermitted);
        Assert.Single(h.Callout.StreamCalls);
        Assert.Equal(0, h.Shim.PendingReleases);

        var third = h.Send(Out(C + 7, S + 1, TcpFlags.Ack, Bytes("ghij")));
        Assert.False(third.IsPermitted);
        Assert.Equal(2, h.Callout.StreamCalls.Count);
        Assert.Equal(10, h.Callout.StreamCalls[1].Length);
        var releases = new ShimRelease[4];
        Assert.Equal(1, h.Shim.DrainReleases(releases));
        Assert.Equal(new ShimRelease(100, ActionType.Block, false, false), releases[0]);
    }

    [Fact]
    public void NeedMoreData_AtFin_CallsWithNoMoreData()
    {
        var h = new StreamHarness();
        h.Callout.OnClassify = (in CalloutClassifyContext c, ref ClassifyOut o) =>
        {
            if ((o.Flags & ClassifyOut.FlagNoMoreData) == 0 && !c.LayerData.Stream.IsEnd)
            {
                c.LayerData.StreamResult.Action = StreamAction.NeedMoreData;
                c.LayerData.StreamResult.CountBytesRequired = 100;
            }
        };
        h.Handshake(C, S);
        h.NextTag = 7;
        Assert.True(h.Send(Out(C + 1, S + 1, TcpFlags.Ack, Bytes("abc"))).Held);
        var fin = h.Send(Out(C + 4, S + 1, TcpFlags.Ack | TcpFlags.Fin, Bytes("de")));
        Assert.True(fin.IsPermitted);
        Assert.Equal(ClassifyOut.FlagNoMoreData, h.Callout.StreamCalls[1].OutFlags);
        Assert.Equal(5, h.Callout.StreamCalls[1].Length);
        Assert.Equal(StreamDataFlags.Send | StreamDataFlags.SendDisconnect, h.Callout.StreamCalls[2].Flags);
        var releases = new ShimRelease[4];
        Assert.Equal(1, h.Shim.DrainReleases(releases));
        Assert.Equal(new ShimRelease(7, ActionType.Permit, false, false), releases[0]);
    }

    [Fact]
    public void Defer_HoldsUntilContinue_ThenIndicatesAgain()
    {
        var h = new StreamHarness();
        var deferred = false;
        h.Callout.OnClassify = (in CalloutClassifyContext c, ref ClassifyOut o) =>
        {
            if (!deferred)
            {
                deferred = true;
                c.LayerData.StreamResult.Action = StreamAction.Defer;
            }
        };
        h.Handshake(C, S);
        h.NextTag = 42;
        var held = h.Send(In(S + 1, C + 1, TcpFlags.Ack, Bytes("hello")));
        Assert.True(held.Held);
        var later = h.Send(In(S + 6, C + 1, TcpFlags.Ack, Bytes("!")));
        Assert.True(later.IsPermitted);
        Assert.Single(h.Callout.StreamCalls);

        // From another thread, as a data plane's injector would.
        var flowId = held.FlowId;
        Task.Run(() => h.Shim.ContinueStream(flowId, inbound: true)).Wait();
        Assert.Equal(0, h.Shim.PendingReleases);
        h.Shim.Poll(h.Now);
        Assert.Equal(2, h.Callout.StreamCalls.Count);
        Assert.Equal((StreamDataFlags.Receive, 6, 0u, 0UL), h.Callout.StreamCalls[1]);
        var releases = new ShimRelease[4];
        Assert.Equal(1, h.Shim.DrainReleases(releases));
        Assert.Equal(new ShimRelease(42, ActionType.Permit, false, false), releases[0]);
    }

    [Fact]
    public void Defer_ContinuedThroughTheLayerDataInjector()
    {
        var h = new StreamHarness();
        IPacketInjector? injector = null;
        ulong flow = 0;
        h.Callout.OnClassify = (in CalloutClassifyContext c, ref ClassifyOut o) =>
        {
            if (injector is null)
            {
                injector = c.LayerData.Injector;
                flow = c.Metadata.FlowHandle;
                c.LayerData.StreamResult.Action = StreamAction.Defer;
            }
        };
        h.Handshake(C, S);
        Assert.True(h.Send(Out(C + 1, S + 1, TcpFlags.Ack, Bytes("abc"))).Held);
        Assert.Equal(InjectStatus.Ok, injector!.StreamContinue(flow, StreamDataFlags.Send));
        h.Shim.Poll(h.Now);
        Assert.Equal(1, h.Shim.PendingReleases);
    }

    [Fact]
    public void DropConnection_ResetsAndBlocksTheRestOfTheFlow()
    {
        var h = new StreamHarness();
        h.Callout.OnClassify = (in CalloutClassifyContext c, ref ClassifyOut o) => c.LayerData.StreamResult.Action = StreamAction.DropConnection;
        h.Handshake(C, S);
        var dropped = h.Send(Out(C + 1, S + 1, TcpFlags.Ack, Bytes("evil")));
        Assert.False(dropped.IsPermitted);
        Assert.True(dropped.ResetConnection);
        Assert.Equal(ShimReason.ConnectionDropped, dropped.Reason);
        Assert.Equal(1, h.Shim.Counters.StreamDroppedConnections);

        var after = h.Send(In(S + 1, C + 5, TcpFlags.Ack, Bytes("reply")));
        Assert.False(after.IsPermitted);
        Assert.Equal(ShimReason.FlowBlocked, after.Reason);
        Assert.Single(h.Callout.StreamCalls);
    }

    [Fact]
    public void AllowConnection_StopsStreamForTheConnection()
    {
        var h = new StreamHarness();
        h.Callout.OnClassify = (in CalloutClassifyContext c, ref ClassifyOut o) => c.LayerData.StreamResult.Action = StreamAction.AllowConnection;
        h.Handshake(C, S);
        Assert.True(h.Send(Out(C + 1, S + 1, TcpFlags.Ack, Bytes("abc"))).IsPermitted);
        Assert.True(h.Send(In(S + 1, C + 4, TcpFlags.Ack, Bytes("def"))).IsPermitted);
        Assert.True(h.Send(Out(C + 4, S + 4, TcpFlags.Ack, Bytes("ghi"))).IsPermitted);
        Assert.Single(h.Callout.StreamCalls);
    }

    [Fact]
    public void BlockWithoutStreamAction_DropsTheSegmentOnly()
    {
        var h = new StreamHarness();
        h.Callout.OnClassify = (in CalloutClassifyContext c, ref ClassifyOut o) =>
        {
            if (c.LayerData.Stream.First.IndexOf((byte)'X') >= 0)
            {
                o.ActionType = ActionType.Block;
            }
        };
        h.Handshake(C, S);
        Assert.True(h.Send(Out(C + 1, S + 1, TcpFlags.Ack, Bytes("ok"))).IsPermitted);
        var blocked = h.Send(Out(C + 3, S + 1, TcpFlags.Ack, Bytes("X")));
        Assert.False(blocked.IsPermitted);
        Assert.False(blocked.FlowBlocked);
        Assert.True(h.Send(In(S + 1, C + 3, TcpFlags.Ack, Bytes("fine"))).IsPermitted);
    }

    [Fact]
    public void PerDirectionBound_HugeGap_ResetsFailClosed()
    {
        var h = new StreamHarness(new ShimOptions { LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24"]), StreamMaxBytesPerDirection = 1024 });
        h.Handshake(C, S);
        var far = h.Send(Out(C + 1 + 2000, S + 1, TcpFlags.Ack, Bytes("far")));
        Assert.False(far.IsPermitted);
        Assert.True(far.ResetConnection);
        Assert.Equal(ShimReason.ConnectionDropped, far.Reason);
        Assert.Equal(1, h.Shim.Counters.StreamBufferResets);
        Assert.Equal(0, h.Shim.StreamBytesReserved);
    }

    [Fact]
    public void GlobalBound_ResetsTheConnectionThatNeedsMore()
    {
        var h = new StreamHarness(new ShimOptions { LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24"]), StreamMaxBytesPerDirection = 1024, StreamMaxBytesTotal = 2048 });
        for (ushort port = 1; port <= 3; port++)
        {
            h.Send(Frames.Out4(Testing.Packets.PacketBuilder.Tcp(port, 80, C, 0, TcpFlags.Syn), IpProtocol.Tcp));
            var v = h.Send(Frames.Out4(Testing.Packets.PacketBuilder.Tcp(port, 80, C + 10, 1, TcpFlags.Ack, Bytes("gap")), IpProtocol.Tcp));
            Assert.Equal(port <= 2, v.IsPermitted);
            Assert.Equal(port > 2, v.ResetConnection);
        }

        Assert.Equal(2048, h.Shim.StreamBytesReserved);
        Assert.Equal(1, h.Shim.Counters.StreamBufferResets);
    }

    [Fact]
    public void SequenceWrap_ReassemblesAcrossZero()
    {
        var h = new StreamHarness();
        const uint isn = 0xFFFF_FFF0;
        h.Handshake(isn, S);
        h.Send(Out(isn + 1 + 10, S + 1, TcpFlags.Ack, Bytes("KLMNOPQRST")));
        h.Send(Out(isn + 1, S + 1, TcpFlags.Ack, Bytes("ABCDEFGHIJ")));
        Assert.Equal("ABCDEFGHIJKLMNOPQRST", System.Text.Encoding.ASCII.GetString(h.Callout.Sent.ToArray()));
    }

    [Fact]
    public void MidConnectionCapture_StartsAtTheFirstDataSeen()
    {
        var h = new StreamHarness();
        h.Send(In(777, 1, TcpFlags.Ack, Bytes("xyz")));
        h.Send(In(780, 1, TcpFlags.Ack, Bytes("123")));
        Assert.Equal("xyz123", System.Text.Encoding.ASCII.GetString(h.Callout.Received.ToArray()));
    }

    [Theory]
    [InlineData("new!", "NEW!")]
    [InlineData("new!", "a longer replacement")]
    [InlineData("new!", "x")]
    public void StreamEdit_RewritesTheSegment_AndShiftsLaterSeqAndAck(string original, string replacement)
    {
        var h = new StreamHarness();
        var edited = false;
        h.Callout.OnClassify = (in CalloutClassifyContext c, ref ClassifyOut o) =>
        {
            if (!edited && c.LayerData.Stream.Length > 0 && !c.LayerData.Stream.IsReceive)
            {
                edited = true;
                Assert.Equal(InjectStatus.Ok, c.LayerData.Injector!.InjectStream(c.Metadata.FlowHandle, StreamDataFlags.Send, Bytes(replacement)));
                o.ActionType = ActionType.Block;
                o.Flags |= ClassifyOut.FlagAbsorb;
            }
        };
        h.Handshake(C, S);
        var v = h.Send(Out(C + 1, S + 1, TcpFlags.Ack | TcpFlags.Psh, Bytes(original)));
        Assert.True(v.IsPermitted);
        Assert.True(v.Modified);
        var packet = h.Shim.ModifiedPacket.ToArray();
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Ipv4, packet, out var p));
        Assert.Equal(replacement, System.Text.Encoding.ASCII.GetString(packet.AsSpan(p.PayloadOffset, p.PayloadLength)));
        Assert.Equal(C + 1, p.TcpSequence);
        AssertChecksumsValid(packet);

        var delta = replacement.Length - original.Length;
        var next = h.Send(Out(C + 1 + (uint)original.Length, S + 1, TcpFlags.Ack, Bytes("more")));
        var reply = h.Send(In(S + 1, C + 1 + (uint)(replacement.Length + 4), TcpFlags.Ack, Bytes("ok")));
        Assert.True(reply.IsPermitted);
        Assert.Equal(delta != 0, reply.Modified);
        if (delta != 0)
        {
            Assert.True(next.Modified);
            var ack = h.Shim.ModifiedPacket.ToArray();
            Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Ipv4, ack, out var a));
            Assert.Equal(C + 1 + (uint)original.Length + 4, a.TcpAcknowledgment);
            AssertChecksumsValid(ack);
        }

        Assert.Equal(original + "more", System.Text.Encoding.ASCII.GetString(h.Callout.Sent.ToArray()));
    }

    [Fact]
    public void StreamEdit_ShiftsSackEdgesOfTheOtherDirection()
    {
        var h = new StreamHarness();
        h.Callout.OnClassify = (in CalloutClassifyContext c, ref ClassifyOut o) =>
        {
            if (c.LayerData.Stream.Length == 2)
            {
                c.LayerData.Injector!.InjectStream(c.Metadata.FlowHandle, StreamDataFlags.Send, Bytes("abcdef"));
                o.ActionType = ActionType.Block;
                o.Flags |= ClassifyOut.FlagAbsorb;
            }
        };
        h.Handshake(C, S);
        h.Send(Out(C + 1, S + 1, TcpFlags.Ack, Bytes("ab")));
        byte[] sack = [1, 1, 5, 10, 0, 0, 0, 0, 0, 0, 0, 0];
        BinaryPrimitives.WriteUInt32BigEndian(sack.AsSpan(4), C + 100);
        BinaryPrimitives.WriteUInt32BigEndian(sack.AsSpan(8), C + 200);
        var frame = Frames.In4(Testing.Packets.PacketBuilder.Tcp(80, 40000, S + 1, C + 7, TcpFlags.Ack, null, sack), IpProtocol.Tcp);
        var v = h.Send(frame);
        Assert.True(v.Modified);
        var packet = h.Shim.ModifiedPacket.ToArray();
        Assert.Equal(C + 3, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(20 + 8)));
        Assert.Equal(C + 96, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(20 + 20 + 4)));
        Assert.Equal(C + 196, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(20 + 20 + 8)));
        AssertChecksumsValid(packet);
    }

    [Fact]
    public void PendAtAle_HoldsThePacket_CompleteReleasesForReclassify()
    {
        var h = new StreamHarness(null, "ALE_AUTH_CONNECT_V4");
        var decided = false;
        ulong handle = 0;
        h.Callout.OnClassify = (in CalloutClassifyContext c, ref ClassifyOut o) =>
        {
            if (!decided)
            {
                handle = c.Metadata.CompletionHandle;
                Assert.NotEqual(0u, c.Metadata.CurrentMetadataValues & ClassifyMetadata.FieldCompletionHandle);
                o.ActionType = ActionType.Block;
                o.Flags |= ClassifyOut.FlagAbsorb | ClassifyOut.FlagPend;
            }
        };
        h.NextTag = 9;
        var first = h.Send(Out(C, 0, TcpFlags.Syn));
        Assert.True(first.Held);
        Assert.False(first.FlowBlocked);
        Assert.Equal(0, h.Shim.ActiveFlows);
        Assert.Equal(1, h.Shim.PendedClassifications);

        decided = true;
        Assert.True(h.Shim.CompletePended(handle));
        Assert.False(h.Shim.CompletePended(handle));
        var releases = new ShimRelease[2];
        Assert.Equal(1, h.Shim.DrainReleases(releases));
        Assert.Equal(new ShimRelease(9, ActionType.Permit, true, false), releases[0]);

        var again = h.Send(Out(C, 0, TcpFlags.Syn));
        Assert.True(again.IsPermitted);
        Assert.Equal(1, h.Shim.ActiveFlows);
    }

    [Fact]
    public void PendAtAle_CompletedWithinClassify_ReleasesAtOnce()
    {
        var h = new StreamHarness(null, "ALE_AUTH_CONNECT_V4");
        h.Callout.OnClassify = (in CalloutClassifyContext c, ref ClassifyOut o) =>
        {
            o.ActionType = ActionType.Block;
            o.Flags |= ClassifyOut.FlagAbsorb | ClassifyOut.FlagPend;
            Assert.Equal(InjectStatus.Ok, c.LayerData.Injector!.CompletePended(c.Metadata.CompletionHandle));
        };
        h.NextTag = 3;
        Assert.True(h.Send(Out(C, 0, TcpFlags.Syn)).Held);
        Assert.Equal(1, h.Shim.PendingReleases);
        Assert.Equal(0, h.Shim.PendedClassifications);
    }

    [Fact]
    public void CountBytesEnforced_PartOfTheData_TheRestIsIndicatedAgainAtOnce()
    {
        var h = new StreamHarness();
        h.Callout.OnClassify = (in CalloutClassifyContext c, ref ClassifyOut o) =>
        {
            if (c.LayerData.Stream.StreamOffset == 0)
            {
                c.LayerData.StreamResult.CountBytesEnforced = 2;
            }
        };
        h.Handshake(C, S);
        Assert.True(h.Send(Out(C + 1, S + 1, TcpFlags.Ack, Bytes("abcdef"))).IsPermitted);
        Assert.Equal([(StreamDataFlags.Send, 6, 0u, 0UL), (StreamDataFlags.Send, 4, 0u, 2UL)], h.Callout.StreamCalls);
        Assert.Equal(0, h.Shim.StreamBytesReserved);
    }

    [Fact]
    public void Rst_IsAnAbortIndicationWithoutData_AndReleasesHeldPackets()
    {
        var h = new StreamHarness();
        h.Callout.OnClassify = (in CalloutClassifyContext c, ref ClassifyOut o) =>
        {
            if (c.LayerData.Stream.Length > 0)
            {
                c.LayerData.StreamResult.Action = StreamAction.NeedMoreData;
                c.LayerData.StreamResult.CountBytesRequired = 1000;
            }
        };
        h.Handshake(C, S);
        h.NextTag = 11;
        Assert.True(h.Send(Out(C + 1, S + 1, TcpFlags.Ack, Bytes("abc"))).Held);
        Assert.True(h.Send(Out(C + 4, S + 1, TcpFlags.Rst)).IsPermitted);
        Assert.Equal((StreamDataFlags.Send | StreamDataFlags.SendAbort, 0, 0u, 0UL), h.Callout.StreamCalls[^1]);
        var releases = new ShimRelease[2];
        Assert.Equal(1, h.Shim.DrainReleases(releases));
        Assert.Equal(new ShimRelease(11, ActionType.Block, false, false), releases[0]);
        Assert.Equal(0, h.Shim.StreamConnections);
        Assert.Equal(0, h.Shim.StreamBytesReserved);
    }

    [Fact]
    public void NeedMoreData_RingFull_CallsWithBufferLimitReached()
    {
        var h = new StreamHarness(new ShimOptions { LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24"]), StreamMaxBytesPerDirection = 1024 });
        h.Callout.OnClassify = (in CalloutClassifyContext c, ref ClassifyOut o) =>
        {
            if ((o.Flags & ClassifyOut.FlagBufferLimitReached) == 0)
            {
                c.LayerData.StreamResult.Action = StreamAction.NeedMoreData;
                c.LayerData.StreamResult.CountBytesRequired = 5000;
            }
        };
        h.Handshake(C, S);
        var chunk = new byte[400];
        h.NextTag = 20;
        Assert.True(h.Send(Out(C + 1, S + 1, TcpFlags.Ack, chunk)).Held);
        Assert.True(h.Send(Out(C + 401, S + 1, TcpFlags.Ack, chunk)).IsPermitted);

        // The callout decides the 800 bytes it was shown; the third segment's bytes are then shown, and held again.
        Assert.True(h.Send(Out(C + 801, S + 1, TcpFlags.Ack, chunk)).Held);
        Assert.Equal((StreamDataFlags.Send, 800, ClassifyOut.FlagBufferLimitReached, 0UL), h.Callout.StreamCalls[1]);
        Assert.Equal((StreamDataFlags.Send, 400, 0u, 800UL), h.Callout.StreamCalls[2]);
        Assert.Equal(400, h.Shim.StreamBytesKept);
        var releases = new ShimRelease[2];
        Assert.Equal(1, h.Shim.DrainReleases(releases));
        Assert.Equal(new ShimRelease(20, ActionType.Permit, false, false), releases[0]);
    }

    [Fact]
    public void Ipv6Stream_IsReassembledAtStreamV6()
    {
        var h = new StreamHarness(new ShimOptions { LocalNetworks = LocalNetworks.Parse(["fd00::/64"]) }, "STREAM_V6");
        h.Send(Frames.Out6(Testing.Packets.PacketBuilder.Tcp(40000, 443, C, 0, TcpFlags.Syn), IpProtocol.Tcp));
        h.Send(Frames.Out6(Testing.Packets.PacketBuilder.Tcp(40000, 443, C + 4, 1, TcpFlags.Ack, Bytes("def")), IpProtocol.Tcp));
        h.Send(Frames.Out6(Testing.Packets.PacketBuilder.Tcp(40000, 443, C + 1, 1, TcpFlags.Ack, Bytes("abc")), IpProtocol.Tcp));
        Assert.Equal("abcdef", System.Text.Encoding.ASCII.GetString(h.Callout.Sent.ToArray()));
        Assert.Equal([(StreamDataFlags.Send, 6, 0u, 0UL)], h.Callout.StreamCalls);
    }

    internal static void AssertChecksumsValid(byte[] ipPacket)
    {
        var copy = (byte[])ipPacket.Clone();
        Assert.True(Checksums.Fix(copy));
        Assert.Equal(ipPacket, copy);
    }
}
