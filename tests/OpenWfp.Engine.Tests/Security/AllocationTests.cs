using OpenWfp.Engine.Security;

namespace OpenWfp.Engine.Tests.Security;

public class AllocationTests
{
    private const int Iterations = 20_000;

    [Fact]
    public void AccessCheckAndContains_AllocateNothing()
    {
        var firewall = SecurityDescriptor.ParseSddl(
            "O:LSD:(D;;CC;;;AN)(A;;CC;;;S-1-5-21-1-2-3-1001)(A;IO;CC;;;WD)(A;;GR;;;BA)(A;;CC;;;S-1-15-3-1)");
        var withOwnerRights = SecurityDescriptor.ParseSddl("O:S-1-5-21-1-2-3-1001D:(A;;CC;;;OW)(D;;DC;;;WD)");
        var nullDacl = SecurityDescriptor.ParseSddl("D:NO_ACCESS_CONTROL");
        var user = FwpToken.ForUnixIdentity(1000, [1000, 4, 24, 27, 30, 46, 100, 118]);
        var appContainer = FwpToken.Parse("S-1-5-21-1-2-3-1005,WD,AU,AC,S-1-15-3-1,S-1-15-3-2,S-1-15-3-3");
        var restricted = FwpToken.Parse("S-1-5-21-1-2-3-1001,WD,AU|RC,WD");
        var probe = Sid.Parse("S-1-15-3-1");
        var absent = Sid.Parse("S-1-5-21-9-9-9-9");

        var granted = 0;
        void Run()
        {
            granted += firewall.AccessCheck(user, SecurityDescriptor.MatchFilterRight) ? 1 : 0;
            granted += firewall.AccessCheck(appContainer, SecurityDescriptor.MatchFilterRight) ? 1 : 0;
            granted += firewall.AccessCheck(restricted, SecurityDescriptor.MatchFilterRight) ? 1 : 0;
            granted += firewall.AccessCheck(appContainer, AccessMasks.GenericRead) ? 1 : 0;
            granted += withOwnerRights.AccessCheck(restricted, 0x3) ? 1 : 0;
            granted += withOwnerRights.AccessCheck(restricted, AccessMasks.ReadControl) ? 1 : 0;
            granted += nullDacl.AccessCheck(user, SecurityDescriptor.MatchFilterRight) ? 1 : 0;
            granted += appContainer.Contains(probe) ? 1 : 0;
            granted += appContainer.Contains(absent) ? 1 : 0;
            granted += user.Contains(Sid.Everyone) ? 1 : 0;
            granted += restricted.ContainsRestricted(probe) ? 1 : 0;
        }

        // Warm up so JIT and lazy static initialisation are not measured.
        for (var i = 0; i < 100; i++)
        {
            Run();
        }

        granted = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Iterations; i++)
        {
            Run();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);

        // Per round: firewall grants appContainer (S-1-15-3-1) only; GR is not granted to appContainer (no BA);
        // the null DACL grants; appContainer contains probe; user contains Everyone.
        Assert.Equal(Iterations * 4, granted);
    }
}
