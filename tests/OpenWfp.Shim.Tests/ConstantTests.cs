using OpenWfp.Engine.Model;

namespace OpenWfp.Shim.Tests;

/// <summary>Pins the constants mirrored from Windows headers (values from the named headers; docs/LAYERS.md, Field values).</summary>
public sealed class ConstantTests
{
    [Fact]
    public void NlAddressType_FollowsNldefOrder()
    {
        Assert.Equal([0, 1, 2, 3, 4], new[] { StackValues.AddressUnspecified, StackValues.AddressUnicast, StackValues.AddressAnycast, StackValues.AddressMulticast, StackValues.AddressBroadcast }.Select(b => (int)b));
        Assert.Equal([0, 1, 2], new[] { StackValues.MacUnicast, StackValues.MacMulticast, StackValues.MacBroadcast }.Select(b => (int)b));
    }

    [Fact]
    public void InterfaceTypesAndCompartment_MatchIpifconsAndIfdef()
    {
        Assert.Equal(6u, StackValues.InterfaceTypeEthernet);
        Assert.Equal(24u, StackValues.InterfaceTypeLoopback);
        Assert.Equal(0u, StackValues.TunnelTypeNone);
        Assert.Equal(1u, StackValues.DefaultCompartmentId);
        Assert.Equal(1u, StackValues.ReauthorizeReasonPolicyChange);
    }

    [Fact]
    public void InterfaceLuid_PutsIndexAndTypeWhereNetLuidHasThem()
    {
        Assert.Equal(0x0006_0000_0300_0000UL, StackValues.InterfaceLuid(3, 6));
    }

    [Fact]
    public void ConditionFlags_MatchSpec34()
    {
        Assert.Equal(0x1u, (uint)ConditionFlags.IsLoopback);
        Assert.Equal(0x4u, (uint)ConditionFlags.IsReauthorize);
        Assert.Equal(0x20u, (uint)ConditionFlags.IsFragment);
        Assert.Equal(0x40u, (uint)ConditionFlags.IsFragmentGroup);
        Assert.Equal(0x400u, (uint)ConditionFlags.IsReassembled);
        Assert.Equal(0x4000u, (uint)ConditionFlags.IsNameAppSpecified);
        Assert.Equal(0x8000u, (uint)ConditionFlags.IsPromiscuous);
        Assert.Equal(0x100000u, (uint)ConditionFlags.IsConnectionRedirected);
        Assert.Equal(0x2000000u, (uint)ConditionFlags.IsHonoringPolicyAuthorize);
        Assert.Equal(0x20u, (uint)L2ConditionFlags.IsMalformedPacket);
        Assert.Equal(0x80u, (uint)L2ConditionFlags.IfConnectorPresent);
        Assert.Equal(0u, (uint)FwpDirection.Outbound);
        Assert.Equal(1u, (uint)FwpDirection.Inbound);
    }
}
