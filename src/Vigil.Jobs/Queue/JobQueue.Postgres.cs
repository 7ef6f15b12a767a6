using Npgsql;
using static Vigil.Jobs.Queue.Sql;

namespace Vigil.Jobs.Queue;

/// <content>The PostgreSQL statements: set-based over arrays, one round trip per operation, <c>FOR UPDATE SKIP LOCKED</c> for claims.</content>
public sealed partial class JobQueue
{
    private const string PostgresEnqueue = """
        WITH input AS (
            SELECT * FROM unnest(@types::text[], @priorities::int[], @payloads::text[], @keys::text[], @ckeys::text[], @max_attempts::int[], @run_ats::bigint[])
                WITH ORDINALITY AS i(type, priority, payload, ikey, ckey, max_attempts, run_at, ord)
        ), keyed AS (
            INSERT INTO job_keys (idempotency_key, created_at)
            SELECT ikey, @now FROM input WHERE ikey IS NOT NULL ORDER BY ikey
            ON CONFLICT DO NOTHING
            RETURNING idempotency_key
        ), inserted AS (
            INSERT INTO jobs (type, priority, payload, idempotency_key, concurrency_key, state, attempts, max_attempts, dlq_retries, run_at, created_at, updated_at)
            SELECT type, priority, payload, ikey, ckey, 'queued', 0, max_attempts, 0, run_at, @now, @now FROM input
            WHERE ikey IS NULL OR ikey IN (SELECT idempotency_key FROM keyed)
            ORDER BY ord
            RETURNING 1
        )
        SELECT count(*) FROM inserted
        """;

    private const string PostgresNotify = $"NOTIFY {NotifyChannel}";

    // Running jobs whose lease ran out: dead-lettered if that was their last attempt, else due again now.
    // SKIP LOCKED: never wait on (or deadlock with) a worker completing the same row.
    private const string PostgresExpireDead = """
        WITH expired AS (
            SELECT id FROM jobs WHERE state = 'processing' AND lease_until < @now AND attempts >= max_attempts
            FOR UPDATE SKIP LOCKED
        ), gone AS (
            DELETE FROM jobs j USING expired e WHERE j.id = e.id RETURNING j.*
        )
        INSERT INTO jobs_finished (id, type, priority, payload, idempotency_key, concurrency_key, outcome, attempts, max_attempts, dlq_retries, created_at, finished_at, last_error)
        SELECT id, type, priority, payload, idempotency_key, concurrency_key, 'dead', attempts, max_attempts, dlq_retries, created_at, @now,
               'lease expired: worker ' || coalesce(lease_owner, '?') || ' stopped renewing it during its last attempt'
        FROM gone
        """;

    private const string PostgresExpireRequeue = """
        UPDATE jobs SET state = 'retrying', lease_owner = NULL, lease_until = NULL, run_at = @now, updated_at = @now,
               last_error = 'lease expired: worker ' || coalesce(lease_owner, '?') || ' stopped renewing it'
        WHERE id IN (SELECT id FROM jobs WHERE state = 'processing' AND lease_until < @now FOR UPDATE SKIP LOCKED)
        """;

    // Claims serialise on one transaction advisory lock, taken in its own statement just before
    // them: the claim statements that follow read a snapshot taken after the previous holder
    // committed, so the running jobs they count per concurrency key are every process's. Held
    // from here to the end of the round trip's implicit transaction (the claims only).
    private const long ClaimLockKey = 0x56_49_47_49_4C_20; // "VIGIL" + 0x20
    private const string PostgresClaimLock = "SELECT pg_advisory_xact_lock(@lock)";

    // The jobs of each concurrency key that run (under a live lease) in any process. An expired
    // lease frees its slot even before the recovery pass returns its job to the queue. Read
    // through ix_jobs_lease: running jobs are few.
    private const string PostgresLive = """
        live AS (
            SELECT concurrency_key AS key, count(*) AS n FROM jobs
            WHERE state = 'processing' AND lease_until >= @now AND concurrency_key IS NOT NULL
            GROUP BY concurrency_key
        )
        """;

