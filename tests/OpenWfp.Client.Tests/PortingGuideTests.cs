using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using static OpenWfp.Client.FwpmConstants;

namespace OpenWfp.Client.Tests;

/// <summary>The OpenWfp.Client snippet of docs/PORTING.md, as written there, against the fake daemon.</summary>
[Collection(EnvironmentCollection.Name)]
public sealed class PortingGuideTests
{
    [Fact]
    public async Task PortingGuideSnippet_Works()
    {
        await using var server = await FakeBfeServer.StartAsync();
        var saved = Environment.GetEnvironmentVariable(BfeClient.SocketEnvironmentVariable);
        Environment.SetEnvironmentVariable(BfeClient.SocketEnvironmentVariable, server.SocketPath);
        ulong filterIdSeen = 0;
        try
        {
            // --- docs/PORTING.md, "The same with OpenWfp.Client" ---
            var FWPM_LAYER_ALE_AUTH_CONNECT_V4 = new Guid("c38d57d1-05a7-4c33-904f-7fbceee60e82");
            var FWPM_CONDITION_IP_REMOTE_PORT = new Guid("c35a604d-d22b-4e1a-91b4-68f674ee674b");

            var session = new FwpmSession0 { Flags = FWPM_SESSION_FLAG_DYNAMIC };
            uint rc = Fwpm.EngineOpen0(null, RPC_C_AUTHN_WINNT, null, session, out FwpmEngineHandle engine);
            if (rc != ERROR_SUCCESS)
            {
                throw new InvalidOperationException($"FwpmEngineOpen0: 0x{rc:X8}");
            }

            try
            {
                rc = Fwpm.TransactionBegin0(engine, 0);

                var filter = new FilterSpec
                {
                    DisplayData = new DisplayData("Block telnet"),
                    LayerKey = FWPM_LAYER_ALE_AUTH_CONNECT_V4,
                    Action = FilterAction.Block,
                    Weight = FwpValue.Empty,
                    Conditions =
                    [
                        new FilterCondition(FWPM_CONDITION_IP_REMOTE_PORT, FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt16(23))),
                    ],
                };
                rc = Fwpm.FilterAdd0(engine, filter, null, out ulong filterId);
                if (rc != ERROR_SUCCESS)
                {
                    Fwpm.TransactionAbort0(engine);
                    throw new InvalidOperationException($"FwpmFilterAdd0: 0x{rc:X8}");
                }

                filterIdSeen = filterId;
                rc = Fwpm.TransactionCommit0(engine);
                Assert.Equal(ERROR_SUCCESS, rc);
            }
            finally
            {
                Fwpm.EngineClose0(engine);
            }

            // --- end of snippet ---
        }
        finally
        {
            Environment.SetEnvironmentVariable(BfeClient.SocketEnvironmentVariable, saved);
        }

        Assert.NotEqual(0UL, filterIdSeen);
        Assert.Equal(
            ["OpenSession", "BeginTransaction", "AddFilter", "CommitTransaction"],
            server.Fake.Calls.Select(c => c.Method));
    }
}
