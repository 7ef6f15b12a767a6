using Vigil.Core.Metrics;
using Vigil.Storage;

namespace Vigil.Health.Resources;

/// <summary>
/// Records the duration of every statement Vigil runs on its database as the timing series
/// <see cref="Metric"/> (no labels), from <see cref="Database.Timings"/>: rules alert on it like on
/// any series, and the advanced health check reads its p95 against seed 003's "database query p95
/// &lt; 250 ms" target.
/// </summary>
internal sealed class DatabaseQuerySeries(Database database, MetricStore store) : IHostedService
{
    /// <summary><c>vigil_db_query_duration_ms</c>: each statement's run time, milliseconds.</summary>
    public const string Metric = "vigil_db_query_duration_ms";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        database.Timings.Listen(Record);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        database.Timings.Listen(null);
        return Task.CompletedTask;
    }

    private void Record(double milliseconds)
    {
        if (store.GetOrCreate(Metric, LabelSet.Empty, MetricType.Timing) is { } series)
        {
            store.Record(series, milliseconds);
        }
    }
}
