using System.Xml.Linq;

namespace Vigil.Storage.Secrets;

/// <summary>
/// Reads and re-writes stored Data Protection key elements: which of them hold a secret in clear,
/// which are encrypted under the master key, and the same element under another key. It follows
/// Data Protection's own markers (<c>requiresEncryption="true"</c> on a secret,
/// <c>&lt;encryptedSecret decryptorType="…"&gt;</c> around an encrypted one).
/// </summary>
internal static class KeyRingXml
{
    private static readonly XNamespace DataProtection = "http://schemas.asp.net/2015/03/dataProtection";
    private static readonly XName EncryptedSecret = DataProtection + "encryptedSecret";
    private static readonly XName RequiresEncryption = DataProtection + "requiresEncryption";
    private static readonly string DecryptorType = typeof(MasterKeyXmlDecryptor).AssemblyQualifiedName!;

    /// <summary>
    /// The decryptor names (up to the comma before the assembly) that mark a secret as encrypted under
    /// the master key: this one, and the one keys stored before the key ring moved from Vigil.Server
    /// carry (<c>Vigil.Server.Secrets.MasterKeyXmlDecryptor, Vigil.Server, …</c>), which Vigil.Server
    /// keeps as a type so Data Protection can still create it. Both are read; keys are written with this one.
    /// </summary>
    internal static readonly string[] DecryptorNames = [typeof(MasterKeyXmlDecryptor).FullName + ",", LegacyDecryptorName + ","];

    /// <summary>The decryptor's full name before the key ring moved from Vigil.Server (stored in keys of that time).</summary>
    internal const string LegacyDecryptorName = "Vigil.Server.Secrets.MasterKeyXmlDecryptor";

    /// <summary>Whether the element holds a secret encrypted under a master key.</summary>
    public static bool IsEncrypted(XElement element) => element.DescendantsAndSelf(EncryptedSecret).Any(IsOurs);

    /// <summary>Whether the element holds a secret in clear (a key stored before the master key existed).</summary>
    public static bool HasSecretInClear(XElement element) => element.DescendantsAndSelf().Any(IsSecretInClear);

    /// <summary>Decrypts every encrypted secret of the element (to check the key), or throws a <see cref="System.Security.Cryptography.CryptographicException"/>.</summary>
    public static void Verify(XElement element, MasterKey key)
    {
        foreach (var encrypted in element.DescendantsAndSelf(EncryptedSecret).Where(IsOurs))
        {
            MasterKeyCipher.Decrypt(encrypted.Elements().Single(), key);
        }
    }

    /// <summary>
    /// The element with every secret encrypted under <paramref name="newKey"/>: secrets in clear are
    /// encrypted, secrets encrypted under <paramref name="oldKey"/> re-encrypted. Null when it holds no secret.
    /// </summary>
    public static XElement? Protect(XElement element, MasterKey oldKey, MasterKey newKey)
    {
        if (!IsEncrypted(element) && !HasSecretInClear(element))
        {
            return null;
        }

        var document = new XDocument(new XElement(element));
        foreach (var encrypted in document.Descendants(EncryptedSecret).Where(IsOurs).ToList())
        {
            encrypted.ReplaceWith(MasterKeyCipher.Decrypt(encrypted.Elements().Single(), oldKey));
        }

        foreach (var secret in document.Descendants().Where(IsSecretInClear).ToList())
        {
            secret.ReplaceWith(new XElement(
                EncryptedSecret,
                new XAttribute("decryptorType", DecryptorType),
                MasterKeyCipher.Encrypt(secret, newKey)));
        }

        return document.Root!;
    }

    private static bool IsOurs(XElement encryptedSecret) =>
        (string?)encryptedSecret.Attribute("decryptorType") is { } type && DecryptorNames.Any(name => type.StartsWith(name, StringComparison.Ordinal));

    private static bool IsSecretInClear(XElement element) =>
        (string?)element.Attribute(RequiresEncryption) is { } value
        && bool.TryParse(value, out var required) && required
        && !element.Ancestors(EncryptedSecret).Any();
}
