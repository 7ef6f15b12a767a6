using System.Data.Common;
using System.Globalization;
using System.Text;
using Npgsql;
using Vigil.Jobs.Configuration;
using Vigil.Jobs.Processing;
using Vigil.Storage;
using static Vigil.Jobs.Queue.Sql;

namespace Vigil.Jobs.Queue;

/// <summary>
/// The durable job queue on the configured database: enqueue (inside the caller's transaction,
/// so a job exists exactly when the change that caused it does), claim under leases, complete,
/// retry, dead-letter, replay, list and count. Jobs that still have to run live in the hot
/// <c>jobs</c> table; finished ones move to <c>jobs_finished</c> and stay listable until cleanup.
/// Idempotency keys hold across both tables (<c>job_keys</c>).
/// </summary>
public sealed partial class JobQueue
{
    /// <summary>The PostgreSQL channel an enqueue notifies and processors listen on.</summary>
    internal const string NotifyChannel = "vigil_jobs";

    private const int MaxErrorLength = 4000;
    private const int EnqueueChunk = 5000;
    private const int MaintenanceBatch = 1000;

    private readonly Database _database;
    private readonly JobsOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the queue.</summary>
    /// <param name="database">The database (the one Vigil.Storage migrated).</param>
    /// <param name="options">Job type defaults (priority, attempts), retention and dead-letter settings.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="signal">Pulsed after the enqueues this queue commits itself.</param>
    public JobQueue(Database database, JobsOptions options, TimeProvider timeProvider, JobSignal signal)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(signal);
        _database = database;
        _options = options;
        _time = timeProvider;
        Signal = signal;
    }

    /// <summary>The in-process wake-up for processors; pulse it after committing a transaction that enqueued jobs.</summary>
    public JobSignal Signal { get; }

    /// <summary>The queue's tables (<c>Migrations/{sqlite|postgres}/NNNN_jobs.sql</c> of this assembly), for the <see cref="Migrator"/>.</summary>
    public static MigrationSource Migrations { get; } = new(typeof(JobQueue).Assembly);

    /// <summary>The source of jitter, uniform in [0, 1); tests replace it.</summary>
    internal Func<double> Random { get; set; } = System.Random.Shared.NextDouble;

    internal Database Database => _database;

    private bool IsPostgres => _database.Provider == StorageProvider.Postgres;

    /// <summary>
    /// Enqueues jobs in the caller's unit of work: they exist once it commits, and not at all if
    /// it rolls back; on commit this process's processors wake (on PostgreSQL, every process's).
    /// Jobs whose idempotency key is already in use (queued, running or finished) are skipped,
    /// as are repeats of a key within <paramref name="requests"/>.
    /// </summary>
    /// <param name="work">The caller's unit of work on this queue's database.</param>
    /// <param name="requests">The jobs.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many jobs were new.</returns>
    /// <exception cref="ArgumentException">A request is malformed (empty type, null payload, attempts below 1...).</exception>
    public async Task<int> EnqueueAsync(UnitOfWork work, IReadOnlyList<JobRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        var added = await EnqueueAsync(work.Connection, work.Transaction, requests, cancellationToken).ConfigureAwait(false);
        if (added > 0)
        {
            work.OnCommitted(Signal.Pulse);
        }

        return added;
    }

    // Enqueues on the caller's connection, in its transaction or atomically on its own.
    private async Task<int> EnqueueAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<JobRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(requests);
        var rows = Prepare(requests);
        if (rows.Count == 0)
        {
            return 0;
        }

        if (IsPostgres)
        {
            var postgres = connection as NpgsqlConnection
                ?? throw new ArgumentException("The queue is on PostgreSQL: pass an NpgsqlConnection.", nameof(connection));
            var added = 0;
            foreach (var chunk in rows.Chunk(EnqueueChunk))
            {
                added += await EnqueuePostgresAsync(postgres, transaction as NpgsqlTransaction, chunk, cancellationToken).ConfigureAwait(false);
            }

            return added;
        }

        if (transaction is not null)
        {
            return await EnqueueSqliteAsync(connection, transaction, rows, cancellationToken).ConfigureAwait(false);
        }

        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var own = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var count = await EnqueueSqliteAsync(connection, own, rows, cancellationToken).ConfigureAwait(false);
        await own.CommitAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }

    /// <summary>Enqueues jobs in a transaction of their own and wakes this process's processors.</summary>
    /// <returns>How many jobs were new (duplicates by idempotency key are skipped).</returns>
    /// <exception cref="ArgumentException">A request is malformed.</exception>
    public async Task<int> EnqueueAsync(IReadOnlyList<JobRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        _ = Prepare(requests);
        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        var added = await EnqueueAsync(work, requests, cancellationToken).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return added;
    }

    /// <summary>Enqueues one job in a transaction of its own and wakes this process's processors.</summary>
    /// <returns>True if it was new, false if its idempotency key was already in use.</returns>
    /// <exception cref="ArgumentException">The request is malformed.</exception>
    public async Task<bool> EnqueueAsync(JobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await EnqueueAsync([request], cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>A job by id, wherever it is, or null.</summary>
    public async Task<JobInfo?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, $"{HotSelect} WHERE id = @id UNION ALL {FinishedSelect} WHERE id = @id");
        Add(command, "id", id);
        var jobs = await ReadInfosAsync(command, cancellationToken).ConfigureAwait(false);
        return jobs.Count == 0 ? null : jobs[0];
    }

    /// <summary>
    /// Jobs in a state (all states: null), optionally of one type. Queued and retrying jobs come
    /// in the order they will run; running ones by lease; finished ones newest first; all states by id, newest first.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not within 1–10 000.</exception>
    public async Task<IReadOnlyList<JobInfo>> ListAsync(JobState? state = null, string? type = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 10_000);
        var typeFilter = type is null ? string.Empty : " AND type = @type";
        var sql = state switch
        {
            JobState.Queued or JobState.Retrying => $"{HotSelect} WHERE state = @state{typeFilter} ORDER BY priority, run_at, id LIMIT @limit",
            JobState.Processing => $"{HotSelect} WHERE state = @state{typeFilter} ORDER BY lease_until, id LIMIT @limit",
            JobState.Succeeded or JobState.Dead => $"{FinishedSelect} WHERE outcome = @state{typeFilter} ORDER BY finished_at DESC, id DESC LIMIT @limit",
            null => $"SELECT * FROM ({HotSelect} WHERE 1 = 1{typeFilter} UNION ALL {FinishedSelect} WHERE 1 = 1{typeFilter}) AS j ORDER BY id DESC LIMIT @limit",
            _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown job state."),
        };

        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, sql);
        if (state is { } s)
        {
            Add(command, "state", s.ToWire());
        }

        if (type is not null)
        {
            Add(command, "type", type);
        }

        Add(command, "limit", limit);
        return await ReadInfosAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The jobs with these idempotency keys (at most 100), in any state, oldest first; finished
    /// ones only if they finished at or after <paramref name="finishedSince"/> (which bounds the read).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">More than 100 keys.</exception>
    public async Task<IReadOnlyList<JobInfo>> ListByKeysAsync(IReadOnlyList<string> keys, DateTimeOffset finishedSince, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(keys.Count, 100);
        if (keys.Count == 0)
        {
            return [];
        }

        var names = string.Join(", ", keys.Select((_, i) => "@k" + i.ToString(CultureInfo.InvariantCulture)));
        var sql = $"SELECT * FROM ({HotSelect} WHERE idempotency_key IN ({names}) UNION ALL {FinishedSelect} WHERE finished_at >= @since AND idempotency_key IN ({names})) AS j ORDER BY id";
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, sql);
        for (var i = 0; i < keys.Count; i++)
        {
            Add(command, "k" + i.ToString(CultureInfo.InvariantCulture), keys[i]);
        }

        Add(command, "since", finishedSince.ToUnixTimeMilliseconds());
        return await ReadInfosAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Queue depth by state.</summary>
    public async Task<JobCounts> CountsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, """
            SELECT state, COUNT(*), SUM(CASE WHEN state = 'processing' AND lease_until < @now THEN 1 ELSE 0 END) FROM jobs GROUP BY state;
            SELECT outcome, COUNT(*), 0 FROM jobs_finished GROUP BY outcome;
            """);
        Add(command, "now", NowMs());
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        long expired = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            do
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    counts[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
                    expired += Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture);
                }
            }
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        }

        long Get(string state) => counts.GetValueOrDefault(state);
        return new JobCounts(Get(JobStates.Queued), Get(JobStates.Retrying), Get(JobStates.Processing), Get(JobStates.Succeeded), Get(JobStates.Dead), expired);
    }

    /// <summary>How many jobs finished at or after <paramref name="since"/>, by outcome (the jobs health check's failure rate).</summary>
    public async Task<FinishedCounts> FinishedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, "SELECT outcome, COUNT(*) FROM jobs_finished WHERE finished_at >= @since GROUP BY outcome");
        Add(command, "since", since.ToUnixTimeMilliseconds());
        long succeeded = 0, dead = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var count = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
            switch (reader.GetString(0))
            {
                case JobStates.Succeeded:
                    succeeded = count;
                    break;
                case JobStates.Dead:
                    dead = count;
                    break;
            }
        }

        return new FinishedCounts(succeeded, dead);
    }

    /// <summary>
    /// Puts a finished job (dead or succeeded) back in the queue as a fresh job: same id, payload
    /// and idempotency key, attempts reset, due now.
    /// </summary>
    /// <returns>False if there is no finished job with that id (unknown, or still queued or running).</returns>
    public async Task<bool> ReplayAsync(long id, CancellationToken cancellationToken = default)
    {
        var moved = await RequeueFinishedAsync($"id = @id", command => Add(command, "id", id), dlqRetry: false, cancellationToken).ConfigureAwait(false);
        return moved == 1;
    }

    /// <summary>
    /// The dead-letter pass: re-queues, as fresh jobs, the dead letters that have been dead for at
    /// least <see cref="JobsOptions.DeadLetterRetryInterval"/> and were re-queued fewer than
    /// <see cref="JobsOptions.DeadLetterMaxRetries"/> times. The processor runs it every interval.
    /// </summary>
    /// <returns>How many dead letters were re-queued.</returns>
    public async Task<int> RetryDeadLettersAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = NowMs() - (long)_options.DeadLetterRetryInterval.TotalMilliseconds;
        var total = 0;
        while (true)
        {
            var moved = await RequeueFinishedAsync(
                "outcome = 'dead' AND dlq_retries < @max AND finished_at <= @cutoff",
                command =>
                {
                    Add(command, "max", _options.DeadLetterMaxRetries);
                    Add(command, "cutoff", cutoff);
                },
                dlqRetry: true,
                cancellationToken).ConfigureAwait(false);
            total += moved;
            if (moved < MaintenanceBatch)
            {
                return total;
            }
        }
    }

    /// <summary>
    /// The scheduled dead-letter pass: re-queues, oldest first and at most <paramref name="limit"/>, the
    /// dead letters that have been dead for at least <see cref="JobsOptions.DeadLetterRetryInterval"/> and
    /// were re-queued fewer than <see cref="JobsOptions.DeadLetterMaxRetries"/> times, leaving alone
    /// those whose concurrency key is in <paramref name="heldKeys"/> (a destination that would refuse
    /// them now) and those of <paramref name="skippedTypes"/>.
    /// </summary>
    /// <returns>How many dead letters were re-queued.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not within 1–100 000.</exception>
    public async Task<int> RetryDeadLettersAsync(int limit, IReadOnlyCollection<string> heldKeys, IReadOnlyCollection<string> skippedTypes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 100_000);
        ArgumentNullException.ThrowIfNull(heldKeys);
        ArgumentNullException.ThrowIfNull(skippedTypes);
        var cutoff = NowMs() - (long)_options.DeadLetterRetryInterval.TotalMilliseconds;
        var condition = "outcome = 'dead' AND dlq_retries < @max AND finished_at <= @cutoff"
            + (IsPostgres
                ? " AND (concurrency_key IS NULL OR NOT (concurrency_key = ANY(@held))) AND NOT (type = ANY(@skipped))"
                : " AND (concurrency_key IS NULL OR concurrency_key NOT IN (SELECT value FROM json_each(@held))) AND type NOT IN (SELECT value FROM json_each(@skipped))");
        var total = 0;
        while (total < limit)
        {
            var batch = Math.Min(MaintenanceBatch, limit - total);
            var moved = await RequeueFinishedAsync(
                condition,
                command =>
                {
                    Add(command, "max", _options.DeadLetterMaxRetries);
                    Add(command, "cutoff", cutoff);
                    Add(command, "held", IsPostgres ? heldKeys.ToArray() : JsonStrings(heldKeys));
                    Add(command, "skipped", IsPostgres ? skippedTypes.ToArray() : JsonStrings(skippedTypes));
                },
                dlqRetry: true,
                cancellationToken,
                batch).ConfigureAwait(false);
            total += moved;
            if (moved < batch)
            {
                break;
            }
        }

        return total;
    }

    /// <summary>
    /// Removes finished jobs (succeeded and dead) that finished more than
    /// <see cref="JobsOptions.FinishedRetention"/> ago, and frees their idempotency keys.
    /// </summary>
    /// <returns>How many were removed.</returns>
    public async Task<int> CleanupAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = NowMs() - (long)_options.FinishedRetention.TotalMilliseconds;
        var total = 0;
        while (true)
        {
            var removed = IsPostgres
                ? await CleanupPostgresAsync(cutoff, cancellationToken).ConfigureAwait(false)
                : await CleanupSqliteAsync(cutoff, cancellationToken).ConfigureAwait(false);
            total += removed;
            if (removed < MaintenanceBatch)
            {
                return total;
            }
        }
    }

    /// <summary>
    /// Claims due jobs for <paramref name="owner"/> under a lease of <see cref="JobsOptions.LeaseDuration"/>:
    /// at most each type's limit and <paramref name="total"/> in all, by priority then due time,
    /// skipping the jobs whose concurrency key is in <paramref name="busyKeys"/> (a key is one
    /// namespace across types: a key's jobs of every type share its limit).
    /// Running jobs whose lease ran out are first returned to the queue (or dead-lettered if that
    /// was their last attempt). Each claim uses an attempt.
    /// </summary>
    internal async Task<IReadOnlyList<ClaimedJob>> ClaimAsync(string owner, IReadOnlyList<TypeClaim> types, int total, IReadOnlyCollection<string> busyKeys, CancellationToken cancellationToken = default) =>
        (await CompleteAndClaimAsync(owner, [], types, total, busyKeys, recoverExpired: true, cancellationToken).ConfigureAwait(false)).Claimed;

    /// <summary>
    /// Stores what happened to claimed jobs, in one transaction: successes and dead letters move to
    /// the finished jobs, retries and postponements go back to the queue with their due time,
    /// releases go back unrun with their attempt refunded. A completion whose claim is no longer
    /// held by <paramref name="owner"/> (its lease ran out and the job was claimed again) changes nothing.
    /// </summary>
    /// <returns>How many completions were applied.</returns>
    internal async Task<int> CompleteAsync(string owner, IReadOnlyList<JobCompletion> completions, CancellationToken cancellationToken = default) =>
        (await CompleteAndClaimAsync(owner, completions, [], 0, [], recoverExpired: false, cancellationToken).ConfigureAwait(false)).Applied;

    /// <summary>
    /// <see cref="CompleteAsync"/> and <see cref="ClaimAsync"/> in one transaction and one round trip:
    /// the processor's step. <paramref name="recoverExpired"/>: whether to reclaim expired leases first.
    /// </summary>
    internal Task<(int Applied, List<ClaimedJob> Claimed)> CompleteAndClaimAsync(
        string owner,
        IReadOnlyList<JobCompletion> completions,
        IReadOnlyList<TypeClaim> types,
        int total,
        IReadOnlyCollection<string> busyKeys,
        bool recoverExpired,
        CancellationToken cancellationToken = default) =>
        CompleteAndClaimAsync(owner, completions, types, total, busyKeys, [], [], recoverExpired, cancellationToken);

    /// <summary>
    /// The processor's step with claims by key besides those by type: up to each key's limit of that
    /// key's next jobs of <paramref name="keyTypes"/> (not counted in <paramref name="total"/>), so a
    /// slot freed by a finishing job is refilled in the round trip that stores its outcome. List those
    /// keys in <paramref name="busyKeys"/> too, so the claims by type leave them alone.
    /// </summary>
    internal async Task<(int Applied, List<ClaimedJob> Claimed)> CompleteAndClaimAsync(
        string owner,
        IReadOnlyList<JobCompletion> completions,
        IReadOnlyList<TypeClaim> types,
        int total,
        IReadOnlyCollection<string> busyKeys,
        IReadOnlyList<KeyClaim> keys,
        IReadOnlyCollection<string> keyTypes,
        bool recoverExpired,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentNullException.ThrowIfNull(completions);
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(busyKeys);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(keyTypes);
        var wanted = total > 0 ? types.Where(t => t.Limit > 0).Select(t => t with { Limit = Math.Min(t.Limit, total) }).ToArray() : [];
        var wantedKeys = keyTypes.Count > 0 ? keys.Where(k => k.Limit > 0).ToArray() : [];
        if (completions.Count == 0 && wanted.Length == 0 && wantedKeys.Length == 0)
        {
            return (0, []);
        }

        var now = NowMs();
        var work = new Work(owner, now, now + (long)_options.LeaseDuration.TotalMilliseconds, wanted, total, busyKeys, wantedKeys, keyTypes, recoverExpired && (wanted.Length > 0 || wantedKeys.Length > 0));
        Classify(completions, work);
        var (applied, jobs) = IsPostgres
            ? await CompleteAndClaimPostgresAsync(work, cancellationToken).ConfigureAwait(false)
            : await CompleteAndClaimSqliteAsync(work, cancellationToken).ConfigureAwait(false);
        jobs.Sort(static (a, b) => a.Priority != b.Priority ? a.Priority.CompareTo(b.Priority)
            : a.RunAt != b.RunAt ? a.RunAt.CompareTo(b.RunAt) : a.Id.CompareTo(b.Id));
        return (applied, jobs);
    }

    private void Classify(IReadOnlyList<JobCompletion> completions, Work work)
    {
        var now = work.Now;
        foreach (var (job, outcome) in completions)
        {
            switch (outcome?.Kind)
            {
                case null:
                    work.Requeue.Add((job, now, 1, null));
                    break;
                case JobOutcomeKind.Succeeded:
                    work.Finish.Add((job, JobStates.Succeeded, null));
                    break;
                case JobOutcomeKind.Fail:
                    work.Finish.Add((job, JobStates.Dead, Truncate(outcome.Message)));
                    break;
                case JobOutcomeKind.Retry when job.Attempts >= job.MaxAttempts:
                    work.Finish.Add((job, JobStates.Dead, Truncate(outcome.Message)));
                    break;
                case JobOutcomeKind.Retry:
                    var delay = outcome.Delay ?? _options.RetryFor(job.Type).GetDelay(job.Attempts, Math.Clamp(Random(), 0.0, 0.999_999_999));
                    work.Requeue.Add((job, now + (long)delay.TotalMilliseconds, 0, Truncate(outcome.Message)));
                    break;
                case JobOutcomeKind.Postpone:
                    var until = outcome.Until?.ToUnixTimeMilliseconds() ?? (now + (long)outcome.Delay!.Value.TotalMilliseconds);
                    work.Requeue.Add((job, Math.Max(until, now), 1, Truncate("postponed: " + outcome.Message)));
                    break;
            }
        }
    }

    /// <summary>Renews the leases <paramref name="owner"/> holds on these jobs.</summary>
    /// <returns>The ids whose lease was renewed; the others were lost (their lease ran out and they were claimed again).</returns>
    internal async Task<IReadOnlySet<long>> RenewAsync(string owner, IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentNullException.ThrowIfNull(ids);
        var renewed = new HashSet<long>();
        if (ids.Count == 0)
        {
            return renewed;
        }

        var until = NowMs() + (long)_options.LeaseDuration.TotalMilliseconds;
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, IsPostgres
            ? "UPDATE jobs SET lease_until = @until WHERE id = ANY(@ids) AND lease_owner = @owner AND state = 'processing' RETURNING id"
            : "UPDATE jobs SET lease_until = @until WHERE id IN (SELECT value FROM json_each(@ids)) AND lease_owner = @owner AND state = 'processing' RETURNING id");
        Add(command, "until", until);
        Add(command, "owner", owner);
        Add(command, "ids", IsPostgres ? ids.ToArray() : JsonIds(ids));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            renewed.Add(reader.GetInt64(0));
        }

        return renewed;
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private List<Row> Prepare(IReadOnlyList<JobRequest> requests)
    {
        var now = _time.GetUtcNow();
        var rows = new List<Row>(requests.Count);
        HashSet<string>? keys = null;
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i] ?? throw new ArgumentException($"requests[{i}] is null.", nameof(requests));
            request.Validate(nameof(requests));
            if (request.IdempotencyKey is { } key && !(keys ??= new(StringComparer.Ordinal)).Add(key))
            {
                continue;
            }

            var typeOptions = _options.ForType(request.Type);
            var maxAttempts = request.MaxAttempts ?? (typeOptions.Retry ?? _options.DefaultRetry).MaxAttempts;
            var runAt = request.RunAt is { } at && at > now ? at : now;
            rows.Add(new Row(
                request.Type,
                request.Priority ?? (int)typeOptions.Priority,
                request.Payload,
                request.IdempotencyKey,
                request.ConcurrencyKey,
                maxAttempts,
                runAt.ToUnixTimeMilliseconds(),
                now.ToUnixTimeMilliseconds()));
        }

        return rows;
    }

    private static string? Truncate(string? error) => error is { Length: > MaxErrorLength } ? error[..MaxErrorLength] : error;

    private static string JsonIds(IEnumerable<long> ids)
    {
        var builder = new StringBuilder("[");
        foreach (var id in ids)
        {
            if (builder.Length > 1)
            {
                builder.Append(',');
            }

            builder.Append(id.ToString(CultureInfo.InvariantCulture));
        }

        return builder.Append(']').ToString();
    }

    private static string JsonStrings(IEnumerable<string> values) => System.Text.Json.JsonSerializer.Serialize(values);


    private static ClaimedJob ReadClaimed(DbDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetInt32(2),
        reader.GetString(3),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetString(5),
        reader.GetInt32(6),
        reader.GetInt32(7),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)),
        reader.IsDBNull(10) ? null : reader.GetString(10));

    private static async Task<IReadOnlyList<JobInfo>> ReadInfosAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var jobs = new List<JobInfo>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            DateTimeOffset? Time(int i) => reader.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(i));
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            jobs.Add(new JobInfo(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetInt32(2),
                reader.GetString(3),
                Text(4),
                Text(5),
                JobStates.Parse(reader.GetString(6)),
                reader.GetInt32(7),
                reader.GetInt32(8),
                reader.GetInt32(9),
                Time(10),
                Text(11),
                Time(12),
                Time(13)!.Value,
                Time(14)!.Value,
                Time(15),
                Text(16)));
        }

        return jobs;
    }

    /// <summary>One step of the processor: outcomes to store and what to claim.</summary>
    private sealed record Work(
        string Owner, long Now, long LeaseUntil, TypeClaim[] Types, int Total, IReadOnlyCollection<string> BusyKeys, KeyClaim[] Keys, IReadOnlyCollection<string> KeyTypes, bool RecoverExpired)
    {
        /// <summary>Whether this step claims anything.</summary>
        public bool Claims => Types.Length > 0 || Keys.Length > 0;

        public List<(ClaimedJob Job, string Outcome, string? Error)> Finish { get; } = [];

        public List<(ClaimedJob Job, long RunAt, int Refund, string? Error)> Requeue { get; } = [];

        /// <summary>Whether jobs go back due now, so other processes should look.</summary>
        public bool WakeOthers => Requeue.Exists(r => r.RunAt <= Now);
    }

    private readonly record struct Row(string Type, int Priority, string Payload, string? Key, string? ConcurrencyKey, int MaxAttempts, long RunAt, long CreatedAt);
}
