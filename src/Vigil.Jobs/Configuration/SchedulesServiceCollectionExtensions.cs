using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vigil.Jobs.Configuration;
using Vigil.Jobs.Processing;
using Vigil.Jobs.Queue;
using Vigil.Jobs.Retries;
using Vigil.Jobs.Scheduling;
using Vigil.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the cron schedules (<see cref="BuiltInSchedules"/>) on the durable job queue: their settings
/// (<c>Vigil:Schedules:&lt;name&gt;</c>, validated at start-up), the scheduler that enqueues each due
/// run once across processes, the handler that runs a schedule's <see cref="IScheduledTask"/>s, and
/// the queue's own tasks (dead-letter retry, finished-job retention), which replace the processor's
/// maintenance loop.
/// </summary>
public static class BuiltInSchedulesServiceCollectionExtensions
{
    /// <summary>Adds the built-in schedules and the scheduler. Safe to call more than once.</summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configuration">The application's configuration (sections <c>Vigil:Schedules</c> and <c>Vigil:Jobs</c>).</param>
    public static IServiceCollection AddVigilSchedules(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(ScheduleStore)))
        {
            return services;
        }

        services.AddVigilJobs().AddJobHandler<ScheduledRunHandler>();
        services.AddOptions<JobsOptions>().Configure(jobs =>
        {
            jobs.MaintenanceScheduled = true;

            // One run per schedule at a time is plenty; a failed run is not retried (the next due time is).
            jobs.Types.TryAdd(ScheduleStore.JobType, new JobTypeOptions { Concurrency = 4, Priority = JobPriority.Medium, Retry = new RetryPolicy { MaxAttempts = 1 } });
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ScheduleOptions>, ScheduleOptionsValidator>());
        foreach (var (name, cron) in BuiltInSchedules.Defaults)
        {
            services.AddSchedule(name, cron, configuration);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ScheduleStore(sp.GetRequiredService<Database>(), sp.GetRequiredService<JobQueue>()));
        services.TryAddSingleton(sp => new ScheduleService(
            sp.GetServices<ScheduleRegistration>(),
            sp.GetRequiredService<IOptionsMonitor<ScheduleOptions>>(),
            sp.GetServices<IScheduledTask>(),
            sp.GetRequiredService<ScheduleStore>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new CronScheduler(
            sp.GetRequiredService<ScheduleService>(),
            sp.GetRequiredService<ScheduleStore>(),
            sp.GetRequiredService<IOptions<JobsOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<CronScheduler>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CronSchedulerHost>(sp => new CronSchedulerHost(sp.GetRequiredService<CronScheduler>())));
        services.AddScheduledTask<DeadLetterRetryTask>();
        services.AddScheduledTask<FinishedJobRetentionTask>();
        return services;
    }

    /// <summary>
    /// Adds a schedule besides the built-in ones: <paramref name="defaultCron"/> unless
    /// <c>Vigil:Schedules:&lt;name&gt;</c> says otherwise. Safe to call twice for one name.
    /// </summary>
    public static IServiceCollection AddSchedule(this IServiceCollection services, string name, string defaultCron, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(defaultCron);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(ScheduleRegistration) && d.ImplementationInstance is ScheduleRegistration r && r.Name == name))
        {
            return services;
        }

        services.AddSingleton(new ScheduleRegistration(name, defaultCron));
        services.AddOptions<ScheduleOptions>(name)
            .Configure(o => o.Cron = defaultCron)
            .Bind(configuration.GetSection($"{ScheduleOptions.Section}:{name}"))
            .ValidateOnStart();
        return services;
    }

    /// <summary>Adds a task to the schedule it names (<see cref="IScheduledTask.Schedule"/>); a singleton, registered once.</summary>
    public static IServiceCollection AddScheduledTask<TTask>(this IServiceCollection services)
        where TTask : class, IScheduledTask
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IScheduledTask, TTask>());
        return services;
    }

    /// <summary>A distinct hosted-service type, so the registration is idempotent and the scheduler stays resolvable.</summary>
    private sealed class CronSchedulerHost(CronScheduler scheduler) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => scheduler.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => scheduler.StopAsync(cancellationToken);
    }
}
