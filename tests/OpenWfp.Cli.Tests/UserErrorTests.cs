using OpenWfp.Testing.Cli;

namespace OpenWfp.Cli.Tests;

public class UserErrorTests
{
    private const string Layer = "ALE_AUTH_CONNECT_V4";

    public static TheoryData<string, string, string[]> BadPolicies => new()
    {
        {
            "{\"version\": 1,\n  \"filters\": [ {\"name\": \"x\" \"layer\": 1} ]}",
            "line 2, position 29: invalid JSON",
            []
        },
        {
            "{\"version\": 1, \"filters\": [{\"name\": \"x\", \"filterId\": 0, \"layer\": \"ALE_AUTH_CONNECT_V4\", \"action\": \"block\"}]}",
            "filters[0] \"x\": filterId: a filter id is a number from 1",
            []
        },
        {
            "{\"version\": 2}",
            "version: this is format version 2; only version 1 is understood",
            []
        },
        {
            "{\"version\": 1, \"filters\": [{\"name\": \"Block telnet\", \"layer\": \"NOT_A_LAYER\", \"action\": \"block\"}]}",
            "filters[0] \"Block telnet\": layer: unknown layer \"NOT_A_LAYER\"",
            []
        },
        {
            "{\"version\": 1, \"filters\": [{\"name\": \"a\", \"layer\": \"ALE_AUTH_CONNECT_V4\", \"action\": \"permit\"}, {\"name\": \"b\", \"layer\": \"ALE_AUTH_CONNECT_V4\", \"action\": \"permit\"}, {\"name\": \"c\", \"layer\": \"ALE_AUTH_CONNECT_V4\", \"action\": \"permit\"}, {\"name\": \"Block telnet\", \"layer\": \"ALE_AUTH_CONNECT_V4\", \"action\": \"block\", \"conditions\": [{\"field\": \"IP_REMOTE_PORTT\", \"value\": 23}]}]}",
            "filters[3] \"Block telnet\": conditions[0].field: layer ALE_AUTH_CONNECT_V4 has no field \"IP_REMOTE_PORTT\"",
            []
        },
        {
            "{\"version\": 1, \"filters\": [{\"name\": \"Block telnet\", \"layer\": \"ALE_AUTH_CONNECT_V4\", \"action\": \"block\", \"conditions\": [{\"field\": \"IP_REMOTE_PORT\", \"value\": \"telnet\"}]}]}",
            "filters[0] \"Block telnet\": conditions[0].value: IP_REMOTE_PORT expects a number 0..65535",
            []
        },
        {
            "{\"version\": 1, \"filters\": [{\"name\": \"Block telnet\", \"layer\": \"ALE_AUTH_CONNECT_V4\", \"action\": \"block\", \"conditions\": [{\"field\": \"IP_REMOTE_PORT\", \"match\": \"ends-with\", \"value\": 23}]}]}",
            "filters[0] \"Block telnet\": conditions[0] (IP_REMOTE_PORT).match: FWP_MATCH_PREFIX does not apply to FWP_UINT16 [FWP_E_MATCH_TYPE_MISMATCH]",
            []
        },
        {
            "{\"version\": 1, \"filters\": [{\"name\": \"x\", \"layer\": \"ALE_AUTH_CONNECT_V4\", \"sublayer\": \"Nope\", \"action\": \"block\"}]}",
            "filters[0] \"x\": sublayer: no sublayer \"Nope\"",
            []
        },
        {
            "{\"version\": 1, \"filters\": [{\"name\": \"x\", \"layer\": \"ALE_AUTH_CONNECT_V4\", \"action\": \"block\", \"flags\": [\"HARD\"]}]}",
            "filters[0] \"x\": flags[0]: unknown flag \"HARD\"",
            []
        },
        {
            "{\"version\": 1, \"filters\": [{\"name\": \"x\", \"layer\": \"ALE_AUTH_CONNECT_V4\", \"action\": \"block\", \"wieght\": 3}]}",
            "filters[0] \"x\": wieght: unknown key",
            []
        },
        {
            "<?xml version=\"1.0\"?>\n<wfpdiag><filters>",
            "not well-formed XML (line 2",
            []
        },
    };

    [Theory]
    [MemberData(nameof(BadPolicies))]
    public void BadPolicy_OneStderrLineNamingFileObjectAndField_Exit1(string policyText, string expected, string[] extra)
    {
        using var policy = CliRunner.File(policyText);
        var (code, stdout, stderr) = CliRunner.Run(["classify", "--policy", policy.Path, "--layer", Layer, .. extra]);
        AssertOneLineError(code, stdout, stderr, $"wfp: {policy.Path}: ", expected);
    }

