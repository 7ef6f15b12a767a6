using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Vigil.Jobs.Queue;
using Vigil.Jobs.Retries;

namespace Vigil.Jobs.Configuration;

/// <summary>The job queue and its processor (configuration section <c>Vigil:Jobs</c>).</summary>
public sealed class JobsOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Jobs";

    /// <summary>Whether this process runs jobs. Turn it off on processes that should only enqueue.</summary>
    /// <value>true.</value>
    public bool ProcessingEnabled { get; set; } = true;

    /// <summary>How many jobs, of all types, one process runs at a time.</summary>
    /// <value>20.</value>
    [Range(1, 1000)]
    public int MaxConcurrency { get; set; } = 20;

    /// <summary>
    /// How often the processor looks for due jobs without being woken (scheduled jobs, retries,
    /// enqueues of other processes on SQLite, a lost PostgreSQL notification).
    /// </summary>
    /// <value>1 second.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a claim holds a job without a heartbeat. A worker that dies loses its jobs to
    /// the other workers this long after its last heartbeat.
    /// </summary>
    /// <value>30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the processor renews the leases of the jobs it holds; less than a third of <see cref="LeaseDuration"/>.</summary>
    /// <value>10 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:20:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>At most this many jobs per claim.</summary>
    /// <value>50.</value>
    [Range(1, 1000)]
    public int ClaimBatchSize { get; set; } = 50;

    /// <summary>
    /// How many claimed jobs the processor keeps waiting for a busy concurrency key; further jobs of
    /// that key are returned to the queue and not claimed until the key has room, so jobs of other
    /// keys always get the worker slots.
    /// </summary>
    /// <value>5.</value>
    [Range(0, 1000)]
    public int MaxHeldPerKey { get; set; } = 5;

    /// <summary>
    /// The concurrency limit of a concurrency key when <see cref="ConcurrencyKeyLimit"/> is not set.
    /// </summary>
    /// <value>5 (the default <c>maxConcurrency</c> of a notification channel).</value>
    [Range(1, 1000)]
    public int DefaultConcurrencyKeyLimit { get; set; } = 5;

    /// <summary>
    /// The concurrency limit of a concurrency key, asked as jobs of the key are scheduled. A key is
    /// one namespace across job types: its jobs of every type together run at most this many at a
    /// time in a process (deliveries key notification, digest and relay jobs by channel id and answer
    /// with the channel's <c>maxConcurrency</c>). Values below 1 count as 1.
    /// Set it with <c>services.AddOptions&lt;JobsOptions&gt;().Configure&lt;TService&gt;(...)</c> to use a service.
    /// </summary>
    /// <value>null: every key gets <see cref="DefaultConcurrencyKeyLimit"/>.</value>
    public Func<string, int>? ConcurrencyKeyLimit { get; set; }

    /// <summary>How long a stopping processor lets running jobs finish; the rest are left to their leases.</summary>
    /// <value>20 seconds (below the host's 30-second shutdown timeout).</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long a dead letter stays dead before it is re-queued; without the schedules (<c>AddVigilSchedules</c>)
    /// also how often the processor's own dead-letter pass runs (with them, the <c>dead-letter-retry</c> cron decides).
    /// </summary>
    /// <value>1 hour.</value>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan DeadLetterRetryInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How many times the dead-letter pass re-queues one job; after that it stays dead until replayed.</summary>
    /// <value>5.</value>
    [Range(0, 1000)]
    public int DeadLetterMaxRetries { get; set; } = 5;

    /// <summary>At most this many dead letters are re-queued by one run of the <c>dead-letter-retry</c> schedule; the rest wait for the next run.</summary>
    /// <value>500.</value>
    [Range(1, 100_000)]
    public int DeadLetterRetryLimit { get; set; } = 500;

    /// <summary>How long finished jobs (succeeded and dead) are kept, and their idempotency keys with them.</summary>
    /// <value>30 days.</value>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan FinishedRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How often the processor's own loop removes finished jobs older than <see cref="FinishedRetention"/>,
    /// when the schedules are not registered (with them, the <c>cleanup</c> cron decides).
    /// </summary>
    /// <value>1 hour.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Whether this process runs the maintenance (safe on several at once): the cron scheduler when
    /// the schedules are registered (<c>AddVigilSchedules</c>, which the server does), else the queue's
    /// own dead-letter pass and cleanup every <see cref="DeadLetterRetryInterval"/> and <see cref="CleanupInterval"/>.
    /// </summary>
    /// <value>true.</value>
    public bool MaintenanceEnabled { get; set; } = true;

    /// <summary>Set by <c>AddVigilSchedules</c>: the dead-letter pass and the cleanup are the schedules' tasks, not the processor's loop.</summary>
    internal bool MaintenanceScheduled { get; set; }

    /// <summary>This process's name on the leases it takes; null: machine name, process id and a random suffix.</summary>
    /// <value>null.</value>
    [MaxLength(200)]
    public string? WorkerId { get; set; }

    /// <summary>The retry schedule of job types that set none.</summary>
    /// <value>5 s doubling up to 10 min, 4 attempts, 20 % jitter.</value>
    [ValidateObjectMembers]
    public RetryPolicy DefaultRetry { get; set; } = new();

    /// <summary>The settings of job types not listed in <see cref="Types"/>.</summary>
    /// <value>Concurrency 5, medium priority, <see cref="DefaultRetry"/>.</value>
    [ValidateObjectMembers]
    public JobTypeOptions DefaultType { get; set; } = new();

    /// <summary>
    /// Settings per job type. The types of the job table of the requirements are there by default
    /// (content-generation, project-scheduled-publish, item-scheduled-publish, generate-report,
    /// export-data); configuration adds types or overrides them.
    /// </summary>
    public Dictionary<string, JobTypeOptions> Types { get; set; } = new(StringComparer.Ordinal)
    {
        ["content-generation"] = Seed(5, JobPriority.Medium, retries: 3),
        ["project-scheduled-publish"] = Seed(10, JobPriority.High, retries: 0),
        ["item-scheduled-publish"] = Seed(5, JobPriority.High, retries: 3),
        ["generate-report"] = Seed(5, JobPriority.Medium, retries: 3),
        ["export-data"] = Seed(3, JobPriority.Low, retries: 3),
    };

    /// <summary>The settings that apply to a type.</summary>
    public JobTypeOptions ForType(string type) => Types.TryGetValue(type, out var options) ? options : DefaultType;

    /// <summary>The retry schedule that applies to a type.</summary>
    public RetryPolicy RetryFor(string type) => ForType(type).Retry ?? DefaultRetry;

    private static JobTypeOptions Seed(int concurrency, JobPriority priority, int retries) =>
        new() { Concurrency = concurrency, Priority = priority, Retry = new RetryPolicy { MaxAttempts = retries + 1 } };
}
