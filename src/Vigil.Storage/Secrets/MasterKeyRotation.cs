using System.Xml.Linq;

namespace Vigil.Storage.Secrets;

/// <summary>
/// Re-encrypts the key ring under a new master key, in one transaction. With a key file the new key
/// replaces it (written beside it first, moved into place after the commit); with
/// <c>Vigil:Secrets:MasterKey</c> the caller shows the new key, to be set before the next start.
/// Run it with the servers stopped: a running server keeps the old key in memory.
/// </summary>
public sealed class MasterKeyRotation
{
    private readonly KeyRingStartup _startup;
    private readonly MasterKeySource _source;
    private readonly DataProtectionKeyStore _store;

    internal MasterKeyRotation(KeyRingStartup startup, MasterKeySource source, DataProtectionKeyStore store)
    {
        _startup = startup;
        _source = source;
        _store = store;
    }

    /// <summary>Opens the ring with the current key and re-encrypts it under a new one.</summary>
    /// <returns>The new key, or null when the ring changed during the rotation (another process?) and nothing was changed.</returns>
    /// <exception cref="SecretsUnavailableException">The current key is missing or does not open the ring.</exception>
    public async Task<RotatedMasterKey?> RotateAsync(CancellationToken cancellationToken = default)
    {
        await _startup.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var old = _source.Current;
        var keyFile = _source.KeyFile;
        var next = MasterKey.Generate(keyFile is null ? "the new Vigil:Secrets:MasterKey" : $"the key file {keyFile}");
        var rewrites = (await _store.RowsAsync(cancellationToken).ConfigureAwait(false))
            .Select(row => (Row: row, Protected: KeyRingXml.Protect(XElement.Parse(row.Xml), old, next)))
            .Where(r => r.Protected is not null)
            .Select(r => new DataProtectionKeyRewrite(r.Row.Name, r.Row.Xml, r.Protected!.ToString(SaveOptions.DisableFormatting)))
            .ToList();

        // The new key is on disk before the ring needs it; it replaces the old file only after the commit.
        var pending = keyFile is null ? null : keyFile + ".new";
        if (pending is not null)
        {
            MasterKeySource.WriteKeyFile(pending, next, overwrite: true);
        }

        if (!await _store.RewriteAsync(rewrites, cancellationToken).ConfigureAwait(false))
        {
            if (pending is not null)
            {
                File.Delete(pending);
            }

            return null;
        }

        _source.Use(next);
        if (pending is not null)
        {
            File.Move(pending, keyFile!, overwrite: true);
        }

        return new RotatedMasterKey(rewrites.Count, next.Id, keyFile, keyFile is null ? next.ToBase64() : null);
    }
}
