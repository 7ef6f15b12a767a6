using Microsoft.Extensions.DependencyInjection.Extensions;
using Vigil.Delivery.Acknowledge;
using Vigil.Delivery.Channels;
using Vigil.Delivery.Maintenance;
using Vigil.Delivery.Pipeline;
using Vigil.Delivery.Relay;
using Vigil.Jobs.Configuration;
using Vigil.Jobs.Queue;
using Vigil.Jobs.Retries;
using Vigil.Jobs.Scheduling;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Privacy;
using Vigil.Storage.Alerts;
using Vigil.Storage.Delivery;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Vigil's durable delivery pipeline.</summary>
public static class DeliveryServiceCollectionExtensions
{
    /// <summary>
    /// Adds the delivery pipeline: the outbox (alert notifications become jobs in the alert's
    /// transaction), the notification, digest and relay job handlers on the job queue, the
    /// channels, acknowledge links, the relay intake and the delivery maintenance. The host
    /// provides the storage (<c>Database</c>, the rule and alert repositories), the <c>MetricStore</c>
    /// the delivery counters go to, Data Protection and <see cref="PublicLinkOptions"/>. Safe to call twice.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The application's configuration (sections <c>Vigil:Delivery</c>, <c>Vigil:Privacy</c>, <c>Vigil:Relay</c>, <c>Vigil:Jobs</c>, <c>Vigil:Schedules</c>).</param>
    public static IServiceCollection AddVigilDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(s => s.ServiceType == typeof(DeliveryOutcomes)))
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ChannelRepository>();
        services.TryAddSingleton<RelayRepository>();
        services.TryAddSingleton<DigestRepository>();
        services.TryAddSingleton<RuleCache>();
        services.TryAddSingleton<IRuleSource>(sp => sp.GetRequiredService<RuleCache>());
        services.AddVigilCache(configuration);
        services.TryAddSingleton<ChannelStore>();
        services.TryAddSingleton<AcknowledgeLinks>();
        services.AddOptions<PublicLinkOptions>();
        services.AddVigilNotifications(configuration.GetSection(DeliveryOptions.SectionName));
        services.AddOptions<PrivacyOptions>().Bind(configuration.GetSection(PrivacyOptions.SectionName));

        // Every notification, digest and relayed webhook is a durable job.
        services.AddOptions<RelayOptions>().Bind(configuration.GetSection(RelayOptions.Section)).ValidateDataAnnotations()
            .Validate(o => o.StoredBodyBudgetBytes >= o.MaxBodyBytes, "Vigil:Relay:StoredBodyBudgetBytes must be at least Vigil:Relay:MaxBodyBytes (one body must fit).")
            .ValidateOnStart();
        services.AddVigilJobs()
            .AddJobHandler<NotificationDeliveryHandler>()
            .AddJobHandler<DigestDeliveryHandler>()
            .AddJobHandler<RelayDeliveryHandler>();
        services.AddOptions<JobsOptions>()
            .Bind(configuration.GetSection(JobsOptions.Section))
            .Configure<ChannelStore>((jobs, channels) =>
            {
                foreach (var type in DeliveryJobs.Types)
                {
                    // Retries: 5 s, 10 s, 20 s ... up to 10 min, 10 attempts (about 40 minutes of
                    // trying) before the dead-letter queue, whose hourly pass tries 5 more times.
                    jobs.Types.TryAdd(type, new JobTypeOptions
                    {
                        Concurrency = 50,
                        Priority = JobPriority.High,
                        Retry = new RetryPolicy { BaseDelay = TimeSpan.FromSeconds(5), Factor = 2, MaxDelay = TimeSpan.FromMinutes(10), MaxAttempts = 10, Jitter = 0.2 },
                    });
                }

                // A channel's deliveries in flight (notification, digest and relay jobs together, all keyed
                // by the channel id) are bounded by its maxConcurrency (1-10): the only bound on them.
                jobs.ConcurrencyKeyLimit ??= channels.MaxConcurrencyOf;
            });
        services.TryAddSingleton<INotificationOutbox, DeliveryOutbox>();
        services.AddSingleton<NotificationBuilder>();
        services.AddSingleton<DeliveryOutcomes>();
        services.AddSingleton<RelayWaiters>();
        services.AddSingleton<RelayReportListener>();
        services.AddHostedService(sp => sp.GetRequiredService<RelayReportListener>());
        services.AddSingleton<RelayIntake>();
        services.AddSingleton<RelayDashboard>();
        services.AddSingleton<DeliveryGauges>();
        services.AddHostedService<DeliveryMaintenance>();

        // Maintenance on the cron schedules: retention in the daily cleanup; the hourly dead-letter
        // retry leaves alone the deliveries of channels that would refuse them now.
        services.AddVigilSchedules(configuration);
        services.AddScheduledTask<DeliveryRetentionTask>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDeadLetterHold, ChannelDeadLetterHold>());
        return services;
    }
}
