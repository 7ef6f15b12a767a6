using Microsoft.Extensions.Options;
using Vigil.Core.Metrics;
using Vigil.Jobs;
using Vigil.Notifications;
using Vigil.Storage.Delivery;

namespace Vigil.Server.Delivery;

/// <summary>
/// Every 10 s, records the delivery queue's depth by state (<c>vigil_jobs{state}</c>) and each
/// destination's circuit breaker (<c>vigil_delivery_breaker_open{destination}</c>) as gauges;
/// every hour, forgets relayed requests and digest windows past their retention.
/// </summary>
internal sealed partial class DeliveryMaintenance(
    JobQueue queue, NotificationSender sender, RelayRepository relays, DigestRepository digests, MetricStore store,
    IOptions<RelayOptions> relayOptions, TimeProvider time, ILogger<DeliveryMaintenance> logger) : BackgroundService
{
    /// <summary>The gauge of queue depth by state.</summary>
    public const string QueueMetric = "vigil_jobs";

    /// <summary>The gauge of open circuit breakers by destination (1 open or half open, 0 closed).</summary>
    public const string BreakerMetric = "vigil_delivery_breaker_open";

    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CleanupInterval = TimeSpan.FromHours(1);

    /// <summary>Records the gauges once.</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        var counts = await queue.CountsAsync(cancellationToken).ConfigureAwait(false);
        Gauge(QueueMetric, "state", "queued", counts.Queued);
        Gauge(QueueMetric, "state", "retrying", counts.Retrying);
        Gauge(QueueMetric, "state", "processing", counts.Processing);
        Gauge(QueueMetric, "state", "succeeded", counts.Succeeded);
        Gauge(QueueMetric, "state", "dead", counts.Dead);
        Gauge(QueueMetric, "state", "expired_lease", counts.ExpiredLeases);
        foreach (var destination in sender.GetDestinationHealth())
        {
            Gauge(BreakerMetric, "destination", destination.Destination, destination.State == Vigil.Notifications.BreakerState.Closed ? 0 : 1);
        }
    }

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

    private void Gauge(string name, string label, string value, double reading)
    {
        if (store.GetOrCreate(name, LabelSet.From([new KeyValuePair<string, string>(label, value)]), MetricType.Gauge) is { } series)
        {
            store.Record(series, reading);
        }
    }

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "Removed {Count} relayed requests and digest items past their retention")]
    private partial void LogCleaned(int count);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "Sampling the delivery queue failed; the next sample tries again")]
    private partial void LogFailed(Exception exception);
}
