using Microsoft.Extensions.Logging;

namespace Vigil.Jobs.Processing;

/// <summary>The job processor's log messages (event ids 6101-6115).</summary>
internal static partial class JobProcessorLog
{
    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Job processor {WorkerId} started for {Types}, at most {MaxConcurrency} jobs at a time")]
    public static partial void Started(ILogger logger, string workerId, string types, int maxConcurrency);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Information, Message = "Job processor {WorkerId} stopping with {Running} jobs running")]
    public static partial void Stopping(ILogger logger, string workerId, int running);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Information, Message = "Job processor {WorkerId} stopped; {Running} jobs left to their leases, {Unsaved} outcomes not stored")]
    public static partial void Stopped(ILogger logger, string workerId, int running, int unsaved);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Error, Message = "The job queue's database failed; trying again in {RetrySeconds} s")]
    public static partial void DatabaseFailed(ILogger logger, Exception exception, double retrySeconds);

    [LoggerMessage(EventId = 6105, Level = LogLevel.Warning, Message = "Job {JobId} ({Type}) threw on attempt {Attempt}; it will be retried")]
    public static partial void HandlerThrew(ILogger logger, Exception exception, long jobId, string type, int attempt);

    [LoggerMessage(EventId = 6106, Level = LogLevel.Warning, Message = "Job {JobId} ({Type}) failed attempt {Attempt} of {MaxAttempts}: {Error}")]
    public static partial void WillRetry(ILogger logger, long jobId, string type, int attempt, int maxAttempts, string? error);

    [LoggerMessage(EventId = 6107, Level = LogLevel.Error, Message = "Job {JobId} ({Type}) dead-lettered after {Attempts} attempts: {Error}")]
    public static partial void DeadLettered(ILogger logger, long jobId, string type, int attempts, string? error);

    [LoggerMessage(EventId = 6108, Level = LogLevel.Information, Message = "Job {JobId} ({Type}) postponed: {Reason}")]
    public static partial void Postponed(ILogger logger, long jobId, string type, string? reason);

    [LoggerMessage(EventId = 6109, Level = LogLevel.Warning, Message = "Lost the lease of job {JobId} ({Type}): it ran out and another worker claimed the job; this run's outcome will not be stored")]
    public static partial void LeaseLost(ILogger logger, long jobId, string type);

    [LoggerMessage(EventId = 6110, Level = LogLevel.Warning, Message = "{Count} job outcomes were not stored: their leases had run out and the jobs were claimed again")]
    public static partial void CompletionsFenced(ILogger logger, int count);

    [LoggerMessage(EventId = 6111, Level = LogLevel.Debug, Message = "Listening for new jobs on PostgreSQL channel {Channel}")]
    public static partial void Listening(ILogger logger, string channel);

    [LoggerMessage(EventId = 6112, Level = LogLevel.Warning, Message = "The PostgreSQL job listener failed; reconnecting in {RetrySeconds} s (polling meanwhile)")]
    public static partial void ListenFailed(ILogger logger, Exception exception, double retrySeconds);

    [LoggerMessage(EventId = 6113, Level = LogLevel.Information, Message = "Re-queued {Count} dead-lettered jobs")]
    public static partial void DeadLettersRetried(ILogger logger, int count);

    [LoggerMessage(EventId = 6114, Level = LogLevel.Information, Message = "Removed {Count} finished jobs older than {Days} days")]
    public static partial void CleanedUp(ILogger logger, int count, double days);

    [LoggerMessage(EventId = 6115, Level = LogLevel.Error, Message = "A job queue maintenance pass failed; the next one tries again")]
    public static partial void MaintenanceFailed(ILogger logger, Exception exception);
}
