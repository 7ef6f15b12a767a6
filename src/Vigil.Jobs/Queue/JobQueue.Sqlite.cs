using System.Data.Common;
using static Vigil.Jobs.Queue.Sql;

namespace Vigil.Jobs.Queue;

/// <content>
/// The SQLite statements. SQLite is one process with one writer at a time: each operation is one
/// immediate transaction of small prepared statements, which makes the claim atomic without row locks.
/// </content>
public sealed partial class JobQueue
{
    private const string SqliteInsertKey = "INSERT INTO job_keys (idempotency_key, created_at) VALUES (@key, @now) ON CONFLICT DO NOTHING";

    private const string SqliteInsertJob = """
        INSERT INTO jobs (type, priority, payload, idempotency_key, concurrency_key, state, attempts, max_attempts, dlq_retries, run_at, created_at, updated_at)
        VALUES (@type, @priority, @payload, @key, @ckey, 'queued', 0, @max_attempts, 0, @run_at, @now, @now)
        """;

    private const string SqliteExpire = """
        INSERT INTO jobs_finished (id, type, priority, payload, idempotency_key, concurrency_key, outcome, attempts, max_attempts, dlq_retries, created_at, finished_at, last_error)
        SELECT id, type, priority, payload, idempotency_key, concurrency_key, 'dead', attempts, max_attempts, dlq_retries, created_at, @now,
               'lease expired: worker ' || coalesce(lease_owner, '?') || ' stopped renewing it during its last attempt'
        FROM jobs WHERE state = 'processing' AND lease_until < @now AND attempts >= max_attempts;
        DELETE FROM jobs WHERE state = 'processing' AND lease_until < @now AND attempts >= max_attempts;
        UPDATE jobs SET state = 'retrying', lease_owner = NULL, lease_until = NULL, run_at = @now, updated_at = @now,
               last_error = 'lease expired: worker ' || coalesce(lease_owner, '?') || ' stopped renewing it'
        WHERE state = 'processing' AND lease_until < @now;
        """;

    private const string SqliteCandidates = """
        SELECT id, priority, run_at FROM jobs
        WHERE type = @type AND state IN ('queued', 'retrying') AND run_at <= @now
          AND (concurrency_key IS NULL OR concurrency_key NOT IN (SELECT value FROM json_each(@busy)))
        ORDER BY priority, run_at, id
        LIMIT @limit
        """;

    private const string SqliteKeyCandidates = """
        SELECT id FROM jobs
        WHERE concurrency_key = @key AND type IN (SELECT value FROM json_each(@types)) AND state IN ('queued', 'retrying') AND run_at <= @now
        ORDER BY priority, run_at, id
        LIMIT @limit
        """;

    private const string SqliteClaim = """
        UPDATE jobs SET state = 'processing', attempts = attempts + 1, lease_owner = @owner, lease_until = @lease_until, updated_at = @now
        WHERE id IN (SELECT value FROM json_each(@ids))
        RETURNING id, type, priority, payload, idempotency_key, concurrency_key, attempts, max_attempts, run_at, created_at, last_error
        """;

    private const string SqliteFinish = """
        INSERT INTO jobs_finished (id, type, priority, payload, idempotency_key, concurrency_key, outcome, attempts, max_attempts, dlq_retries, created_at, finished_at, last_error)
        SELECT id, type, priority, payload, idempotency_key, concurrency_key, @outcome, attempts, max_attempts, dlq_retries, created_at, @now, coalesce(@error, last_error)
        FROM jobs WHERE id = @id AND attempts = @attempts AND lease_owner = @owner AND state = 'processing'
        """;

    private const string SqliteRequeue = """
        UPDATE jobs SET
            state = CASE WHEN attempts - @refund > 0 THEN 'retrying' ELSE 'queued' END,
            attempts = attempts - @refund, run_at = @run_at, last_error = coalesce(@error, last_error),
            lease_owner = NULL, lease_until = NULL, updated_at = @now
        WHERE id = @id AND attempts = @attempts AND lease_owner = @owner AND state = 'processing'
        """;

