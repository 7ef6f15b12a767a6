using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Vigil.Core.Metrics;
using Vigil.Dashboard.Auth;
using Vigil.Health.Scheduling;
using Vigil.Jobs.Scheduling;
using Vigil.Delivery.Acknowledge;
using Vigil.Server.Alerts;
using Vigil.Server.Audit;
using Vigil.Server.Auth;
using Vigil.Server.Cluster;
using Vigil.Server.Delivery.Relay;
using Vigil.Server.Hosting;
using Vigil.Server.Http;
using Vigil.Server.Ingestion;
using Vigil.Server.Persistence;
using Vigil.Server.Prometheus;
using Vigil.Server.Quotas;
using Vigil.Server.Secrets;
using Vigil.Storage;
using Vigil.Storage.Alerts;
using Vigil.Storage.Audit;
using Vigil.Storage.Cluster;
using Vigil.Storage.Keys;
using Vigil.Storage.Limits;
using Vigil.Core.Limits;
using Vigil.Storage.Metrics;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Vigil server's services.</summary>
internal static class VigilServerServiceCollectionExtensions
{
    /// <summary>The default authentication scheme: picks the API key or the session cookie.</summary>
    public const string VigilScheme = "Vigil";

    public static IServiceCollection AddVigilServer(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(s => s.ServiceType == typeof(VigilInitializer)))
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);

        // First of the hosted services: the uptime clock starts with the host, not on first use.
        services.AddSingleton<ProcessClock>();
        services.AddHostedService(sp => sp.GetRequiredService<ProcessClock>());
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MetricsOptions>().Bind(configuration.GetSection(MetricsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<HttpOptions>().Bind(configuration.GetSection(HttpOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        // Behind a reverse proxy: X-Forwarded-For names the client, only from the proxies configured.
        services.AddOptions<ProxyOptions>().Bind(configuration.GetSection(ProxyOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>()
            .Configure<IOptions<ProxyOptions>>((forwarded, proxies) => proxies.Value.ApplyTo(forwarded));
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IOptions<HttpOptions>>((kestrel, http) =>
            {
                kestrel.Limits.MaxRequestBodySize = http.Value.MaxRequestBodyBytes;
                RequestLimitsMiddleware.ConfigureKestrel(kestrel.Limits, http.Value);
                kestrel.AddServerHeader = false;
            });

        services.AddSingleton(sp => new Database(sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        services.AddSingleton<Migrator>();
        services.AddSingleton<ApiKeyRepository>();
        services.AddSingleton<RollupRepository>();
        services.AddSingleton(sp => new MetricStore(sp.GetRequiredService<IOptions<MetricsOptions>>().Value, sp.GetRequiredService<TimeProvider>())
        {
            SharesAggregates = AggregateSharing.IsEnabled(sp.GetRequiredService<Database>(), sp.GetRequiredService<IOptions<ClusterOptions>>().Value),
        });
        services.AddSingleton<MetricPersistence>();
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<AuthFailureLimiter>();
        services.AddSingleton<ISignInLimiter>(provider => provider.GetRequiredService<AuthFailureLimiter>());
        services.AddOptions<QuotaOptions>().Bind(configuration.GetSection(QuotaOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var quotas = sp.GetRequiredService<IOptions<QuotaOptions>>().Value;
            return new IngestQuotas(quotas.SeriesPerKey, quotas.PointsPerSecondPerKey, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<IngestCounters>();
        services.AddSingleton<PrometheusExporter>();
        services.AddVigilRules(configuration);
        services.AddVigilQueries(configuration);

        // The initializer runs before the flusher and before the server takes requests.
        services.AddHostedService<VigilInitializer>();

        // The node heartbeat (cluster_nodes) before the services that drain at shutdown: it stops
        // after them and then removes this node.
        services.AddOptions<ClusterOptions>().Bind(configuration.GetSection(ClusterOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<NodeIdentity>();
        services.AddSingleton<ClusterDrain>();
        services.AddSingleton<ClusterNodeRepository>();
        services.AddSingleton<ClusterHeartbeat>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterHeartbeat>());
        // Destination breakers and rate limits shared by the nodes (PostgreSQL; Redis when
        // configured). None on SQLite, one process: each destination's own pipeline is the limit.
        services.AddSingleton(sp => new PostgresDestinationLimits(sp.GetRequiredService<Database>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IDestinationLimits>(sp => sp.GetRequiredService<Database>().Provider != StorageProvider.Postgres
            ? null!
            : new SharedDestinationLimits(
                sp.GetRequiredService<PostgresDestinationLimits>(),
                sp.GetRequiredService<IOptions<Vigil.Storage.Redis.RedisOptions>>().Value.Configured
                    ? new RedisDestinationLimits(sp.GetRequiredService<Vigil.Storage.Redis.RedisConnection>(), sp.GetRequiredService<TimeProvider>())
                    : null,
                sp.GetRequiredService<ILogger<SharedDestinationLimits>>()));

        // Sharing stops after the flusher (whose last write it allows), so it comes first.
        services.AddSingleton<MetricPartialRepository>();
        services.AddSingleton<AggregateSharing>();
        services.AddHostedService(sp => sp.GetRequiredService<AggregateSharing>());
        services.AddHostedService<RollupFlusher>();
        services.AddOptions<AlertOptions>().Bind(configuration.GetSection(AlertOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AlertRepository>();
        services.AddSingleton<SilenceRepository>();
        services.AddSingleton<AuditRepository>();
        services.AddOptions<AuditOptions>().Bind(configuration.GetSection(AuditOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AuditCleanup>();
        // The one read cache (Vigil:Cache), after the initializer: its prewarm reads migrated tables.
        services.AddVigilCache(configuration);
        services.AddSingleton<RuleCache>();
        services.AddSingleton<IRuleSource>(sp => sp.GetRequiredService<RuleCache>());
        services.AddSingleton<Vigil.Storage.Caching.ICachePrewarm>(sp => sp.GetRequiredService<RuleCache>());
        services.AddSingleton<Vigil.Storage.Caching.ICachePrewarm>(sp => sp.GetRequiredService<Vigil.Delivery.Channels.ChannelStore>());
        services.AddSingleton<RuleHistory>();
        services.AddSingleton<RuleMemories>();
        services.AddSingleton<EvaluationLeader>();
        services.AddSingleton<EvaluationTrigger>();

        // Secrets at rest and signed links: Data Protection, its key ring in the database,
        // encrypted under the master key (Vigil:Secrets), opened right after the migrations.
        services.AddVigilSecrets(configuration);
        services.AddSingleton<SecretsCommand>();
        services.AddOptions<PublicLinkOptions>().Configure<IOptions<HttpOptions>>((links, http) => links.PublicUrl = http.Value.PublicUrl);
        services.AddVigilDelivery(configuration);

        // Maintenance on the cron schedules (Vigil:Schedules), besides the queue's and delivery's own tasks.
        services.AddVigilSchedules(configuration);
        services.AddSingleton<IScheduledTask>(sp => sp.GetRequiredService<AuditCleanup>());
        services.AddScheduledTask<RollupRetentionTask>();
        services.AddScheduledTask<HealthCheckTask>();

        // Performance tracking (Vigil.Performance): operations, their hourly sums and baselines, on the aggregation schedule.
        services.AddVigilPerformance(configuration);
        services.AddVigilOtlp(configuration);
        services.AddSingleton<Vigil.Server.Otlp.TraceIntake>(); // spans from OTLP and from Sentry transactions

        // Error tracking (Vigil.Errors): Sentry events and OTLP exceptions grouped into issues; their
        // new-issue, regression and spike conditions enter the alert engine like system_down's.
        services.AddVigilErrors(configuration);
        services.AddSingleton<Vigil.Errors.Issues.IErrorAlertSink, Vigil.Server.Errors.ErrorAlertSink>();

        // The relay limits its callers itself: after their secret is checked (RelayWebhookEndpoints).
        services.AddSingleton<RelayCallerLimits>();
        services.AddSingleton<RelayRefusalLog>();
        services.AddSingleton<OpenAlertCache>();
        services.AddSingleton<AlertEngine>();

        // Uptime monitors (Vigil.Monitoring): their down/up conditions enter the alert engine as the
        // system_down rule's, judged by the monitors (retries, grace, maintenance), not by the evaluator.
        services.AddVigilMonitoring(configuration.GetSection(Vigil.Monitoring.MonitoringOptions.Section));
        services.AddSingleton<Vigil.Monitoring.Alerts.IMonitorAlertSink, Vigil.Server.Monitors.MonitorAlertSink>();
        services.AddSingleton(new ExternalConditions([Vigil.Monitoring.Alerts.MonitorAlertReport.RuleId, Vigil.Performance.Regressions.RegressionAlert.RuleId,
            Vigil.Performance.Slos.SloTracker.PageRuleId, Vigil.Performance.Slos.SloTracker.TicketRuleId, .. Vigil.Errors.Issues.ErrorCondition.RuleIds]));
        services.AddSingleton<Vigil.Performance.Regressions.IPerformanceAlertSink, Vigil.Server.Performance.PerformanceAlertSink>();
        services.AddSingleton<Vigil.Server.Monitors.HeartbeatLimits>();
        services.AddVigilStatusPage(configuration.GetSection(Vigil.Monitoring.StatusPage.StatusPageOptions.Section));
        services.AddHostedService<EvaluationScheduler>();
        services.AddSingleton<EvaluationWatchdog>();
        services.AddHostedService(sp => sp.GetRequiredService<EvaluationWatchdog>());

        // One door, two keys: an API key in a header, or the dashboard's session cookie (pages,
        // and the API calls the pages make). A request without either gets the API key's 401 on
        // the API and the sign-in page elsewhere.
        services.AddVigilDashboard(configuration);
        services.AddHostedService<SetupLinkAnnouncer>();
        services.AddAuthentication(VigilScheme)
            .AddPolicyScheme(VigilScheme, "API key or dashboard session", options => options.ForwardDefaultSelector = context =>
                ApiKeyAuthenticationHandler.Presented(context.Request) is null && DashboardCookie.Applies(context) ? DashboardCookie.Scheme : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddVigilDashboardCookie();
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Ingest, p => p.RequireRole(Policies.Ingest, Policies.Admin))
            .AddPolicy(Policies.Viewer, p => p.RequireRole(Policies.Viewer, Policies.Admin))
            .AddPolicy(Policies.Admin, p => p.RequireRole(Policies.Admin));

        services.AddProblemDetails();
        services.AddExceptionHandler<ExceptionHandler>();
        // Vigil's own health (Vigil.Health): database, jobs, advanced, redis when configured; the
        // readiness gate the initializer opens; host and process resources as series.
        services.AddVigilHealth(configuration);
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            options.SerializerOptions.TypeInfoResolver = (options.SerializerOptions.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver())
                .WithAddedModifier(FiniteJson.Modifier);
        });
        services.AddOpenApi(options => options.AddDocumentTransformer<OpenApiSecurity>().AddDocumentTransformer<OpenApiServers>());

        // Last, so the host stops it first: a graceful stop begins with the drain.
        services.AddHostedService<ClusterDrainService>();
        return services;
    }
}
