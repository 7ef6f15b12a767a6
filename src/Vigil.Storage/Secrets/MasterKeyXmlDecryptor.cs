using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;

namespace Vigil.Storage.Secrets;

/// <summary>
/// Decrypts what <see cref="MasterKeyXmlEncryptor"/> wrote. Data Protection creates it by type name
/// from the stored key, through its constructor that takes the <see cref="IServiceProvider"/>.
/// Public because stored keys name it: keys written before the key ring moved here name
/// <c>Vigil.Server.Secrets.MasterKeyXmlDecryptor</c>, which Vigil.Server keeps and which decrypts with this one.
/// </summary>
public sealed class MasterKeyXmlDecryptor : IXmlDecryptor
{
    private readonly MasterKeySource? _source;

    /// <summary>Data Protection's activator calls this constructor.</summary>
    public MasterKeyXmlDecryptor(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _source = services.GetService(typeof(MasterKeySource)) as MasterKeySource;
    }

    /// <summary>The element that was encrypted under the master key now loaded.</summary>
    /// <exception cref="CryptographicException">No master key is loaded, or the element was encrypted under another.</exception>
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var key = _source?.CurrentOrNull
            ?? throw new CryptographicException("The Data Protection key ring is encrypted with Vigil's master key, and no master key is loaded.");
        return MasterKeyCipher.Decrypt(encryptedElement, key);
    }
}
