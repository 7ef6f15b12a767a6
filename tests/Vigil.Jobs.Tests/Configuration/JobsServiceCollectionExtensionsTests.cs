using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Vigil.Jobs.Configuration;
using Vigil.Jobs.Processing;
using Vigil.Jobs.Queue;
using Vigil.Storage;
using Vigil.Testing;

namespace Vigil.Jobs.Tests.Configuration;

public sealed class JobsServiceCollectionExtensionsTests
{
    [Fact]
    public void AddVigilJobs_CalledTwice_RegistersOnceAndAppliesEveryConfigure()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(new Database(new StorageOptions()));
        services.AddVigilJobs(o => o.MaxConcurrency = 7).AddJobHandler<NoopHandler>();
        services.AddVigilJobs(o => o.PollInterval = TimeSpan.FromSeconds(2)).AddJobHandler<NoopHandler>();
        services.AddJobHandler<NoopHandler>();
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<JobsOptions>>().Value;
        Assert.Equal(7, options.MaxConcurrency);
        Assert.Equal(TimeSpan.FromSeconds(2), options.PollInterval);
        Assert.Single(provider.GetServices<IHostedService>());
        Assert.Single(provider.GetServices<IJobHandler>());
        Assert.Same(provider.GetRequiredService<JobQueue>().Signal, provider.GetRequiredService<JobSignal>());
    }

    [Fact]
    public void AddVigilJobs_SeedTypes_AreTheDefaults()
    {
        var options = new JobsOptions();

        Assert.Equal(10, options.ForType("project-scheduled-publish").Concurrency);
        Assert.Equal(JobPriority.High, options.ForType("project-scheduled-publish").Priority);
        Assert.Equal(1, options.RetryFor("project-scheduled-publish").MaxAttempts);
        Assert.Equal(3, options.ForType("export-data").Concurrency);
        Assert.Equal(JobPriority.Low, options.ForType("export-data").Priority);
        Assert.Equal(4, options.RetryFor("content-generation").MaxAttempts);
        Assert.Same(options.DefaultType, options.ForType("anything-else"));
    }

    [Theory]
    [InlineData("MaxConcurrency")]
    [InlineData("HeartbeatInterval")]
    [InlineData("Types[broken]")]
    [InlineData("Jitter")]
    public void AddVigilJobs_BadSetting_FailsAtStartNamingIt(string setting)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(new Database(new StorageOptions()));
        services.AddVigilJobs(o =>
        {
            switch (setting)
            {
                case "MaxConcurrency":
                    o.MaxConcurrency = 0;
                    break;
                case "HeartbeatInterval":
                    o.HeartbeatInterval = TimeSpan.FromSeconds(20);
                    break;
                case "Types[broken]":
                    o.Types["broken"] = new JobTypeOptions { Concurrency = 0 };
                    break;
                case "Jitter":
                    o.DefaultRetry.Jitter = 2;
                    break;
            }
        });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddVigilJobs_InAHost_RunsEnqueuedJobsAndStops()
    {
        await using var testDatabase = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var database = new Database(testDatabase.Options);
        await new Migrator(database, [JobQueue.Migrations]).MigrateAsync(0);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(database);
        builder.Services.AddSingleton<SignallingHandler>();
        builder.Services.AddVigilJobs(o => o.Types["signal"] = new JobTypeOptions { Concurrency = 2 });
        builder.Services.AddSingleton<IJobHandler>(sp => sp.GetRequiredService<SignallingHandler>());
        using var host = builder.Build();

        await host.StartAsync();
        await host.Services.GetRequiredService<JobQueue>().EnqueueAsync(new JobRequest("signal", "hello"));
        var payload = await host.Services.GetRequiredService<SignallingHandler>().Received.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await host.StopAsync();

        Assert.Equal("hello", payload);
        await database.DisposeAsync();
    }

    private sealed class NoopHandler : IJobHandler
    {
        public string Type => "noop";

        public ValueTask<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken) => ValueTask.FromResult(JobOutcome.Succeeded);
    }

    private sealed class SignallingHandler : IJobHandler
    {
        public TaskCompletionSource<string> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Type => "signal";

        public ValueTask<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken)
        {
            Received.TrySetResult(context.Payload);
            return ValueTask.FromResult(JobOutcome.Succeeded);
        }
    }
}
