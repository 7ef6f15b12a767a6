namespace Vigil.Storage.Secrets;

/// <summary>One stored Data Protection key element.</summary>
/// <param name="Name">Its friendly name (unique).</param>
/// <param name="Xml">The element's XML as stored.</param>
public sealed record DataProtectionKeyRow(string Name, string Xml);
