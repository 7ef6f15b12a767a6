using System.Globalization;
using Vigil.Core.Metrics;
using Vigil.Jobs.Scheduling;

namespace Vigil.Server.Persistence;

/// <summary>A <see cref="BuiltInSchedules.Cleanup"/> task: deletes the stored 1-minute rollups older than <see cref="MetricsOptions.RollupRetentionDays"/>.</summary>
internal sealed class RollupRetentionTask(MetricPersistence persistence, MetricStore store) : IScheduledTask
{
    public string Schedule => BuiltInSchedules.Cleanup;

    public string Name => "metrics.rollup-retention";

    public async Task<string?> RunAsync(CancellationToken cancellationToken)
    {
        var deleted = await persistence.DeleteExpiredAsync(cancellationToken).ConfigureAwait(false);
        return deleted == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"deleted {deleted} rollups older than {store.Options.RollupRetentionDays} days");
    }
}
