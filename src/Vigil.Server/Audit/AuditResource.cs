using System.Security.Claims;
using Vigil.Server.Alerts;
using Vigil.Server.Auth;
using Vigil.Server.Delivery;
using Vigil.Server.Rules;
using Vigil.Storage.Alerts;
using Vigil.Storage.Delivery;
using Vigil.Storage.Keys;

namespace Vigil.Server.Audit;

/// <summary>
/// A kind of resource admins change, and how to read one as the API shows it — the before and
/// after of an audit entry, with every secret masked as the API masks it (channels through
/// their masking, relay secrets as <c>********</c>, keys without their hash).
/// </summary>
internal sealed class AuditResource(string name, Func<IServiceProvider, string, CancellationToken, Task<object?>> read)
{
    public static readonly AuditResource Rules = new("rules", async (services, id, ct) =>
        Value(await RuleEndpoints.GetAsync(id, services.GetRequiredService<Vigil.Storage.Alerts.RuleCache>(), ct).ConfigureAwait(false)));

    public static readonly AuditResource Channels = new("channels", async (services, id, ct) =>
        Value(await ChannelEndpoints.GetAsync(id, services.GetRequiredService<Vigil.Delivery.Channels.ChannelStore>(), services.GetRequiredService<Vigil.Notifications.Delivery.NotificationSender>(), ct).ConfigureAwait(false)));

    public static readonly AuditResource Silences = new("silences", async (services, id, ct) =>
        (await services.GetRequiredService<SilenceRepository>().ListAsync(null, ct).ConfigureAwait(false)).FirstOrDefault(s => s.Id == id) is { } silence
            ? SilenceEndpoints.ToResponse(silence, services.GetRequiredService<TimeProvider>().GetUtcNow())
            : null);

    public static readonly AuditResource Keys = new("keys", async (services, id, ct) =>
        (await KeyEndpoints.ListAsync(services.GetRequiredService<ApiKeyRepository>(), ct).ConfigureAwait(false)).Value?.FirstOrDefault(k => k.Id == id));

    public static readonly AuditResource RelayEndpoints = new("relay-endpoints", async (services, id, ct) =>
        await services.GetRequiredService<RelayRepository>().GetEndpointAsync(id, ct).ConfigureAwait(false) is { } endpoint
            ? Delivery.Relay.RelayManagementEndpoints.ToResponse(endpoint)
            : null);

    public static readonly AuditResource Alerts = new("alerts", async (services, id, ct) =>
        await services.GetRequiredService<AlertRepository>().GetAsync(id, ct).ConfigureAwait(false) is { } alert
            ? AlertEndpoints.ToResponse(alert, null)
            : null);

    public static readonly AuditResource Monitors = new("monitors", async (services, id, ct) =>
        await services.GetRequiredService<Vigil.Monitoring.MonitorCatalog>().GetAsync(id, 0, ct).ConfigureAwait(false) is { } view
            ? Vigil.Server.Monitors.MonitorResponses.Monitor(view, showToken: false, path => path)
            : null);

    public static readonly AuditResource Maintenance = new("maintenance", async (services, id, ct) =>
        (await services.GetRequiredService<Vigil.Storage.Monitors.MonitorRepository>().MaintenanceAsync(ct).ConfigureAwait(false)).FirstOrDefault(w => w.Id == id) is { } window
            ? Vigil.Server.Monitors.MonitorResponses.Maintenance(window, services.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeMilliseconds())
            : null);

    public static readonly AuditResource Slos = new("slos", async (services, id, ct) =>
        Value(await Vigil.Server.Performance.SloEndpoints.GetAsync(id, services.GetRequiredService<Vigil.Storage.Performance.SloRepository>(), ct).ConfigureAwait(false)));

    /// <summary>A replayed delivery: recorded with who and when; the job itself is not shown.</summary>
    public static readonly AuditResource Deliveries = new("deliveries", (_, _, _) => Task.FromResult<object?>(null));

    /// <summary>A schedule run on demand: recorded with who and when.</summary>
    public static readonly AuditResource Schedules = new("schedules", (_, _, _) => Task.FromResult<object?>(null));

    /// <summary>Every kind, for the <c>resource</c> filter of <c>GET /api/v1/audit</c>.</summary>
    public static readonly IReadOnlyList<string> Names = ["rules", "channels", "silences", "keys", "relay-endpoints", "alerts", "deliveries", "schedules", "monitors", "maintenance", "slos"];

    public string Name { get; } = name;

    /// <summary>The resource as the API shows it, or null when it does not exist.</summary>
    public Task<object?> ReadAsync(IServiceProvider services, string id, CancellationToken cancellationToken) => read(services, id, cancellationToken);

    /// <summary>Who made a change: the API key's id and name.</summary>
    public static (string Id, string Name) Actor(ClaimsPrincipal user) =>
        (user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "unknown", user.Identity?.Name ?? "unknown");

    /// <summary>The value of a result that has one (an Ok inside a Results union).</summary>
    public static object? Value(IResult? result)
    {
        while (result is INestedHttpResult nested)
        {
            result = nested.Result;
        }

        return result is IValueHttpResult value && result is not IStatusCodeHttpResult { StatusCode: >= 300 } ? value.Value : null;
    }
}
