using System.Data.Common;
using System.Security.Cryptography;
using Dapper;

namespace Vigil.Storage.Errors;

/// <summary>
/// Error tracking's tables: issues (one per fingerprint) with their counts, state and latest
/// event; their latest events, bounded per issue and in all; the hashed users per issue, capped;
/// events per minute for the spike rule; the salt of the users' hashes.
/// </summary>
public sealed class ErrorRepository
{
    private const string Columns =
        "id AS Id, fingerprint AS Fingerprint, title AS Title, culprit AS Culprit, exception_type AS ExceptionType, level AS Level, service AS Service, " +
        "state AS State, resolved_at AS ResolvedAtMs, resolved_release AS ResolvedRelease, event_count AS EventCount, users_affected AS UsersAffected, " +
        "first_seen AS FirstSeenMs, last_seen AS LastSeenMs, first_release AS FirstRelease, last_release AS LastRelease, spiking AS Spiking, latest_event AS LatestEvent";

    private const long MinuteMs = 60_000;

    /// <summary>How long the counts per minute are kept.</summary>
    public const long MinutesKeptMs = 2 * 60 * MinuteMs;

    private readonly Database _database;

    /// <summary>Creates the repository.</summary>
    public ErrorRepository(Database database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>
    /// Records an event into its issue (created when new) in one transaction: the event (unless
    /// its id is stored already: then nothing changes), the counts, the user, the minute's count,
    /// and the bounds on events. A resolved issue for which <paramref name="regresses"/> holds is
    /// unresolved again.
    /// </summary>
    public async Task<RecordedEvent> RecordAsync(IssueEventWrite write, long nowMs, ErrorBounds bounds, Func<StoredIssue, bool> regresses, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(bounds);
        ArgumentNullException.ThrowIfNull(regresses);
        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        var connection = work.Connection;
        var transaction = work.Transaction;

        var created = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO error_issues (id, fingerprint, title, culprit, exception_type, level, service, state, resolved_at, resolved_release, event_count, users_affected,
                first_seen, last_seen, first_release, last_release, spiking, latest_event)
            VALUES (@Id, @Fingerprint, @Title, @Culprit, @ExceptionType, @Level, @Service, 'unresolved', NULL, NULL, 0, 0, @NowMs, @NowMs, @Release, @Release, 0, @Payload)
            ON CONFLICT (fingerprint) DO NOTHING
            """,
            new { Id = NewId(), write.Fingerprint, write.Title, write.Culprit, write.ExceptionType, write.Level, write.Service, NowMs = nowMs, write.Release, write.Payload },
            transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
        var issue = await IssueByFingerprintAsync(connection, transaction, write.Fingerprint, cancellationToken).ConfigureAwait(false);

        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO error_events (event_id, issue_id, received_at, occurred_at, release_name, payload)
            VALUES (@EventId, @IssueId, @NowMs, @OccurredAtMs, @Release, @Payload)
            ON CONFLICT (event_id) DO NOTHING
            """,
            new { write.EventId, IssueId = issue.Id, NowMs = nowMs, write.OccurredAtMs, write.Release, write.Payload }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (inserted == 0)
        {
            // Sent again (an SDK's retry): counted once. Nothing of this transaction is kept.
            return new RecordedEvent(issue, Duplicate: true, Created: false, Regressed: false, []);
        }

        var regressed = !created && issue.State == IssueStates.Resolved && regresses(issue);
        long addedUser = 0;
        if (write.UserHash is not null && issue.UsersAffected < bounds.UsersPerIssue)
        {
            addedUser = await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO error_issue_users (issue_id, user_hash) VALUES (@IssueId, @UserHash) ON CONFLICT (issue_id, user_hash) DO NOTHING",
                new { IssueId = issue.Id, write.UserHash }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            UPDATE error_issues SET event_count = event_count + 1, users_affected = users_affected + @AddedUser,
                last_seen = CASE WHEN last_seen > @NowMs THEN last_seen ELSE @NowMs END,
                first_release = COALESCE(first_release, @Release), last_release = COALESCE(@Release, last_release),
                level = @Level, latest_event = @Payload
                {(regressed ? ", state = 'unresolved', resolved_at = NULL, resolved_release = NULL" : "")}
            WHERE id = @Id
            """,
            new { AddedUser = addedUser, NowMs = nowMs, write.Release, write.Level, write.Payload, issue.Id }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);

        var minute = nowMs - (nowMs % MinuteMs);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO error_issue_minutes (issue_id, minute, events) VALUES (@IssueId, @Minute, 1)
            ON CONFLICT (issue_id, minute) DO UPDATE SET events = error_issue_minutes.events + 1
            """,
            new { IssueId = issue.Id, Minute = minute }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM error_issue_minutes WHERE issue_id = @IssueId AND minute < @Oldest",
            new { IssueId = issue.Id, Oldest = minute - MinutesKeptMs }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var minutes = await MinutesAsync(connection, transaction, issue.Id, minute - MinutesKeptMs, cancellationToken).ConfigureAwait(false);

        // The bounds: the issue's latest events, then the oldest events of all past the budget.
        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM error_events WHERE issue_id = @IssueId AND event_id NOT IN
                (SELECT event_id FROM error_events WHERE issue_id = @IssueId ORDER BY received_at DESC, event_id DESC LIMIT @Keep)
            """,
            new { IssueId = issue.Id, Keep = bounds.EventsPerIssue }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM error_events", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (total > bounds.MaxEvents)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM error_events WHERE event_id IN (SELECT event_id FROM error_events ORDER BY received_at, event_id LIMIT @Over)",
                new { Over = total - bounds.MaxEvents }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        issue = await IssueByFingerprintAsync(connection, transaction, write.Fingerprint, cancellationToken).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new RecordedEvent(issue, Duplicate: false, created, regressed, minutes);
    }

    /// <summary>The issues <paramref name="query"/> asks for.</summary>
    public async Task<IReadOnlyList<StoredIssue>> ListAsync(IssueQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new List<string>();
        if (query.State is not null)
        {
            where.Add("state = @State");
        }

        if (query.Service is not null)
        {
            where.Add("service = @Service");
        }

        if (query.Release is not null)
        {
            where.Add("(first_release = @Release OR last_release = @Release)");
        }

        string? pattern = null;
        if (query.Text is not null)
        {
            pattern = "%" + query.Text.ToLowerInvariant().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
            where.Add("(LOWER(title) LIKE @Pattern ESCAPE '\\' OR LOWER(COALESCE(culprit, '')) LIKE @Pattern ESCAPE '\\')");
        }

        var order = query.Sort switch
        {
            IssueSort.Count => "event_count DESC, last_seen DESC, id",
            IssueSort.FirstSeen => "first_seen DESC, id",
            _ => "last_seen DESC, id",
        };
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<StoredIssue>(new CommandDefinition(
            $"SELECT {Columns} FROM error_issues {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY {order} LIMIT @Limit OFFSET @Offset",
            new { query.State, query.Service, query.Release, Pattern = pattern, query.Limit, query.Offset }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows];
    }

    /// <summary>One issue, or null.</summary>
    public async Task<StoredIssue?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<StoredIssue>(new CommandDefinition(
            $"SELECT {Columns} FROM error_issues WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The latest kept events of an issue (their JSON), newest first.</summary>
    public async Task<IReadOnlyList<string>> EventsAsync(string issueId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(issueId);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return [.. await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT payload FROM error_events WHERE issue_id = @issueId ORDER BY received_at DESC, event_id DESC LIMIT @limit",
            new { issueId, limit }, cancellationToken: cancellationToken)).ConfigureAwait(false)];
    }

    /// <summary>The latest kept events of an issue with when each came, newest first.</summary>
    public async Task<IReadOnlyList<KeptEvent>> KeptEventsAsync(string issueId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(issueId);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return [.. await connection.QueryAsync<KeptEvent>(new CommandDefinition(
            """
            SELECT event_id AS EventId, received_at AS ReceivedAtMs, release_name AS Release, payload AS Payload
            FROM error_events WHERE issue_id = @issueId ORDER BY received_at DESC, event_id DESC LIMIT @limit
            """,
            new { issueId, limit }, cancellationToken: cancellationToken)).ConfigureAwait(false)];
    }

    /// <summary>The events per minute of these issues since <paramref name="fromMs"/> (kept for <see cref="MinutesKeptMs"/>), by issue and minute.</summary>
    public async Task<IReadOnlyList<IssueMinuteCount>> MinutesAsync(IReadOnlyCollection<string> issueIds, long fromMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(issueIds);
        if (issueIds.Count == 0)
        {
            return [];
        }

        var ids = issueIds.ToArray();
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return [.. await connection.QueryAsync<IssueMinuteCount>(new CommandDefinition(
            $"""
            SELECT issue_id AS IssueId, minute AS MinuteMs, events AS Events FROM error_issue_minutes
            WHERE {(_database.Provider == StorageProvider.Postgres ? "issue_id = ANY(@ids)" : "issue_id IN @ids")} AND minute >= @fromMs ORDER BY issue_id, minute
            """,
            new { ids, fromMs }, cancellationToken: cancellationToken)).ConfigureAwait(false)];
    }

    /// <summary>The services that have issues, by name.</summary>
    public async Task<IReadOnlyList<string>> ServicesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return [.. await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT service FROM error_issues WHERE service IS NOT NULL ORDER BY service", cancellationToken: cancellationToken)).ConfigureAwait(false)];
    }

    /// <summary>
    /// The issues with a kept event in trace <paramref name="traceId"/> (32 lowercase hex digits),
    /// the latest seen first. The events' JSON is searched (bounded by <c>Vigil:Errors:MaxEvents</c>): no index, for a page view.
    /// </summary>
    public async Task<IReadOnlyList<StoredIssue>> ForTraceAsync(string traceId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(traceId);
        if (traceId.Length != 32 || !traceId.All(char.IsAsciiHexDigit))
        {
            return [];
        }

        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return [.. await connection.QueryAsync<StoredIssue>(new CommandDefinition(
            $"SELECT {Columns} FROM error_issues WHERE id IN (SELECT issue_id FROM error_events WHERE payload LIKE @pattern) ORDER BY last_seen DESC, id LIMIT @limit",
            new { pattern = "%\"traceId\":\"" + traceId.ToLowerInvariant() + "\"%", limit }, cancellationToken: cancellationToken)).ConfigureAwait(false)];
    }

    /// <summary>How many events are kept, in all.</summary>
    public async Task<long> EventCountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM error_events", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Sets an issue's state: resolved records when, and the release it was last seen in (a later
    /// event in another release regresses it); unresolved and ignored clear both. Null when there is no such issue.
    /// </summary>
    public async Task<StoredIssue?> SetStateAsync(string id, string state, long nowMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(state);
        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        await work.Connection.ExecuteAsync(new CommandDefinition(
            state == IssueStates.Resolved
                ? "UPDATE error_issues SET state = @state, resolved_at = @nowMs, resolved_release = last_release, spiking = 0 WHERE id = @id"
                : "UPDATE error_issues SET state = @state, resolved_at = NULL, resolved_release = NULL, spiking = CASE WHEN @state = 'ignored' THEN 0 ELSE spiking END WHERE id = @id",
            new { id, state, nowMs }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var issue = await work.Connection.QuerySingleOrDefaultAsync<StoredIssue>(new CommandDefinition(
            $"SELECT {Columns} FROM error_issues WHERE id = @id", new { id }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return issue;
    }

    /// <summary>Marks whether an issue's spike alert is open.</summary>
    public async Task SetSpikingAsync(string id, bool spiking, CancellationToken cancellationToken = default)
    {
        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        await work.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE error_issues SET spiking = @Spiking WHERE id = @id", new { id, Spiking = spiking ? 1L : 0L }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The issues whose spike alert is open, with their counts per minute.</summary>
    public async Task<IReadOnlyList<(StoredIssue Issue, IReadOnlyList<MinuteCount> Minutes)>> SpikingAsync(long nowMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var issues = (await connection.QueryAsync<StoredIssue>(new CommandDefinition(
            $"SELECT {Columns} FROM error_issues WHERE spiking = 1", cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        var result = new List<(StoredIssue, IReadOnlyList<MinuteCount>)>(issues.Count);
        foreach (var issue in issues)
        {
            result.Add((issue, await MinutesAsync(connection, null, issue.Id, nowMs - MinutesKeptMs, cancellationToken).ConfigureAwait(false)));
        }

        return result;
    }

    /// <summary>The salt of the users' hashes: made on first use, the same ever after (and on every process).</summary>
    public async Task<string> SaltAsync(CancellationToken cancellationToken = default)
    {
        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        await work.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO error_settings (name, value) VALUES ('user_salt', @salt) ON CONFLICT (name) DO NOTHING",
            new { salt = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var salt = await work.Connection.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT value FROM error_settings WHERE name = 'user_salt'", transaction: work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return salt!;
    }

    private static async Task<StoredIssue> IssueByFingerprintAsync(DbConnection connection, DbTransaction transaction, string fingerprint, CancellationToken cancellationToken) =>
        await connection.QuerySingleAsync<StoredIssue>(new CommandDefinition(
            $"SELECT {Columns} FROM error_issues WHERE fingerprint = @fingerprint", new { fingerprint }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);

    private static async Task<IReadOnlyList<MinuteCount>> MinutesAsync(DbConnection connection, DbTransaction? transaction, string issueId, long fromMs, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<MinuteCount>(new CommandDefinition(
            "SELECT minute AS MinuteMs, events AS Events FROM error_issue_minutes WHERE issue_id = @issueId AND minute >= @fromMs ORDER BY minute",
            new { issueId, fromMs }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)];

    private static string NewId() => "iss_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));
}
