using System.Globalization;
using Microsoft.Extensions.Options;
using Vigil.Jobs.Scheduling;
using Vigil.Storage.Audit;

namespace Vigil.Server.Audit;

/// <summary>A <see cref="BuiltInSchedules.Cleanup"/> task: removes audit entries older than <see cref="AuditOptions.RetentionDays"/>.</summary>
internal sealed partial class AuditCleanup(AuditRepository audit, IOptions<AuditOptions> options, TimeProvider time, ILogger<AuditCleanup> logger) : IScheduledTask
{
    public string Schedule => BuiltInSchedules.Cleanup;

    public string Name => "audit.retention";

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

    public async Task<string?> RunAsync(CancellationToken cancellationToken)
    {
        var removed = await RunOnceAsync(cancellationToken).ConfigureAwait(false);
        return removed == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"removed {removed} audit entries older than {options.Value.RetentionDays} days");
    }

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Removed {Count} audit entries older than {Days} days")]
    private partial void LogCleaned(int count, int days);
}
