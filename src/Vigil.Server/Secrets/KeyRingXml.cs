using System.Xml.Linq;

namespace Vigil.Server.Secrets;

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
        ((string?)encryptedSecret.Attribute("decryptorType"))?.StartsWith(typeof(MasterKeyXmlDecryptor).FullName + ",", StringComparison.Ordinal) == true;

    private static bool IsSecretInClear(XElement element) =>
        (string?)element.Attribute(RequiresEncryption) is { } value
        && bool.TryParse(value, out var required) && required
        && !element.Ancestors(EncryptedSecret).Any();
}
