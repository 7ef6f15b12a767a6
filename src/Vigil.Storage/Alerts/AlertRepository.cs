using System.Data.Common;
using System.Text.Json;
using Dapper;
using Vigil.Core.Alerts;
using Vigil.Core.Metrics;

namespace Vigil.Storage.Alerts;

/// <summary>
/// Alerts, their transitions and the notification intents they produced. A lifecycle step is
/// saved in one transaction, so an intent exists exactly when its transition does.
/// </summary>
public sealed class AlertRepository
{
    private const string AlertColumns =
        "id, rule_id, fingerprint, group_labels, status, severity, started_at, firing_since, acknowledged_at, acknowledged_by, silenced_until, resolved_at, last_notified_at, notifications, repeats_since_escalation, escalated, value, threshold, reason";

    /// <summary>How many alerts' steps one transaction saves at the most.</summary>
    internal const int SaveChunk = 100;

    private readonly Database _database;
    private readonly INotificationOutbox? _outbox;

    /// <summary>Creates the repository; <paramref name="outbox"/> receives every new intent in its transaction.</summary>
    public AlertRepository(Database database, INotificationOutbox? outbox = null)
    {
        _database = database;
        _outbox = outbox;
    }

    /// <summary>
    /// Saves lifecycle results (alert rows, transitions, intents and their delivery jobs). Each
    /// alert's step is atomic; a pass that changes many alerts commits them in chunks of
    /// <see cref="SaveChunk"/>, so the deliveries of the first chunk start while the rest are written.
    /// </summary>
    public async Task SaveAsync(IReadOnlyList<LifecycleResult> results, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(results);
        foreach (var chunk in results.Where(r => r.Alert is not null && r.Changed).Chunk(SaveChunk))
        {
            await SaveChunkAsync(chunk, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SaveChunkAsync(LifecycleResult[] results, CancellationToken cancellationToken)
    {
        // Every statement of the step, sent in batches (one round trip per batch on PostgreSQL):
        // a pass that opens a thousand alerts must not wait on five thousand round trips.
        var statements = new List<Statement>();
        foreach (var result in results)
        {
            if (result.Alert is not { } alert || !result.Changed)
            {
                continue;
            }

            statements.Add(new Statement(UpsertAlertSql, AlertParameters(alert), null));
            foreach (var t in result.Transitions)
            {
                statements.Add(new Statement(
                    "INSERT INTO alert_transitions (alert_id, from_status, to_status, at, by, note) VALUES (@alert_id, @from_status, @to_status, @at, @by, @note)",
                    [("alert_id", t.AlertId), ("from_status", t.From?.ToWire()), ("to_status", t.To.ToWire()), ("at", t.At.ToUnixTimeMilliseconds()), ("by", t.By), ("note", t.Note)],
                    null));
            }

            foreach (var i in result.Intents)
            {
                statements.Add(new Statement(
                    """
                    INSERT INTO notification_intents (alert_id, kind, severity, channels, at, idempotency_key)
                    VALUES (@alert_id, @kind, @severity, @channels, @at, @idempotency_key)
                    ON CONFLICT (idempotency_key) DO NOTHING
                    """,
                    [("alert_id", i.AlertId), ("kind", i.Kind.ToString().ToLowerInvariant()), ("severity", i.Severity.ToWire()), ("channels", JsonSerializer.Serialize(i.Channels)), ("at", i.At.ToUnixTimeMilliseconds()), ("idempotency_key", i.IdempotencyKey)],
                    i));
            }
        }

        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        var newIntents = new List<NotificationIntent>();
        foreach (var (statement, affected) in await ExecuteAsync(work.Connection, work.Transaction, statements, cancellationToken).ConfigureAwait(false))
        {
            if (statement.Intent is { } intent && affected == 1)
            {
                newIntents.Add(intent); // not a repeat of an intent already stored
            }
        }

        if (_outbox is not null && newIntents.Count > 0)
        {
            await _outbox.EnqueueAsync(work, newIntents, cancellationToken).ConfigureAwait(false);
        }

        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every open alert.</summary>
    public Task<IReadOnlyList<AlertInstance>> OpenAsync(CancellationToken cancellationToken = default) =>
        QueryAlertsAsync($"SELECT {AlertColumns} FROM alerts WHERE status <> 'resolved'", null, cancellationToken);

    /// <summary>How many alerts are open (not resolved): one count over the open-alert index.</summary>
    public async Task<long> CountOpenAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM alerts WHERE status <> 'resolved'", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>When each rule and group last notified, over all its alerts (for cooldowns).</summary>
    public async Task<Dictionary<string, DateTimeOffset>> LastNotifiedAsync(long sinceMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Fingerprint, long At)>(new CommandDefinition(
            "SELECT fingerprint, MAX(last_notified_at) FROM alerts WHERE last_notified_at >= @sinceMs GROUP BY fingerprint",
            new { sinceMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Fingerprint, r => DateTimeOffset.FromUnixTimeMilliseconds(r.At), StringComparer.Ordinal);
    }

    /// <summary>An alert by id, or null.</summary>
    public async Task<AlertInstance?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        (await QueryAlertsAsync($"SELECT {AlertColumns} FROM alerts WHERE id = @id", new { id }, cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>Alerts matching a filter, newest first.</summary>
    public Task<IReadOnlyList<AlertInstance>> ListAsync(AlertFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var parameters = new DynamicParameters(new
        {
            status = filter.Status?.ToWire(),
            severity = filter.Severity?.ToWire(),
            ruleId = filter.RuleId,
            fromMs = filter.FromMs,
            toMs = filter.ToMs,
            limit = filter.Limit,
        });

        // A group label is the text name="value" (escaped as stored) right after '{' or ',' in
        // the stored group key: quotes inside values are escaped, so it cannot match inside one.
        var labels = new System.Text.StringBuilder();
        var contains = _database.Provider == StorageProvider.Postgres ? "strpos" : "instr";
        var i = 0;
        foreach (var (name, value) in filter.Labels ?? new Dictionary<string, string>())
        {
            var pair = LabelSet.SeriesKey("", LabelSet.From([new(name, value)]))[1..^1];
            parameters.Add($"lo{i}", "{" + pair + "}");
            parameters.Add($"lf{i}", "{" + pair + ",");
            parameters.Add($"lm{i}", "," + pair + ",");
            parameters.Add($"ll{i}", "," + pair + "}");
            labels.Append(System.Globalization.CultureInfo.InvariantCulture, $" AND ({contains}(group_labels, @lo{i}) > 0 OR {contains}(group_labels, @lf{i}) > 0 OR {contains}(group_labels, @lm{i}) > 0 OR {contains}(group_labels, @ll{i}) > 0)");
            i++;
        }

        var sql = $"""
            SELECT {AlertColumns} FROM alerts
            WHERE (@status IS NULL OR status = @status) AND (@severity IS NULL OR severity = @severity)
              AND (@ruleId IS NULL OR rule_id = @ruleId) AND (@fromMs IS NULL OR started_at >= @fromMs) AND (@toMs IS NULL OR started_at < @toMs){labels}
            ORDER BY started_at DESC, id LIMIT @limit
            """;
        return QueryAlertsAsync(sql, parameters, cancellationToken);
    }

    /// <summary>The transitions of an alert, oldest first.</summary>
    public async Task<IReadOnlyList<AlertTransition>> TransitionsAsync(string alertId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string AlertId, string? From, string To, long At, string By, string? Note)>(new CommandDefinition(
            "SELECT alert_id, from_status, to_status, at, by, note FROM alert_transitions WHERE alert_id = @alertId ORDER BY id",
            new { alertId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new AlertTransition(
            r.AlertId, r.From is null ? null : ParseStatus(r.From), ParseStatus(r.To), DateTimeOffset.FromUnixTimeMilliseconds(r.At), r.By, r.Note))];
    }

    /// <summary>Notification intents, newest first (the in-app feed).</summary>
    public async Task<IReadOnlyList<StoredIntent>> IntentsAsync(int limit, bool unreadOnly, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(long Id, string AlertId, string Kind, string Severity, string Channels, long At, string Key, long? ReadAt)>(new CommandDefinition(
            """
            SELECT id, alert_id, kind, severity, channels, at, idempotency_key, read_at FROM notification_intents
            WHERE (@unreadOnly = 0 OR read_at IS NULL) ORDER BY id DESC LIMIT @limit
            """, new { limit, unreadOnly = unreadOnly ? 1 : 0 }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(ToStoredIntent)];
    }

    /// <summary>The notification intents of one alert, oldest first; <paramref name="sinceMs"/> is when the alert started (intents are never older).</summary>
    public async Task<IReadOnlyList<StoredIntent>> IntentsOfAlertAsync(string alertId, long sinceMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(long Id, string AlertId, string Kind, string Severity, string Channels, long At, string Key, long? ReadAt)>(new CommandDefinition(
            "SELECT id, alert_id, kind, severity, channels, at, idempotency_key, read_at FROM notification_intents WHERE at >= @sinceMs AND alert_id = @alertId ORDER BY id",
            new { alertId, sinceMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(ToStoredIntent)];
    }

    /// <summary>The intent with an idempotency key, or null.</summary>
    public async Task<StoredIntent?> IntentAsync(string idempotencyKey, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(long Id, string AlertId, string Kind, string Severity, string Channels, long At, string Key, long? ReadAt)>(new CommandDefinition(
            "SELECT id, alert_id, kind, severity, channels, at, idempotency_key, read_at FROM notification_intents WHERE idempotency_key = @idempotencyKey",
            new { idempotencyKey }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(ToStoredIntent).FirstOrDefault();
    }

    /// <summary>Marks a feed entry read; false when there is none with that id.</summary>
    public async Task<bool> MarkReadAsync(long id, long nowMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM notification_intents WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (exists == 0)
        {
            return false;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE notification_intents SET read_at = @nowMs WHERE id = @id AND read_at IS NULL", new { id, nowMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return true;
    }

    private const string UpsertAlertSql =
        $"""
        INSERT INTO alerts ({AlertColumns})
        VALUES (@id, @rule_id, @fingerprint, @group_labels, @status, @severity, @started_at, @firing_since, @acknowledged_at, @acknowledged_by, @silenced_until, @resolved_at, @last_notified_at, @notifications, @repeats_since_escalation, @escalated, @value, @threshold, @reason)
        ON CONFLICT (id) DO UPDATE SET
            status = excluded.status, severity = excluded.severity, firing_since = excluded.firing_since,
            acknowledged_at = excluded.acknowledged_at, acknowledged_by = excluded.acknowledged_by,
            silenced_until = excluded.silenced_until, resolved_at = excluded.resolved_at,
            last_notified_at = excluded.last_notified_at, notifications = excluded.notifications,
            repeats_since_escalation = excluded.repeats_since_escalation, escalated = excluded.escalated,
            value = excluded.value, threshold = excluded.threshold, reason = excluded.reason
        """;

    // Statements per round trip when the provider batches.
    private const int BatchSize = 500;

    private static async Task<List<(Statement Statement, int Affected)>> ExecuteAsync(DbConnection connection, DbTransaction transaction, List<Statement> statements, CancellationToken cancellationToken)
    {
        var done = new List<(Statement, int)>(statements.Count);
        if (connection.CanCreateBatch)
        {
            foreach (var chunk in statements.Chunk(BatchSize))
            {
                await using var batch = connection.CreateBatch();
                batch.Transaction = transaction;
                foreach (var statement in chunk)
                {
                    var command = batch.CreateBatchCommand();
                    command.CommandText = statement.Sql;
                    foreach (var (name, value) in statement.Parameters)
                    {
                        var parameter = command.CreateParameter();
                        parameter.ParameterName = name;
                        parameter.Value = value ?? DBNull.Value;
                        command.Parameters.Add(parameter);
                    }

                    batch.BatchCommands.Add(command);
                }

                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < chunk.Length; i++)
                {
                    done.Add((chunk[i], batch.BatchCommands[i].RecordsAffected));
                }
            }

            return done;
        }

        foreach (var statement in statements)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = statement.Sql;
            foreach (var (name, value) in statement.Parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = "@" + name;
                parameter.Value = value ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }

            done.Add((statement, await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false)));
        }

        return done;
    }

    private static (string, object?)[] AlertParameters(AlertInstance a) =>
    [
        ("id", a.Id),
        ("rule_id", a.RuleId),
        ("fingerprint", a.Fingerprint),
        ("group_labels", LabelSet.SeriesKey("", a.Group)),
        ("status", a.Status.ToWire()),
        ("severity", a.Severity.ToWire()),
        ("started_at", a.StartedAt.ToUnixTimeMilliseconds()),
        ("firing_since", a.FiringSince?.ToUnixTimeMilliseconds()),
        ("acknowledged_at", a.AcknowledgedAt?.ToUnixTimeMilliseconds()),
        ("acknowledged_by", a.AcknowledgedBy),
        ("silenced_until", a.SilencedUntil?.ToUnixTimeMilliseconds()),
        ("resolved_at", a.ResolvedAt?.ToUnixTimeMilliseconds()),
        ("last_notified_at", a.LastNotifiedAt?.ToUnixTimeMilliseconds()),
        ("notifications", a.Notifications),
        ("repeats_since_escalation", a.RepeatsSinceEscalation),
        ("escalated", a.Escalated),
        ("value", a.Value),
        ("threshold", a.Threshold),
        ("reason", a.Reason),
    ];

    private static StoredIntent ToStoredIntent((long Id, string AlertId, string Kind, string Severity, string Channels, long At, string Key, long? ReadAt) r) =>
        new(r.Id, new NotificationIntent(
            r.AlertId, Enum.Parse<IntentKind>(r.Kind, ignoreCase: true), ParseSeverity(r.Severity), JsonSerializer.Deserialize<string[]>(r.Channels) ?? [],
            DateTimeOffset.FromUnixTimeMilliseconds(r.At), r.Key), r.ReadAt);

    private async Task<IReadOnlyList<AlertInstance>> QueryAlertsAsync(string sql, object? parameters, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var list = new List<AlertInstance>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(ReadAlert(reader));
        }

        return list;
    }

    private static AlertInstance ReadAlert(DbDataReader r)
    {
        DateTimeOffset? Time(int i) => r.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(i));
        return new AlertInstance
        {
            Id = r.GetString(0),
            RuleId = r.GetString(1),
            Fingerprint = r.GetString(2),
            Group = LabelSet.ParseKeyLabels(r.GetString(3)),
            StartedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)),
        }.Restore(new AlertState(
            Status: ParseStatus(r.GetString(4)),
            Severity: ParseSeverity(r.GetString(5)),
            FiringSince: Time(7),
            AcknowledgedAt: Time(8),
            AcknowledgedBy: r.IsDBNull(9) ? null : r.GetString(9),
            SilencedUntil: Time(10),
            ResolvedAt: Time(11),
            LastNotifiedAt: Time(12),
            Notifications: r.GetInt32(13),
            RepeatsSinceEscalation: r.GetInt32(14),
            Escalated: Convert.ToBoolean(r.GetValue(15), System.Globalization.CultureInfo.InvariantCulture),
            // Rows written before values were bounded can hold ±Infinity or NaN.
            Value: r.IsDBNull(16) ? null : FiniteValues.FiniteOrNull(r.GetDouble(16)),
            Threshold: r.IsDBNull(17) ? null : FiniteValues.FiniteOrNull(r.GetDouble(17)))
        {
            Reason = r.IsDBNull(18) ? null : r.GetString(18),
        });
    }

    private sealed record Statement(string Sql, (string Name, object? Value)[] Parameters, NotificationIntent? Intent);

    private static AlertStatus ParseStatus(string text) =>
        AlertNames.TryParseStatus(text, out var status) ? status : throw new InvalidDataException($"Unknown alert status '{text}'.");

    private static Severity ParseSeverity(string text) =>
        AlertNames.TryParseSeverity(text, out var severity) ? severity : throw new InvalidDataException($"Unknown severity '{text}'.");
}
