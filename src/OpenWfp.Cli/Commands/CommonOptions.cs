using System.CommandLine;
using OpenWfp.Cli.Daemon;

namespace OpenWfp.Cli.Commands;

/// <summary>The options <c>classify</c> and <c>explain</c> share.</summary>
internal sealed class CommonOptions
{
    public Option<string?> Policy { get; } = new("--policy", "-p")
    {
        Description = "The policy file: the native JSON format (docs/POLICY.md) or a netsh wfp show filters / show state XML dump (detected by content).",
        HelpName = "FILE",
    };

    public Option<string?> Layer { get; } = new("--layer", "-l")
    {
        Description = "The layer to classify at, e.g. ALE_AUTH_CONNECT_V4 (FWPM_LAYER_ prefix optional, any case, or a GUID).",
        HelpName = "LAYER",
    };

    public Option<string[]> Values { get; } = new("--value", "-v")
    {
        Description = "An incoming value, FIELD=VALUE; repeat for more. FIELD: IP_REMOTE_PORT or FWPM_CONDITION_IP_REMOTE_PORT. " +
            "VALUE by the field's type: 10.0.0.1, 2001:db8::1, 443 or 0x1bb, tcp/udp/icmp, /usr/bin/curl, aa:bb:cc:dd:ee:ff, " +
            "S-1-5-32-544, a token as S-1-…,S-1-… (ALE_USER_ID), or 'empty'. Fields not given are FWP_EMPTY.",
        HelpName = "FIELD=VALUE",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<string?> Socket { get; } = SocketOption.CreateSelector(
        "Work on the running wfpd's policy instead of --policy: its socket (PATH optional; default $OPENWFP_SOCKET, else /run/openwfp/bfe.sock).");

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print one JSON document instead of text.",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Policy);
        command.Options.Add(Layer);
        command.Options.Add(Values);
        command.Options.Add(Json);
        command.Options.Add(Socket);
        command.Options.Add(SocketOption.CreateWait());
    }

    public ClassifyArguments Read(ParseResult parseResult) => new(
        parseResult.GetValue(Policy),
        parseResult.GetValue(Layer),
        parseResult.GetValue(Values) ?? [],
        parseResult.GetValue(Json),
        SocketOption.Read(parseResult, Socket));
}
