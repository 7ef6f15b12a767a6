using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Vigil.Storage.Secrets;

/// <summary>The AES-GCM format of an element encrypted under the master key.</summary>
internal static class MasterKeyCipher
{
    /// <summary>The namespace of Vigil's encrypted elements.</summary>
    public static readonly XNamespace Namespace = "urn:vigil:secrets:v1";

    /// <summary>The element that holds one encrypted element.</summary>
    public static readonly XName EncryptedName = Namespace + "encrypted";

    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const string Algorithm = "AES-256-GCM";

    /// <summary>
    /// <c>&lt;encrypted keyId="…" algorithm="AES-256-GCM" nonce="…" tag="…"&gt;ciphertext&lt;/encrypted&gt;</c>,
    /// all binary values base64.
    /// </summary>
    public static XElement Encrypt(XElement plaintext, MasterKey key)
    {
        var data = Encoding.UTF8.GetBytes(plaintext.ToString(SaveOptions.DisableFormatting));
        try
        {
            var nonce = RandomNumberGenerator.GetBytes(NonceSize);
            var tag = new byte[TagSize];
            var ciphertext = new byte[data.Length];
            using (var aes = new AesGcm(key.Bytes, TagSize))
            {
                aes.Encrypt(nonce, data, ciphertext, tag, key.AssociatedData());
            }

            return new XElement(
                EncryptedName,
                new XAttribute("keyId", key.Id),
                new XAttribute("algorithm", Algorithm),
                new XAttribute("nonce", Convert.ToBase64String(nonce)),
                new XAttribute("tag", Convert.ToBase64String(tag)),
                Convert.ToBase64String(ciphertext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    /// <summary>The element <see cref="Encrypt"/> encrypted; a <see cref="CryptographicException"/> naming the key when it is not the one it was encrypted with.</summary>
    public static XElement Decrypt(XElement encrypted, MasterKey key)
    {
        if (encrypted.Name != EncryptedName || (string?)encrypted.Attribute("algorithm") != Algorithm)
        {
            throw new CryptographicException($"The element is not encrypted in Vigil's master key format ({EncryptedName}, {Algorithm}).");
        }

        var keyId = (string?)encrypted.Attribute("keyId");
        if (!string.Equals(keyId, key.Id, StringComparison.Ordinal))
        {
            throw new CryptographicException($"the key ring is encrypted with master key {keyId}, but {key.Source} holds master key {key.Id}");
        }

        byte[] nonce, tag, ciphertext;
        try
        {
            nonce = Convert.FromBase64String((string?)encrypted.Attribute("nonce") ?? "");
            tag = Convert.FromBase64String((string?)encrypted.Attribute("tag") ?? "");
            ciphertext = Convert.FromBase64String(encrypted.Value);
        }
        catch (FormatException ex)
        {
            throw new CryptographicException("The encrypted key element is damaged (not base64).", ex);
        }

        if (nonce.Length != NonceSize || tag.Length != TagSize)
        {
            throw new CryptographicException("The encrypted key element is damaged (nonce or tag of the wrong size).");
        }

        var data = new byte[ciphertext.Length];
        try
        {
            using (var aes = new AesGcm(key.Bytes, TagSize))
            {
                aes.Decrypt(nonce, ciphertext, tag, data, key.AssociatedData());
            }

            return XElement.Parse(Encoding.UTF8.GetString(data));
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new CryptographicException($"the key ring does not decrypt with {key}: it was changed, or encrypted with another key of the same id", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }
}