    private static async Task<int> EnqueueSqliteAsync(DbConnection connection, DbTransaction transaction, List<Row> rows, CancellationToken cancellationToken)
    {
        await using var key = Command(connection, transaction, SqliteInsertKey);
        var keyValue = Add(key, "key", null);
        var keyNow = Add(key, "now", null);
        await using var insert = Command(connection, transaction, SqliteInsertJob);
        var type = Add(insert, "type", null);
        var priority = Add(insert, "priority", null);
        var payload = Add(insert, "payload", null);
        var jobKey = Add(insert, "key", null);
        var concurrencyKey = Add(insert, "ckey", null);
        var maxAttempts = Add(insert, "max_attempts", null);
        var runAt = Add(insert, "run_at", null);
        var insertNow = Add(insert, "now", null);
        var added = 0;
        foreach (var row in rows)
        {
            if (row.Key is not null)
            {
                keyValue.Value = row.Key;
                keyNow.Value = row.CreatedAt;
                if (await key.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    continue;
                }
            }

            type.Value = row.Type;
            priority.Value = row.Priority;
            payload.Value = row.Payload;
            jobKey.Value = (object?)row.Key ?? DBNull.Value;
            concurrencyKey.Value = (object?)row.ConcurrencyKey ?? DBNull.Value;
            maxAttempts.Value = row.MaxAttempts;
            runAt.Value = row.RunAt;
            insertNow.Value = row.CreatedAt;
            added += await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return added;
    }

    private async Task<(int Applied, List<ClaimedJob> Claimed)> CompleteAndClaimSqliteAsync(Work work, CancellationToken cancellationToken)
    {
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var applied = await CompleteSqliteAsync(connection, transaction, work, cancellationToken).ConfigureAwait(false);
        var jobs = work.Claims ? await ClaimSqliteAsync(connection, transaction, work, cancellationToken).ConfigureAwait(false) : [];
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (applied, jobs);
    }

    private static async Task<List<ClaimedJob>> ClaimSqliteAsync(DbConnection connection, DbTransaction transaction, Work work, CancellationToken cancellationToken)
    {
        if (work.RecoverExpired)
        {
            await using var expire = Command(connection, transaction, SqliteExpire);
            Add(expire, "now", work.Now);
            await expire.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var candidates = new List<(long Id, int Priority, long RunAt)>();
        await using (var select = Command(connection, transaction, SqliteCandidates))
        {
            var type = Add(select, "type", null);
            var limit = Add(select, "limit", null);
            Add(select, "now", work.Now);
            Add(select, "busy", JsonStrings(work.BusyKeys));
            foreach (var claim in work.Types)
            {
                type.Value = claim.Type;
                limit.Value = claim.Limit;
                await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    candidates.Add((reader.GetInt64(0), reader.GetInt32(1), reader.GetInt64(2)));
                }
            }
        }

        var ids = candidates.OrderBy(c => c.Priority).ThenBy(c => c.RunAt).ThenBy(c => c.Id).Take(work.Total).Select(c => c.Id).ToList();
        if (work.Keys.Length > 0)
        {
            await using var select = Command(connection, transaction, SqliteKeyCandidates);
            var key = Add(select, "key", null);
            var limit = Add(select, "limit", null);
            Add(select, "types", JsonStrings(work.KeyTypes));
            Add(select, "now", work.Now);
            foreach (var claim in work.Keys)
            {
                key.Value = claim.Key;
                limit.Value = claim.Limit;
                await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    ids.Add(reader.GetInt64(0));
                }
            }
        }

        var jobs = new List<ClaimedJob>();
        if (ids.Count > 0)
        {
            await using var update = Command(connection, transaction, SqliteClaim);
            Add(update, "owner", work.Owner);
            Add(update, "lease_until", work.LeaseUntil);
            Add(update, "now", work.Now);
            Add(update, "ids", JsonIds(ids));
            await using var reader = await update.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                jobs.Add(ReadClaimed(reader));
            }
        }

