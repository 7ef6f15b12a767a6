using System.Globalization;
using Microsoft.Extensions.Options;
using Vigil.Jobs.Configuration;
using Vigil.Jobs.Queue;

namespace Vigil.Jobs.Scheduling;

/// <summary>
/// A <see cref="BuiltInSchedules.Cleanup"/> task: removes finished jobs (succeeded and dead, deliveries
/// included) older than <see cref="JobsOptions.FinishedRetention"/>, and frees their idempotency keys.
/// </summary>
internal sealed class FinishedJobRetentionTask(JobQueue queue, IOptions<JobsOptions> options) : IScheduledTask
{
    public string Schedule => BuiltInSchedules.Cleanup;

    public string Name => "jobs.finished-retention";

    public async Task<string?> RunAsync(CancellationToken cancellationToken)
    {
        var removed = await queue.CleanupAsync(cancellationToken).ConfigureAwait(false);
        return removed == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"removed {removed} finished jobs older than {options.Value.FinishedRetention.TotalDays:0.#} days");
    }
}
