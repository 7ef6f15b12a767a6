using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vigil.Jobs.Configuration;
using Vigil.Jobs.Processing;
using Vigil.Jobs.Queue;
using Vigil.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the durable job queue: <see cref="JobQueue"/>, <see cref="JobSignal"/>, the options
/// (validated at start-up) and the processor that runs the registered handlers. It needs a
/// <see cref="Database"/> singleton, which the Vigil server registers.
/// </summary>
public static class JobsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the job queue. Safe to call more than once: services are registered once and every
    /// <paramref name="configure"/> is applied, in order.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Changes <see cref="JobsOptions"/> (job types, concurrency, retries...); null: defaults only.
    /// To bind configuration as well: <c>services.AddOptions&lt;JobsOptions&gt;().Bind(configuration.GetSection(JobsOptions.Section))</c>.</param>
    /// <returns>A builder to register handlers.</returns>
    /// <example>
    /// <code>
    /// services.AddVigilJobs(o => o.Types["notification-delivery"] = new JobTypeOptions { Concurrency = 50, Priority = JobPriority.High })
    ///     .AddJobHandler&lt;DeliveryJobHandler&gt;();
    /// </code>
    /// </example>
    public static IVigilJobsBuilder AddVigilJobs(this IServiceCollection services, Action<JobsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<JobsOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (!services.Any(d => d.ServiceType == typeof(JobsMarker)))
        {
            services.AddSingleton<JobsMarker>();
            options.ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JobsOptions>, JobsOptionsAttributeValidator>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JobsOptions>, JobsOptionsValidator>());
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton<JobSignal>();
            services.AddSingleton(JobQueue.Migrations);
            services.TryAddSingleton(sp => new JobQueue(
                sp.GetRequiredService<Database>(),
                sp.GetRequiredService<IOptions<JobsOptions>>().Value,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<JobSignal>()));
            services.TryAddSingleton(sp => new JobProcessor(
                sp.GetRequiredService<JobQueue>(),
                sp.GetServices<IJobHandler>(),
                sp.GetRequiredService<IOptions<JobsOptions>>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<JobProcessor>>()));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, JobProcessorHost>(sp => new JobProcessorHost(sp.GetRequiredService<JobProcessor>())));
        }

        return new VigilJobsBuilder(services);
    }

    /// <summary>Registers a job handler (a singleton) and the job queue if it is not there yet.</summary>
    public static IServiceCollection AddJobHandler<THandler>(this IServiceCollection services)
        where THandler : class, IJobHandler
    {
        services.AddVigilJobs().AddJobHandler<THandler>();
        return services;
    }

    private sealed class VigilJobsBuilder(IServiceCollection services) : IVigilJobsBuilder
    {
        public IServiceCollection Services { get; } = services;

        public IVigilJobsBuilder AddJobHandler<THandler>()
            where THandler : class, IJobHandler
        {
            Services.TryAddEnumerable(ServiceDescriptor.Singleton<IJobHandler, THandler>());
            return this;
        }
    }

    /// <summary>Marks a service collection where the one-time registrations were made.</summary>
    private sealed class JobsMarker;

    /// <summary>A distinct hosted-service type, so the registration is idempotent and the processor stays resolvable.</summary>
    private sealed class JobProcessorHost(JobProcessor processor) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => processor.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => processor.StopAsync(cancellationToken);
    }
}
