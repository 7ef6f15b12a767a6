using Dapper;
using Vigil.Core.Alerts;

namespace Vigil.Storage.Alerts;

/// <summary>
/// Reads and writes alert rules. A rule is stored as JSON (<see cref="StoredRuleJson"/>);
/// default rules are deleted softly, so the next start does not create them again.
/// </summary>
public sealed class RuleRepository
{
    private const string Columns =
        "id AS Id, body AS Body, is_default AS IsDefault, overridden AS Overridden, version AS Version, created_at AS CreatedAt, updated_at AS UpdatedAt";

    private readonly Database _database;

    // The body parameter: PostgreSQL stores it as jsonb, SQLite as text.
    private readonly string _body;

    /// <summary>Creates the repository.</summary>
    public RuleRepository(Database database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _body = database.Provider == StorageProvider.Postgres ? "CAST(@Body AS jsonb)" : "@Body";
    }

    /// <summary>Every rule except deleted defaults, oldest first.</summary>
    public async Task<IReadOnlyList<StoredRule>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM alert_rules WHERE NOT deleted ORDER BY created_at, id", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(row => row.ToStored())];
    }

    /// <summary>The rule with this id, or null (also for a deleted default).</summary>
    public async Task<StoredRule?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM alert_rules WHERE id = @id AND NOT deleted", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToStored();
    }

    /// <summary>Stores a new (not default) rule; returns null when a rule with its id exists, deleted defaults included.</summary>
    public async Task<StoredRule?> InsertAsync(AlertRule rule, long nowMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"""
            INSERT INTO alert_rules (id, body, is_default, overridden, deleted, version, created_at, updated_at)
            VALUES (@Id, {_body}, FALSE, FALSE, FALSE, 1, @nowMs, @nowMs)
            ON CONFLICT (id) DO NOTHING
            RETURNING {Columns}
            """, new { rule.Id, Body = StoredRuleJson.Serialize(rule), nowMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToStored();
    }

    /// <summary>
    /// Replaces a rule; a default rule becomes overridden. Returns the stored rule, or null when
    /// no rule has its id or when <paramref name="expectedVersion"/> is given and the stored
    /// version differs (someone else changed it meanwhile: read it again and retry).
    /// </summary>
    public async Task<StoredRule?> UpdateAsync(AlertRule rule, long nowMs, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var versionCheck = expectedVersion is null ? "" : "AND version = @expectedVersion";
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"""
            UPDATE alert_rules SET body = {_body}, overridden = is_default, version = version + 1, updated_at = @nowMs
            WHERE id = @Id AND NOT deleted {versionCheck}
            RETURNING {Columns}
            """, new { rule.Id, Body = StoredRuleJson.Serialize(rule), nowMs, expectedVersion }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToStored();
    }

    /// <summary>Deletes a rule (a default one softly, so it is not created again); returns false when there is none.</summary>
    public async Task<bool> DeleteAsync(string id, long nowMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM alert_rules WHERE id = @id AND NOT is_default", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (deleted == 0)
        {
            deleted = await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE alert_rules SET deleted = TRUE, version = version + 1, updated_at = @nowMs
                WHERE id = @id AND is_default AND NOT deleted
                """, new { id, nowMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        return deleted == 1;
    }

    /// <summary>
    /// Brings the default rules up to date, in one transaction: creates those that do not exist
    /// and replaces those whose definition changed, unless they were edited (overridden) or
    /// deleted through the API; retires (deletes softly, as the API does) the stored defaults the
    /// file no longer has, unless they were edited: a rule a release replaced by another does not
    /// keep paging beside it (an empty file retires nothing). Safe to run from several processes at once.
    /// </summary>
    public async Task<DefaultRulesOutcome> UpsertDefaultsAsync(IReadOnlyCollection<AlertRule> rules, long nowMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        int inserted = 0, updated = 0;
        foreach (var rule in rules)
        {
            var parameters = new { rule.Id, Body = StoredRuleJson.Serialize(rule), nowMs };
            if (await connection.ExecuteAsync(new CommandDefinition(
                $"""
                INSERT INTO alert_rules (id, body, is_default, overridden, deleted, version, created_at, updated_at)
                VALUES (@Id, {_body}, TRUE, FALSE, FALSE, 1, @nowMs, @nowMs)
                ON CONFLICT (id) DO NOTHING
                """, parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1)
            {
                inserted++;
                continue;
            }

            // jsonb compares by value; SQLite compares the text, which RuleJson writes the same way each time.
            updated += await connection.ExecuteAsync(new CommandDefinition(
                $"""
                UPDATE alert_rules SET body = {_body}, version = version + 1, updated_at = @nowMs
                WHERE id = @Id AND is_default AND NOT overridden AND NOT deleted AND body <> {_body}
                """, parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        var shipped = rules.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var retired = 0;
        var stored = shipped.Count == 0 ? [] : await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT id FROM alert_rules WHERE is_default AND NOT overridden AND NOT deleted", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var id in stored.Where(id => !shipped.Contains(id)))
        {
            // The conditions again: an edit committed since the SELECT keeps its rule, and of two starts at once one retires it.
            retired += await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE alert_rules SET deleted = TRUE, version = version + 1, updated_at = @nowMs WHERE id = @id AND is_default AND NOT overridden AND NOT deleted",
                new { id, nowMs }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new DefaultRulesOutcome(inserted, updated, retired);
    }

    private sealed class Row
    {
        public string Id { get; set; } = "";

        public string Body { get; set; } = "";

        public bool IsDefault { get; set; }

        public bool Overridden { get; set; }

        public long Version { get; set; }

        public long CreatedAt { get; set; }

        public long UpdatedAt { get; set; }

        public StoredRule ToStored() => new(StoredRuleJson.Deserialize(Id, Body), IsDefault, Overridden, Version, CreatedAt, UpdatedAt);
    }
}
