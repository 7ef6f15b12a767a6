using Microsoft.Extensions.Options;
using Vigil.Delivery.Pipeline;
using Vigil.Jobs.Queue;
using Vigil.Storage;
using Vigil.Storage.Delivery;

namespace Vigil.Delivery.Relay;

/// <summary>
/// Takes a relayed webhook body in: stores it in the request log with one delivery job per
/// integration in one transaction (so a body is never kept without its deliveries, nor a
/// delivery made of a body that was not kept), within the stored-body budget
/// (<see cref="RelayOptions.StoredBodyBudgetBytes"/>), waits up to <see cref="RelayOptions.WaitTimeout"/>
/// for the first attempts, and records what the caller is answered.
/// </summary>
public sealed class RelayIntake(Database database, JobQueue queue, RelayRepository relays, RelayWaiters waiters, IOptions<RelayOptions> options, TimeProvider time)
{
    /// <summary>
    /// Accepts <paramref name="body"/> (valid JSON) for <paramref name="endpoint"/>'s integrations;
    /// null, with nothing stored, when the bodies that pending deliveries still need fill the
    /// stored-body budget (the caller is told to try again later).
    /// </summary>
    public async Task<RelayOutcome?> AcceptAsync(StoredRelayEndpoint endpoint, string body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(body);
        var now = time.GetUtcNow();
        var requestId = Guid.CreateVersion7(now).ToString("N");
        var integrations = endpoint.Integrations.Distinct(StringComparer.Ordinal).ToArray();
        using var waiter = waiters.Register(requestId, integrations);
        await using (var work = await database.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            await queue.EnqueueAsync(work, [.. integrations.Select(channelId => new JobRequest(
                DeliveryJobs.Relay,
                DeliveryJobs.Serialize(new RelayJob(requestId, channelId, endpoint.Slug)),
                IdempotencyKey: $"relay:{requestId}:{channelId}",
                Priority: (int)JobPriority.High,
                ConcurrencyKey: channelId))], cancellationToken).ConfigureAwait(false);

            // Last before the commit: on PostgreSQL the budget's row lock is held only this long.
            var record = new RelayRequestRecord(requestId, endpoint.Id, now.ToUnixTimeMilliseconds(), "pending", integrations.Length, 0, 0);
            if (!await RelayRepository.InsertRequestAsync(work, record, body, options.Value.StoredBodyBudgetBytes, cancellationToken).ConfigureAwait(false))
            {
                return null; // rolled back with its jobs
            }

            await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        var (successful, _, _) = await waiter.WaitAsync(options.Value.WaitTimeout, time, cancellationToken).ConfigureAwait(false);
        var outcome = new RelayOutcome(requestId, integrations.Length, successful);
        await relays.SetStatusAsync(requestId, outcome.Status, CancellationToken.None).ConfigureAwait(false);
        return outcome;
    }
}
