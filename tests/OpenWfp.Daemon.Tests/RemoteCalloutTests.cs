using System.Diagnostics;
using System.Text;
using OpenWfp.Client;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Protocol.V1;
using OpenWfp.Testing.Daemon;
using static OpenWfp.Daemon.Tests.OtherUser;
using ActionType = OpenWfp.Engine.Model.ActionType;
using DisplayData = OpenWfp.Engine.Model.DisplayData;
using FilterAction = OpenWfp.Engine.Model.FilterAction;

namespace OpenWfp.Daemon.Tests;

/// <summary>
/// Remote callouts against a real wfpd (docs/CALLOUTS.md, Remote callouts): a callout registered over CalloutSession
/// decides classifies made through the Classify RPC; no answer in time, a failed handler, or a client that dies all
/// make the classify act as if the callout were unregistered, and are counted.
/// </summary>
public sealed class RemoteCalloutTests
{
    private const uint Block = 0x1001;
    private const uint Permit = 0x1002;

    private static readonly Guid Connect4 = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4").Key;

    [Fact]
    public async Task RegisteredRemoteCallout_DecidesPermitAndBlock_AndSeesValuesAndProviderContext()
    {
        await using var daemon = await WfpdProcess.StartAsync();
        await using var client = await BfeClient.ConnectAsync(daemon.Socket);
        var (key, filter) = await CalloutFilterAsync(client, contextText: "deny 23");
        var remotePort = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4").Field("IP_REMOTE_PORT").Index;
        var seen = new List<(ushort Port, string Context, ulong FilterId, ushort Layer)>();
        await using var registration = await client.RegisterCalloutAsync(new FwpsCallout0
        {
            CalloutKey = key,
            ClassifyFn = (context, classifyOut) =>
            {
                var port = (ushort)context.Value(remotePort).RawUInt64;
                lock (seen)
                {
                    seen.Add((port, Encoding.UTF8.GetString(context.Filter.ProviderContextData), context.Filter.FilterId, context.LayerId));
                }

                classifyOut.ActionType = port == 23 ? ActionType.Block : ActionType.Permit;
                classifyOut.ClearActionRight();
            },
        });

        var blocked = await ClassifyAsync(client, 23);
        var permitted = await ClassifyAsync(client, 80);

        Assert.Equal(Block, blocked.Action);
        Assert.Equal(filter.FilterId, blocked.FilterId);
        Assert.Equal(Permit, permitted.Action);
        Assert.Equal(filter.FilterId, permitted.FilterId);
        var layerId = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4").LayerId;
        Assert.Equal([((ushort)23, "deny 23", filter.FilterId, layerId), ((ushort)80, "deny 23", filter.FilterId, layerId)], seen);

        var stats = await client.GetCalloutStatsAsync(key);
        Assert.True(stats.Remote);
        Assert.Equal(2ul, stats.Invocations);
        Assert.Equal(0ul, stats.Faults);
    }

    [Fact]
    public async Task RegisteringAKeyTwice_IsAlreadyExists_AndUnregisteringFreesIt()
    {
        await using var daemon = await WfpdProcess.StartAsync();
        await using var first = await BfeClient.ConnectAsync(daemon.Socket);
        await using var second = await BfeClient.ConnectAsync(daemon.Socket);
        var (key, _) = await CalloutFilterAsync(first);
        var registration = await first.RegisterCalloutAsync(new FwpsCallout0 { CalloutKey = key, ClassifyFn = (_, o) => o.ActionType = ActionType.Permit });

        var again = await Assert.ThrowsAsync<WfpException>(() => second.RegisterCalloutAsync(new FwpsCallout0 { CalloutKey = key, ClassifyFn = (_, o) => o.ActionType = ActionType.Block }));
        Assert.Equal(WfpError.AlreadyExists, again.Error);
        Assert.Equal(Permit, (await ClassifyAsync(first, 1)).Action);

        await registration.DisposeAsync();
        Assert.False(registration.IsRegistered);
        Assert.Equal(Block, (await ClassifyAsync(first, 1)).Action); // unregistered TERMINATING callout: block

        await using var taken = await second.RegisterCalloutAsync(new FwpsCallout0 { CalloutKey = key, ClassifyFn = (_, o) => o.ActionType = ActionType.Permit });
        Assert.Equal(Permit, (await ClassifyAsync(second, 1)).Action);
    }

