using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Engine.Tests.Callouts;

public class CalloutTests
{
    private static readonly FwpValue[] Input443 = Input(Connect4, ("IP_REMOTE_PORT", FwpValue.FromUInt16(443)));

    [Theory]
    [InlineData(ActionType.CalloutTerminating, false, ActionType.Block)]
    [InlineData(ActionType.CalloutTerminating, true, ActionType.Permit)]
    [InlineData(ActionType.CalloutUnknown, false, ActionType.Block)]
    public void Classify_CalloutThrows_IsCountedAndActsUnregistered(ActionType type, bool permitIfUnregistered, ActionType expected)
    {
        var engine = new FilterEngine();
        var key = AddCallout(engine, new ThrowingCallout());
        engine.AddFilter(Filter("throws", FilterAction.Callout(type, key), flags: permitIfUnregistered ? FilterFlags.PermitIfCalloutUnregistered : FilterFlags.None));

        var r = engine.Classify(Connect4, Input443);
        Assert.Equal(expected, r.Action);
        Assert.Equal(1, r.CalloutFaults);
        Assert.Equal(1, engine.Callouts.FaultsOf(key));
    }

    [Fact]
    public void Classify_InspectionCalloutThrows_IsSkipped()
    {
        var engine = new FilterEngine();
        var key = AddCallout(engine, new ThrowingCallout());
        engine.AddFilter(Filter("throws", FilterAction.Callout(ActionType.CalloutInspection, key)));
        var r = engine.Classify(Connect4, Input443);
        Assert.Equal(ActionType.NoneNoMatch, r.Action);
        Assert.Equal(1, r.CalloutFaults);
    }

    [Fact]
    public void Classify_TerminatingCalloutReturnsContinue_IsAFault()
    {
        var engine = new FilterEngine();
        var key = AddCallout(engine, new DelegateCallout((in CalloutClassifyContext _, ref ClassifyOut o) => o.ActionType = ActionType.Continue));
        engine.AddFilter(Filter("bad", FilterAction.Callout(ActionType.CalloutTerminating, key)));
        var r = engine.Classify(Connect4, Input443);
        Assert.Equal(ActionType.Block, r.Action);
        Assert.Equal(1, r.CalloutFaults);
    }

    [Fact]
    public void Classify_UnknownCalloutContinues_NextFilterInSublayerDecides()
    {
        var engine = new FilterEngine();
        var key = AddCallout(engine, new DelegateCallout((in CalloutClassifyContext _, ref ClassifyOut o) => o.ActionType = ActionType.Continue));
        engine.AddFilter(Filter("continue", FilterAction.Callout(ActionType.CalloutUnknown, key), weight: 10));
        var permit = engine.AddFilter(Filter("permit", FilterAction.Permit, weight: 1));
        var r = engine.Classify(Connect4, Input443);
        Assert.Equal(permit.FilterId, r.FilterId);
        Assert.Equal(0, r.CalloutFaults);
    }

    [Fact]
    public void Classify_CalloutSeesValuesFilterAndCurrentDecision()
    {
        var engine = new FilterEngine();
        var high = Sublayer(engine, "high", 0x9000);
        var low = Sublayer(engine, "low", 0x1000);
        var permit = engine.AddFilter(Filter("soft permit", FilterAction.Permit, high.Key));
        ushort seenPort = 0;
        ActionType seenAction = 0;
        ulong seenFilter = 0, seenCurrentFilter = 0;
        var key = AddCallout(engine, new DelegateCallout((in CalloutClassifyContext c, ref ClassifyOut o) =>
        {
            seenPort = (ushort)c.Value(Connect4.Field("IP_REMOTE_PORT").Index).RawUInt64;
            seenAction = o.ActionType;
            seenCurrentFilter = o.FilterId;
            seenFilter = c.Filter.FilterId;
            o.ActionType = ActionType.Block;
            o.ClearActionRight();
        }));
        var f = engine.AddFilter(Filter("inspect", FilterAction.Callout(ActionType.CalloutTerminating, key), low.Key) with { RawContext = 42 });

        var r = engine.Classify(Connect4, Input443);
        Assert.Equal((ushort)443, seenPort);
        Assert.Equal(ActionType.Permit, seenAction);
        Assert.Equal(permit.FilterId, seenCurrentFilter);
        Assert.Equal(f.FilterId, seenFilter);
        Assert.Equal(ActionType.Block, r.Action);
        Assert.Equal(42UL, engine.Current.RuntimeFilters[f.FilterId].Context);
    }

