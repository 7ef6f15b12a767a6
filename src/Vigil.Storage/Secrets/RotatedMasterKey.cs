namespace Vigil.Storage.Secrets;

/// <summary>What a master key rotation did.</summary>
/// <param name="Reencrypted">How many stored keys were re-encrypted.</param>
/// <param name="KeyId">The new master key's id (a hash, not the key).</param>
/// <param name="KeyFile">The key file that now holds the new key; null when the key comes from <c>Vigil:Secrets:MasterKey</c>.</param>
/// <param name="NewKey">The new key as base64, to set as <c>Vigil:Secrets:MasterKey</c>; null when it is in <paramref name="KeyFile"/>.</param>
public sealed record RotatedMasterKey(int Reencrypted, string KeyId, string? KeyFile, string? NewKey);
