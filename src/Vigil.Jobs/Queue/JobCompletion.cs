using Vigil.Jobs.Processing;
namespace Vigil.Jobs.Queue;

/// <summary>What to store for a claimed job.</summary>
/// <param name="Job">The claim.</param>
/// <param name="Outcome">The handler's outcome; null: release the job unrun (no attempt used).</param>
internal readonly record struct JobCompletion(ClaimedJob Job, JobOutcome? Outcome)
{
    public static JobCompletion Release(ClaimedJob job) => new(job, null);
}
