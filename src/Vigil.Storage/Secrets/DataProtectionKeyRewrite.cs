namespace Vigil.Storage.Secrets;

/// <summary>One stored key element to re-write: its name, the XML it must still hold, and the new XML.</summary>
/// <param name="Name">The element's friendly name.</param>
/// <param name="ExpectedXml">The XML it was read with; a row changed meanwhile is left alone.</param>
/// <param name="Xml">The XML to store instead.</param>
public sealed record DataProtectionKeyRewrite(string Name, string ExpectedXml, string Xml);
