using Vigil.Health.Readiness;
using Vigil.Server.Auth;
using Vigil.Server.Persistence;
using Vigil.Server.Rules;
using Vigil.Storage;

namespace Vigil.Server.Hosting;

/// <summary>
/// Gets the process ready before it serves: applies migrations, makes sure an admin key
/// exists, and restores the last hour of aggregates from the rollups; then opens the readiness
/// gate (<c>/api/health/ready</c>).
/// </summary>
internal sealed partial class VigilInitializer(
    Migrator migrator, ApiKeyService keys, MetricPersistence persistence, DefaultRules defaultRules, Vigil.Storage.Alerts.RuleCache rules, StartupReadiness readiness, TimeProvider time, ILogger<VigilInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var applied = await migrator.MigrateAsync(time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        if (applied > 0)
        {
            LogMigrated(applied);
        }

        if (await defaultRules.ApplyAsync(cancellationToken).ConfigureAwait(false) is { Inserted: > 0 } or { Updated: > 0 } or { Retired: > 0 })
        {
            await rules.InvalidateAsync(CancellationToken.None).ConfigureAwait(false); // the nodes already running read the new defaults
        }

        await keys.EnsureAdminAsync(cancellationToken).ConfigureAwait(false);
        await persistence.RestoreAsync(cancellationToken).ConfigureAwait(false);
        readiness.MarkStarted();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Applied {Count} database migration(s)")]
    private partial void LogMigrated(int count);
}
