namespace Vigil.Jobs.Scheduling;

/// <summary>
/// The built-in schedules (seed 002's monitoring cron jobs) and their default cron expressions.
/// Each is a setting under <c>Vigil:Schedules:&lt;name&gt;</c>; what each runs is the list of
/// <see cref="IScheduledTask"/>s registered for it.
/// </summary>
public static class BuiltInSchedules
{
    /// <summary>Health check and alerting, every 5 minutes.</summary>
    public const string HealthCheck = "health-check";

    /// <summary>
    /// Aggregation and regression analysis, every 30 minutes: at 3 and 33 past the hour, so the hour
    /// that just ended is complete (its rollups flushed: <c>OperationAnalysis.FlushMargin</c>, 2
    /// minutes) and summed at once; at :00 it never was, and each hour waited half an hour for :30.
    /// </summary>
    public const string Aggregation = "aggregation";

    /// <summary>Dead-letter retry, hourly.</summary>
    public const string DeadLetterRetry = "dead-letter-retry";

    /// <summary>Cleanup of data past its retention, daily at 02:00.</summary>
    public const string Cleanup = "cleanup";

    /// <summary>The built-in schedules with their default cron expressions, in listing order.</summary>
    public static IReadOnlyList<(string Name, string Cron)> Defaults { get; } =
    [
        (HealthCheck, "*/5 * * * *"),
        (Aggregation, "3,33 * * * *"),
        (DeadLetterRetry, "0 * * * *"),
        (Cleanup, "0 2 * * *"),
    ];
}
