using System.Data.Common;
using System.Reflection;
using Dapper;

namespace Vigil.Storage;

/// <summary>
/// Applies the versioned SQL migrations (<c>Migrations/{sqlite|postgres}/NNNN_name.sql</c>,
/// embedded in this assembly and in those of the <see cref="MigrationSource"/>s, such as the
/// job queue's, which keeps its schema next to its SQL) that the database has not seen, in
/// version order, each in its own transaction, recording them in <c>schema_migrations</c>.
/// Versions are one sequence across sources. Safe to run from several processes at once on
/// PostgreSQL (an advisory lock serialises them).
/// </summary>
public sealed class Migrator
{
    private const long AdvisoryLockKey = 0x56_49_47_49_4C; // "VIGIL"
    private readonly Database _database;
    private readonly Assembly[] _assemblies;

    /// <summary>Creates a migrator for a database: Storage's migrations and those of <paramref name="sources"/>.</summary>
    public Migrator(Database database, IEnumerable<MigrationSource>? sources = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _assemblies = AssembliesOf(sources);
    }

    /// <summary>The migrations of the provider from Storage and <paramref name="sources"/>, in version order.</summary>
    /// <exception cref="InvalidOperationException">Two migrations share a version.</exception>
    public static IReadOnlyList<(int Version, string Name, string Sql)> Migrations(StorageProvider provider, IEnumerable<MigrationSource>? sources = null) =>
        Migrations(provider, AssembliesOf(sources));

    private static Assembly[] AssembliesOf(IEnumerable<MigrationSource>? sources) =>
        [typeof(Migrator).Assembly, .. (sources ?? []).Select(s => s.Assembly).Distinct()];

    private static IReadOnlyList<(int Version, string Name, string Sql)> Migrations(StorageProvider provider, Assembly[] assemblies)
    {
        var folder = provider == StorageProvider.Postgres ? ".postgres." : ".sqlite.";
        var migrations = assemblies.SelectMany(assembly => assembly.GetManifestResourceNames()
            .Where(name => name.Contains(".Migrations" + folder, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name =>
            {
                var file = name[(name.IndexOf(folder, StringComparison.Ordinal) + folder.Length)..^4].TrimStart('_');
                var version = int.Parse(file.AsSpan(0, 4), System.Globalization.CultureInfo.InvariantCulture);
                return (Version: version, Name: file, Sql: Read(assembly, name));
            }))
            .OrderBy(m => m.Version)
            .ToList();
        if (migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1) is { } clash)
        {
            throw new InvalidOperationException($"Migrations {string.Join(" and ", clash.Select(m => m.Name))} share version {clash.Key}.");
        }

        return migrations;
    }

    /// <summary>Applies the pending migrations; returns how many were applied.</summary>
    public Task<int> MigrateAsync(long nowMs, CancellationToken cancellationToken = default) => MigrateAsync(nowMs, int.MaxValue, cancellationToken);

    /// <summary>Applies the pending migrations up to <paramref name="lastVersion"/> (tests of an upgrade start from an older schema).</summary>
    internal async Task<int> MigrateAsync(long nowMs, int lastVersion, CancellationToken cancellationToken = default)
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
            return await ApplyPendingAsync(connection, nowMs, lastVersion, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (_database.Provider == StorageProvider.Postgres)
            {
                await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = AdvisoryLockKey }).ConfigureAwait(false);
            }
        }
    }

    private async Task<int> ApplyPendingAsync(DbConnection connection, long nowMs, int lastVersion, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
            .ConfigureAwait(false);

        var applied = 0;
        foreach (var (version, name, sql) in Migrations(_database.Provider, _assemblies).Where(m => m.Version <= lastVersion))
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
