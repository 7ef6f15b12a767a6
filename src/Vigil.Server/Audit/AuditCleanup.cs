using Microsoft.Extensions.Options;
using Vigil.Storage.Audit;

namespace Vigil.Server.Audit;

/// <summary>Every hour (and at start), removes audit entries older than <see cref="AuditOptions.RetentionDays"/>.</summary>
internal sealed partial class AuditCleanup(AuditRepository audit, IOptions<AuditOptions> options, TimeProvider time, ILogger<AuditCleanup> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>One clean-up; returns how many entries were removed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var beforeMs = (time.GetUtcNow() - TimeSpan.FromDays(options.Value.RetentionDays)).ToUnixTimeMilliseconds();
        var removed = await audit.DeleteBeforeAsync(beforeMs, cancellationToken).ConfigureAwait(false);
        if (removed > 0)
        {
            LogCleaned(removed, options.Value.RetentionDays);
        }

        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
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

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Removed {Count} audit entries older than {Days} days")]
    private partial void LogCleaned(int count, int days);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Warning, Message = "Removing old audit entries failed; the next hour tries again")]
    private partial void LogFailed(Exception exception);
}
