using Scalar.AspNetCore;
using Vigil.Server.Alerts;
using Vigil.Server.Audit;
using Vigil.Server.Auth;
using Vigil.Server.Cluster;
using Vigil.Server.Delivery;
using Vigil.Server.Delivery.Relay;
using Vigil.Server.Errors;
using Vigil.Server.Health;
using Vigil.Server.Hosting;
using Vigil.Server.Http;
using Vigil.Server.Ingestion;
using Vigil.Server.Monitors;
using Vigil.Server.Otlp;
using Vigil.Server.Performance;
using Vigil.Server.Prometheus;
using Vigil.Server.Queries;
using Vigil.Server.Quotas;
using Vigil.Server.Rules;
using Vigil.Server.Schedules;
using Vigil.Server.Secrets;
using Vigil.Server.StatusPage;
using Vigil.Server.Traces;
using Vigil.Storage.Secrets;

// Settings (appsettings.json, config/) ship next to the binaries: read them from there
// wherever the server is started; ./data stays relative to the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

// http://127.0.0.1:5080 unless --urls, ASPNETCORE_URLS or configuration say otherwise.
var urls = builder.Configuration["urls"];
var kestrelDecides = builder.Configuration.GetSection("Kestrel:Endpoints").Exists() || !string.IsNullOrEmpty(builder.Configuration["http_ports"]);
if (string.IsNullOrEmpty(urls) && !kestrelDecides)
{
    urls = "http://127.0.0.1:5080";
    builder.WebHost.UseUrls(urls);
}

builder.Services.AddVigilServer(builder.Configuration);

var app = builder.Build();

// Every setting and the listening address are checked before anything starts or touches the
// database: a bad one is one line naming it, not a stack trace after migrations ran.
if (StartupChecks.Run(app.Services, kestrelDecides || args is [SecretsCommand.Verb, ..] ? null : urls) is { } problem)
{
    await Console.Error.WriteLineAsync($"Vigil cannot start: {problem.Message}");
    return problem.ExitCode;
}

// `secrets rotate-master-key` re-encrypts the key ring and exits (see docs/SECURITY.md).
if (args is [SecretsCommand.Verb, ..])
{
    return await app.Services.GetRequiredService<SecretsCommand>().RunAsync(args, Console.Out, Console.Error);
}

// A missing or wrong master key is one line, not the host's stack trace; nothing is changed.
if (!await KeyRingStartup.TryPrepareAsync(app.Services, Console.Error))
{
    return 1;
}

// First: the client address every limit and log uses is the forwarded one, from known proxies only.
if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ProxyOptions>>().Value.Enabled)
{
    app.UseForwardedHeaders();
}

app.UseMiddleware<SecurityHeadersMiddleware>();
app.UseMiddleware<RequestLimitsMiddleware>();
app.UseExceptionHandler();
app.UseStatusCodePages(Vigil.Dashboard.Security.DashboardErrors.WriteAsync);
app.UseMiddleware<SelfMetricsMiddleware>();
app.UseMiddleware<QueryTextCheck>();
app.UseVigilDashboardAssets();
app.UseAuthentication();
app.UseVigilDashboardAntiforgery();
app.UseAuthorization();

// Heavy reads run in a few slots under a timeout, so ingest and evaluation keep their CPU.
app.UseMiddleware<QueryGateMiddleware>();

app.MapOpenApi();
// The reference page works offline: its scripts are served by Vigil, no web fonts, no telemetry.
app.MapScalarApiReference("/docs", options => options.DisableDefaultFonts().DisableTelemetry());
app.MapHealthEndpoints();
app.MapIngestEndpoints();
app.MapOtlpEndpoints();
app.MapTraceEndpoints();
app.MapSentryEndpoints();
app.MapIssueEndpoints();
app.MapSeriesEndpoints();
app.MapSeriesQuotaEndpoints();
app.MapSummaryEndpoints();
app.MapPrometheusEndpoints();
app.MapKeyEndpoints();
app.MapAlertEndpoints();
app.MapSilenceEndpoints();
app.MapRuleEndpoints();
app.MapRuleTestEndpoints();
app.MapAcknowledgeLinkEndpoints();
app.MapChannelEndpoints();
app.MapDeliveryEndpoints();
app.MapRelayManagementEndpoints();
app.MapRelayWebhookEndpoints();
app.MapAuditEndpoints();
app.MapScheduleEndpoints();
app.MapMonitorEndpoints();
app.MapOperationEndpoints();
app.MapRegressionEndpoints();
app.MapSloEndpoints();
app.MapMaintenanceEndpoints();
app.MapHeartbeatEndpoints();
app.MapClusterEndpoints();
app.MapStatusPageEndpoints();
app.MapVigilDashboard();

try
{
    await app.StartAsync();
}
catch (Exception ex) when (ex is not OperationCanceledException)
{
    // The host has logged the details; the last line says what stopped it.
    await Console.Error.WriteLineAsync($"Vigil cannot start: {ex.Message}");
    return StartupChecks.Failed;
}

await app.WaitForShutdownAsync();
return 0;

/// <summary>The server's entry point (public for the test host).</summary>
public partial class Program;
