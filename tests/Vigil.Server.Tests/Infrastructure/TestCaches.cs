using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Vigil.Storage.Caching;

namespace Vigil.Server.Tests.Infrastructure;

/// <summary>A cache layer of one node, for components built by hand outside a server.</summary>
internal static class TestCaches
{
    public static VigilCache OneNode(TimeProvider time)
    {
        var services = new ServiceCollection();
        services.AddSingleton(time);
        services.AddHybridCache();
        return new VigilCache(
            services.BuildServiceProvider().GetRequiredService<HybridCache>(), Options.Create(new CacheOptions()), new LocalInvalidationBus(), time, NullLogger<VigilCache>.Instance);
    }
}
