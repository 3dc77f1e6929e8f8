namespace OpenWfp.Cli.Output;

/// <summary>ANSI colour when allowed; plain text otherwise.</summary>
internal sealed class Painter(bool enabled)
{
    public string Green(string text) => Paint(text, "32");

    public string Red(string text) => Paint(text, "31");

    public string Bold(string text) => Paint(text, "1");

    public string Dim(string text) => Paint(text, "2");

    public string Action(string action, string text) => action == "block" ? Red(text) : Green(text);

    private string Paint(string text, string code) => enabled ? $"\u001b[{code}m{text}\u001b[0m" : text;
}