        return jobs;
    }

    private static async Task<int> CompleteSqliteAsync(DbConnection connection, DbTransaction transaction, Work work, CancellationToken cancellationToken)
    {
        var applied = 0;
        if (work.Finish.Count > 0)
        {
            await using var insert = Command(connection, transaction, SqliteFinish);
            var id = Add(insert, "id", null);
            var attempts = Add(insert, "attempts", null);
            var outcome = Add(insert, "outcome", null);
            var error = Add(insert, "error", null);
            Add(insert, "owner", work.Owner);
            Add(insert, "now", work.Now);
            await using var delete = Command(connection, transaction, "DELETE FROM jobs WHERE id = @id");
            var deleteId = Add(delete, "id", null);
            foreach (var (job, jobOutcome, jobError) in work.Finish)
            {
                id.Value = job.Id;
                attempts.Value = job.Attempts;
                outcome.Value = jobOutcome;
                error.Value = (object?)jobError ?? DBNull.Value;
                if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
                {
                    deleteId.Value = job.Id;
                    await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    applied++;
                }
            }
        }

        if (work.Requeue.Count > 0)
        {
            await using var update = Command(connection, transaction, SqliteRequeue);
            var id = Add(update, "id", null);
            var attempts = Add(update, "attempts", null);
            var runAt = Add(update, "run_at", null);
            var refund = Add(update, "refund", null);
            var error = Add(update, "error", null);
            Add(update, "owner", work.Owner);
            Add(update, "now", work.Now);
            foreach (var (job, jobRunAt, jobRefund, jobError) in work.Requeue)
            {
                id.Value = job.Id;
                attempts.Value = job.Attempts;
                runAt.Value = jobRunAt;
                refund.Value = jobRefund;
                error.Value = (object?)jobError ?? DBNull.Value;
                applied += await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return applied;
    }

    private async Task<int> RequeueFinishedAsync(string condition, Action<DbCommand> parameters, bool dlqRetry, CancellationToken cancellationToken, int limit = MaintenanceBatch)
    {
        var moved = IsPostgres
            ? await RequeueFinishedPostgresAsync(condition, parameters, dlqRetry, limit, cancellationToken).ConfigureAwait(false)
            : await RequeueFinishedSqliteAsync(condition, parameters, dlqRetry, limit, cancellationToken).ConfigureAwait(false);
        if (moved > 0)
        {
            Signal.Pulse();
        }

        return moved;
    }

    private async Task<int> RequeueFinishedSqliteAsync(string condition, Action<DbCommand> parameters, bool dlqRetry, int limit, CancellationToken cancellationToken)
    {
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var ids = new List<long>();
        await using (var select = Command(connection, transaction, $"SELECT id FROM jobs_finished WHERE {condition} ORDER BY finished_at, id LIMIT {limit}"))
        {
            parameters(select);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(reader.GetInt64(0));
            }
        }

        if (ids.Count == 0)
        {
            return 0;
        }

        await using (var move = Command(connection, transaction, $"""
            INSERT INTO jobs (id, type, priority, payload, idempotency_key, concurrency_key, state, attempts, max_attempts, dlq_retries, run_at, created_at, updated_at, last_error)
            SELECT id, type, priority, payload, idempotency_key, concurrency_key, 'queued', 0, max_attempts, dlq_retries + {(dlqRetry ? 1 : 0)}, @now, created_at, @now, last_error
            FROM jobs_finished WHERE id IN (SELECT value FROM json_each(@ids));
            DELETE FROM jobs_finished WHERE id IN (SELECT value FROM json_each(@ids));
            """))
        {
            Add(move, "now", NowMs());
            Add(move, "ids", JsonIds(ids));
            await move.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return ids.Count;
    }

    private async Task<int> CleanupSqliteAsync(long cutoff, CancellationToken cancellationToken)
    {
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, transaction, $"""
            CREATE TEMP TABLE IF NOT EXISTS cleanup_ids (id INTEGER PRIMARY KEY, idempotency_key TEXT NULL);
            DELETE FROM cleanup_ids;
            INSERT INTO cleanup_ids SELECT id, idempotency_key FROM jobs_finished WHERE finished_at < @cutoff ORDER BY finished_at LIMIT {MaintenanceBatch};
            DELETE FROM job_keys WHERE idempotency_key IN (SELECT idempotency_key FROM cleanup_ids WHERE idempotency_key IS NOT NULL);
            DELETE FROM jobs_finished WHERE id IN (SELECT id FROM cleanup_ids);
            SELECT COUNT(*) FROM cleanup_ids;
            """);
        Add(command, "cutoff", cutoff);
        var removed = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return removed;
    }
}
