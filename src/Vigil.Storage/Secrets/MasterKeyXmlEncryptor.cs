using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Vigil.Storage.Secrets;

/// <summary>
/// Encrypts the secret part of each Data Protection key with the master key (AES-256-GCM, a random
/// 96-bit nonce per element, the key id in the element and in the authenticated data). Data
/// Protection calls it for every key it creates.
/// </summary>
internal sealed class MasterKeyXmlEncryptor(MasterKeySource source) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        return new EncryptedXmlInfo(MasterKeyCipher.Encrypt(plaintextElement, source.Current), typeof(MasterKeyXmlDecryptor));
    }
}
