using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Vigil.Client.Tests.Configuration;

public sealed class VigilClientServiceCollectionExtensionsTests
{
    [Fact]
    public void AddVigilClient_CalledTwice_RegistersServicesOnceAndAppliesBothConfigurations()
    {
        var services = new ServiceCollection().AddLogging();

        services.AddVigilClient(o => o.Endpoint = new Uri("http://vigil.internal:5080"));
        services.AddVigilClient(o =>
        {
            o.ApiKey = "key-2";
            o.BatchSize = 500;
        });

        Assert.Single(services, d => d.ServiceType == typeof(IVigilClient));
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(VigilSenderService));
        Assert.Single(services, d => d.ServiceType == typeof(TimeProvider));
        Assert.Equal(2, services.Count(d => d.ServiceType == typeof(IValidateOptions<VigilClientOptions>)));

        using var provider = services.BuildServiceProvider();
        Assert.Same(provider.GetRequiredService<IVigilClient>(), provider.GetRequiredService<IVigilClient>());
        Assert.Equal([typeof(VigilSenderService), typeof(VigilTraceListener)], provider.GetServices<IHostedService>().Select(s => s.GetType()));
        var options = provider.GetRequiredService<IOptions<VigilClientOptions>>().Value;
        Assert.Equal(new Uri("http://vigil.internal:5080"), options.Endpoint);
        Assert.Equal("key-2", options.ApiKey);
        Assert.Equal(500, options.BatchSize);
    }

    [Fact]
    public void AddVigilClient_TimeProviderAlreadyRegistered_KeepsIt()
    {
        var fake = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var services = new ServiceCollection().AddSingleton<TimeProvider>(fake);

        services.AddVigilClient(o => o.Endpoint = new Uri("http://127.0.0.1:5080"));

        using var provider = services.BuildServiceProvider();
        Assert.Same(fake, provider.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public void AddVigilClient_NoTimeProvider_RegistersSystem()
    {
        var services = new ServiceCollection();

        services.AddVigilClient(o => o.Endpoint = new Uri("http://127.0.0.1:5080"));

        using var provider = services.BuildServiceProvider();
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public void AddVigilClient_ConfigurationSection_BindsEveryOption()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Vigil:Endpoint"] = "http://127.0.0.1:5080",
                ["Vigil:ApiKey"] = "vgl_ingest_123",
                ["Vigil:BatchSize"] = "250",
                ["Vigil:FlushInterval"] = "00:00:05",
                ["Vigil:MaxBufferedPoints"] = "5000",
                ["Vigil:RequestTimeout"] = "00:00:03",
                ["Vigil:MaxRetryDelay"] = "00:01:00",
                ["Vigil:ShutdownTimeout"] = "00:00:02",
                ["Vigil:RequestMetricName"] = "web_request_ms",
                ["Vigil:Enabled"] = "true",
            })
            .Build();
        var services = new ServiceCollection();

        services.AddVigilClient(configuration.GetSection(VigilClientOptions.SectionName));

        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<VigilClientOptions>>().Value;
        Assert.Equal(new Uri("http://127.0.0.1:5080"), options.Endpoint);
        Assert.Equal("vgl_ingest_123", options.ApiKey);
        Assert.Equal(250, options.BatchSize);
        Assert.Equal(TimeSpan.FromSeconds(5), options.FlushInterval);
        Assert.Equal(5000, options.MaxBufferedPoints);
        Assert.Equal(TimeSpan.FromSeconds(3), options.RequestTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), options.MaxRetryDelay);
        Assert.Equal(TimeSpan.FromSeconds(2), options.ShutdownTimeout);
        Assert.Equal("web_request_ms", options.RequestMetricName);
    }

    [Fact]
    public void AddVigilClient_ReturnsBuilderForTheNamedHttpClient()
    {
        var services = new ServiceCollection();

        var builder = services.AddVigilClient(o => o.Endpoint = new Uri("http://127.0.0.1:5080"));

        Assert.Same(services, builder.Services);
        Assert.Equal(VigilClientOptions.HttpClientName, builder.HttpClient.Name);
    }
}