    // By type: a job of a concurrency key only while no job of that key runs anywhere, and one per
    // key (1 is within every key's limit); its process then tracks the key and claims its next
    // jobs by key, within the key's limit. Keys other processes run are theirs to refill, or this
    // process's once it tracks them too.
    private const string PostgresClaim = $"""
        WITH {PostgresLive}, candidates AS (
            SELECT c.id, c.priority, c.run_at, c.concurrency_key FROM unnest(@types::text[], @limits::int[]) AS t(type, n)
            CROSS JOIN LATERAL (
                SELECT j.id, j.priority, j.run_at, j.concurrency_key FROM jobs j
                WHERE j.type = t.type AND j.state IN ('queued', 'retrying') AND j.run_at <= @now
                  AND (j.concurrency_key IS NULL OR NOT (j.concurrency_key = ANY(@busy::text[])))
                  AND (j.concurrency_key IS NULL OR j.concurrency_key NOT IN (SELECT key FROM live))
                ORDER BY j.priority, j.run_at, j.id
                LIMIT t.n
                FOR UPDATE SKIP LOCKED
            ) c
        ), picked AS (
            SELECT id FROM (
                SELECT id, priority, run_at, concurrency_key,
                       row_number() OVER (PARTITION BY concurrency_key ORDER BY priority, run_at, id) AS nth
                FROM candidates
            ) r
            WHERE concurrency_key IS NULL OR nth = 1
            ORDER BY priority, run_at, id
            LIMIT @total
        )
        UPDATE jobs j SET state = 'processing', attempts = j.attempts + 1, lease_owner = @owner, lease_until = @lease_until, updated_at = @now
        FROM picked WHERE j.id = picked.id
        RETURNING j.id, j.type, j.priority, j.payload, j.idempotency_key, j.concurrency_key, j.attempts, j.max_attempts, j.run_at, j.created_at, j.last_error
        """;

    // By key: at most what the process asks for, and never past the key's limit counted across
    // every process (what runs anywhere, this process's included).
    private const string PostgresClaimKeys = $"""
        WITH {PostgresLive}, wanted AS (
            SELECT k.key, greatest(0, least(k.n, k.cap - coalesce(l.n, 0)))::int AS n
            FROM unnest(@keys::text[], @limits::int[], @caps::int[]) AS k(key, n, cap)
            LEFT JOIN live l ON l.key = k.key
        ), picked AS (
            SELECT c.id FROM wanted k
            CROSS JOIN LATERAL (
                SELECT j.id FROM jobs j
                WHERE j.concurrency_key = k.key AND j.type = ANY(@types::text[]) AND j.state IN ('queued', 'retrying') AND j.run_at <= @now
                ORDER BY j.priority, j.run_at, j.id
                LIMIT k.n
                FOR UPDATE SKIP LOCKED
            ) c
        )
        UPDATE jobs j SET state = 'processing', attempts = j.attempts + 1, lease_owner = @owner, lease_until = @lease_until, updated_at = @now
        FROM picked WHERE j.id = picked.id
        RETURNING j.id, j.type, j.priority, j.payload, j.idempotency_key, j.concurrency_key, j.attempts, j.max_attempts, j.run_at, j.created_at, j.last_error
        """;

    private const string PostgresFinish = """
        WITH done AS (
            DELETE FROM jobs j
            USING unnest(@ids::bigint[], @attempts::int[], @outcomes::text[], @errors::text[]) AS c(id, attempts, outcome, error)
            WHERE j.id = c.id AND j.attempts = c.attempts AND j.lease_owner = @owner AND j.state = 'processing'
            RETURNING j.id, j.type, j.priority, j.payload, j.idempotency_key, j.concurrency_key, c.outcome, j.attempts, j.max_attempts,
                      j.dlq_retries, j.created_at, coalesce(c.error, j.last_error) AS last_error
        )
        INSERT INTO jobs_finished (id, type, priority, payload, idempotency_key, concurrency_key, outcome, attempts, max_attempts, dlq_retries, created_at, finished_at, last_error)
        SELECT id, type, priority, payload, idempotency_key, concurrency_key, outcome, attempts, max_attempts, dlq_retries, created_at, @now, last_error FROM done
        """;

    private const string PostgresRequeue = """
        UPDATE jobs j SET
            state = CASE WHEN j.attempts - c.refund > 0 THEN 'retrying' ELSE 'queued' END,
            attempts = j.attempts - c.refund, run_at = c.run_at, last_error = coalesce(c.error, j.last_error),
            lease_owner = NULL, lease_until = NULL, updated_at = @now
        FROM unnest(@ids::bigint[], @attempts::int[], @run_ats::bigint[], @refunds::int[], @errors::text[]) AS c(id, attempts, run_at, refund, error)
        WHERE j.id = c.id AND j.attempts = c.attempts AND j.lease_owner = @owner AND j.state = 'processing'
        """;

