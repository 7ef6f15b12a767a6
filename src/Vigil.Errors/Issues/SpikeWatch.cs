using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Vigil.Errors.Issues;

/// <summary>
/// Every minute, clears the spike alerts of issues whose spike is over (an issue that stops
/// failing sends no event that would). Idempotent, so every process may run it.
/// </summary>
internal sealed partial class SpikeWatch(ErrorIntake intake, TimeProvider time, ILogger<SpikeWatch> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await intake.ClearSpikesAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 1603, Level = LogLevel.Warning, Message = "Could not check the error spikes")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
