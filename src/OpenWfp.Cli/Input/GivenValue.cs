using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Values;

namespace OpenWfp.Cli.Input;

/// <summary>One incoming value the user gave, with the text they wrote.</summary>
/// <param name="Field">The layer field.</param>
/// <param name="Text">The value as written.</param>
/// <param name="Value">The parsed value.</param>
internal sealed record GivenValue(LayerFieldInfo Field, string Text, FwpValue Value);