    private static readonly string PostgresCleanup = $"""
        WITH gone AS (
            DELETE FROM jobs_finished WHERE id IN (SELECT id FROM jobs_finished WHERE finished_at < @cutoff ORDER BY finished_at LIMIT {MaintenanceBatch} FOR UPDATE SKIP LOCKED)
            RETURNING idempotency_key
        ), keys AS (
            DELETE FROM job_keys WHERE idempotency_key IN (SELECT idempotency_key FROM gone WHERE idempotency_key IS NOT NULL)
            RETURNING 1
        )
        SELECT count(*) FROM gone
        """;

    private string HotSelect => IsPostgres
        ? "SELECT id, type, priority, payload, idempotency_key, concurrency_key, state, attempts, max_attempts, dlq_retries, run_at, lease_owner, lease_until, created_at, updated_at, NULL::bigint AS finished_at, last_error FROM jobs"
        : "SELECT id, type, priority, payload, idempotency_key, concurrency_key, state, attempts, max_attempts, dlq_retries, run_at, lease_owner, lease_until, created_at, updated_at, NULL AS finished_at, last_error FROM jobs";

    private string FinishedSelect => IsPostgres
        ? "SELECT id, type, priority, payload, idempotency_key, concurrency_key, outcome AS state, attempts, max_attempts, dlq_retries, NULL::bigint AS run_at, NULL::text AS lease_owner, NULL::bigint AS lease_until, created_at, finished_at AS updated_at, finished_at, last_error FROM jobs_finished"
        : "SELECT id, type, priority, payload, idempotency_key, concurrency_key, outcome AS state, attempts, max_attempts, dlq_retries, NULL AS run_at, NULL AS lease_owner, NULL AS lease_until, created_at, finished_at AS updated_at, finished_at, last_error FROM jobs_finished";

