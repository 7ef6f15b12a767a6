namespace Vigil.Client;

/// <summary>
/// Records metrics, job executions, transactions and spans, and errors for Vigil. Recording is
/// cheap, never blocks and never throws: items are buffered in memory and sent in batches by a
/// background service.
/// </summary>
/// <remarks>
/// Register it with <c>services.AddVigilClient(...)</c> and take it from dependency injection;
/// one instance (a singleton) serves the whole application and is safe to use from any thread.
/// </remarks>
public interface IVigilClient
{
    /// <summary>Gets a snapshot of the delivery counters.</summary>
    VigilClientStats Stats { get; }

    /// <summary>
    /// Records one metric point. Invalid input (an empty or malformed name or label name, a NaN
    /// or infinite value or one beyond ±1e15, a negative timing) is dropped and counted in
    /// <see cref="VigilClientStats.Dropped"/>, never thrown.
    /// </summary>
    /// <param name="name">The metric name, matching <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>.</param>
    /// <param name="kind">How Vigil aggregates the value.</param>
    /// <param name="value">The value: an increment, a level, or milliseconds for <see cref="MetricKind.Timing"/>.</param>
    /// <param name="labels">
    /// Optional labels; names match <c>[a-zA-Z_][a-zA-Z0-9_]*</c>. Keep their values few (a route
    /// template, not a URL) so the number of series stays small. The dictionary is copied.
    /// </param>
    /// <param name="timestamp">When the value was observed; defaults to now.</param>
    void RecordMetric(
        string name,
        MetricKind kind,
        double value,
        IReadOnlyDictionary<string, string>? labels = null,
        DateTimeOffset? timestamp = null);

    /// <summary>
    /// Records one execution of a scheduled or background job. Invalid input (an empty job id, a
    /// NaN, infinite or negative duration, or one over 1e15 ms) is dropped and counted, never thrown.
    /// </summary>
    /// <param name="jobId">The job's stable identifier, for example <c>content-generation</c>.</param>
    /// <param name="success">Whether the execution succeeded.</param>
    /// <param name="durationMs">How long the execution took, in milliseconds.</param>
    /// <param name="metadata">Optional details about this execution. The dictionary is copied.</param>
    /// <param name="timestamp">When the execution finished; defaults to now.</param>
    void RecordJobExecution(
        string jobId,
        bool success,
        double durationMs,
        IReadOnlyDictionary<string, string>? metadata = null,
        DateTimeOffset? timestamp = null);

    /// <summary>
    /// Runs <paramref name="work"/>, measures it and records the execution as a success, or as a
    /// failure (with the exception type in the metadata under <c>error</c>) if it throws, in which
    /// case the exception is rethrown unchanged.
    /// </summary>
    /// <param name="jobId">The job's stable identifier.</param>
    /// <param name="work">The job itself; it receives <paramref name="cancellationToken"/>.</param>
    /// <param name="cancellationToken">Passed to <paramref name="work"/>.</param>
    /// <returns>A task that completes when <paramref name="work"/> does.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is <see langword="null"/>.</exception>
    Task TrackJobAsync(string jobId, Func<CancellationToken, Task> work, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs <paramref name="work"/>, measures it, records the execution as a success or a failure,
    /// and returns its result; an exception from <paramref name="work"/> is rethrown unchanged.
    /// </summary>
    /// <typeparam name="T">The type of the job's result.</typeparam>
    /// <param name="jobId">The job's stable identifier.</param>
    /// <param name="work">The job itself; it receives <paramref name="cancellationToken"/>.</param>
    /// <param name="cancellationToken">Passed to <paramref name="work"/>.</param>
    /// <returns>The result of <paramref name="work"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="work"/> is <see langword="null"/>.</exception>
    Task<T> TrackJobAsync<T>(string jobId, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts a transaction of the application's own (a job, a message handled, a scheduled task)
    /// on the client's <see cref="System.Diagnostics.ActivitySource"/> (<see cref="VigilClientOptions.ActivitySourceName"/>):
    /// an entry of the service, as a queue consumer's span is (kind <c>Consumer</c>), a child of the
    /// current activity when there is one. Spans started while it is current (<see cref="StartSpan"/>,
    /// HttpClient calls, database commands) are its children. Dispose it to end it; it is sent then.
    /// </summary>
    /// <param name="name">The transaction's name, its route in Vigil (keep it free of ids: <c>nightly-report</c>, not <c>report 2026-12-05</c>).</param>
    /// <returns>The activity, or <see langword="null"/> when tracing is off (<see cref="VigilClientOptions.TracesSampleRate"/> 0, the client disabled) or the trace is not sampled.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    System.Diagnostics.Activity? StartTransaction(string name);

    /// <summary>
    /// Starts a span (kind <c>Internal</c>) under the current activity, for work worth timing inside
    /// a transaction. Dispose it to end it. Its tags are sent as attributes (headers, cookies,
    /// bodies and query strings excepted).
    /// </summary>
    /// <param name="name">The span's name; spans are counted by name in <c>span_duration_ms</c>, so keep it free of ids.</param>
    /// <returns>The activity, or <see langword="null"/> when tracing is off or the trace is not sampled.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    System.Diagnostics.Activity? StartSpan(string name);

    /// <summary>
    /// Sends an exception to Vigil as an error event, grouped with the same exception from the same
    /// place into an issue: its type, message and stack frames (file and line when the application's
    /// symbols are deployed), inner exceptions, the release, environment and service, the route of
    /// the request it happened in (with <c>app.UseVigilRequestTracking()</c>) and its trace. Never
    /// throws; never blocks (the event is buffered and sent in the background).
    /// </summary>
    /// <param name="exception">The exception; null is ignored.</param>
    /// <param name="userId">The affected user's id, counted in the users (Vigil stores only its hash).</param>
    /// <param name="tags">Tags of the event (the <c>service</c> tag is the client's); Vigil removes secrets from them.</param>
    /// <returns>The event's id (32 hexadecimal digits), or <see langword="null"/> when nothing is sent.</returns>
    string? CaptureException(Exception exception, string? userId = null, IReadOnlyDictionary<string, string>? tags = null);

    /// <summary>
    /// Sends everything buffered now, retrying while Vigil is unreachable, and completes when it
    /// was delivered (or rejected by Vigil and dropped). Pass a token with a timeout if Vigil may
    /// be down: on cancellation nothing is lost, the items stay buffered for the background sender.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting; throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>A task that completes when the buffered items were delivered or dropped.</returns>
    ValueTask FlushAsync(CancellationToken cancellationToken = default);
}