    [Theory]
    [InlineData(false, Block)]
    [InlineData(true, Permit)]
    public async Task AnswerAfterTheDeadline_ActsUnregistered_AndIsCounted(bool permitIfUnregistered, uint expected)
    {
        await using var daemon = await WfpdProcess.StartAsync(stateDirectory: null, socket: null, "--remote-callout-deadline-ms", "50");
        await using var client = await BfeClient.ConnectAsync(daemon.Socket);
        var (key, filter) = await CalloutFilterAsync(client, permitIfUnregistered);
        await using var registration = await client.RegisterCalloutAsync(new FwpsCallout0
        {
            CalloutKey = key,
            ClassifyFn = (_, classifyOut) =>
            {
                Thread.Sleep(2000);
                classifyOut.ActionType = permitIfUnregistered ? ActionType.Block : ActionType.Permit; // the opposite of the expected result
            },
        });

        var clock = Stopwatch.StartNew();
        var result = await ClassifyAsync(client, 443);
        clock.Stop();

        Assert.Equal(expected, result.Action);
        Assert.Equal(filter.FilterId, result.FilterId);
        // 100 ms deadline against a 2 s answer: well under 2 s means it did not wait (a loaded CI machine adds hundreds of ms).
        Assert.True(clock.ElapsedMilliseconds < 1500, $"the classify took {clock.ElapsedMilliseconds} ms: it waited for the late answer");
        var stats = await client.GetCalloutStatsAsync(key);
        Assert.Equal(1ul, stats.Timeouts);
        Assert.Equal(1ul, stats.Faults);

        // The late answer arrives after the deadline and matches nothing; the session goes on.
        await LifetimeTests.Eventually(async () => (await client.GetCalloutStatsAsync(key)).UnmatchedAnswers == 1);
        Assert.True(registration.IsRegistered);
    }

    [Fact]
    public async Task HandlerThatThrows_ActsUnregisteredAtOnce_AndIsCounted()
    {
        await using var daemon = await WfpdProcess.StartAsync(stateDirectory: null, socket: null, "--remote-callout-deadline-ms", "20000");
        await using var client = await BfeClient.ConnectAsync(daemon.Socket);
        var (key, _) = await CalloutFilterAsync(client);
        await using var registration = await client.RegisterCalloutAsync(new FwpsCallout0
        {
            CalloutKey = key,
            ClassifyFn = (context, _) => throw new InvalidOperationException("no verdict for " + context.LayerId),
        });

        var clock = Stopwatch.StartNew();
        var result = await ClassifyAsync(client, 8080);

        Assert.Equal(Block, result.Action);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the classify waited for the deadline instead of the error answer");
        var stats = await client.GetCalloutStatsAsync(key);
        Assert.Equal(1ul, stats.ClientErrors);
        Assert.Equal(0ul, stats.Timeouts);
        Assert.Equal(1ul, stats.Faults);
    }

