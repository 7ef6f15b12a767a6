using System.Globalization;
using Vigil.Monitoring;
using Vigil.Storage.Monitors;

namespace Vigil.Dashboard.Monitors;

/// <summary>How the monitor pages write states and figures.</summary>
public static class MonitorText
{
    /// <summary>The state word of a monitor (disabled, in maintenance, or its checks' status).</summary>
    public static string State(MonitorView monitor)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        return !monitor.Stored.Enabled ? "paused"
            : monitor.InMaintenance ? "maintenance"
            : monitor.Stored.State.Status ?? "not checked yet";
    }

    /// <summary>The badge class of a state (the alert colours: down is critical, pending a warning).</summary>
    public static string StateClass(string state) => state switch
    {
        "down" => "badge sev-critical",
        "pending" or "degraded" => "badge sev-warning",
        "up" => "badge st-resolved",
        _ => "badge",
    };

    /// <summary>An uptime percentage, or a dash without checks.</summary>
    public static string Uptime(UptimeFigures? figures) =>
        figures?.Percent is { } percent ? percent.ToString("0.###", CultureInfo.InvariantCulture) + " %" : "–";

    /// <summary>A response time in ms, or a dash.</summary>
    public static string Ms(double? ms) => ms is { } v ? v.ToString("0.#", CultureInfo.InvariantCulture) + " ms" : "–";

    /// <summary>A Unix-ms instant as ISO 8601 (for time.local).</summary>
    public static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("O", CultureInfo.InvariantCulture);
}
