namespace Vigil.Testing;

/// <summary>
/// A key ring as Vigil 0.1 stored it before the key ring moved from Vigil.Server to Vigil.Storage
/// (written by that code, copied here as it was): its encrypted key names the decryptor
/// <c>Vigil.Server.Secrets.MasterKeyXmlDecryptor, Vigil.Server</c>. Databases of existing
/// installations hold keys like it, so they must keep opening.
/// </summary>
public static class LegacyKeyRing
{
    /// <summary>The master key the ring was encrypted under (as <c>Vigil:Secrets:MasterKey</c>).</summary>
    public const string MasterKey = "mWUJ4a0m0BcFJpQ1ypf3kvWj1Qq2oKk2q6o3mSlD0vY=";

    /// <summary>The stored key's row name.</summary>
    public const string KeyName = "key-cdb3920b-6e07-4f40-8d37-d37437010525";

    /// <summary>The stored key element, in the old form.</summary>
    public const string KeyXml = """
        <key id="cdb3920b-6e07-4f40-8d37-d37437010525" version="1"><creationDate>2026-12-03T21:14:21.9718777Z</creationDate><activationDate>2026-12-03T21:14:21.9718777Z</activationDate><expirationDate>2027-03-03T21:14:21.9718777Z</expirationDate><descriptor deserializerType="Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel.AuthenticatedEncryptorDescriptorDeserializer, Microsoft.AspNetCore.DataProtection, Version=10.0.0.0, Culture=neutral, PublicKeyToken=adb9793829ddae60"><descriptor><encryption algorithm="AES_256_CBC" /><validation algorithm="HMACSHA256" /><encryptedSecret decryptorType="Vigil.Server.Secrets.MasterKeyXmlDecryptor, Vigil.Server, Version=0.1.0.0, Culture=neutral, PublicKeyToken=null" xmlns="http://schemas.asp.net/2015/03/dataProtection"><encrypted keyId="2a1fd9d23fb4c8fe" algorithm="AES-256-GCM" nonce="EbFEvQnwjKEiA9Cq" tag="LoHGeGlDt2qugRsjdkuh4g==" xmlns="urn:vigil:secrets:v1">KFtV9mN5KF6D3EJ/Cnkhwqu9dQXZC1dMie6DQvWvr+oTM88rvX7fy1gKYTAmilAMrcYXxi51xkCOiC3zSDq6sesoTVH+XsUgsuOitfx+ijNA6ef3LON3VgX4GsBEjJ4ClUeXezYwH3c1UZd63X1VjI/mmYhsL7NdCLBEUoU8IggqmXR4j9I3s+ZBxEQaY14Fb2DrakzhBQf70+fNaTf+BRwObg5PNw4pQtH8C20FMwUQZgt9puK0cD7cwmGx3bN0ZXfHLuS8mKwIA7J8LE+PlROFRh2+QYhELGLrSzy3LTJk1aomUC9iorwZPnJ2+Lq5y/Ocd5EjsAc0o1A/7v95Tn8Ix2/JDrtBw5tVXPmj</encrypted></encryptedSecret></descriptor></descriptor></key>
        """;

    /// <summary>The Data Protection purpose <see cref="Payload"/> was protected with (a channel's configuration).</summary>
    public const string Purpose = "Vigil.Channels.v1";

    /// <summary>What that key protected.</summary>
    public const string Payload = "CfDJ8AuSs80HbkBPjTfTdDcBBSUyZODiT_ISzZewSXz8MLX7ZpL9AM9v1GIoyls2mOPWoH0ULaCUXYxb9dMb8TWkkCKJDXJjNa8ZHVYcE9oroDSUkchdiprMl4VgdPcnPRXs7fCxhzYZ_-ATOh0xwL5LyRI";

    /// <summary>What <see cref="Payload"/> unprotects to.</summary>
    public const string Plaintext = """{"secret":"legacy-s3cret"}""";
}
