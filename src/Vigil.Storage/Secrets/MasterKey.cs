using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Vigil.Storage.Secrets;

/// <summary>
/// The 256-bit key that encrypts the Data Protection key ring, with a short id (a hash of the key,
/// not the key) that is stored beside what it encrypted, so a wrong key is named as such.
/// </summary>
internal sealed class MasterKey
{
    /// <summary>The key's length in bytes.</summary>
    public const int Size = 32;

    private readonly byte[] _bytes;

    private MasterKey(byte[] bytes, string source)
    {
        _bytes = bytes;
        Source = source;
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData([.. "Vigil master key id:"u8, .. bytes], hash);
        Id = Convert.ToHexStringLower(hash[..8]);
    }

    /// <summary>Gets the key's id: 16 hex digits derived from the key.</summary>
    public string Id { get; }

    /// <summary>Gets where the key came from, for messages (the setting or the file).</summary>
    public string Source { get; }

    /// <summary>Gets the key's bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>A new random key.</summary>
    public static MasterKey Generate(string source) => new(RandomNumberGenerator.GetBytes(Size), source);

    /// <summary>Reads a key written as base64 of <see cref="Size"/> bytes (white space around it ignored).</summary>
    public static bool TryParse(string? text, string source, [NotNullWhen(true)] out MasterKey? key)
    {
        key = null;
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return false;
        }

        var bytes = new byte[Size + 3];
        if (!Convert.TryFromBase64String(trimmed, bytes, out var written) || written != Size)
        {
            return false;
        }

        key = new MasterKey(bytes[..Size], source);
        return true;
    }

    /// <summary>The key as base64, for the key file or the setting.</summary>
    public string ToBase64() => Convert.ToBase64String(_bytes);

    /// <summary>The same key, said to come from <paramref name="source"/>.</summary>
    public MasterKey From(string source) => new(_bytes, source);

    /// <inheritdoc/>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"master key {Id} ({Source})");

    /// <summary>The additional authenticated data of an encryption under this key: binds the ciphertext to the key id and format.</summary>
    internal byte[] AssociatedData() => Encoding.ASCII.GetBytes("vigil-keyring-v1:" + Id);
}
