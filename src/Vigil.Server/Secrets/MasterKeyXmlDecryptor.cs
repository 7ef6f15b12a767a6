using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Vigil.Server.Secrets;

/// <summary>
/// Decrypts what <see cref="MasterKeyXmlEncryptor"/> wrote. Data Protection creates it by type name
/// from the stored key, through its constructor that takes the <see cref="IServiceProvider"/>.
/// </summary>
internal sealed class MasterKeyXmlDecryptor : IXmlDecryptor
{
    private readonly MasterKeySource? _source;

    /// <summary>Data Protection's activator calls this constructor.</summary>
    public MasterKeyXmlDecryptor(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _source = services.GetService(typeof(MasterKeySource)) as MasterKeySource;
    }

    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var key = _source?.CurrentOrNull
            ?? throw new CryptographicException("The Data Protection key ring is encrypted with Vigil's master key, and no master key is loaded.");
        return MasterKeyCipher.Decrypt(encryptedElement, key);
    }
}
