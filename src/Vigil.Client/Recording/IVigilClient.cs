namespace Vigil.Client;

/// <summary>
/// Records metrics and job executions for Vigil. Recording is cheap, never blocks and never
/// throws: items are buffered in memory and sent in batches by a background service.
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
    /// Sends everything buffered now, retrying while Vigil is unreachable, and completes when it
    /// was delivered (or rejected by Vigil and dropped). Pass a token with a timeout if Vigil may
    /// be down: on cancellation nothing is lost, the items stay buffered for the background sender.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting; throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>A task that completes when the buffered items were delivered or dropped.</returns>
    ValueTask FlushAsync(CancellationToken cancellationToken = default);
}
