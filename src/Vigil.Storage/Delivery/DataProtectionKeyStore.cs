using Dapper;

namespace Vigil.Storage.Delivery;

/// <summary>
/// The Data Protection key ring, in the database, so every process on a shared PostgreSQL
/// decrypts what another encrypted, and a restored backup brings its keys along.
/// </summary>
public sealed class DataProtectionKeyStore(Database database)
{
    /// <summary>Every stored key element (XML).</summary>
    public IReadOnlyList<string> All()
    {
        // Data Protection's key repository contract is synchronous.
        using var connection = database.OpenAsync().AsTask().GetAwaiter().GetResult();
        return [.. connection.Query<string>("SELECT xml FROM data_protection_keys ORDER BY created_at, name")];
    }

    /// <summary>Stores a key element under its friendly name (names are unique; a repeat is ignored).</summary>
    public void Store(string name, string xml, long nowMs)
    {
        using var connection = database.OpenAsync().AsTask().GetAwaiter().GetResult();
        connection.Execute(
            "INSERT INTO data_protection_keys (name, xml, created_at) VALUES (@name, @xml, @nowMs) ON CONFLICT (name) DO NOTHING",
            new { name, xml, nowMs });
    }
}
