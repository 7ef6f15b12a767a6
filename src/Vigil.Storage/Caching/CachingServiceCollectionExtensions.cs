using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vigil.Storage;
using Vigil.Storage.Caching;
using Vigil.Storage.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Vigil's one cache layer.</summary>
public static class CachingServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="VigilCache"/> (on <c>HybridCache</c>, settings <c>Vigil:Cache</c>), the way
    /// its invalidations reach the other nodes on PostgreSQL (Redis pub/sub when <c>Vigil:Redis</c> is
    /// configured, else LISTEN/NOTIFY; on SQLite, one node, none) and the service
    /// that hears them and prewarms. The host provides the <see cref="Database"/>; register this
    /// after whatever runs the migrations. Safe to call twice.
    /// </summary>
    public static IServiceCollection AddVigilCache(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(s => s.ServiceType == typeof(VigilCache)))
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<CacheOptions>().Bind(configuration.GetSection(CacheOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        // Validated where the health check registers it (AddVigilHealth); bound here too for a host without it.
        services.AddOptions<RedisOptions>().Bind(configuration.GetSection(RedisOptions.Section));
        services.TryAddSingleton<RedisConnection>();
        services.AddHybridCache();
        services.AddSingleton<ICacheInvalidationBus>(sp =>
        {
            var database = sp.GetRequiredService<Database>();
            if (database.Provider != StorageProvider.Postgres)
            {
                return new LocalInvalidationBus(); // SQLite: one node
            }

            return sp.GetRequiredService<IOptions<RedisOptions>>().Value.Configured
                ? new RedisInvalidationBus(sp.GetRequiredService<RedisConnection>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RedisInvalidationBus>>())
                : new PostgresInvalidationBus(database, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PostgresInvalidationBus>>());
        });
        services.AddSingleton(sp => new VigilCache(
            sp.GetRequiredService<Microsoft.Extensions.Caching.Hybrid.HybridCache>(), sp.GetRequiredService<IOptions<CacheOptions>>(),
            sp.GetRequiredService<ICacheInvalidationBus>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<VigilCache>>()));
        services.AddHostedService<CacheListener>();
        return services;
    }
}
