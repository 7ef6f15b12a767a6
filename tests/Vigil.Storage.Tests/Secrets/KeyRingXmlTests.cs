using System.Security.Cryptography;
using System.Xml.Linq;
using Vigil.Storage.Secrets;
using Vigil.Testing;

namespace Vigil.Storage.Tests.Secrets;

/// <summary>
/// Which stored keys are encrypted under the master key, and re-encrypting them: the form written
/// now, and the form written before the key ring moved from Vigil.Server (<see cref="LegacyKeyRing"/>).
/// </summary>
public sealed class KeyRingXmlTests
{
    private static readonly MasterKey LegacyKey = Parse(LegacyKeyRing.MasterKey, "the legacy key");

    [Fact]
    public void IsEncrypted_KeyWrittenBeforeTheMove_RecognisedAndOpensWithItsKey()
    {
        var element = XElement.Parse(LegacyKeyRing.KeyXml);

        Assert.True(KeyRingXml.IsEncrypted(element));
        Assert.False(KeyRingXml.HasSecretInClear(element));
        KeyRingXml.Verify(element, LegacyKey);
    }

    [Fact]
    public void Verify_KeyWrittenBeforeTheMove_AnotherKey_ThrowsNamingBothKeyIds()
    {
        var other = MasterKey.Generate("another key");

        var error = Assert.ThrowsAny<CryptographicException>(() => KeyRingXml.Verify(XElement.Parse(LegacyKeyRing.KeyXml), other));

        Assert.Contains(LegacyKey.Id, error.Message, StringComparison.Ordinal);
        Assert.Contains(other.Id, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Protect_KeyWrittenBeforeTheMove_ReencryptedUnderTheNewKeyWithTodaysDecryptor()
    {
        var next = MasterKey.Generate("the new key");

        var rotated = KeyRingXml.Protect(XElement.Parse(LegacyKeyRing.KeyXml), LegacyKey, next)!;

        var decryptorType = (string?)rotated.Descendants().Single(e => e.Name.LocalName == "encryptedSecret").Attribute("decryptorType");
        Assert.Equal(typeof(MasterKeyXmlDecryptor).AssemblyQualifiedName, decryptorType);
        Assert.StartsWith("Vigil.Storage.Secrets.MasterKeyXmlDecryptor, Vigil.Storage,", decryptorType, StringComparison.Ordinal);
        KeyRingXml.Verify(rotated, next);
        Assert.ThrowsAny<CryptographicException>(() => KeyRingXml.Verify(rotated, LegacyKey));
        Assert.Equal(Secret(XElement.Parse(LegacyKeyRing.KeyXml), LegacyKey).ToString(), Secret(rotated, next).ToString());
    }

    [Fact]
    public void Protect_SecretInClear_EncryptedAndNoLongerInClear()
    {
        var key = MasterKey.Generate("a key");
        var clear = XElement.Parse("""
            <key id="k1" version="1" xmlns:dp="http://schemas.asp.net/2015/03/dataProtection"><descriptor><masterKey dp:requiresEncryption="true"><value>c2VjcmV0</value></masterKey></descriptor></key>
            """);
        Assert.True(KeyRingXml.HasSecretInClear(clear));

        var encrypted = KeyRingXml.Protect(clear, key, key)!;

        Assert.False(KeyRingXml.HasSecretInClear(encrypted));
        Assert.True(KeyRingXml.IsEncrypted(encrypted));
        Assert.DoesNotContain("c2VjcmV0", encrypted.ToString(), StringComparison.Ordinal);
        Assert.Equal("c2VjcmV0", Secret(encrypted, key).Value);
    }

    [Fact]
    public void IsEncrypted_AnotherDecryptor_NotOurs()
    {
        var element = XElement.Parse(LegacyKeyRing.KeyXml.Replace("Vigil.Server.Secrets.MasterKeyXmlDecryptor", "Vigil.Server.Secrets.MasterKeyXmlDecryptorOfSomeoneElse", StringComparison.Ordinal));

        Assert.False(KeyRingXml.IsEncrypted(element));
    }

    /// <summary>The decrypted secret of the element's one encrypted part.</summary>
    private static XElement Secret(XElement element, MasterKey key) =>
        MasterKeyCipher.Decrypt(element.Descendants().Single(e => e.Name.LocalName == "encryptedSecret").Elements().Single(), key);

    private static MasterKey Parse(string base64, string source) =>
        MasterKey.TryParse(base64, source, out var key) ? key : throw new InvalidOperationException("not a master key");
}