    [Fact]
    public async Task ClientKilledMidClassify_FlowGetsUnregisteredAction_WfpdGoesOn_AndTheKeyCanBeRegisteredAgain()
    {
        await using var daemon = await WfpdProcess.StartAsync(stateDirectory: null, socket: null, "--remote-callout-deadline-ms", "30000");
        await using var client = await BfeClient.ConnectAsync(daemon.Socket);
        var (key, filter) = await CalloutFilterAsync(client);
        using var child = Process.Start(TestClient.StartInfo("remote-callout", daemon.Socket, key.ToString(), "hang"))!;
        try
        {
            Assert.Equal("register ok", await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));

            var clock = Stopwatch.StartNew();
            var classify = ClassifyAsync(client, 22);
            Assert.StartsWith("classify ", await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)), StringComparison.Ordinal);
            child.Kill(); // SIGKILL while wfpd waits for its answer
            var result = await classify.WaitAsync(TimeSpan.FromSeconds(20));

            Assert.Equal(Block, result.Action);
            Assert.Equal(filter.FilterId, result.FilterId);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), "the classify waited for the deadline instead of the disconnect");
            var stats = await client.GetCalloutStatsAsync(key);
            Assert.Equal(1ul, stats.Disconnects);
            Assert.False(stats.Registered);
            Assert.False(daemon.HasExited);

            await using var again = await client.RegisterCalloutAsync(new FwpsCallout0 { CalloutKey = key, ClassifyFn = (_, o) => o.ActionType = ActionType.Permit });
            Assert.Equal(Permit, (await ClassifyAsync(client, 22)).Action);
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }
        }
    }

    [Fact]
    public async Task RegistrationWithoutWriteAccess_IsAccessDenied()
    {
        if (!IsRoot())
        {
            Assert.Skip("needs root to create a test user and group (runs as root in CI)");
        }

        using var user = TestUser.Create("owfr");
        var config = await user.WriteConfigAsync($$"""{ "writerGroup": null, "readers": "everyone", "socketGroup": "{{user.Name}}" }""");
        var state = WfpdProcess.NewStateDirectory();
        await using var daemon = await WfpdProcess.StartAsync(state, user.Socket, "--config", config);
        try
        {
            var key = Guid.NewGuid();
            Assert.Equal("register E_ACCESSDENIED", user.RunClient("remote-callout", user.Socket, key.ToString(), "once"));
            await using var root = await BfeClient.ConnectAsync(user.Socket);
            Assert.False((await root.GetCalloutStatsAsync(key)).Registered);
            Assert.True(await daemon.LoggedAsync("refused a remote callout registration from uid " + user.Uid));
        }
        finally
        {
            WfpdProcess.DeleteDirectory(state);
        }
    }

    [Fact]
    public async Task DeadlineOutOfRange_IsOneLineAtStart()
    {
        var state = WfpdProcess.NewStateDirectory();
        try
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "wfpd.dll"), "--state-dir", state, "--socket", Path.Combine(state, "bfe.sock"), "--no-dataplane", "--remote-callout-deadline-ms", "0"])
            {
                psi.ArgumentList.Add(a);
            }

            using var wfpd = Process.Start(psi)!;
            var errors = await wfpd.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
            await wfpd.WaitForExitAsync();

            Assert.Equal(1, wfpd.ExitCode);
            Assert.Equal("wfpd: remoteCalloutDeadlineMs 0: must be 1 to 60000 milliseconds", errors.Trim());
        }
        finally
        {
            WfpdProcess.DeleteDirectory(state);
        }
    }

    internal static async Task<(Guid Key, FilterSpec Filter)> CalloutFilterAsync(BfeClient client, bool permitIfUnregistered = false, string? contextText = null)
    {
        var key = Guid.NewGuid();
        await client.AddCalloutAsync(new CalloutSpec
        {
            Key = key,
            DisplayData = new DisplayData("remote callout"),
            ApplicableLayer = Connect4,
            Flags = contextText is null ? CalloutFlags.None : CalloutFlags.UsesProviderContext,
        });
        Guid? providerContext = null;
        if (contextText is not null)
        {
            providerContext = (await client.AddProviderContextAsync(new ProviderContextSpec
            {
                Key = Guid.NewGuid(),
                DisplayData = new DisplayData("remote callout settings"),
                Type = ProviderContextType.General,
                Data = Encoding.UTF8.GetBytes(contextText),
            })).Key;
        }

        var filter = await client.AddFilterAsync(new FilterSpec
        {
            Key = Guid.NewGuid(),
            DisplayData = new DisplayData("remote callout filter"),
            LayerKey = Connect4,
            Action = FilterAction.Callout(ActionType.CalloutTerminating, key),
            Flags = (permitIfUnregistered ? FilterFlags.PermitIfCalloutUnregistered : FilterFlags.None) | (providerContext is null ? FilterFlags.None : FilterFlags.HasProviderContext),
            ProviderContextKey = providerContext,
        });
        return (key, filter);
    }

    internal static async Task<ClassifyResponse> ClassifyAsync(BfeClient client, ushort remotePort) =>
        await client.Raw.ClassifyAsync(new ClassifyRequest { Layer = "ALE_AUTH_CONNECT_V4", Values = { new FieldValue { Field = "IP_REMOTE_PORT", Text = remotePort.ToString(System.Globalization.CultureInfo.InvariantCulture) } } });
}
