using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Monitoring;
using Vigil.Monitoring.Checks;
using Vigil.Monitoring.Definitions;
using Vigil.Storage.Monitors;

namespace Vigil.Server.Monitors;

/// <summary>How the API shows monitors, checks and maintenance windows.</summary>
internal static class MonitorResponses
{
    /// <summary>
    /// A monitor: its definition (every field, so it can be sent back), <c>id</c>, the check-in URL of a
    /// heartbeat (admins only: it is the job's credential), <c>state</c>, <c>inMaintenance</c>,
    /// <c>uptime</c> over 24 h / 7 d / 30 d, <c>recentChecks</c>, times and version.
    /// </summary>
    public static JsonObject Monitor(MonitorView view, bool showToken, Func<string, string> link)
    {
        var json = MonitorJson.Write(view.Definition);
        var stored = view.Stored;
        var result = new JsonObject { ["id"] = stored.Id };
        foreach (var (name, value) in json)
        {
            result[name] = value?.DeepClone();
        }

        result["target"] = view.Definition.Target;
        if (stored.HeartbeatToken is { } token)
        {
            result["heartbeatUrl"] = showToken ? link(HeartbeatEndpoints.PathOf(token)) : null;
        }

        var state = stored.State;
        var status = !stored.Enabled ? "paused" : state.Status ?? "unknown";
        result["state"] = new JsonObject
        {
            ["status"] = status,
            ["since"] = Time(state.StatusSinceMs),
            ["lastCheckAt"] = Time(state.LastCheckAtMs),
            ["lastResponseMs"] = state.LastResponseMs,
            ["lastError"] = state.LastError,
            ["consecutiveFailures"] = state.ConsecutiveFailures,
            ["certificateExpiresAt"] = Time(state.CertificateExpiresAtMs),
            ["lastCheckInAt"] = Time(stored.LastPingAtMs),
        };
        result["inMaintenance"] = view.InMaintenance;
        var uptime = new JsonObject();
        foreach (var (period, figures) in view.Uptime)
        {
            uptime[period] = new JsonObject
            {
                ["percent"] = figures.Percent,
                ["checks"] = figures.Checks,
                ["down"] = figures.Down,
                ["averageResponseMs"] = figures.AverageResponseMs,
            };
        }

        result["uptime"] = uptime;
        result["recentChecks"] = new JsonArray([.. view.RecentChecks.Select(c => (JsonNode)Check(c))]);
        result["createdAt"] = Time(stored.CreatedAtMs);
        result["updatedAt"] = Time(stored.UpdatedAtMs);
        result["version"] = stored.Version;
        return result;
    }

    /// <summary>A stored check.</summary>
    public static JsonObject Check(StoredCheck check) => new()
    {
        ["id"] = check.Id.ToString(CultureInfo.InvariantCulture),
        ["checkedAt"] = Time(check.CheckedAtMs),
        ["status"] = check.Status,
        ["responseMs"] = check.ResponseMs,
        ["statusCode"] = check.StatusCode,
        ["error"] = check.Error,
        ["maintenance"] = check.Maintenance,
    };

    /// <summary>The answer of "check now".</summary>
    public static JsonObject CheckNow(CheckResult result, bool applied, DateTimeOffset at) => new()
    {
        ["checkedAt"] = at,
        ["status"] = result.Status.ToWire(),
        ["responseMs"] = result.ResponseMs,
        ["statusCode"] = result.StatusCode,
        ["error"] = result.Message,
        ["certificateExpiresAt"] = result.CertificateExpiresAt,
        ["applied"] = applied,
    };

    /// <summary>A maintenance window.</summary>
    public static JsonObject Maintenance(StoredMaintenance window, long nowMs) => new()
    {
        ["id"] = window.Id,
        ["name"] = window.Name,
        ["monitorId"] = window.MonitorId,
        ["startsAt"] = Time(window.StartsAtMs),
        ["endsAt"] = Time(window.EndsAtMs),
        ["active"] = nowMs >= window.StartsAtMs && nowMs < window.EndsAtMs,
        ["createdAt"] = Time(window.CreatedAtMs),
    };

    private static JsonNode? Time(long? ms) => ms is { } value ? JsonValue.Create(DateTimeOffset.FromUnixTimeMilliseconds(value)) : null;
}