    [Fact]
    public void Notify_AddAndDelete_AndRejection()
    {
        var engine = new FilterEngine();
        var recorder = new RecordingCallout();
        var key = AddCallout(engine, recorder);
        var f = engine.AddFilter(Filter("n", FilterAction.Callout(ActionType.CalloutInspection, key)));
        engine.DeleteFilter(f.FilterId);
        Assert.Equal([(CalloutNotifyType.AddFilter, f.Key), (CalloutNotifyType.DeleteFilter, f.Key)], recorder.Notifications);

        recorder.Reject = true;
        var ex = Assert.Throws<WfpException>(() => engine.AddFilter(Filter("rejected", FilterAction.Callout(ActionType.CalloutInspection, key))));
        Assert.Equal(WfpError.CalloutNotificationFailed, ex.Error);
        Assert.Equal(0, engine.Current.FilterCount);
    }

    [Fact]
    public void FlowContext_PassedToCallout_ConditionalOnFlow_AndFlowDelete()
    {
        var engine = new FilterEngine();
        var recorder = new RecordingCallout();
        var callout = engine.AddCallout(new CalloutSpec { DisplayData = new DisplayData("flow"), ApplicableLayer = Connect4.Key });
        engine.Callouts.Register(callout.Key, recorder, CalloutRegistrationFlags.ConditionalOnFlow);
        engine.AddFilter(Filter("flow", FilterAction.Callout(ActionType.CalloutUnknown, callout.Key)));

        var flow7 = ClassifyMetadata.ForFlow(7);
        engine.Classify(Connect4, Input443, flow7);
        Assert.Empty(recorder.FlowContexts);

        engine.FlowContexts.Associate(7, Connect4.LayerId, engine.Callouts.Slot(callout.Key), 0xC0FFEE);
        engine.Classify(Connect4, Input443, flow7);
        engine.Classify(Connect4, Input443, ClassifyMetadata.ForFlow(8));
        Assert.Equal([0xC0FFEEUL], recorder.FlowContexts);

        Assert.Equal(1, engine.FlowContexts.DeleteFlow(7));
        Assert.Equal([(Connect4.LayerId, callout.CalloutId, 0xC0FFEEUL)], recorder.Deleted);
        Assert.True(engine.FlowContexts.IsEmpty);
    }

    [Fact]
    public void DeleteFlow_EndsOnlyThatFlow_AndSkipsRemovedAssociations()
    {
        var engine = new FilterEngine();
        var recorder = new RecordingCallout();
        var key = AddCallout(engine, recorder);
        var slot = engine.Callouts.Slot(key);
        engine.FlowContexts.Associate(1, Connect4.LayerId, slot, 11);
        engine.FlowContexts.Associate(1, Connect6.LayerId, slot, 12);
        engine.FlowContexts.Associate(2, Connect4.LayerId, slot, 21);
        Assert.True(engine.FlowContexts.Remove(1, Connect6.LayerId, slot.CalloutId));

        Assert.Equal(1, engine.FlowContexts.DeleteFlow(1));
        Assert.Equal([(Connect4.LayerId, slot.CalloutId, 11UL)], recorder.Deleted);
        Assert.True(engine.FlowContexts.TryGet(2, Connect4.LayerId, slot.CalloutId, out var other));
        Assert.Equal(21UL, other);
        Assert.Equal(0, engine.FlowContexts.DeleteFlow(1));
        Assert.False(engine.FlowContexts.IsEmpty);
    }

    [Fact]
    public void Register_Twice_IsAlreadyExists()
    {
        var engine = new FilterEngine();
        var key = AddCallout(engine, new RecordingCallout());
        Assert.Equal(WfpError.AlreadyExists, Assert.Throws<WfpException>(() => engine.Callouts.Register(key, new RecordingCallout())).Error);
    }

    private static Guid AddCallout(FilterEngine engine, ICallout implementation) =>
        Arbitration.WorkedExampleTests.AddCallout(engine, implementation);

    private delegate void ClassifyFn(in CalloutClassifyContext context, ref ClassifyOut classifyOut);

    private sealed class DelegateCallout(ClassifyFn fn) : ICallout
    {
        public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut) => fn(in context, ref classifyOut);
    }

    private sealed class ThrowingCallout : ICallout
    {
        public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut) => throw new InvalidOperationException("callout bug");
    }

    private sealed class RecordingCallout : ICallout
    {
        public List<(CalloutNotifyType, Guid)> Notifications { get; } = [];

        public List<ulong> FlowContexts { get; } = [];

        public List<(ushort, uint, ulong)> Deleted { get; } = [];

        public bool Reject { get; set; }

        public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
        {
            FlowContexts.Add(context.FlowContext);
            classifyOut.ActionType = ActionType.Continue;
        }

        public bool Notify(CalloutNotifyType type, Guid filterKey, RuntimeFilter filter)
        {
            Notifications.Add((type, filterKey));
            return !Reject;
        }

        public void FlowDelete(ushort layerId, uint calloutId, ulong flowContext) => Deleted.Add((layerId, calloutId, flowContext));
    }
}
