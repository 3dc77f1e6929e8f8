using System.CommandLine;

namespace OpenWfp.Cli.Commands;

/// <summary>The syntax of <c>wfp classify</c>.</summary>
internal static class ClassifyCommandDefinition
{
    public static Command Create(Func<ClassifyArguments, int> action)
    {
        var options = new CommonOptions();
        var command = new Command(
            "classify",
            "Classify one set of incoming values against a policy file and print the decision, the deciding filter " +
            "(id, key, name) and the filter that terminated each sublayer. Nothing matching is a permit.\n" +
            "With --socket instead of --policy, the running wfpd classifies against the policy it enforces (its Classify call).\n\n" +
            "Examples:\n" +
            "  wfp classify --policy samples/sample-policy.json --layer ALE_AUTH_CONNECT_V4 \\\n" +
            "      --value IP_PROTOCOL=tcp --value IP_REMOTE_ADDRESS=198.51.100.7 --value IP_REMOTE_PORT=443\n" +
            "  wfp classify -p policy.json -l FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4 -v IP_LOCAL_PORT=22 --json\n" +
            "  wfp classify --socket /tmp/wfp/bfe.sock -l ALE_AUTH_CONNECT_V4 -v IP_PROTOCOL=tcp -v IP_REMOTE_PORT=23");
        options.AddTo(command);
        command.SetAction(parseResult => action(options.Read(parseResult)));
        return command;
    }
}
