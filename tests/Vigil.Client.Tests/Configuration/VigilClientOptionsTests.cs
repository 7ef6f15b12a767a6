using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Vigil.Client.Tests.Configuration;

public sealed class VigilClientOptionsTests
{
    [Fact]
    public void Constructor_Defaults_AreTheDocumentedValues()
    {
        var options = new VigilClientOptions();

        Assert.Null(options.Endpoint);
        Assert.Null(options.ApiKey);
        Assert.Null(options.ServiceName);
        Assert.Equal(1000, options.BatchSize);
        Assert.Equal(TimeSpan.FromSeconds(1), options.FlushInterval);
        Assert.Equal(100_000, options.MaxBufferedPoints);
        Assert.Equal(TimeSpan.FromSeconds(10), options.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.MaxRetryDelay);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ShutdownTimeout);
        Assert.Equal("http_request_duration_ms", options.RequestMetricName);
        Assert.True(options.Enabled);
        Assert.Equal(0, options.TracesSampleRate);
        Assert.Null(options.TraceSources);
        Assert.Equal(["Microsoft.AspNetCore", "System.Net.Http", "Npgsql", "MySqlConnector", "Microsoft.Data.SqlClient"], VigilClientOptions.DefaultTraceSources);
        Assert.Null(options.Release);
        Assert.Null(options.Environment);
        Assert.True(options.CaptureRequestExceptions);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    public void Value_TracesSampleRateOutOfRange_ThrowsNamingTracesSampleRate(double rate)
    {
        var exception = Assert.Throws<OptionsValidationException>(() => Resolve(o => o.TracesSampleRate = rate));

        Assert.Contains("VigilClientOptions.TracesSampleRate must be between 0 and 1", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("System.Net Http")]
    public void Value_TraceSourceEmptyOrWithSpace_ThrowsNamingTraceSources(string source)
    {
        var exception = Assert.Throws<OptionsValidationException>(() => Resolve(o => o.TraceSources = ["Npgsql", source]));

        Assert.Contains("VigilClientOptions.TraceSources holds", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Release", "")]
    [InlineData("Environment", "line\nbreak")]
    public void Value_ReleaseOrEnvironmentBad_ThrowsNamingIt(string setting, string value)
    {
        var exception = Assert.Throws<OptionsValidationException>(() => Resolve(o =>
        {
            if (setting == "Release")
            {
                o.Release = value;
            }
            else
            {
                o.Environment = value;
            }
        }));

        Assert.Contains($"VigilClientOptions.{setting} must be 1 to 200 characters", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_EndpointMissing_FailsAtStartupNamingEndpoint()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddVigilClient(o => o.ApiKey = "key");
        using var host = builder.Build();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("VigilClientOptions.Endpoint is required", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Value_EndpointMissing_ThrowsNamingEndpoint()
    {
        var exception = Assert.Throws<OptionsValidationException>(() => Resolve(o => o.Endpoint = null));

        Assert.Contains("VigilClientOptions.Endpoint is required", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/relative", UriKind.Relative)]
    [InlineData("ftp://vigil.internal/", UriKind.Absolute)]
    public void Value_EndpointNotHttp_ThrowsNamingEndpoint(string endpoint, UriKind kind)
    {
        var exception = Assert.Throws<OptionsValidationException>(() => Resolve(o => o.Endpoint = new Uri(endpoint, kind)));

        Assert.Contains("VigilClientOptions.Endpoint must be an absolute http or https address", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Value_DisabledWithoutEndpoint_IsValid()
    {
        var options = Resolve(o =>
        {
            o.Endpoint = null;
            o.Enabled = false;
        });

        Assert.False(options.Enabled);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public void Value_BatchSizeOutOfRange_ThrowsNamingBatchSize(int batchSize)
    {
        var exception = Assert.Throws<OptionsValidationException>(() => Resolve(o => o.BatchSize = batchSize));

        Assert.Contains("VigilClientOptions.BatchSize must be between 1 and 10000", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http-duration")]
    [InlineData("vigil_http_duration_ms")]
    public void Value_RequestMetricNameRejectedByServer_ThrowsNamingRequestMetricName(string name)
    {
        var exception = Assert.Throws<OptionsValidationException>(() => Resolve(o => o.RequestMetricName = name));

        Assert.Contains($"VigilClientOptions.RequestMetricName '{name}' is not accepted by Vigil", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void Value_ServiceNameEmptyOrTooLong_ThrowsNamingServiceName(string? name)
    {
        var exception = Assert.Throws<OptionsValidationException>(() => Resolve(o => o.ServiceName = name ?? new string('s', 1025)));

        Assert.Contains("VigilClientOptions.ServiceName must be 1 to 1024 characters", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10_000)]
    public void Value_BatchSizeAtBounds_IsValid(int batchSize)
        => Assert.Equal(batchSize, Resolve(o => o.BatchSize = batchSize).BatchSize);

    [Fact]
    public void Value_SeveralBadSettings_ReportsEachByName()
    {
        var exception = Assert.Throws<OptionsValidationException>(() => Resolve(o =>
        {
            o.MaxBufferedPoints = 0;
            o.FlushInterval = TimeSpan.Zero;
            o.RequestTimeout = TimeSpan.FromHours(1);
            o.MaxRetryDelay = TimeSpan.Zero;
            o.ShutdownTimeout = TimeSpan.FromSeconds(-1);
            o.RequestMetricName = "http-duration";
            o.ApiKey = "has space";
        }));

        Assert.Contains("VigilClientOptions.MaxBufferedPoints", exception.Message, StringComparison.Ordinal);
        Assert.Contains("VigilClientOptions.FlushInterval", exception.Message, StringComparison.Ordinal);
        Assert.Contains("VigilClientOptions.RequestTimeout", exception.Message, StringComparison.Ordinal);
        Assert.Contains("VigilClientOptions.MaxRetryDelay", exception.Message, StringComparison.Ordinal);
        Assert.Contains("VigilClientOptions.ShutdownTimeout", exception.Message, StringComparison.Ordinal);
        Assert.Contains("VigilClientOptions.RequestMetricName", exception.Message, StringComparison.Ordinal);
        Assert.Contains("VigilClientOptions.ApiKey", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("has space", exception.Message, StringComparison.Ordinal);
    }

    private static VigilClientOptions Resolve(Action<VigilClientOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddVigilClient(o =>
        {
            o.Endpoint = new Uri("http://127.0.0.1:5080");
            configure(o);
        });
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<VigilClientOptions>>().Value;
    }
}
