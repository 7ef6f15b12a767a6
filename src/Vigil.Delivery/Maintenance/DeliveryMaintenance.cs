using Vigil.Jobs.Queue;
using Vigil.Notifications.Delivery;

namespace Vigil.Delivery.Maintenance;

/// <summary>
/// Every 10 s, samples the delivery queue's depth by state and each destination's circuit
/// breaker for <c>/metrics</c> (<see cref="DeliveryGauges"/>). Relayed requests and digest items
/// past their retention go with the <c>cleanup</c> schedule (<see cref="DeliveryRetentionTask"/>).
/// </summary>
internal sealed partial class DeliveryMaintenance(
    JobQueue queue, NotificationSender sender, DeliveryGauges gauges, TimeProvider time, ILogger<DeliveryMaintenance> logger) : BackgroundService
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(10);

    /// <summary>Samples the gauges once.</summary>
    public async Task SampleAsync(CancellationToken cancellationToken) =>
        gauges.Update(await queue.CountsAsync(cancellationToken).ConfigureAwait(false), sender.GetDestinationHealth());

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SampleInterval, time);
        try
        {
            do
            {
                try
                {
                    await SampleAsync(stoppingToken).ConfigureAwait(false);
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

    [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "Sampling the delivery queue failed; the next sample tries again")]
    private partial void LogFailed(Exception exception);
}
