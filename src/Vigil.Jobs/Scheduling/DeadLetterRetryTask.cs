using System.Globalization;
using Microsoft.Extensions.Options;
using Vigil.Jobs.Configuration;
using Vigil.Jobs.Queue;

namespace Vigil.Jobs.Scheduling;

/// <summary>
/// The <see cref="BuiltInSchedules.DeadLetterRetry"/> task: re-queues dead letters as fresh jobs, oldest
/// first, at most <see cref="JobsOptions.DeadLetterRetryLimit"/> per run and each at most
/// <see cref="JobsOptions.DeadLetterMaxRetries"/> times, except those an <see cref="IDeadLetterHold"/>
/// holds (their destination would refuse them now) and failed schedule runs (the next due time reruns those).
/// </summary>
internal sealed class DeadLetterRetryTask(JobQueue queue, IEnumerable<IDeadLetterHold> holds, IOptions<JobsOptions> options) : IScheduledTask
{
    private static readonly string[] SkippedTypes = [ScheduleStore.JobType];

    public string Schedule => BuiltInSchedules.DeadLetterRetry;

    public string Name => "jobs.dead-letters";

    public async Task<string?> RunAsync(CancellationToken cancellationToken)
    {
        var held = new HashSet<string>(StringComparer.Ordinal);
        foreach (var hold in holds)
        {
            held.UnionWith(await hold.HeldKeysAsync(cancellationToken).ConfigureAwait(false));
        }

        var requeued = await queue.RetryDeadLettersAsync(options.Value.DeadLetterRetryLimit, held, SkippedTypes, cancellationToken).ConfigureAwait(false);
        var heldNote = held.Count == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $", {held.Count} destinations held");
        return requeued == 0 && held.Count == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"re-queued {requeued} dead letters{heldNote}");
    }
}