    [Theory]
    [InlineData("--layer NOT_A_LAYER", "wfp: --layer NOT_A_LAYER: unknown layer")]
    [InlineData("--layer ALE_AUTH_CONNECT_V4 --value NOPE=1", "wfp: --value NOPE=1: layer ALE_AUTH_CONNECT_V4 has no field NOPE")]
    [InlineData("--layer ALE_AUTH_CONNECT_V4 --value IP_REMOTE_PORT=65536", "wfp: --value IP_REMOTE_PORT=65536: IP_REMOTE_PORT expects a number 0..65535")]
    [InlineData("--layer ALE_AUTH_CONNECT_V4 --value IP_REMOTE_ADDRESS=10.0.0.256", "wfp: --value IP_REMOTE_ADDRESS=10.0.0.256: IP_REMOTE_ADDRESS expects")]
    [InlineData("--layer ALE_AUTH_CONNECT_V4 --value IP_REMOTE_PORT", "wfp: --value IP_REMOTE_PORT: expected FIELD=VALUE")]
    [InlineData("--layer ALE_AUTH_CONNECT_V4 --value ALE_USER_ID=bogus", "wfp: --value ALE_USER_ID=bogus: ALE_USER_ID expects a token")]
    [InlineData("", "wfp: ")]
    [InlineData("--layer ALE_AUTH_CONNECT_V4 --frobnicate", "wfp: unknown option --frobnicate (see 'wfp classify --help')")]
    public void BadCommandLine_OneStderrLine_Exit1(string extra, string expected)
    {
        string[] args = ["classify", "--policy", CliRunner.SamplePolicy, .. extra.Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        var (code, stdout, stderr) = CliRunner.Run(args);
        AssertOneLineError(code, stdout, stderr, expected, "");
    }

    [Theory]
    [InlineData("classify")]
    [InlineData("explain")]
    public void MissingPolicyFile_OneLine_Exit1(string command)
    {
        var (code, stdout, stderr) = CliRunner.Run(command, "--policy", "/nonexistent/p.json", "--layer", Layer);
        AssertOneLineError(code, stdout, stderr, "wfp: /nonexistent/p.json: no such file", "");
    }

    [Fact]
    public void ClassifyWithoutPolicy_OneLine_Exit1()
    {
        var (code, stdout, stderr) = CliRunner.Run("classify", "--layer", Layer);
        AssertOneLineError(code, stdout, stderr, "wfp: --policy FILE is required", "");
    }

    [Fact]
    public void AddFilterConditionValueOfTheWrongForm_OneLineBeforeAnyConnection_Exit1()
    {
        // The condition is parsed before the daemon is contacted, so the socket never has to exist.
        var (code, stdout, stderr) = CliRunner.Run(
            "add", "filter", "--socket", "/nonexistent/bfe.sock", "--layer", Layer, "--condition", "IP_REMOTE_PORT == telnet", "--action", "block");
        AssertOneLineError(code, stdout, stderr, "wfp: --condition \"IP_REMOTE_PORT == telnet\": IP_REMOTE_PORT expects a number 0..65535", "");
    }

    [Fact]
    public void Guard_FormatExceptionFromABug_IsNotReportedAsAUserError()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var console = new CliConsole(stdout, stderr, Color: false);

        var ex = Assert.Throws<FormatException>(() => WfpCli.Guard(console, () => throw new FormatException("Input string was not in a correct format.")));

        Assert.Equal("Input string was not in a correct format.", ex.Message);
        Assert.Equal("", stderr.ToString());
    }

    [Fact]
    public void Guard_UserError_OneLine_Exit1()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var console = new CliConsole(stdout, stderr, Color: false);

        var code = WfpCli.Guard(console, () => throw new CliUserException("--value IP_REMOTE_PORT=x: IP_REMOTE_PORT expects a number 0..65535"));

        AssertOneLineError(code, stdout.ToString(), stderr.ToString(), "wfp: --value IP_REMOTE_PORT=x: IP_REMOTE_PORT expects a number 0..65535", "");
    }

    private static void AssertOneLineError(int code, string stdout, string stderr, string start, string contains)
    {
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith(start, lines[0]);
        Assert.Contains(contains, lines[0]);
        Assert.DoesNotContain("   at ", stderr);
    }
}
