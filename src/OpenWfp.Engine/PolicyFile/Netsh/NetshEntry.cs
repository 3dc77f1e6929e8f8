namespace OpenWfp.Engine.PolicyFile.Netsh;

/// <summary>One object read from a netsh XML dump, with the element path it came from.</summary>
/// <typeparam name="T">The object's spec type.</typeparam>
/// <param name="Path">The element path, e.g. <c>/wfpstate/layers/item[3]/filters/item[2]</c>.</param>
/// <param name="Spec">The object as the engine takes it.</param>
public sealed record NetshEntry<T>(string Path, T Spec);