    private async Task<int> EnqueuePostgresAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Row[] rows, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        var insert = new NpgsqlBatchCommand(PostgresEnqueue);
        insert.Parameters.AddWithValue("types", rows.Select(r => r.Type).ToArray());
        insert.Parameters.AddWithValue("priorities", rows.Select(r => r.Priority).ToArray());
        insert.Parameters.AddWithValue("payloads", rows.Select(r => r.Payload).ToArray());
        insert.Parameters.AddWithValue("keys", rows.Select(r => r.Key).ToArray());
        insert.Parameters.AddWithValue("ckeys", rows.Select(r => r.ConcurrencyKey).ToArray());
        insert.Parameters.AddWithValue("max_attempts", rows.Select(r => r.MaxAttempts).ToArray());
        insert.Parameters.AddWithValue("run_ats", rows.Select(r => r.RunAt).ToArray());
        insert.Parameters.AddWithValue("now", rows[0].CreatedAt);
        batch.BatchCommands.Add(insert);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(PostgresNotify));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (int)reader.GetInt64(0);
    }

    // A claim's lease: who holds the jobs it takes, until when, and the time it is taken at.
    private static NpgsqlBatchCommand WithLease(NpgsqlBatchCommand claim, Work work)
    {
        claim.Parameters.AddWithValue("owner", work.Owner);
        claim.Parameters.AddWithValue("lease_until", work.LeaseUntil);
        claim.Parameters.AddWithValue("now", work.Now);
        return claim;
    }

    private async Task<(int Applied, List<ClaimedJob> Claimed)> CompleteAndClaimPostgresAsync(Work work, CancellationToken cancellationToken)
    {
        await using var connection = (NpgsqlConnection)await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        var counted = new List<NpgsqlBatchCommand>(2);
        if (work.Finish.Count > 0)
        {
            var command = new NpgsqlBatchCommand(PostgresFinish);
            command.Parameters.AddWithValue("ids", work.Finish.Select(f => f.Job.Id).ToArray());
            command.Parameters.AddWithValue("attempts", work.Finish.Select(f => f.Job.Attempts).ToArray());
            command.Parameters.AddWithValue("outcomes", work.Finish.Select(f => f.Outcome).ToArray());
            command.Parameters.AddWithValue("errors", work.Finish.Select(f => f.Error).ToArray());
            command.Parameters.AddWithValue("owner", work.Owner);
            command.Parameters.AddWithValue("now", work.Now);
            batch.BatchCommands.Add(command);
            counted.Add(command);
        }

        if (work.Requeue.Count > 0)
        {
            var command = new NpgsqlBatchCommand(PostgresRequeue);
            command.Parameters.AddWithValue("ids", work.Requeue.Select(r => r.Job.Id).ToArray());
            command.Parameters.AddWithValue("attempts", work.Requeue.Select(r => r.Job.Attempts).ToArray());
            command.Parameters.AddWithValue("run_ats", work.Requeue.Select(r => r.RunAt).ToArray());
            command.Parameters.AddWithValue("refunds", work.Requeue.Select(r => r.Refund).ToArray());
            command.Parameters.AddWithValue("errors", work.Requeue.Select(r => r.Error).ToArray());
            command.Parameters.AddWithValue("owner", work.Owner);
            command.Parameters.AddWithValue("now", work.Now);
            batch.BatchCommands.Add(command);
            counted.Add(command);
            if (work.WakeOthers)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(PostgresNotify));
            }
        }

        if (work.RecoverExpired)
        {
            var dead = new NpgsqlBatchCommand(PostgresExpireDead);
            dead.Parameters.AddWithValue("now", work.Now);
            var requeue = new NpgsqlBatchCommand(PostgresExpireRequeue);
            requeue.Parameters.AddWithValue("now", work.Now);
            batch.BatchCommands.Add(dead);
            batch.BatchCommands.Add(requeue);
        }

        if (work.Claims)
        {
            var claimLock = new NpgsqlBatchCommand(PostgresClaimLock);
            claimLock.Parameters.AddWithValue("lock", ClaimLockKey);
            batch.BatchCommands.Add(claimLock);
        }

        if (work.Keys.Length > 0)
        {
            var claim = new NpgsqlBatchCommand(PostgresClaimKeys);
            claim.Parameters.AddWithValue("keys", work.Keys.Select(k => k.Key).ToArray());
            claim.Parameters.AddWithValue("limits", work.Keys.Select(k => k.Limit).ToArray());
            claim.Parameters.AddWithValue("caps", work.Keys.Select(k => k.Cap).ToArray());
            claim.Parameters.AddWithValue("types", work.KeyTypes.ToArray());
            batch.BatchCommands.Add(WithLease(claim, work));
        }

        if (work.Types.Length > 0)
        {
            var claim = new NpgsqlBatchCommand(PostgresClaim);
            claim.Parameters.AddWithValue("types", work.Types.Select(t => t.Type).ToArray());
            claim.Parameters.AddWithValue("limits", work.Types.Select(t => t.Limit).ToArray());
            claim.Parameters.AddWithValue("busy", work.BusyKeys.ToArray());
            claim.Parameters.AddWithValue("total", work.Total);
            batch.BatchCommands.Add(WithLease(claim, work));
        }

        // One round trip, one implicit transaction: the outcomes and the claim commit together.
        var jobs = new List<ClaimedJob>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            do
            {
                // The claims' rows; the lock's one row is not a job.
                while (reader.FieldCount > 1 && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    jobs.Add(ReadClaimed(reader));
                }
            }
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        }

        var applied = 0;
        foreach (var command in counted)
        {
            applied += command.RecordsAffected;
        }

        return (applied, jobs);
    }

    private async Task<int> RequeueFinishedPostgresAsync(string condition, Action<System.Data.Common.DbCommand> parameters, bool dlqRetry, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, $"""
            WITH gone AS (
                DELETE FROM jobs_finished WHERE id IN (
                    SELECT id FROM jobs_finished WHERE {condition} ORDER BY finished_at, id LIMIT {limit} FOR UPDATE SKIP LOCKED)
                RETURNING *
            ), moved AS (
                INSERT INTO jobs (id, type, priority, payload, idempotency_key, concurrency_key, state, attempts, max_attempts, dlq_retries, run_at, created_at, updated_at, last_error)
                SELECT id, type, priority, payload, idempotency_key, concurrency_key, 'queued', 0, max_attempts, dlq_retries + {(dlqRetry ? 1 : 0)}, @now, created_at, @now, last_error FROM gone
                RETURNING 1
            )
            SELECT count(*), CASE WHEN count(*) > 0 THEN pg_notify('{NotifyChannel}', '') END FROM moved
            """);
        Add(command, "now", NowMs());
        parameters(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (int)reader.GetInt64(0);
    }

    private async Task<int> CleanupPostgresAsync(long cutoff, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, PostgresCleanup);
        Add(command, "cutoff", cutoff);
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Listens for the queue's notifications on a connection of its own until cancelled or the
    /// connection fails (which throws): <paramref name="onNotification"/> runs for each one,
    /// <paramref name="onListening"/> once listening has begun. PostgreSQL only.
    /// </summary>
    internal async Task ListenAsync(Action onNotification, Action onListening, CancellationToken cancellationToken)
    {
        await using var connection = (NpgsqlConnection)await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        connection.Notification += (_, _) => onNotification();
        await using (var listen = new NpgsqlCommand($"LISTEN {NotifyChannel}", connection))
        {
            await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        onListening();
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!await connection.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false))
            {
                // Nothing for a while: make sure the connection is still alive.
                await using var ping = new NpgsqlCommand("SELECT 1", connection);
                await ping.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
