using System.Text.Json;
using Dapper;
using Vigil.Core.Alerts;

namespace Vigil.Storage.Alerts;

/// <summary>Silences by matcher. Deleting one ends it now (it stays listed, expired).</summary>
public sealed class SilenceRepository
{
    private readonly Database _database;

    /// <summary>Creates the repository.</summary>
    public SilenceRepository(Database database) => _database = database;

    /// <summary>Stores a silence.</summary>
    public async Task InsertAsync(Silence silence, long nowMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(silence);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO silences (id, rule_id, labels, severity, starts_at, ends_at, author, comment, created_at)
            VALUES (@Id, @RuleId, @Labels, @Severity, @StartsAt, @EndsAt, @Author, @Comment, @CreatedAt)
            """,
            new
            {
                silence.Id,
                silence.RuleId,
                Labels = JsonSerializer.Serialize(silence.Labels),
                Severity = silence.Severity?.ToWire(),
                StartsAt = silence.StartsAt.ToUnixTimeMilliseconds(),
                EndsAt = silence.EndsAt.ToUnixTimeMilliseconds(),
                silence.Author,
                silence.Comment,
                CreatedAt = nowMs,
            }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Silences that end after <paramref name="afterMs"/> (active or future), or all when null.</summary>
    public async Task<IReadOnlyList<Silence>> ListAsync(long? afterMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Id, string? RuleId, string Labels, string? Severity, long StartsAt, long EndsAt, string Author, string? Comment)>(new CommandDefinition(
            """
            SELECT id, rule_id, labels, severity, starts_at, ends_at, author, comment FROM silences
            WHERE @afterMs IS NULL OR ends_at > @afterMs ORDER BY starts_at DESC, id
            """, new { afterMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new Silence
        {
            Id = r.Id,
            RuleId = r.RuleId,
            Labels = JsonSerializer.Deserialize<Dictionary<string, string>>(r.Labels) ?? [],
            Severity = r.Severity is not null && AlertNames.TryParseSeverity(r.Severity, out var severity) ? severity : null,
            StartsAt = DateTimeOffset.FromUnixTimeMilliseconds(r.StartsAt),
            EndsAt = DateTimeOffset.FromUnixTimeMilliseconds(r.EndsAt),
            Author = r.Author,
            Comment = r.Comment,
        })];
    }

    /// <summary>Ends a silence now; false when none has that id or it already ended.</summary>
    public async Task<bool> ExpireAsync(string id, long nowMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE silences SET ends_at = @nowMs WHERE id = @id AND ends_at > @nowMs", new { id, nowMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows == 1;
    }
}
