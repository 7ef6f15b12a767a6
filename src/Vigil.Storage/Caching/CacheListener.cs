using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Vigil.Storage.Caching;

/// <summary>
/// Hears the other nodes' invalidations for the process's <see cref="VigilCache"/> and, once they
/// are heard, prewarms it (<see cref="ICachePrewarm"/>: the rules and the channels). Registered
/// after the migrations run, so the prewarm reads a current schema.
/// </summary>
internal sealed partial class CacheListener(VigilCache cache, ICacheInvalidationBus bus, IEnumerable<ICachePrewarm> prewarms, ILogger<CacheListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listening = bus.ListenAsync(cache, stoppingToken);
        try
        {
            await cache.FirstTrusted.WaitAsync(stoppingToken).ConfigureAwait(false);
            foreach (var prewarm in prewarms)
            {
                try
                {
                    await prewarm.PrewarmAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogPrewarmFailed(ex, prewarm.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await listening.ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 7106, Level = LogLevel.Warning, Message = "Prewarming the cache with {Prewarm} failed; its first read loads it instead")]
    private partial void LogPrewarmFailed(Exception exception, string prewarm);
}
