using Vigil.Jobs.Queue;
namespace Vigil.Jobs.Processing;

/// <summary>Renews the leases of the jobs the dispatcher holds; a job whose lease was not renewed is lost to it.</summary>
internal sealed class JobLeases(JobQueue queue, string workerId, JobSlots slots)
{
    public async Task RenewAsync(CancellationToken cancellationToken)
    {
        if (slots.Active.Count == 0)
        {
            return;
        }

        var ids = slots.Active.ToArray();
        var renewed = await queue.RenewAsync(workerId, ids, cancellationToken).ConfigureAwait(false);
        foreach (var id in ids)
        {
            if (!renewed.Contains(id))
            {
                slots.LoseLease(id);
            }
        }
    }
}
