using Microsoft.Extensions.Options;
using Vigil.Delivery.Relay;
using Vigil.Jobs.Queue;
using Vigil.Notifications.Delivery;
using Vigil.Storage.Delivery;

namespace Vigil.Delivery.Maintenance;

/// <summary>
/// Every 10 s, samples the delivery queue's depth by state and each destination's circuit
/// breaker for <c>/metrics</c> (<see cref="DeliveryGauges"/>); every hour, forgets relayed
/// requests and digest windows past their retention.
/// </summary>
internal sealed partial class DeliveryMaintenance(
    JobQueue queue, NotificationSender sender, RelayRepository relays, DigestRepository digests, DeliveryGauges gauges,
    IOptions<RelayOptions> relayOptions, TimeProvider time, ILogger<DeliveryMaintenance> logger) : BackgroundService
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CleanupInterval = TimeSpan.FromHours(1);

    /// <summary>Samples the gauges once.</summary>
    public async Task SampleAsync(CancellationToken cancellationToken) =>
        gauges.Update(await queue.CountsAsync(cancellationToken).ConfigureAwait(false), sender.GetDestinationHealth());

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SampleInterval, time);
        var nextCleanup = time.GetUtcNow();
        try
        {
            do
            {
                try
                {
                    await SampleAsync(stoppingToken).ConfigureAwait(false);
                    if (time.GetUtcNow() >= nextCleanup)
                    {
                        nextCleanup = time.GetUtcNow() + CleanupInterval;
                        var beforeMs = (time.GetUtcNow() - relayOptions.Value.RequestRetention).ToUnixTimeMilliseconds();
                        var removed = await relays.DeleteRequestsBeforeAsync(beforeMs, stoppingToken).ConfigureAwait(false)
                            + await digests.DeleteBeforeAsync(beforeMs, stoppingToken).ConfigureAwait(false);
                        if (removed > 0)
                        {
                            LogCleaned(removed);
                        }
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogFailed(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "Removed {Count} relayed requests and digest items past their retention")]
    private partial void LogCleaned(int count);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "Sampling the delivery queue failed; the next sample tries again")]
    private partial void LogFailed(Exception exception);
}
