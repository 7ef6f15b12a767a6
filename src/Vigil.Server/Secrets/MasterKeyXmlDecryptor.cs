using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Vigil.Server.Secrets;

/// <summary>
/// The name the key ring's encrypted keys carried before the key ring moved to Vigil.Storage:
/// stored keys say <c>decryptorType="Vigil.Server.Secrets.MasterKeyXmlDecryptor, Vigil.Server, …"</c>,
/// and Data Protection creates the decryptor by that name. It decrypts with
/// <see cref="Storage.Secrets.MasterKeyXmlDecryptor"/>. Keep its name and namespace as they are:
/// the databases of existing installations name it.
/// </summary>
internal sealed class MasterKeyXmlDecryptor : IXmlDecryptor
{
    private readonly Storage.Secrets.MasterKeyXmlDecryptor _decryptor;

    /// <summary>Data Protection's activator calls this constructor.</summary>
    public MasterKeyXmlDecryptor(IServiceProvider services) => _decryptor = new(services);

    public XElement Decrypt(XElement encryptedElement) => _decryptor.Decrypt(encryptedElement);
}
