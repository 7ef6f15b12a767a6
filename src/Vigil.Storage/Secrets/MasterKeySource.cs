using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Vigil.Storage.Secrets;

/// <summary>
/// Where the master key comes from: <c>Vigil:Secrets:MasterKey</c> when set, else the key file
/// (created at first start, owner-only, when the key ring holds nothing encrypted yet).
/// </summary>
internal sealed class MasterKeySource(IOptions<SecretsOptions> options, IOptions<StorageOptions> storage)
{
    /// <summary>The setting that carries the key, as messages name it.</summary>
    public const string SettingName = "Vigil:Secrets:MasterKey (environment variable Vigil__Secrets__MasterKey)";

    private MasterKey? _current;

    /// <summary>Gets the key file in use, or null when the key comes from configuration.</summary>
    public string? KeyFile => options.Value.MasterKey is null ? Path.GetFullPath(options.Value.KeyFile ?? DefaultKeyFile(storage.Value)) : null;

    /// <summary>Gets the loaded key; throws when <see cref="Load"/> has not run.</summary>
    public MasterKey Current => _current ?? throw new InvalidOperationException("The master key is not loaded yet: the key ring is read before Vigil's start-up opened it.");

    /// <summary>Gets the loaded key, or null.</summary>
    public MasterKey? CurrentOrNull => Volatile.Read(ref _current);

    /// <summary>
    /// Loads the key: from configuration, from the key file, or — only when the key ring holds
    /// nothing encrypted (<paramref name="ringIsEncrypted"/> false) — from a key file it creates.
    /// </summary>
    public MasterKey Load(bool ringIsEncrypted)
    {
        var key = options.Value.MasterKey is { } configured
            ? (MasterKey.TryParse(configured, "Vigil:Secrets:MasterKey", out var parsed) ? parsed : throw new SecretsUnavailableException("Vigil:Secrets:MasterKey must be the base64 of 32 bytes."))
            : ReadOrCreate(KeyFile!, ringIsEncrypted);
        Volatile.Write(ref _current, key);
        return key;
    }

    /// <summary>Replaces the key in use (after a rotation).</summary>
    public void Use(MasterKey key) => Volatile.Write(ref _current, key);

    /// <summary>What holds the key, for messages: the key file's path or the setting.</summary>
    public string Describe() => KeyFile is { } file ? $"the key file {file} (setting Vigil:Secrets:KeyFile)" : SettingName;

    /// <summary>
    /// Writes <paramref name="key"/> to a new file with owner-only permissions: to a temporary file
    /// first, then moved into place, so a reader sees the whole key or no file.
    /// </summary>
    /// <returns>False when <paramref name="path"/> existed (and <paramref name="overwrite"/> is false).</returns>
    public static bool WriteKeyFile(string path, MasterKey key, bool overwrite)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temporary, fileOptions))
            {
                stream.Write(System.Text.Encoding.ASCII.GetBytes(key.ToBase64() + "\n"));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite);
            return true;
        }
        catch (IOException) when (!overwrite && File.Exists(path))
        {
            return false;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The default key file: beside the SQLite file, or <c>./data/vigil.key</c>.</summary>
    internal static string DefaultKeyFile(StorageOptions storage)
    {
        if (storage.Provider == StorageProvider.Sqlite)
        {
            var builder = new SqliteConnectionStringBuilder(storage.ConnectionString ?? "Data Source=data/vigil.db");
            if (!string.IsNullOrEmpty(builder.DataSource) && builder.DataSource != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
            {
                return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(builder.DataSource))!, "vigil.key");
            }
        }

        return Path.Combine("data", "vigil.key");
    }

    private static MasterKey ReadOrCreate(string path, bool ringIsEncrypted)
    {
        if (!File.Exists(path))
        {
            if (ringIsEncrypted)
            {
                throw new SecretsUnavailableException(
                    $"The key ring in the database is encrypted, but the key file {path} does not exist: restore it from its backup, or set Vigil:Secrets:KeyFile or {SettingName}. Nothing was changed.");
            }

            var created = MasterKey.Generate($"the key file {path}");
            if (WriteKeyFile(path, created, overwrite: false))
            {
                return created;
            }
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SecretsUnavailableException($"The key file {path} cannot be read: {ex.Message}", ex);
        }

        return MasterKey.TryParse(text, $"the key file {path}", out var key)
            ? key
            : throw new SecretsUnavailableException($"The key file {path} does not hold a Vigil master key (base64 of 32 bytes). Nothing was changed.");
    }
}
