using System.Data.Common;
using System.Reflection;
using Dapper;

namespace Vigil.Storage;

/// <summary>
/// Applies the versioned SQL migrations embedded in this assembly
/// (<c>Migrations/{sqlite|postgres}/NNNN_name.sql</c>) that the database has not seen, each in
/// its own transaction, recording them in <c>schema_migrations</c>. Safe to run from several
/// processes at once on PostgreSQL (an advisory lock serialises them).
/// </summary>
public sealed class Migrator
{
    private const long AdvisoryLockKey = 0x56_49_47_49_4C; // "VIGIL"
    private readonly Database _database;

    /// <summary>Creates a migrator for a database.</summary>
    public Migrator(Database database) => _database = database;

    /// <summary>The migrations of the provider, in order: version and SQL.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> Migrations(StorageProvider provider)
    {
        var assembly = typeof(Migrator).Assembly;
        var folder = provider == StorageProvider.Postgres ? ".postgres." : ".sqlite.";
        return [.. assembly.GetManifestResourceNames()
            .Where(name => name.Contains(".Migrations" + folder, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name =>
            {
                var file = name[(name.IndexOf(folder, StringComparison.Ordinal) + folder.Length)..^4].TrimStart('_');
                var version = int.Parse(file.AsSpan(0, 4), System.Globalization.CultureInfo.InvariantCulture);
                return (version, file, Read(assembly, name));
            })
            .OrderBy(m => m.version)];
    }

    /// <summary>Applies the pending migrations; returns how many were applied.</summary>
    public async Task<int> MigrateAsync(long nowMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (_database.Provider == StorageProvider.Sqlite)
        {
            await connection.ExecuteAsync("PRAGMA journal_mode = WAL;").ConfigureAwait(false);
        }
        else
        {
            // One process migrates at a time; the others wait, then find nothing left to do.
            await connection.ExecuteAsync("SELECT pg_advisory_lock(@key)", new { key = AdvisoryLockKey }).ConfigureAwait(false);
        }

        try
        {
            return await ApplyPendingAsync(connection, nowMs, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (_database.Provider == StorageProvider.Postgres)
            {
                await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = AdvisoryLockKey }).ConfigureAwait(false);
            }
        }
    }

    private async Task<int> ApplyPendingAsync(DbConnection connection, long nowMs, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
            .ConfigureAwait(false);

        var applied = 0;
        foreach (var (version, name, sql) in Migrations(_database.Provider))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var done = await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM schema_migrations WHERE version = @version", new { version }, transaction).ConfigureAwait(false);
            if (done > 0)
            {
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            await connection.ExecuteAsync(sql, transaction: transaction).ConfigureAwait(false);
            await connection.ExecuteAsync(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @nowMs)",
                new { version, name, nowMs }, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            applied++;
        }

        return applied;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
